"""The source's stream schemas describe what it emits: every record the console script reads from the
sandbox (lenient, as Campus, and strict) validates against the discovered schema, and so do shapes
seen from real providers once the source has read them into their fields' one type (losing
nothing); PyAirbyte maps every field without a warning, and its DuckDB cache holds scores as
numbers and letters as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from campus_demo.roster_sync import console_script
from campus_oneroster.version import V1P1
from source_campus_oneroster.streams import COLLECTIONS
from source_campus_oneroster.typed_values import typed
from campus_sandbox import calendar
from campus_sandbox.receiving import PLACEHOLDER_CATEGORY_ID
from integration_tests.source_cli import ALL_STREAMS, catalog, configured_catalog, run_source  # noqa: F401
from integration_tests.test_pyairbyte import ab, pyairbyte_dir  # noqa: F401 (fixtures)


def seed_grades(sb) -> dict[str, object]:
    """Results as Campus holds them: letters on grading tasks (a letter sent, and one Campus picked
    from a percent), points on a vendor lineItem and, where the provider derives one, a score from a
    percent alone; written through the sandbox's rules in bodies a strict provider takes too."""
    section = sb.district.section(0)
    task = section.grading_task_ids[1]
    students = section.student_ids

    def ref(collection: str, kind: str, sourced_id: str) -> dict:
        return {"href": f"/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}

    stamp = {"status": "active", "dateLastModified": "2026-11-10T12:00:00Z"}
    sb.state.put_line_item("li-src", {
        "sourcedId": "li-src", **stamp, "title": "Quiz", "assignDate": "2026-11-02T08:00:00Z",
        "dueDate": "2026-11-09T23:00:00Z", "class": ref("classes", "class", section.sourced_id),
        "category": ref("categories", "category", PLACEHOLDER_CATEGORY_ID),
        "gradingPeriod": ref("academicSessions", "academicSession", calendar.Q2_ID),
        "resultValueMin": 0, "resultValueMax": 20})
    scores = {"r-letter": (task, {"score": "B"}), "r-percent": (task, {"metadata": {"percent": 91}}),
              "r-points": ("li-src", {"score": 18})}
    if not sb.options.strict:  # a strict provider wants the score itself
        scores["r-derived"] = ("li-src", {"metadata": {"percent": 85}})
    for n, (rid, (item, value)) in enumerate(scores.items()):
        sb.state.put_result(rid, {"sourcedId": rid, **stamp, "lineItem": ref("lineItems", "lineItem", item),
                                  "student": ref("users", "user", students[n]), "scoreStatus": "fully graded",
                                  "scoreDate": "2026-11-10", **value})
    return {rid: sb.state.results[rid]["score"] for rid in scores}


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_every_record_the_source_reads_fits_its_schema(make_sandbox, catalog, tmp_path: Path, strict: bool) -> None:
    sb = make_sandbox("tiny", strict=strict)
    scores = seed_grades(sb)
    assert scores["r-letter"] == "B" and scores["r-percent"] == "A"  # Campus's letters are text
    run = run_source("read", tmp_path, config=sb.connection_config(),
                     catalog=configured_catalog(catalog, {name: "full_refresh" for name in ALL_STREAMS}))
    assert run.returncode == 0, run.stderr[-2000:]
    schemas = {stream["name"]: Draft7Validator(stream["json_schema"]) for stream in catalog["streams"]}
    for name in ALL_STREAMS:
        records = run.records_of(name)
        assert records, name
        for record in records:
            errors = [f"{'.'.join(map(str, e.path))}: {e.message}" for e in schemas[name].iter_errors(record)]
            assert not errors, f"{name} {record['sourcedId']}: {errors}"


REAL_SHAPES = {
    # Campus grading-task results carry the score-group value as text, or a 4-point value
    "results": [{"sourcedId": "r1", "status": "active", "dateLastModified": "2026-10-01T12:00:00.000Z",
                 "lineItem": {"href": "/lineItems/100003-1-7011", "sourcedId": "100003-1-7011", "type": "lineItem"},
                 "student": {"href": "/users/s100001", "sourcedId": "s100001", "type": "user"},
                 "scoreStatus": "fully graded", "score": score, "scoreDate": "2026-10-01",
                 "metadata": {"percent": None}} for score in ("B", "4", 87.5, "85.0", None)],
    # a string boolean a provider spells in its own way is kept as sent, in textValues
    "users": [{"sourcedId": "t1", "status": "active", "dateLastModified": "2026-10-01T12:00:00Z",
               "enabledUser": "active", "givenName": "Zoë", "familyName": "O'Brien", "middleName": "",
               "role": "teacher", "orgs": [{"href": "/orgs/101", "sourcedId": "101", "type": "org"}]}],
    # 1.2-style providers send academic session dates as date-times
    "academic_sessions": [{"sourcedId": "7000", "status": "active", "dateLastModified": "2026-10-01T12:00:00Z",
                           "title": "2026-27", "type": "schoolYear", "startDate": "2026-08-17T00:00:00.000Z",
                           "endDate": "2027-06-04T00:00:00.000Z", "parent": None, "schoolYear": "2027"}],
}


@pytest.mark.parametrize("stream", sorted(REAL_SHAPES))
def test_shapes_real_providers_send_fit_the_schemas(catalog, stream: str) -> None:
    (schema,) = [s["json_schema"] for s in catalog["streams"] if s["name"] == stream]
    (collection,) = [c for c in COLLECTIONS[V1P1] if c.name == stream]
    records = [dict(record) for record in REAL_SHAPES[stream]]
    typed(records, collection.boolean_fields, collection.letter_scores)
    for record in records:
        assert not list(Draft7Validator(schema).iter_errors(record)), record
    if stream == "results":  # every value the provider sent is still there
        assert [(r["score"], r.get("textScore")) for r in records] == [
            (None, "B"), (4.0, "4"), (87.5, None), (85.0, "85.0"), (None, None)]
    if stream == "users":
        assert records[0]["enabledUser"] is None and records[0]["textValues"] == {"enabledUser": "active"}


def test_a_text_score_beside_a_different_text_score_is_kept_too() -> None:
    records = [{"score": "B+", "textScore": "B"}, {"score": "B", "textScore": "B"}, {"enabledUser": 1}]
    typed(records[:2], (), True)
    typed(records[2:], ("enabledUser",), False)
    assert records == [{"score": None, "textScore": "B", "textValues": {"score": "B+"}},
                       {"score": None, "textScore": "B"}, {"enabledUser": True}]


def test_pyairbyte_maps_every_field_and_caches_scores_as_numbers(ab, sandbox, tmp_path: Path, capfd) -> None:
    """PyAirbyte (airbyte/types.py, `_get_airbyte_type`) maps a field whose type is one JSON type,
    alone or with null; anything else prints "Could not determine airbyte type" and becomes text."""
    scores = seed_grades(sandbox)
    source = ab.get_source("source-campus-oneroster", config=sandbox.connection_config(),
                           streams=["users", "enrollments", "results"],
                           local_executable=console_script("source-campus-oneroster"))
    cache = ab.DuckDBCache(db_path=tmp_path / "cache.duckdb", cache_dir=tmp_path / "cache")
    read = source.read(cache=cache)
    printed = capfd.readouterr()
    assert "Could not determine airbyte type" not in printed.out + printed.err
    held = {row["sourcedid"]: (row["score"], row["textscore"]) for row in read["results"]}
    assert held["r-letter"] == (None, "B") and held["r-percent"] == (None, "A")
    assert held["r-points"] == (18, None) and held["r-derived"][0] == pytest.approx(17)
    assert set(held) == set(scores)
    columns = dict(cache.get_sql_engine().connect().exec_driver_sql(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'results'").fetchall())
    assert columns["score"].startswith(("DECIMAL", "DOUBLE", "FLOAT")) and columns["textscore"] == "VARCHAR"
    flags = dict(cache.get_sql_engine().connect().exec_driver_sql(
        "SELECT table_name, data_type FROM information_schema.columns WHERE column_name IN ('enableduser', 'primary')"
    ).fetchall())
    assert flags == {"users": "BOOLEAN", "enrollments": "BOOLEAN"}
