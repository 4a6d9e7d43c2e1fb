"""Refusals Campus is bound to make, reported before writing: zero PUTs for them, in real and dry runs.

Each test sends one small export through the console script and checks the sandbox's request
counts: a predicted refusal is in the report with Campus's words (marked predicted) and never
reaches Campus, while the rest of the export is written as usual.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from campus_sandbox import calendar
from destination_campus_grades.district_days import UTC_CALENDAR
from destination_campus_grades.fingerprint import FINGERPRINT_KEY, canonical, digest
from integration_tests.destination_cli import run_destination
from integration_tests.test_destination_rules import NAMESPACE
from destination_campus_grades.plan import grade_result_id, line_item_id
from otus_export.sample import assessment, grade, open_day, score

START = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}


def spring_section(district):
    return next(s for s in district.sections(active_only=True) if s.term_ids == (calendar.S2_ID,))


def year_section(district):
    return next(s for s in district.sections(active_only=True) if len(s.term_ids) == 2)


@pytest.mark.parametrize("dry_run", [False, True], ids=["real", "dry"])
def test_due_date_outside_every_term_is_reported_without_a_put(sandbox, tmp_path: Path, dry_run: bool) -> None:
    spring = spring_section(sandbox.district)
    teacher, student = spring.teacher_ids[0], spring.student_ids[0]
    day = open_day(spring)
    records = [
        assessment("in_fall", spring, assigned_by=teacher, start=date(2026, 11, 2), due=date(2026, 11, 9)),
        score("in_fall", spring.sourced_id, student, points=12, graded=date(2026, 11, 10)),
        assessment("in_spring", spring, assigned_by=teacher, start=day, due=day + timedelta(days=5)),
        score("in_spring", spring.sourced_id, student, points=15, graded=day + timedelta(days=6)),
    ]
    run = run_destination(sandbox.connection_config(**START, dry_run=dry_run), records, tmp_path)
    assert sandbox.stats.puts == (0 if dry_run else 2), "only the spring assessment and its score are sent"
    entry = run.report["reasons"]["due_date_outside_term"]
    assert entry["count"] == 2 and entry["outcome"] == "refused_by_campus"  # the assessment and its score
    (first, _) = entry["examples"]
    assert first["detail"].startswith("Due date is outside the term (predicted, not sent)")
    assert calendar.S2_ID in first["detail"] and first["campus_id"] == line_item_id(NAMESPACE, "in_fall", spring.sourced_id)
    assert run.report["totals"]["created"] == 2 and run.report["totals"]["refused_by_campus"] == 2


def test_the_grading_period_holding_the_due_date_is_sent(sandbox, tmp_path: Path) -> None:
    year = year_section(sandbox.district)
    due = calendar.SESSION_BY_ID[calendar.Q3_ID].start + timedelta(days=3)
    records = [assessment("q3", year, assigned_by=year.teacher_ids[0], start=due - timedelta(days=5), due=due)]
    run_destination(sandbox.connection_config(**START), records, tmp_path)
    held = sandbox.state.line_items[line_item_id(NAMESPACE, "q3", year.sourced_id)]
    assert held["gradingPeriod"]["sourcedId"] == calendar.Q3_ID
    sent = held["metadata"][FINGERPRINT_KEY]["fields"]
    assert sent["gradingPeriod"] == digest(canonical("gradingPeriod", calendar.Q3_ID, UTC_CALENDAR)), "sent by us"


def test_a_grade_outside_the_score_group_is_reported_without_a_put(sandbox, tmp_path: Path) -> None:
    year = year_section(sandbox.district)
    task = year.grading_task_ids[1]
    values = [g["score"] for g in sandbox.district.score_group(task)]
    graded = open_day(year, 3)
    records = [grade(year, year.student_ids[0], task, graded=graded, score_value="Z"),
               grade(year, year.student_ids[1], task, graded=graded, score_value=values[0])]
    run = run_destination(sandbox.connection_config(**START), records, tmp_path)
    assert sandbox.stats.puts == 1
    (example,) = run.report["reasons"]["score_not_in_score_group"]["examples"]
    assert example["detail"].startswith("Score is not in the score group (predicted, not sent)")
    assert all(v in example["detail"] for v in values)
    assert example["campus_id"] == grade_result_id(NAMESPACE, task, year.student_ids[0])
    assert grade_result_id(NAMESPACE, task, year.student_ids[0]) not in sandbox.state.results


def test_a_title_another_assessment_of_the_section_uses_is_reported_without_a_put(sandbox, tmp_path: Path) -> None:
    year = year_section(sandbox.district)
    teacher, day = year.teacher_ids[0], open_day(year)
    task_title = sandbox.state.line_item(year.grading_task_ids[1])["title"]
    records = [
        assessment("quiz", year, assigned_by=teacher, start=day, due=day + timedelta(days=4), title="Fractions quiz"),
        assessment("quiz_copy", year, assigned_by=teacher, start=day, due=day + timedelta(days=4), title="fractions quiz "),
        assessment("like_task", year, assigned_by=teacher, start=day, due=day + timedelta(days=4), title=task_title),
        score("quiz_copy", year.sourced_id, year.student_ids[0], points=10, graded=day + timedelta(days=5)),
    ]
    run = run_destination(sandbox.connection_config(**START), records, tmp_path)
    assert sandbox.stats.puts == 1, "only the first 'Fractions quiz' is sent"
    entry = run.report["reasons"]["duplicate_title"]
    assert entry["count"] == 3 and entry["outcome"] == "refused_by_campus"  # two lineItems and the copy's score
    assert all(e["detail"].startswith("Title is already used (predicted, not sent)") for e in entry["examples"])
    assert year.grading_task_ids[1] in entry["examples"][1]["detail"]
    again = run_destination(sandbox.connection_config(**START), records, tmp_path)
    assert sandbox.stats.puts == 1 and again.reason_count("duplicate_title") == 3, "the held one keeps its title"
