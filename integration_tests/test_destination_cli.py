"""`destination-campus-grades` run as Airbyte runs it: spec and check (the write helpers: `destination_cli.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integration_tests.destination_cli import DESTINATION_KEYS, connection_status, run_verb, secrets_of


def test_spec_renders_the_destination_keys_and_secrets(tmp_path: Path) -> None:
    run = run_verb("spec", None, tmp_path)
    (spec,) = [m["spec"] for m in run.messages if m["type"] == "SPEC"]
    properties = spec["connectionSpecification"]["properties"]
    for key in ("passback_start_date", "passback_teacher_group", "category_map", "vendor_namespace", "dry_run",
                "stream_roles", "removal_policy", "percent_metadata_key", "title_max_length"):
        assert key in properties, key
    assert "passback_start_date" in spec["connectionSpecification"]["required"]
    assert properties["vendor_secret"]["airbyte_secret"] is True
    assert "overwrite" in spec["supported_destination_sync_modes"]


def test_check_succeeds_without_writing(sandbox, tmp_path: Path) -> None:
    run = run_verb("check", sandbox.connection_config(**DESTINATION_KEYS), tmp_path)
    status = connection_status(run)
    assert status["status"] == "SUCCEEDED"
    assert "No recent lineItem in Campus carries this connector's passback fingerprint yet" in status["message"]
    assert sandbox.stats.puts == 0 and sandbox.stats.deletes == 0
    assert sandbox.stats.by_collection.get("lineItems") and sandbox.stats.by_collection.get("results")


@pytest.mark.parametrize(("variant", "expected"), [
    ("roster_only", "Grade Book"),
    ("no_vendor", "'vendor_key' is a required property"),
    ("renewed_secret", "Renew Secret"),
    ("wrong_base_url", "/ims/oneroster/v1p1"),
    ("unreachable", "Cannot reach"),
    ("http_remote", "https"),
    ("connection_disabled", "refused to serve rostering data"),
])
def test_check_names_what_is_wrong(sandbox, tmp_path: Path, variant: str, expected: str) -> None:
    config = sandbox.connection_config(roster_only=variant == "roster_only", vendor=variant != "no_vendor",
                                       **DESTINATION_KEYS)
    if variant == "renewed_secret":
        sandbox.renew_secret()
    elif variant == "wrong_base_url":
        config["base_url"] = sandbox.origin + "/campus/api/wrong"
    elif variant == "unreachable":
        config["base_url"] = "http://127.0.0.1:9/campus/ims/oneroster/v1p1"
        config["max_retries"] = 0
    elif variant == "http_remote":
        config["base_url"] = "http://campus.example.org/ims/oneroster/v1p1"
    elif variant == "connection_disabled":
        sandbox.options.connection_enabled = False
    run = run_verb("check", config, tmp_path)
    status = connection_status(run)
    assert status["status"] == "FAILED"
    assert expected in status["message"], status["message"]
    output = json.dumps(run.messages) + run.stderr
    assert not [s for s in secrets_of(config) if s in output]
    assert sandbox.stats.puts == 0
