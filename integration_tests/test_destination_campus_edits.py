"""A gradebook shared with teachers: the three-way diff through the console script, against the sandbox.

Each test passes a small export back, lets a "teacher" change Campus through the sandbox
(`edit_as_teacher`, `delete_as_teacher`: what Campus's own gradebook changes, metadata kept or
not), then runs the next nightly sync and checks what Campus holds, the PUTs sent and the report.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from destination_campus_grades.fingerprint import FINGERPRINT_KEY
from integration_tests.destination_cli import DestinationRun, connection_status, run_destination, run_verb
from otus_export import bulk_export

START = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}


@pytest.fixture
def passed_back(sandbox, tmp_path: Path):
    """One section, three students, one assessment, passed back once."""
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=3, assessments_per_section=1))
    config = sandbox.connection_config(**START)
    first = run_destination(config, records, tmp_path)
    assert first.report["totals"]["created"] == 4 and sandbox.stats.puts == 4
    return records, config


def first_result(sandbox, records) -> tuple[str, dict]:
    """The Campus result of the export's first score, and that score record."""
    score = next(r for s, r in records if s == "scores")
    (rid,) = [rid for rid, r in sandbox.state.results.items() if r["student"]["sourcedId"] == score["student_id"]]
    return rid, score


def teacher_value(score: dict) -> float:
    return (score["points"] + 3) % 21


def otus_regrade(score: dict) -> float:
    return (score["points"] + 5) % 21


def sync(sandbox, config, records, tmp_path: Path) -> tuple[DestinationRun, int]:
    """Run the next sync; (its run, the PUTs it sent)."""
    before = sandbox.stats.puts
    run = run_destination(config, records, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    return run, sandbox.stats.puts - before


def examples(run: DestinationRun, code: str) -> list[dict]:
    return run.report["reasons"][code]["examples"]


def test_a_teacher_edit_is_kept_and_reported(sandbox, passed_back, tmp_path: Path) -> None:
    records, config = passed_back
    rid, score = first_result(sandbox, records)
    sandbox.edit_as_teacher(rid, score=teacher_value(score))  # a late-work adjustment in Campus
    run, puts = sync(sandbox, config, records, tmp_path)
    assert puts == 0 and sandbox.state.results[rid]["score"] == teacher_value(score)
    assert run.reason_count("campus_edit_kept") == 1 and run.report["totals"]["unchanged"] == 4
    (example,) = examples(run, "campus_edit_kept")
    assert example["campus_id"] == rid and example["detail"] == "kept as changed in Campus: score"
    again, puts = sync(sandbox, config, records, tmp_path)
    assert puts == 0 and again.reason_count("campus_edit_kept") == 1, "kept every night, not only once"


def test_an_otus_regrade_overwrites_a_teacher_edit_and_says_so(sandbox, passed_back, tmp_path: Path) -> None:
    records, config = passed_back
    rid, score = first_result(sandbox, records)
    sandbox.edit_as_teacher(rid, score=teacher_value(score))
    regraded = copy.deepcopy(records)
    first_result(sandbox, regraded)[1]["points"] = otus_regrade(score)
    run, puts = sync(sandbox, config, regraded, tmp_path)
    assert puts == 1 and sandbox.state.results[rid]["score"] == otus_regrade(score)
    assert run.report["totals"]["updated"] == 1 and run.reason_count("campus_edit_kept") == 0
    (example,) = examples(run, "campus_edit_overwritten")
    assert example["detail"] == "Otus's value written over Campus's (changed in Otus too): score"
    _, puts = sync(sandbox, config, regraded, tmp_path)
    assert puts == 0


def test_overwrite_policy_writes_otus_value_over_a_campus_only_edit(sandbox, passed_back, tmp_path: Path) -> None:
    records, config = passed_back
    rid, score = first_result(sandbox, records)
    sandbox.edit_as_teacher(rid, score=teacher_value(score), comment="see me")
    run, puts = sync(sandbox, {**config, "campus_edits": "overwrite"}, records, tmp_path)
    assert puts == 1 and sandbox.state.results[rid]["score"] == score["points"]
    assert sandbox.state.results[rid].get("comment") == score["comment"]
    (example,) = examples(run, "campus_edit_overwritten")
    assert example["detail"] == "Otus's value written over Campus's (campus_edits: overwrite): score, comment"


def test_a_teacher_edit_of_the_line_item_is_merged_with_an_otus_change(sandbox, passed_back, tmp_path: Path) -> None:
    records, config = passed_back
    (lid,) = sandbox.state.line_items
    category = "22222222-2222-2222-2222-222222222222"
    sandbox.state.categories[category] = {"sourcedId": category, "status": "active", "title": "Homework",
                                          "dateLastModified": "2026-09-01T00:00:00.000Z", "metadata": {}}
    sandbox.edit_as_teacher(lid, title="Fractions (retake allowed)", category={"sourcedId": category, "type": "category"})
    changed = copy.deepcopy(records)
    assessment = next(r for s, r in changed if s == "assessments")
    assessment["points_possible"] = assessment["points_possible"] + 5
    run, puts = sync(sandbox, config, changed, tmp_path)
    held = sandbox.state.line_items[lid]
    assert puts == 1 and held["resultValueMax"] == assessment["points_possible"]
    assert held["title"] == "Fractions (retake allowed)", "the teacher's title is kept"
    assert held["category"]["sourcedId"] == category, "the teacher's category survives our update"
    assert run.reason_count("campus_edit_kept") == 1 and run.report["by_role"]["assessments"] == {"updated": 1}


def test_a_result_deleted_in_campus_is_passed_back_again(sandbox, passed_back, tmp_path: Path) -> None:
    records, config = passed_back
    rid, score = first_result(sandbox, records)
    other = next(r for r in sandbox.state.results if r != rid)
    sandbox.delete_as_teacher(rid)  # served as tobedeleted
    sandbox.delete_as_teacher(other, soft=False)  # gone from every read
    run, puts = sync(sandbox, config, records, tmp_path)
    assert puts == 2 and sandbox.state.results[rid]["status"] == "active" and other in sandbox.state.results
    assert run.report["totals"]["created"] == 2
    (example,) = examples(run, "resent_after_campus_delete")
    assert example["campus_id"] == rid
    assert "Include Score in Final Grade" in run.report["reasons"]["resent_after_campus_delete"]["what_to_do"]


def test_metadata_lost_by_a_teacher_save_falls_back_to_two_way(sandbox, passed_back, tmp_path: Path) -> None:
    records, config = passed_back
    rid, score = first_result(sandbox, records)
    sandbox.edit_as_teacher(rid, score=teacher_value(score), metadata_survives=False)
    run, puts = sync(sandbox, config, records, tmp_path)
    assert puts == 1 and sandbox.state.results[rid]["score"] == score["points"]
    assert run.reason_count("compared_two_way") == 1 and run.reason_count("campus_edit_kept") == 0
    assert FINGERPRINT_KEY in sandbox.state.results[rid]["metadata"], "the write restores the fingerprint"


def test_a_provider_without_metadata_is_named_by_check_and_report(make_sandbox, tmp_path: Path) -> None:
    sb = make_sandbox("tiny", keep_vendor_metadata=False)
    records = list(bulk_export(sb.district, sections=1, students_per_section=3, assessments_per_section=1))
    config = sb.connection_config(**START)
    first = run_destination(config, records, tmp_path)
    assert first.reason_count("fingerprint_not_kept") == 4 and first.report["totals"]["created"] == 4
    assert any("fingerprint_not_kept: 4" in line for line in first.logs)
    rid, score = first_result(sb, records)
    sb.edit_as_teacher(rid, score=teacher_value(score))
    run, puts = sync(sb, config, records, tmp_path)
    assert puts == 1 and sb.state.results[rid]["score"] == score["points"]
    assert run.reason_count("compared_two_way") == 1
    status = connection_status(run_verb("check", config, tmp_path))
    assert status["status"] == "SUCCEEDED" and "compares Otus with Campus two-way" in status["message"]


def test_check_says_campus_keeps_the_fingerprint(sandbox, passed_back, tmp_path: Path) -> None:
    _, config = passed_back
    status = connection_status(run_verb("check", config, tmp_path))
    assert status["status"] == "SUCCEEDED" and "Campus keeps the passback fingerprint" in status["message"]
    other = connection_status(run_verb("check", {**config, "vendor_namespace": "another.vendor"}, tmp_path))
    assert "No recent lineItem" in other["message"], "another namespace's fingerprints are not ours"


def test_a_teacher_halved_scale_is_kept_and_the_fraction_stays_true(sandbox, passed_back, tmp_path: Path) -> None:
    """campus_edits keep + a teacher's resultValueMax 20 → 10: Otus's 19/20 is written as 9.5 of 10 (95 %)."""
    records, config = passed_back
    (lid,) = sandbox.state.line_items
    assessment = next(r for s, r in records if s == "assessments")
    sandbox.edit_as_teacher(lid, resultValueMax=assessment["points_possible"] / 2)
    changed = copy.deepcopy(records)
    rid, score = first_result(sandbox, changed)
    score["points"] = assessment["points_possible"] - 1
    run, _ = sync(sandbox, config, changed, tmp_path)
    held, result = sandbox.state.line_items[lid], sandbox.state.results[rid]
    assert held["resultValueMax"] == assessment["points_possible"] / 2 and run.reason_count("campus_edit_kept") == 1
    assert result["score"] / held["resultValueMax"] == pytest.approx(score["points"] / assessment["points_possible"])
    others = [r for i, r in sandbox.state.results.items() if i != rid]
    assert all(r["score"] <= held["resultValueMax"] for r in others), "every score moved onto the teacher's scale"


def test_a_refused_update_of_a_held_line_item_does_not_block_its_scores(sandbox, passed_back, tmp_path: Path) -> None:
    """A kept teacher due date outside the term: Campus refuses the merged lineItem PUT, the regrade still lands."""
    records, config = passed_back
    (lid,) = sandbox.state.line_items
    sandbox.edit_as_teacher(lid, dueDate="2027-08-01T23:59:00-05:00")  # after the school year
    changed = copy.deepcopy(records)
    next(r for s, r in changed if s == "assessments")["title"] = "Renamed in Otus"
    rid, score = first_result(sandbox, changed)
    score["points"] = otus_regrade(score)
    run, _ = sync(sandbox, config, changed, tmp_path)
    assert sandbox.state.results[rid]["score"] == score["points"], "the regrade was written"
    (example,) = examples(run, "campus_edit_refused")
    assert example["campus_id"] == lid and "Campus edit of dueDate" in example["detail"]
    assert "scores were still passed back" in example["detail"]
    assert run.report["by_role"]["scores"].get("refused_by_campus", 0) == 0
