"""`source-campus-oneroster` against the sandbox in OneRoster 1.2 mode, run as Airbyte runs it.

What a district moving to 1.2 relies on (docs/integrations/sources/campus-oneroster.md, "OneRoster
1.2"): `check` tells a good key from a roster-only key on the gradebook root and from a URL of the
other version; discover lists the 1.2 streams with types a warehouse maps; full and incremental
reads of every stream reach the right service root (zero 404s) with the scopes asked on the token
request; each of 1.2's three error shapes reaches the user as the provider's own words; a provider
refusing scopes still works; a key without the Assessments option skips that profile; a state saved
under 1.1 reads everything again. The 1.2 facts are 1EdTech's OneRoster 1.2 OpenAPI files
(rostering, gradebook and assessment-results services) as docs/architecture.md summarises them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Iterator

import pytest
from jsonschema import Draft7Validator

from campus_sandbox import calendar, v1p2
from campus_sandbox.district import District
from campus_sandbox.options import SandboxOptions
from campus_sandbox.roster import roster_record_sets
from campus_sandbox.server import CampusSandbox
from integration_tests.source_cli import ROSTER_STREAMS, configured_catalog, run_source, stream_states
from integration_tests.destination_cli import DESTINATION_KEYS, connection_status, run_verb

SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
SOURCE_SCOPES = ("roster.readonly", "roster-demographics.readonly", "gradebook.readonly", "assessment.readonly")
STREAMS_12 = ("orgs", "academic_sessions", "courses", "classes", "users", "enrollments", "demographics",
              "categories", "class_categories", "score_scales", "line_items", "results", "assessment_line_items",
              "assessment_results")
RESULTS = 4


def ref(collection: str, kind: str, sourced_id: str) -> dict:
    return {"href": f"/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def seed_gradebook_12(sb: CampusSandbox) -> None:
    """A vendor lineItem and a few results in 1.2's shape (school, a real category, UTC date-times,
    textScore and the flags), through the sandbox's strict 1.2 receiving rules."""
    district = sb.district
    section = district.section(0)
    due = calendar.SESSION_BY_ID[district.section_terms(0)[-1]].end.isoformat() + "T12:00:00Z"
    stamp = {"status": "active", "dateLastModified": "2026-11-10T12:00:00Z"}
    school = district.school_org_id(district.school_of_section(0))
    category = district.class_categories(section.sourced_id)[0].sourced_id
    sb.state.put_line_item("li-12", {
        "sourcedId": "li-12", **stamp, "title": "Quiz on 1.2", "assignDate": due, "dueDate": due,
        "class": ref("classes", "class", section.sourced_id), "school": ref("orgs", "org", school),
        "category": ref("categories", "category", category), "resultValueMin": 0.0, "resultValueMax": 10.0},
        v1p2=True)
    for n, student in enumerate(section.student_ids[:RESULTS]):
        score = {"textScore": "B"} if n == 0 else {"score": float(7 + n)}
        sb.state.put_result(f"r-12-{n}", {
            "sourcedId": f"r-12-{n}", **stamp, "lineItem": ref("lineItems", "lineItem", "li-12"),
            "student": ref("users", "user", District.user_id_12(student)), "scoreStatus": "fully graded",
            "scoreDate": due[:10], "late": "true" if n == 1 else "false", "missing": "false", **score}, v1p2=True)


@pytest.fixture(scope="module")
def sb12(district_cache) -> Iterator[CampusSandbox]:
    """One 1.2 sandbox for the tests that only read (module-wide: starting one is cheap, reads are not)."""
    sb = CampusSandbox(district_cache("tiny", 7), options=SandboxOptions(oneroster_version="1.2")).start()
    seed_gradebook_12(sb)
    yield sb
    sb.close()


@pytest.fixture(scope="module")
def catalog12(sb12, tmp_path_factory: pytest.TempPathFactory) -> dict:
    run = run_source("discover", tmp_path_factory.mktemp("discover12"), config=sb12.connection_config())
    assert run.returncode == 0, run.stderr
    return run.catalog


def served_keys(sb: CampusSandbox) -> dict[str, set[tuple[str, str]]]:
    """(sourcedId, dateLastModified) of what the sandbox serves per stream, from its own data."""
    d = sb.district
    keys: dict[str, set[tuple[str, str]]] = {}
    for wrapper, records in roster_record_sets(d, strict=True, v1p2=True).items():
        keys[ROSTER_STREAMS[wrapper]] = {(r["sourcedId"], r["dateLastModified"]) for r in records.page(range(len(records)))}
    for stream, records in (("score_scales", v1p2.score_scales(d)), ("assessment_line_items", v1p2.assessment_line_items(d)),
                            ("assessment_results", v1p2.assessment_results(d)), ("class_categories", v1p2.class_categories(d))):
        keys[stream] = {(r["sourcedId"], r["dateLastModified"]) for r in records.page(range(len(records)))}
    line_items, indexes = sb.state.line_items_view()
    keys["line_items"] = {(r["sourcedId"], r["dateLastModified"]) for r in line_items.page(indexes)}
    keys["results"] = {(r["sourcedId"], r["dateLastModified"]) for r in sb.state.results.values()}
    return keys


def union_types(schema: Any, where: str = "") -> list[str]:
    """Every place a schema types a value as more than one thing besides null (what warehouses cannot map)."""
    found = []
    if isinstance(schema, dict):
        types = schema.get("type")
        if isinstance(types, list) and len([t for t in types if t != "null"]) > 1:
            found.append(f"{where}: {types}")
        for key, value in schema.items():
            found += union_types(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for n, value in enumerate(schema):
            found += union_types(value, f"{where}[{n}]")
    return found


def test_check_tells_a_good_key_a_roster_only_key_and_a_url_of_the_other_version(sb12, tmp_path: Path) -> None:
    requests_before = len(sb12.stats.scope_requests)
    good = run_source("check", tmp_path, config=sb12.connection_config())
    assert good.connection_status == {"status": "SUCCEEDED"}, good.connection_status
    asked = sb12.stats.scope_requests[requests_before]
    assert asked.requested == tuple(SCOPE + name for name in SOURCE_SCOPES) and asked.status == 200

    roster_only = run_source("check", tmp_path, config=sb12.connection_config(roster_only=True))
    status = roster_only.connection_status
    assert status["status"] == "FAILED" and "gradebook.readonly" in status["message"], status
    assert "enable Grade Book Sync" in status["message"] and "Rostering works" in status["message"]

    wrong_version = sb12.connection_config(oneroster_version="1.1")
    status = run_source("check", tmp_path, config=wrong_version).connection_status
    assert status["status"] == "FAILED", status
    assert "base_url" in status["message"] and "oneroster_version is 1.1" in status["message"]

    expiring = run_source("check", tmp_path, config=sb12.connection_config(credentials_expire_on="2099-01-01"))
    status = expiring.connection_status
    assert status["status"] == "SUCCEEDED" and "do not expire" in status["message"], status


def pyairbyte_type_of() -> Any:
    """PyAirbyte's own JSON-schema → column type rule (airbytehq/PyAirbyte, `airbyte/types.py`,
    `_get_airbyte_type`: a type list with one non-null type maps, anything else is printed as "Could
    not determine airbyte type" and stored as text). Loaded from its file alone: importing the
    `airbyte` package reads PyAirbyte's directories once, which test_pyairbyte.py sets up first."""
    spec = importlib.util.find_spec("airbyte")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations))) / "types.py"
    module_spec = importlib.util.spec_from_file_location("pyairbyte_types", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module._get_airbyte_type


def test_discover_lists_the_1_2_streams_with_types_a_warehouse_maps(catalog12) -> None:
    streams = {stream["name"]: stream for stream in catalog12["streams"]}
    assert tuple(streams) == STREAMS_12
    type_of = pyairbyte_type_of()
    with pytest.raises(Exception, match="Could not determine airbyte type"):
        type_of({"type": ["null", "number", "string"]})  # what 1.1's results.score was
    for name, stream in streams.items():
        assert union_types(stream["json_schema"]) == [], name
        for field, definition in stream["json_schema"]["properties"].items():
            type_of(definition)  # raises SQLTypeConversionError where PyAirbyte would warn
    assert streams["class_categories"]["source_defined_primary_key"] == [["classSourcedId"], ["sourcedId"]]
    results = streams["results"]["json_schema"]["properties"]
    assert results["score"]["type"] == ["null", "number"] and results["textScore"]["type"] == ["null", "string"]
    assert {"roles", "primaryOrg", "userProfiles", "preferredFirstName"} <= set(
        streams["users"]["json_schema"]["properties"])


def test_full_then_incremental_reads_of_every_stream_on_the_right_roots(sb12, catalog12, tmp_path: Path) -> None:
    sb12.stats.reset()
    full = run_source("read", tmp_path, config=sb12.connection_config(),
                      catalog=configured_catalog(catalog12, {name: "full_refresh" for name in STREAMS_12}))
    assert full.returncode == 0, full.stderr[-3000:]
    assert 404 not in sb12.stats.by_status and set(sb12.stats.by_status) == {200}, sb12.stats.by_status
    served = served_keys(sb12)
    schemas = {s["name"]: Draft7Validator(s["json_schema"]) for s in catalog12["streams"]}
    for name in STREAMS_12:
        records = full.records_of(name)
        assert records, name
        for record in records:
            assert not list(schemas[name].iter_errors(record)), (name, record)
        if name in served:
            assert {(r["sourcedId"], r["dateLastModified"]) for r in records} == served[name], name
    users = full.records_of("users")
    assert all(not u["sourcedId"].startswith(("s", "t")) and u["roles"] and u["primaryOrg"] for u in users)
    assert all(u["metadata"]["ic"]["legacysourceId"] == u["sourcedId"] for u in users if u["metadata"].get("ic"))
    by_id = {r["sourcedId"]: r for r in full.records_of("results")}
    assert by_id["r-12-0"]["textScore"] == "B" and by_id["r-12-1"]["late"] is True and by_id["r-12-2"]["score"] == 9.0
    per_class = full.records_of("class_categories")
    assert {r["classSourcedId"] for r in per_class} == {sb12.district.section_id(i) for i in range(sb12.district.section_count)}

    states = stream_states(full)
    assert all(s["stream"]["stream_state"]["oneroster_version"] == "1.2" for s in states)
    # one stream resumes from a state saved under 1.1 (no version in it): it reads everything again
    one_one = next(s for s in states if s["stream"]["stream_descriptor"]["name"] == "users")
    one_one["stream"]["stream_state"] = {"dateLastModified": "2099-01-01T00:00:00Z"}
    sb12.stats.reset()
    incremental = run_source("read", tmp_path, config=sb12.connection_config(lookback_window_minutes=0),
                             catalog=configured_catalog(catalog12, {name: "incremental" for name in STREAMS_12}),
                             state=states)
    assert incremental.returncode == 0, incremental.stderr[-3000:]
    assert set(sb12.stats.by_status) == {200}, sb12.stats.by_status
    assert len(incremental.records_of("users")) == len(users)
    assert "user ids differ between versions" in incremental.stdout
    for name in STREAMS_12:
        if name != "users":  # exactly what carries the cursor's own instant is read again (>=), nothing older
            cursor = next(s for s in states if s["stream"]["stream_descriptor"]["name"] == name)
            saved = cursor["stream"]["stream_state"]["dateLastModified"]
            again = {(r.get("classSourcedId"), r["sourcedId"]) for r in full.records_of(name) if r["dateLastModified"] >= saved}
            assert {(r.get("classSourcedId"), r["sourcedId"]) for r in incremental.records_of(name)} == again, name


@pytest.mark.parametrize("shape", ["statusInfoSet", "wrapped", "bare"])
def test_each_error_shape_reaches_the_user_in_the_providers_words(make_sandbox, tmp_path: Path, shape: str) -> None:
    sb = make_sandbox("tiny", oneroster_version="1.2", error_shape=shape)
    status = run_source("check", tmp_path, config=sb.connection_config(roster_only=True)).connection_status
    assert status["status"] == "FAILED" and "(HTTP 403, forbidden)" in status["message"], status
    assert "Provider says: " in status["message"] and "Grade Book Sync" in status["message"], status


def test_a_provider_refusing_scopes_is_asked_once_more_without(make_sandbox, tmp_path: Path) -> None:
    sb = make_sandbox("tiny", oneroster_version="1.2", reject_scope_parameter=True)
    run = run_source("check", tmp_path, config=sb.connection_config())
    assert run.connection_status == {"status": "SUCCEEDED"}, run.connection_status
    assert [(r.requested is None, r.status) for r in sb.stats.scope_requests] == [(False, 400), (True, 200)]
    assert "invalid_scope" in run.stdout + run.stderr


def test_a_key_without_assessments_skips_that_profile_and_reads_the_rest(sb12, catalog12, tmp_path: Path) -> None:
    streams = {"orgs": "full_refresh", "assessment_line_items": "full_refresh", "assessment_results": "full_refresh"}
    run = run_source("read", tmp_path, config=sb12.connection_config(roster_only=True),
                     catalog=configured_catalog(catalog12, streams))
    assert run.returncode == 0 and not run.errors, run.errors or run.stderr[-2000:]
    assert run.records_of("orgs") and not run.records_of("assessment_results")
    assert "Skipped the assessment_results stream" in run.stdout and "enable Assessments" in run.stdout


def test_the_destination_checks_a_1_2_connection(sb12, tmp_path: Path) -> None:
    """The passback on 1.2 is its own work; `check` already reads both roots with its scopes."""
    before = len(sb12.stats.scope_requests)
    run = run_verb("check", sb12.connection_config(**DESTINATION_KEYS), tmp_path)
    assert connection_status(run)["status"] == "SUCCEEDED", connection_status(run)
    assert sb12.stats.scope_requests[before].requested == tuple(
        SCOPE + name for name in ("roster.readonly", "gradebook.readonly", "gradebook.createput", "gradebook.delete"))
