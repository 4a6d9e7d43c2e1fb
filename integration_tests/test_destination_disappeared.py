"""Assessments that vanish from a full-refresh export, under both removal policies, and when they must not count.

The first sync passes two assessments back; the next leaves one out (deleted in Otus without a
`deleted` state). Only a full refresh that completes may treat it as removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from campus_sandbox.options import Faults, SandboxOptions
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.plan import line_item_id
from integration_tests.destination_cli import run_destination
from integration_tests.test_destination_rules import NAMESPACE
from otus_export import bulk_export

START = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}


def stream_status(name: str, status: str) -> dict:
    return {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": 0, "stream_status": {
        "stream_descriptor": {"name": name}, "status": status}}}


def pass_back_two(sb: CampusSandbox, tmp_path: Path) -> tuple[dict, list, str]:
    """Two assessments in one section, three students each, passed back; (config, records without
    bulk-1, bulk-1's lineItem)."""
    records = list(bulk_export(sb.district, sections=1, students_per_section=3, assessments_per_section=2))
    config = sb.connection_config(**START)
    assert run_destination(config, records, tmp_path).report["totals"]["created"] == 8
    section = records[0][1]["section_id"]
    remaining = [(s, r) for s, r in records if r["assessment_id"] != "bulk-1"]
    return config, remaining, line_item_id(NAMESPACE, "bulk-1", section)


@pytest.fixture
def two_passed_back(sandbox, tmp_path: Path):
    return pass_back_two(sandbox, tmp_path)


@pytest.fixture(scope="module")
def shared_passed_back(district_cache, tmp_path_factory):
    """One sandbox for the cases that must remove nothing (so each leaves it as it found it)."""
    with CampusSandbox(district_cache("tiny"), options=SandboxOptions()) as sb:
        yield sb, pass_back_two(sb, tmp_path_factory.mktemp("disappeared"))


def test_keep_lists_the_disappeared_assessment(sandbox, two_passed_back, tmp_path: Path) -> None:
    config, remaining, gone = two_passed_back
    run = run_destination(config, remaining, tmp_path)
    assert gone in sandbox.state.line_items and sandbox.stats.deletes == 0
    (example,) = run.report["reasons"]["assessment_disappeared"]["examples"]
    assert example == {"otus_id": "assessment_id=bulk-1 section_id=" + remaining[0][1]["section_id"],
                       "campus_id": gone, "detail": "removal_policy keep: left in Campus"}
    assert sum(run.report["totals"].values()) == len(remaining), "a note, not an input record"


def test_delete_removes_it_with_its_results(sandbox, two_passed_back, tmp_path: Path) -> None:
    config, remaining, gone = two_passed_back
    run = run_destination({**config, "removal_policy": "delete"}, remaining, tmp_path)
    assert gone not in sandbox.state.line_items
    assert not [r for r in sandbox.state.results.values() if r["lineItem"]["sourcedId"] == gone]
    assert len(sandbox.state.results) == 3 and sandbox.stats.deletes == 4 and run.report["writes"] == {"DELETE": 4}
    (example,) = run.report["reasons"]["assessment_disappeared"]["examples"]
    assert example["detail"] == "removal_policy delete: deleted with 3 results"
    again = run_destination({**config, "removal_policy": "delete"}, remaining, tmp_path)
    assert again.reason_count("assessment_disappeared") == 0 and sandbox.stats.deletes == 4


def test_a_completed_stream_status_allows_it(sandbox, two_passed_back, tmp_path: Path) -> None:
    config, remaining, gone = two_passed_back
    trailer = [stream_status("assessments", "STARTED"), stream_status("assessments", "COMPLETE")]
    run_destination({**config, "removal_policy": "delete"}, remaining, tmp_path, trailer=trailer)
    assert gone not in sandbox.state.line_items


@pytest.mark.parametrize("case", ["incremental", "incomplete_stream", "no_assessments", "assessment_without_ids",
                                  "other_namespace"])
def test_no_removal_unless_a_full_refresh_completed(shared_passed_back, tmp_path: Path, case: str) -> None:
    sandbox, (config, remaining, gone) = shared_passed_back
    config = {**config, "removal_policy": "delete"}
    options: dict = {}
    records = remaining
    if case == "incremental":
        options["mode"] = "incremental"
    elif case == "incomplete_stream":
        options["trailer"] = [stream_status("assessments", "STARTED"), stream_status("assessments", "INCOMPLETE")]
    elif case == "no_assessments":
        records = [(s, r) for s, r in remaining if s != "assessments"]
    elif case == "assessment_without_ids":
        records = remaining + [("assessments", {"title": "no ids", "state": "assigned"})]
    else:
        config["vendor_namespace"] = "another.vendor"
    run = run_destination(config, records, tmp_path, **options)
    assert run.returncode == 0 and gone in sandbox.state.line_items and sandbox.stats.deletes == 0
    assert run.reason_count("assessment_disappeared") == 0
    noted = run.reason_count("removals_not_checked")
    assert noted == (case in ("incomplete_stream", "no_assessments", "assessment_without_ids")), noted


def test_no_removal_on_a_failed_sync(make_sandbox, tmp_path: Path) -> None:
    sb = make_sandbox("tiny", faults=Faults())
    records = list(bulk_export(sb.district, sections=1, students_per_section=3, assessments_per_section=2))
    config = sb.connection_config(**START, removal_policy="delete", max_retries=1, retry_base_seconds=0.01)
    run_destination(config, records, tmp_path)
    gone = line_item_id(NAMESPACE, "bulk-1", records[0][1]["section_id"])
    remaining = [(s, r) for s, r in records if r["assessment_id"] != "bulk-1"]
    remaining[-1][1]["points"] = (remaining[-1][1]["points"] + 1) % 21  # a regrade to write
    sb.faults.set(rate_500_before_write=1.0)
    failed = run_destination(config, remaining, tmp_path)
    assert failed.returncode != 0 and failed.report["partial"]
    assert gone in sb.state.line_items and sb.stats.deletes == 0
