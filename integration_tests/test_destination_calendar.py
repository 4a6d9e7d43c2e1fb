"""The district's days, through the console script: instants on both sides of local midnight in a
zone west of UTC (Chicago) and one east of it (Berlin), and what Campus then holds.

Otus sends UTC instants. A teacher's "Thursday 11:59 PM" in Chicago is Friday in UTC, and
"Friday 00:30" in Berlin is Thursday in UTC: in both, Campus must see the district's day, and
rule 1's start date comparisons must use it.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from campus_sandbox import calendar
from campus_sandbox.receiving import PLACEHOLDER_CATEGORY_ID
from destination_campus_grades.plan import line_item_id, namespace_of, score_result_id
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import run_destination
from otus_export.sample import sample_export

NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)
START = date(2026, 9, 1)


def utc(zone: str, *wall: int) -> str:
    """The Otus (UTC) instant of a wall-clock time in `zone`."""
    return datetime(*wall, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def assessment(name: str, section: str, teacher: str, *, assigned: str, due: str | None = None,
               go_live: str | None = None) -> tuple[str, dict]:
    return ("assessments", {
        "assessment_id": name, "section_id": section, "title": name, "assigned_by": teacher, "assigned_at": assigned,
        "go_live_at": go_live, "due_at": due, "points_possible": 10, "include_in_final_grade": True,
        "grading_type": "points", "state": "assigned", "category": "Quizzes", "grading_period_id": calendar.Q2_ID})


def score(name: str, section: str, student: str, graded: str) -> tuple[str, dict]:
    return ("scores", {"assessment_id": name, "section_id": section, "student_id": student, "points": 7,
                       "graded_at": graded})


CATEGORY_MAP = [{"otus_category": "Quizzes", "campus_category_id": PLACEHOLDER_CATEGORY_ID}]


def held_day(text: str) -> date:
    """The calendar day written in a date or date-time, as a reader of the text sees it."""
    return date.fromisoformat(text[:10])


@pytest.mark.parametrize("zone", ["America/Chicago", "Europe/Berlin"])
def test_days_are_the_districts_on_both_sides_of_local_midnight(make_sandbox, district_cache, tmp_path: Path,
                                                                zone: str) -> None:
    sandbox = make_sandbox("tiny", strict=True)  # a provider that holds to the 1.1 data model
    year = sample_export(district_cache("tiny")).sections["year"]
    section, teacher, students = year.sourced_id, year.teacher_ids[0], year.student_ids
    thursday_night = utc(zone, 2026, 10, 22, 23, 59)
    records = [
        assessment("late_eve_before_start", section, teacher, assigned=utc(zone, 2026, 8, 31, 23, 30),
                   due=thursday_night),
        assessment("after_midnight", section, teacher, assigned=utc(zone, 2026, 9, 1, 0, 30), due=thursday_night),
        score("after_midnight", section, students[0], utc(zone, 2026, 8, 31, 23, 30)),
        score("after_midnight", section, students[1], utc(zone, 2026, 9, 1, 0, 30)),
        score("after_midnight", section, students[2], utc(zone, 2026, 10, 22, 23, 30)),
        score("after_midnight", section, students[3], utc(zone, 2026, 10, 23, 0, 30)),
        assessment("no_due", section, teacher, assigned=utc(zone, 2026, 9, 2, 9, 0),
                   go_live=utc(zone, 2026, 10, 20, 23, 30)),
    ]
    config = sandbox.connection_config(passback_start_date=START.isoformat(), district_time_zone=zone,
                                       category_map=CATEGORY_MAP)
    run = run_destination(config, records, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.report["totals"]["refused_by_campus"] == 0, run.report["reasons"]

    assert line_item_id(NAMESPACE, "late_eve_before_start", section) not in sandbox.state.line_items
    assert "assigned 2026-08-31" in run.report["reasons"]["assigned_before_start_date"]["examples"][0]["detail"]
    held = sandbox.state.line_items[line_item_id(NAMESPACE, "after_midnight", section)]
    assert held_day(held["assignDate"]) == date(2026, 9, 1)
    assert held_day(held["dueDate"]) == date(2026, 10, 22)  # Thursday, whatever the UTC day
    assert datetime.fromisoformat(held["dueDate"]) == datetime.fromisoformat(thursday_night)  # the same instant
    no_due = sandbox.state.line_items[line_item_id(NAMESPACE, "no_due", section)]
    assert (held_day(no_due["assignDate"]), held_day(no_due["dueDate"])) == (date(2026, 10, 20), date(2026, 10, 27))
    assert no_due["dueDate"][11:16] == "23:30"  # start + 7 days keeps the teacher's time of day

    def result(student: str) -> dict | None:
        return sandbox.state.results.get(score_result_id(NAMESPACE, "after_midnight", section, student))

    assert result(students[0]) is None
    assert run.reason_count("graded_before_start_date") == 1
    assert [result(s)["scoreDate"] for s in students[1:4]] == ["2026-09-01", "2026-10-22", "2026-10-23"]


def test_assignment_dates_go_out_as_days_when_the_provider_wants_days(make_sandbox, district_cache,
                                                                      tmp_path: Path) -> None:
    sandbox = make_sandbox("tiny")
    year = sample_export(district_cache("tiny")).sections["year"]
    zone = "America/Chicago"
    records = [assessment("days", year.sourced_id, year.teacher_ids[0], assigned=utc(zone, 2026, 10, 20, 23, 30),
                          due=utc(zone, 2026, 10, 22, 23, 59))]
    config = sandbox.connection_config(passback_start_date=START.isoformat(), district_time_zone=zone,
                                       line_item_date_format="date")
    run = run_destination(config, records, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    held = sandbox.state.line_items[line_item_id(NAMESPACE, "days", year.sourced_id)]
    assert (held["assignDate"], held["dueDate"]) == ("2026-10-20", "2026-10-22")
