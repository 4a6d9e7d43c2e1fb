"""Removals through the console script against the sandbox: only on evidence, only what is ours, within the cap.

The first sync passes five assessments of one section back (three students each); the next
leaves some out (deleted in Otus without a `deleted` state). Only a full refresh that proves
itself complete (`disappeared.py`) may treat them as removed. The platform's word on a stream's
completion is the COMPLETE stream status it sends the destination once the source exited cleanly,
for every stream of the catalog by name and namespace, and never after a failed source
(airbytehq/airbyte-platform,
airbyte-commons-worker/src/main/kotlin/io/airbyte/workers/helper/StreamStatusCompletionTracker.kt).
"""

from __future__ import annotations

import copy
import json
import subprocess
import uuid
from pathlib import Path
from typing import Iterable

import pytest

from campus_oneroster.segments import path_segment
from campus_sandbox.options import Faults, SandboxOptions
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.plan import line_item_id, namespace_of
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import (
    SCRIPT, DestinationRun, catalog, parse_messages, protocol_lines, run_destination, run_verb, connection_status,
)
from integration_tests.test_destination_rules import NAMESPACE
from otus_export import bulk_export

START = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}
DELETE = {"removal_policy": "delete", "vendor_namespace": DEFAULT_VENDOR_NAMESPACE}
ASSESSMENTS = 5


def stream_status(name: str, status: str, namespace: str | None = None) -> dict:
    descriptor = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
    return {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": 0, "stream_status": {
        "stream_descriptor": descriptor, "status": status}}}


COMPLETE = [stream_status("assessments", "STARTED"), stream_status("assessments", "COMPLETE")]


def run_lines(config: dict, lines: Iterable[bytes], tmp_path: Path, catalog_json: dict | None = None) -> DestinationRun:
    """`write` with exactly these bytes on stdin (a cut-off last line stays cut off)."""
    config_path, catalog_path = tmp_path / "config.json", tmp_path / "catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(catalog_json or catalog()))
    done = subprocess.run([str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
                          input=b"".join(lines), capture_output=True, timeout=300)
    return DestinationRun(done.returncode, parse_messages(done.stdout.decode()), done.stderr.decode())


def encoded(records: Iterable[tuple[str, dict]], trailer: Iterable[dict] = COMPLETE) -> list[bytes]:
    return [(line + "\n").encode() for line in [*protocol_lines(records), *map(json.dumps, trailer)]]


def pass_back(sb: CampusSandbox, tmp_path: Path) -> tuple[dict, list, list[str]]:
    """Five assessments passed back; (config, records, their lineItem ids in order)."""
    records = list(bulk_export(sb.district, sections=1, students_per_section=3, assessments_per_section=ASSESSMENTS))
    config = sb.connection_config(**START)
    assert run_destination(config, records, tmp_path).report["totals"]["created"] == ASSESSMENTS * 4
    section = records[0][1]["section_id"]
    return config, records, [line_item_id(NAMESPACE, f"bulk-{k}", section) for k in range(ASSESSMENTS)]


def without(records: list, *assessment_ids: str) -> list:
    return [(s, r) for s, r in records if r["assessment_id"] not in assessment_ids]


@pytest.fixture
def passed_back(sandbox, tmp_path: Path):
    return pass_back(sandbox, tmp_path)


@pytest.fixture(scope="module")
def shared(district_cache, tmp_path_factory):
    """One sandbox for the cases that must remove nothing (so each leaves it as it found it)."""
    with CampusSandbox(district_cache("tiny"), options=SandboxOptions()) as sb:
        yield sb, pass_back(sb, tmp_path_factory.mktemp("disappeared"))


def test_keep_lists_the_disappeared_assessment(shared, tmp_path: Path) -> None:
    sandbox, (config, records, ids) = shared
    run = run_destination(config, without(records, "bulk-1"), tmp_path, trailer=COMPLETE)
    assert ids[1] in sandbox.state.line_items and sandbox.stats.deletes == 0
    (example,) = run.report["reasons"]["assessment_disappeared"]["examples"]
    assert example == {"otus_id": "assessment_id=bulk-1 section_id=" + records[0][1]["section_id"],
                       "campus_id": ids[1], "detail": "removal_policy keep: left in Campus"}
    assert run.report["totals"]["deleted"] == 0 and run.report["deleted"] == {"count": 0, "by_cause": {}}


def test_delete_removes_it_with_its_results_and_counts_it(sandbox, passed_back, tmp_path: Path) -> None:
    config, records, ids = passed_back
    run = run_destination({**config, **DELETE}, without(records, "bulk-1"), tmp_path, trailer=COMPLETE)
    assert ids[1] not in sandbox.state.line_items
    assert not [r for r in sandbox.state.results.values() if r["lineItem"]["sourcedId"] == ids[1]]
    assert sandbox.stats.deletes == 4 and run.report["writes"] == {"DELETE": 4}
    assert run.report["totals"]["deleted"] == 1, "a disappeared assessment's delete counts under deleted"
    assert run.report["deleted"] == {"count": 1, "by_cause": {"assessment_disappeared": {"count": 1, "line_items": [ids[1]]}}}
    assert f"  deleted in Campus (assessment_disappeared): 1 lineItem: {ids[1]}" in run.logs
    assert sum(run.report["totals"].values()) == run.report["input"]["records"] + 1
    again = run_destination({**config, **DELETE}, without(records, "bulk-1"), tmp_path, trailer=COMPLETE)
    assert again.reason_count("assessment_disappeared") == 0 and sandbox.stats.deletes == 4


CASES = {  # case → the reason code that says which evidence was missing
    "no_stream_status": "removal_stream_not_complete",
    "incomplete_stream_status": "removal_stream_not_complete",
    "incremental_in_one_namespace": "removal_not_full_refresh",
    "truncated_last_line": "removal_input_unusable",
    "data_null": "removal_input_unusable",
    "unmapped_stream": "removal_input_unusable",
    "invalid_assessment": "removal_input_unusable",
    "no_valid_assessment": "removal_no_valid_assessment",
}
SOAK_CASES = {
    "status_of_another_namespace": "removal_stream_not_complete",
    "line_not_json": "removal_input_unusable",
    "record_without_stream": "removal_input_unusable",
    "stream_not_in_catalog": "removal_input_unusable",
    "assessment_without_ids": "removal_input_unusable",
}


def removal_case(case: str, records: list) -> tuple[list[bytes], dict | None]:
    """The sync's input bytes (bulk-1 missing, plus what makes its evidence incomplete) and catalog."""
    remaining = without(records, "bulk-1")
    trailer, extra, catalog_json = COMPLETE, [], None
    if case == "no_stream_status":
        trailer = []
    elif case == "incomplete_stream_status":
        trailer = [*COMPLETE, stream_status("assessments", "INCOMPLETE")]
    elif case == "status_of_another_namespace":
        trailer = [stream_status("assessments", "COMPLETE", namespace="other")]
    elif case == "incremental_in_one_namespace":
        catalog_json = catalog()
        other = copy.deepcopy(catalog_json["streams"][0])
        other["stream"]["namespace"], other["sync_mode"] = "otus_b", "incremental"
        catalog_json["streams"].append(other)
        trailer = [*COMPLETE, stream_status("assessments", "COMPLETE", namespace="otus_b")]
    elif case == "truncated_last_line":
        cut = json.dumps({"type": "RECORD", "record": {"stream": "assessments", "data": {"assessment_id": "bulk-1"}}})
        return [*encoded(remaining), cut[:40].encode()], None
    elif case == "data_null":
        extra = [b'{"type": "RECORD", "record": {"stream": "assessments", "data": null, "emitted_at": 0}}\n']
    elif case == "line_not_json":
        extra = [b'{"type": "RECORD", "record": {"stream": "assessments", "data": {"points": NaN}}}\n']
    elif case == "record_without_stream":
        extra = [b'{"type": "RECORD", "record": {"data": {"assessment_id": "bulk-1"}, "emitted_at": 0}}\n']
    elif case in ("unmapped_stream", "stream_not_in_catalog"):
        name = "otus_assessments_v" if case == "unmapped_stream" else "assessments_2"
        if case == "unmapped_stream":
            catalog_json = catalog(("assessments", "scores", "grades", name))
        remaining = remaining + [(name, next(r for s, r in records if r["assessment_id"] == "bulk-1"))]
    elif case == "invalid_assessment":
        bad = dict(next(r for s, r in records if s == "assessments" and r["assessment_id"] == "bulk-1"))
        remaining = remaining + [("assessments", {**bad, "assessment_id": "bulk-9", "points_possible": "ten"})]
    elif case == "assessment_without_ids":
        remaining = remaining + [("assessments", {"title": "no ids", "state": "assigned"})]
    elif case == "no_valid_assessment":
        remaining = [(s, r) for s, r in remaining if s != "assessments"]
    return [*extra, *encoded(remaining, trailer)], catalog_json


def check_nothing_removed(shared, tmp_path: Path, case: str, code: str) -> None:
    sandbox, (config, records, ids) = shared
    lines, catalog_json = removal_case(case, records)
    run = run_lines({**config, **DELETE, "max_removals_percent": 100}, lines, tmp_path, catalog_json)
    assert run.returncode == 0, run.errors
    assert ids[1] in sandbox.state.line_items and sandbox.stats.deletes == 0
    assert run.reason_count("assessment_disappeared") == 0 and run.report["totals"]["deleted"] == 0
    assert run.reason_count(code) == 1, run.report["reasons"].keys()


@pytest.mark.parametrize("case", CASES)
def test_nothing_is_removed_without_the_evidence(shared, tmp_path: Path, case: str) -> None:
    check_nothing_removed(shared, tmp_path, case, CASES[case])


@pytest.mark.soak
@pytest.mark.parametrize("case", SOAK_CASES)
def test_nothing_is_removed_without_the_evidence_variants(shared, tmp_path: Path, case: str) -> None:
    check_nothing_removed(shared, tmp_path, case, SOAK_CASES[case])


def test_the_cap_holds_back_a_mostly_missing_export_until_confirmed(sandbox, passed_back, tmp_path: Path) -> None:
    config, records, ids = passed_back
    only_one = [(s, r) for s, r in records if r["assessment_id"] == "bulk-0"]
    held = run_destination({**config, **DELETE}, only_one, tmp_path, trailer=COMPLETE)
    assert sandbox.stats.deletes == 0 and all(i in sandbox.state.line_items for i in ids)
    (example,) = held.report["reasons"]["removal_cap_exceeded"]["examples"]
    assert example["detail"].startswith("4 lineItems would have been removed (assessment_disappeared 4) of the 5")
    assert "raise them for one sync" in example["detail"]
    confirmed = run_destination({**config, **DELETE, "max_removals_percent": 100}, only_one, tmp_path, trailer=COMPLETE)
    assert confirmed.report["deleted"]["count"] == 4 and list(sandbox.state.line_items) == [ids[0]]


def test_two_connections_on_one_district_delete_only_their_own(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=2, students_per_section=2, assessments_per_section=2))
    first, second = sorted({r["section_id"] for _, r in records})
    of = {section: [(s, r) for s, r in records if r["section_id"] == section] for section in (first, second)}
    a = sandbox.connection_config(**START, vendor_namespace="otus.district.a", removal_policy="delete",
                                  max_removals_percent=100)
    b = {**a, "vendor_namespace": "otus.district.b"}
    run_destination(a, of[first], tmp_path, trailer=COMPLETE)
    run_destination(b, of[second], tmp_path, trailer=COMPLETE)
    assert len(sandbox.state.line_items) == 4
    again = run_destination(b, of[second], tmp_path, trailer=COMPLETE)
    assert again.returncode == 0 and sandbox.stats.deletes == 0 and len(sandbox.state.line_items) == 4
    left_on_default = {key: value for key, value in a.items() if key != "vendor_namespace"}
    status = connection_status(run_verb("check", left_on_default, tmp_path))
    assert status["status"] == "FAILED" and "vendor_namespace set explicitly" in status["message"]
    refused = run_destination(left_on_default, of[first], tmp_path, trailer=COMPLETE)
    assert refused.returncode != 0 and refused.errors[0]["failure_type"] == "config_error"
    assert "vendor_namespace" in refused.errors[0]["message"] and sandbox.stats.deletes == 0


def test_copied_and_forged_lineitems_are_never_removed(sandbox, passed_back, sandbox_session, tmp_path: Path) -> None:
    config, records, ids = passed_back
    session = sandbox_session(sandbox)
    ours = sandbox.state.line_items[ids[1]]
    copied = {**copy.deepcopy(ours), "sourcedId": str(uuid.uuid4()), "title": "Copy of " + ours["title"]}
    forged = copy.deepcopy(copied) | {"sourcedId": str(uuid.uuid4()), "title": "Forged"}
    forged["metadata"]["passback"]["otus"] = "assessment_id=bulk-9 section_id=" + records[0][1]["section_id"]
    for item in (copied, forged):
        answer = session.put(f"{sandbox.base_url}/lineItems/{path_segment(item['sourcedId'])}", json={"lineItem": item},
                             timeout=10)
        assert answer.status_code == 201, answer.text
    run = run_destination({**config, **DELETE, "max_removals_percent": 100}, records, tmp_path, trailer=COMPLETE)
    assert sandbox.stats.deletes == 0 and {copied["sourcedId"], forged["sourcedId"]} <= set(sandbox.state.line_items)
    named = {e["campus_id"] for e in run.report["reasons"]["removal_not_ours"]["examples"]}
    assert named == {copied["sourcedId"], forged["sourcedId"]}


def test_duplicates_across_states_do_not_delete_and_recreate(sandbox, passed_back, tmp_path: Path) -> None:
    """An older `deleted` copy, a STATE, then the newer `assigned` copy: what Otus says last is assigned."""
    config, records, ids = passed_back
    assessment = next(r for s, r in records if s == "assessments" and r["assessment_id"] == "bulk-1")
    older = [("assessments", {**assessment, "state": "deleted"})]
    lines = [*encoded(older, trailer=[]), *encoded(records, trailer=COMPLETE)]
    puts = sandbox.stats.puts
    run = run_lines({**config, **DELETE, "max_removals_percent": 100}, lines, tmp_path)
    assert run.returncode == 0 and sandbox.stats.deletes == 0 and sandbox.stats.puts == puts
    assert ids[1] in sandbox.state.line_items and len(sandbox.state.results) == ASSESSMENTS * 3
    assert run.report["deleted"]["count"] == 0 and run.reason_count("superseded") == 1
    assert len(run.states) == 2, "both states echoed"


def test_no_removal_on_a_failed_sync(make_sandbox, tmp_path: Path) -> None:
    sb = make_sandbox("tiny", faults=Faults())
    records = list(bulk_export(sb.district, sections=1, students_per_section=3, assessments_per_section=2))
    config = sb.connection_config(**START, **DELETE, max_removals_percent=100, max_retries=1, retry_base_seconds=0.01)
    run_destination(config, records, tmp_path)
    gone = line_item_id(namespace_of(DEFAULT_VENDOR_NAMESPACE), "bulk-1", records[0][1]["section_id"])
    remaining = without(records, "bulk-1")
    remaining[-1][1]["points"] = (remaining[-1][1]["points"] + 1) % 21  # a regrade to write
    sb.faults.set(rate_500_before_write=1.0)
    failed = run_destination(config, remaining, tmp_path, trailer=COMPLETE)
    assert failed.returncode != 0 and failed.report["partial"]
    assert gone in sb.state.line_items and sb.stats.deletes == 0
