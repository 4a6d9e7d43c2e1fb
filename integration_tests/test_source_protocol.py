"""spec, check, discover and full-refresh read of the installed console script against the Campus sandbox."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from integration_tests.source_cli import (  # noqa: F401  (catalog is a fixture)
    ALL_STREAMS,
    assert_no_secret,
    catalog,
    configured_catalog,
    record_keys,
    run_source,
    sandbox_keys,
    seed_gradebook,
)

def test_spec_describes_every_setting_and_hides_secrets(tmp_path: Path) -> None:
    run = run_source("spec", tmp_path)
    assert run.returncode == 0, run.stderr
    (spec,) = [message["spec"] for message in run.of_type("SPEC")]
    properties = spec["connectionSpecification"]["properties"]
    assert {"base_url", "credentials", "vendor_key", "vendor_secret", "page_size", "max_concurrent_requests",
            "start_date", "school_ids"} <= set(properties)
    assert properties["vendor_secret"]["airbyte_secret"] is True
    secrets = {name for variant in properties["credentials"]["oneOf"] for name, field in variant["properties"].items()
               if field.get("airbyte_secret")}
    assert secrets == {"client_secret", "consumer_secret"}
    assert properties["max_concurrent_requests"]["maximum"] == 5
    assert properties["start_date"]["format"] == "date-time"


@pytest.mark.parametrize("auth", ["oauth2", "oauth1"])
def test_check_succeeds_with_either_auth(sandbox, tmp_path: Path, auth: str) -> None:
    config = sandbox.connection_config(auth=auth)
    run = run_source("check", tmp_path, config=config)
    assert run.returncode == 0, run.stderr
    assert run.connection_status == {"status": "SUCCEEDED"}
    assert sandbox.stats.by_collection.get("categories") == 1, "the gradebook was probed with the vendor pair"
    assert_no_secret(run, config)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CHECK_FAILURES = {
    "secret renewed in Campus": (lambda sb: _with_credentials(sb, client_secret="an-old-secret-from-last-year-0000"),
                                 "Renew Secret"),
    "host unreachable": (lambda sb: _moved(sb, f"http://127.0.0.1:{closed_port()}"), "Cannot reach the OneRoster host"),
    "TLS handshake fails": (lambda sb: _moved(sb, sb.origin.replace("http://", "https://")), "Cannot reach the OneRoster host"),
    "not a OneRoster base URL": (lambda sb: {**sb.connection_config(), "base_url": sb.origin + "/campus/api"},
                                 "The Base URL is not a OneRoster 1.1 endpoint"),
    "http on a real host": (lambda sb: {**sb.connection_config(), "base_url": "http://district.example.org/ims/oneroster/v1p1"},
                            "https"),
    "roster-only key with gradebook streams": (lambda sb: sb.connection_config(roster_only=True),
                                               "gradebook endpoints (categories, lineItems, results) were refused"),
    "wrong vendor pair": (lambda sb: {**sb.connection_config(), "vendor_secret": "not-the-vendor-secret-0000"},
                          "Vendor key and Vendor secret"),
    "key accepted, connection disabled": (lambda sb: _connection_disabled(sb), "refused to serve rostering data"),
}


def _connection_disabled(sb) -> dict:
    """The district turned the OneRoster connection off: the token is issued, every API read is 403."""
    sb.options.connection_enabled = False
    return sb.connection_config()


def _with_credentials(sb, **credentials) -> dict:
    config = sb.connection_config()
    return {**config, "credentials": {**config["credentials"], **credentials}}


def _moved(sb, origin: str) -> dict:
    config = sb.connection_config()
    return {**config, "base_url": config["base_url"].replace(sb.origin, origin),
            "credentials": {**config["credentials"], "token_url": config["credentials"]["token_url"].replace(sb.origin, origin)}}


@pytest.mark.parametrize("case", sorted(CHECK_FAILURES))
def test_check_names_each_failure_without_a_stack_trace_or_secret(sandbox, tmp_path: Path, case: str) -> None:
    make_config, expected = CHECK_FAILURES[case]
    config = make_config(sandbox)
    run = run_source("check", tmp_path, config=config)
    assert run.returncode == 0, run.stderr
    status = run.connection_status
    assert status["status"] == "FAILED"
    assert status["message"].startswith(("Cannot", "The", "Campus", "Rostering")) and expected in status["message"]
    assert "Traceback" not in status["message"]
    assert_no_secret(run, {**sandbox.connection_config(), **config})


def test_discover_declares_every_stream_incremental_on_date_last_modified(catalog: dict) -> None:
    streams = {stream["name"]: stream for stream in catalog["streams"]}
    assert set(streams) == set(ALL_STREAMS)
    for stream in streams.values():
        assert stream["source_defined_primary_key"] == [["sourcedId"]]
        assert stream["default_cursor_field"] == ["dateLastModified"]
        assert stream["source_defined_cursor"] is True
        assert set(stream["supported_sync_modes"]) == {"full_refresh", "incremental"}
        assert stream["json_schema"]["properties"]["dateLastModified"]["format"] == "date-time"
    # a boolean, or the provider's own spelling kept as text (never a type the records contradict)
    assert streams["users"]["json_schema"]["properties"]["enabledUser"]["type"] == ["null", "boolean"]
    assert streams["results"]["json_schema"]["properties"]["score"]["type"] == ["null", "number"]
    assert streams["results"]["json_schema"]["properties"]["textScore"]["type"] == ["null", "string"]
    assert streams["enrollments"]["json_schema"]["properties"]["class"]["properties"]["sourcedId"]


def test_full_refresh_reads_exactly_the_districts_records(sandbox, tmp_path: Path, catalog: dict) -> None:
    seed_gradebook(sandbox)
    config = sandbox.connection_config(page_size=25)
    run = run_source("read", tmp_path, config=config, catalog=configured_catalog(catalog, {s: "full_refresh" for s in ALL_STREAMS}))
    assert run.returncode == 0, run.stderr
    assert not run.errors
    assert record_keys(run.records) == sandbox_keys(sandbox)
    assert len(run.records) == len(record_keys(run.records)), "a full refresh emits each record once"
    assert len(run.records_of("results")) == 4 and {type(r["score"]) for r in run.records_of("results")} <= {int, float}
    users, enrollments = run.records_of("users"), run.records_of("enrollments")
    assert {type(user["enabledUser"]) for user in users} == {bool}
    assert {type(enrollment["primary"]) for enrollment in enrollments} == {bool}
    assert any(user["status"] == "tobedeleted" for user in users), "soft deletes flow through"
    estimates = {trace["estimate"]["name"]: trace["estimate"]["row_estimate"] for trace in run.traces("ESTIMATE")}
    assert estimates["enrollments"] == len(enrollments) and estimates["users"] == len(users)
    final_states = {state["stream"]["stream_descriptor"]["name"]: state for state in run.states}
    assert final_states["enrollments"]["stream"]["stream_state"] == {
        "dateLastModified": max(e["dateLastModified"] for e in enrollments)
    }
    assert sum(state["sourceStats"]["recordCount"] for state in run.states
               if state["stream"]["stream_descriptor"]["name"] == "enrollments") == len(enrollments)
    assert_no_secret(run, config)


def test_demographics_are_read_only_when_selected(sandbox, tmp_path: Path, catalog: dict) -> None:
    selected = {"users": "full_refresh", "enrollments": "incremental"}
    run = run_source("read", tmp_path, config=sandbox.connection_config(), catalog=configured_catalog(catalog, selected))
    assert run.returncode == 0, run.stderr
    assert {record["stream"] for record in run.records} == set(selected)
    assert "demographics" not in sandbox.stats.by_collection


def test_school_filter_reads_the_schools_nested_collections(sandbox, tmp_path: Path, catalog: dict) -> None:
    everything = run_source("read", tmp_path, config=sandbox.connection_config(),
                            catalog=configured_catalog(catalog, {"classes": "full_refresh", "enrollments": "full_refresh"}))
    school = everything.records_of("classes")[0]["school"]["sourcedId"]
    config = sandbox.connection_config(school_ids=[school])
    run = run_source("read", tmp_path, config=config,
                     catalog=configured_catalog(catalog, {"classes": "incremental", "enrollments": "incremental", "users": "incremental"}))
    assert run.returncode == 0, run.stderr
    for stream in ("classes", "enrollments"):
        expected = {r["sourcedId"] for r in everything.records_of(stream) if r["school"]["sourcedId"] == school}
        assert {r["sourcedId"] for r in run.records_of(stream)} == expected and expected
    assert {role for user in run.records_of("users") for role in [user["role"]]} <= {"student", "teacher"}
    assert all(school in {org["sourcedId"] for org in user["orgs"]} for user in run.records_of("users"))

    unknown = run_source("read", tmp_path, config=sandbox.connection_config(school_ids=[school, "no-such-school"]),
                         catalog=configured_catalog(catalog, {"classes": "full_refresh"}))
    assert unknown.errors[0]["failure_type"] == "config_error"
    assert "the school 'no-such-school' in the Schools setting was not found" in unknown.errors[0]["message"]


def test_read_failures_say_whose_move_it_is_without_a_secret(sandbox, tmp_path: Path, catalog: dict) -> None:
    users = configured_catalog(catalog, {"users": "full_refresh"})
    stale = sandbox.connection_config()
    sandbox.renew_secret()
    refused = run_source("read", tmp_path, config=stale, catalog=users)
    assert refused.returncode != 0 and not refused.records
    assert refused.errors[0]["failure_type"] == "config_error"
    assert "Renew Secret" in refused.errors[0]["message"] and "users" in refused.errors[0]["message"]
    assert_no_secret(refused, stale)

    sandbox.faults.set(rate_500_before_write=1.0)
    failing = run_source("read", tmp_path, config=sandbox.connection_config(max_retries=1, retry_base_seconds=0.01),
                         catalog=users)
    assert failing.returncode != 0
    assert failing.errors[0]["failure_type"] == "transient_error"
    assert "users" in failing.errors[0]["message"]
