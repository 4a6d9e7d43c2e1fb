"""Records, plan, diff and report: pure modules, no network."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from hypothesis import given, strategies as st

from destination_campus_grades.diff import Change, reconcile
from destination_campus_grades.district_days import DistrictCalendar
from destination_campus_grades.fingerprint import FINGERPRINT_KEY
from destination_campus_grades.categories import CategoryChoice, CategorySource
from destination_campus_grades.plan import PlanSettings, plan_grade, plan_line_item, plan_score, result_value_max
from destination_campus_grades.reasons import Outcome, Reason, reason_for_refusal
from destination_campus_grades.records import Assessment, InvalidRecord, Score, parse_record
from destination_campus_grades.report import REPORT_PREFIX, EXAMPLES_PER_REASON, PassbackReport, RecordOutcome, parse_report_line
from unit_tests.test_destination_rules import ASSESSMENT, CHICAGO, GRADE, SCORE

BASE_URL = "https://campus.example.org/campus/api/oneroster/v1p1/app/ims/oneroster/v1p1"
SETTINGS = PlanSettings("district-42", {"Quizzes": "cat-1"}, "percent", 50, CHICAGO, BASE_URL)


def scored(score: Score, assessment: Assessment = ASSESSMENT, settings: PlanSettings = SETTINGS):
    return plan_score(score, settings, points_possible=assessment.points_possible, scale=result_value_max(assessment))


def test_records_validate_and_name_the_bad_field() -> None:
    good = {"assessment_id": 7, "section_id": "100", "student_id": "s1", "points": 3, "graded_at": "2026-10-02",
            "unknown_extra": {"ignored": True}}
    score, lenient = parse_record("scores", good)
    assert lenient == ()
    assert isinstance(score, Score) and score.assessment_id == "7" and score.points == 3.0
    assert score.graded_at == date(2026, 10, 2)  # a bare date stays a day (the district's)
    assert parse_record("scores", {**good, "graded_at": "2026-10-02T23:30:00"})[0].graded_at == \
        datetime(2026, 10, 2, 23, 30, tzinfo=timezone.utc)  # a naive timestamp is UTC, as Otus writes
    for data, reason, field in (
        ({**good, "points": "ten"}, Reason.WRONG_FIELD_TYPE, "points"),
        ({k: v for k, v in good.items() if k != "student_id"}, Reason.MISSING_REQUIRED_FIELD, "student_id"),
        ({**good, "student_id": ""}, Reason.MISSING_REQUIRED_FIELD, "student_id"),
        ({**good, "graded_at": "next tuesday"}, Reason.INVALID_FIELD_VALUE, "graded_at"),
        ({**good, "status": "lost"}, Reason.INVALID_FIELD_VALUE, "status"),
        ({**good, "points": -1}, Reason.INVALID_FIELD_VALUE, "points"),
    ):
        invalid, _ = parse_record("scores", data)
        assert isinstance(invalid, InvalidRecord), data
        assert (invalid.reason, invalid.field) == (reason, field)
        assert "section_id=100" in invalid.record_id
        assert invalid.key == ("scores", "7", "100", "s1") or field == "student_id"


@pytest.mark.parametrize(("value", "read"), [
    (100000.0, "100000"), ("100000.000000000", "100000"), ("19.000000000", "19"), (19, "19"), ("19", "19"),
])
def test_ids_from_typed_sources_are_the_same_id(value, read) -> None:
    good = {"assessment_id": value, "section_id": "100", "student_id": "s1", "graded_at": "2026-10-02", "points": 3}
    score, lenient = parse_record("scores", good)
    assert isinstance(score, Score) and score.assessment_id == read
    assert lenient == (() if isinstance(value, int) or value == "19" else ("assessment_id",))


@pytest.mark.parametrize(("role", "field", "value", "read"), [
    ("scores", "points", "20", 20.0), ("scores", "points", "19.000000000", 19.0), ("scores", "points", "", None),
    ("assessments", "include_in_final_grade", "true", True), ("assessments", "include_in_final_grade", "FALSE", False),
    ("assessments", "points_possible", "20", 20.0),
])
def test_numeric_and_boolean_text_is_read_as_the_fields_type(role, field, value, read) -> None:
    base = {"scores": {"assessment_id": "a1", "section_id": "100", "student_id": "s1", "graded_at": "2026-10-02",
                       "points": 3},
            "assessments": {"assessment_id": "a1", "section_id": "100", "title": "T", "include_in_final_grade": True,
                            "grading_type": "points", "state": "assigned", "points_possible": 20}}[role]
    record, lenient = parse_record(role, {**base, field: value})
    assert not isinstance(record, InvalidRecord) and getattr(record, field) == read and lenient == (field,)


@pytest.mark.parametrize(("field", "value"), [("points", "ten"), ("points", "NaN"), ("assessment_id", 100000.5),
                                              ("points", True)])
def test_what_is_not_unambiguous_stays_a_wrong_field_type(field, value) -> None:
    data = {"assessment_id": "a1", "section_id": "100", "student_id": "s1", "graded_at": "2026-10-02", "points": 3}
    invalid, _ = parse_record("scores", {**data, field: value})
    assert isinstance(invalid, InvalidRecord) and invalid.reason is Reason.WRONG_FIELD_TYPE


def test_bad_assessment_keeps_its_key_so_its_scores_share_the_reason() -> None:
    bad, _ = parse_record("assessments", {"assessment_id": "a1", "section_id": "100", "title": "T",
                                          "include_in_final_grade": "yes", "grading_type": "points", "state": "assigned"})
    assert bad.reason is Reason.WRONG_FIELD_TYPE and bad.assessment_key == ("a1", "100")
    good, _ = parse_record("assessments", {"assessment_id": "a1", "section_id": "100", "title": "T",
                                        "include_in_final_grade": True, "grading_type": "points", "state": "assigned",
                                        "assigned_at": "2026-10-20T08:00:00-05:00", "points_possible": 10})
    assert isinstance(good, Assessment) and good.start == datetime(2026, 10, 20, 13, tzinfo=timezone.utc)


def test_line_item_plan_follows_rule_2_and_maps_the_category() -> None:
    mapped = CategoryChoice("cat-1", CategorySource.CATEGORY_MAP)
    plan = plan_line_item(replace(ASSESSMENT, category="Quizzes"), SETTINGS, category=mapped)
    body = plan.body
    # 12:00 UTC is 07:00 in Chicago; start + 7 days keeps the wall clock
    assert (body["assignDate"], body["dueDate"]) == ("2026-10-20T07:00:00-05:00", "2026-10-27T07:00:00-05:00")
    assert body["category"] == {"href": f"{BASE_URL}/categories/cat-1", "sourcedId": "cat-1", "type": "category"}
    assert body["class"] == {"href": f"{BASE_URL}/classes/100", "sourcedId": "100", "type": "class"}
    assert "gradingPeriod" not in body and "description" not in body  # nothing sent as null
    assert body["status"] == "active" and body["dateLastModified"].endswith("Z")
    assert (body["resultValueMin"], body["resultValueMax"]) == (0.0, 20.0)
    # 03:00 UTC on Nov 2 is Nov 1, 9 PM in Chicago (CST after the DST change): due Nov 1
    due = plan_line_item(replace(ASSESSMENT, due_at=datetime(2026, 11, 2, 3, tzinfo=timezone.utc),
                                 grading_period_id="7012", grading_type="percent", points_possible=None,
                                 category="Other", description="Unit 2"), SETTINGS,
                         category=CategoryChoice("c-default", CategorySource.PROVIDER_DEFAULT))
    assert due.defaults["category"]["sourcedId"] == "c-default"  # it files what Campus holds no category for
    due = due.body
    assert due["dueDate"] == "2026-11-01T21:00:00-06:00" and due["description"] == "Unit 2"
    assert due["gradingPeriod"] == {"href": f"{BASE_URL}/academicSessions/7012", "sourcedId": "7012",
                                    "type": "academicSession"}
    assert due["resultValueMax"] == 100.0 and "category" not in due  # a default is not part of the body
    days = replace(SETTINGS, calendar=replace(CHICAGO, line_item_date_format="date"))
    assert plan_line_item(replace(ASSESSMENT, due_at=datetime(2026, 11, 2, 3, tzinfo=timezone.utc)),
                          days).body["dueDate"] == "2026-11-01"
    assert plan_line_item(replace(ASSESSMENT, due_at=None, go_live_at=date(2026, 10, 22)), days).body["dueDate"] == \
        "2026-10-29"


def test_ids_are_deterministic_per_namespace() -> None:
    same = plan_line_item(ASSESSMENT, SETTINGS).sourced_id
    assert same == plan_line_item(ASSESSMENT, SETTINGS).sourced_id
    assert same != plan_line_item(ASSESSMENT, replace(SETTINGS, vendor_namespace="other")).sourced_id
    assert same != plan_line_item(replace(ASSESSMENT, section_id="101"), SETTINGS).sourced_id
    result = scored(SCORE)
    assert result.line_item_id == same
    assert result.sourced_id != scored(replace(SCORE, student_id="s2")).sourced_id
    assert plan_grade(GRADE, SETTINGS).line_item_id == GRADE.grading_task_id


def test_long_title_is_truncated_with_a_note() -> None:
    plan = plan_line_item(replace(ASSESSMENT, title="x" * 80), SETTINGS)
    assert len(plan.body["title"]) == 50 and plan.body["title"].endswith("...")
    assert plan.notes == (Reason.TITLE_TRUNCATED,)
    assert plan_line_item(replace(ASSESSMENT, title="x" * 50), SETTINGS).notes == ()


def test_result_plan_carries_rule_7_shapes() -> None:
    points = scored(SCORE).body
    assert points["score"] == 18.0 and set(points["metadata"]) == {FINGERPRINT_KEY} and "comment" not in points
    assert points["scoreDate"] == "2026-10-25" and points["scoreStatus"] == "fully graded"
    assert points["student"] == {"href": f"{BASE_URL}/users/s1", "sourcedId": "s1", "type": "user"}
    assert points["lineItem"]["type"] == "lineItem" and points["lineItem"]["href"].endswith(points["lineItem"]["sourcedId"])
    percent = scored(replace(SCORE, points=None, percent=85.0, comment="Good")).body
    assert percent["score"] == 17.0 and percent["metadata"]["percent"] == 85.0 and percent["comment"] == "Good"
    late = scored(replace(SCORE, graded_at=datetime(2026, 10, 26, 2, tzinfo=timezone.utc))).body
    assert late["scoreDate"] == "2026-10-25"  # 9 PM on the 25th in Chicago
    letter = plan_grade(replace(GRADE, percent=None, score="B"), SETTINGS).body
    assert letter["score"] == "B" and set(letter["metadata"]) == {FINGERPRINT_KEY}
    by_percent = plan_grade(GRADE, SETTINGS).body
    assert "score" not in by_percent and by_percent["metadata"]["percent"] == 88.0  # Campus picks the letter


def test_a_letter_travels_in_score_or_in_metadata_as_set() -> None:
    letters = replace(SETTINGS, letter_key="letterGrade")

    def metadata(body: dict) -> dict:
        return {k: v for k, v in body.get("metadata", {}).items() if k != FINGERPRINT_KEY}

    both = plan_grade(replace(GRADE, score="B", percent=84.0), letters).body
    assert both["score"] == 84.0 and metadata(both) == {"percent": 84.0, "letterGrade": "B"}
    alone = plan_grade(replace(GRADE, score="B", percent=None), letters).body
    assert "score" not in alone and metadata(alone) == {"letterGrade": "B"}
    on_scale_of_4 = plan_grade(replace(GRADE, score="3", percent=75.0), letters, scale=4.0).body
    assert on_scale_of_4["score"] == 3.0
    changed = plan_grade(replace(GRADE, score="B", percent=None), letters)
    held = {**changed.body, "metadata": {"letterGrade": "C"}}
    assert reconcile(changed.body, held, CHICAGO, percent_key="percent").change is Change.UPDATE


PERCENT_GRADED = replace(ASSESSMENT, grading_type="percent", points_possible=None)
PERCENT_OF_40 = replace(ASSESSMENT, grading_type="percent", points_possible=40.0)


@pytest.mark.parametrize(("assessment", "points", "percent", "score", "maximum"), [
    (ASSESSMENT, 18.0, None, 18.0, 20.0),  # points: points of points possible
    (ASSESSMENT, None, 90.0, 18.0, 20.0),
    (ASSESSMENT, 18.0, 90.0, 18.0, 20.0),
    (PERCENT_OF_40, 36.0, None, 36.0, 40.0),  # percent grading with points possible: 36 of 40, never of 100
    (PERCENT_OF_40, None, 90.0, 36.0, 40.0),
    (PERCENT_OF_40, 36.0, 90.0, 36.0, 40.0),
    (PERCENT_GRADED, None, 90.0, 90.0, 100.0),  # no points possible: the percent of 100
    (PERCENT_GRADED, 36.0, 90.0, 90.0, 100.0),
])
def test_score_over_result_value_max_is_the_students_fraction(assessment, points, percent, score, maximum) -> None:
    line_item = plan_line_item(assessment, SETTINGS).body
    result = scored(replace(SCORE, points=points, percent=percent), assessment).body
    assert (result["score"], line_item["resultValueMax"]) == (score, maximum)


@given(points_possible=st.one_of(st.none(), st.floats(1, 1000)), fraction=st.floats(0, 1),
       shape=st.sampled_from(["points", "percent", "both"]))
def test_every_result_is_on_its_line_items_scale(points_possible, fraction, shape) -> None:
    assessment = replace(ASSESSMENT, grading_type="points" if points_possible else "percent",
                         points_possible=points_possible)
    points = fraction * points_possible if points_possible and shape != "percent" else None
    percent = fraction * 100 if shape != "points" or not points_possible else None
    maximum = plan_line_item(assessment, SETTINGS).body["resultValueMax"]
    body = scored(replace(SCORE, points=points, percent=percent), assessment).body
    assert body["score"] / maximum == pytest.approx(fraction, abs=1e-5)


def two_way(held: dict | None) -> dict | None:
    """Campus's object without our fingerprint: these cases are about what counts as a difference
    (the three-way decision is in test_destination_three_way.py)."""
    if held is None:
        return None
    return {**held, "metadata": {k: v for k, v in (held.get("metadata") or {}).items() if k != FINGERPRINT_KEY}}


def line_item_change(plan, held, calendar: DistrictCalendar) -> Change:
    return reconcile(plan.body, two_way(held), calendar, percent_key=None).change


def result_change(plan, held, percent_key: str, calendar: DistrictCalendar) -> Change:
    return reconcile(plan.body, two_way(held), calendar, percent_key=percent_key).change


def test_diff_compares_only_what_we_send_as_campus_stores_it() -> None:
    plan = plan_line_item(ASSESSMENT, SETTINGS)
    assert line_item_change(plan, None, CHICAGO) is Change.CREATE
    held = {**plan.body, "assignDate": "2026-10-20T12:00:00.000Z", "dueDate": "2026-10-27", "resultValueMax": 20,
            "category": {"sourcedId": "11111111-1111-1111-1111-111111111111"}, "gradingPeriod": {"sourcedId": "7012"},
            "dateLastModified": "2026-10-21T00:00:00.000Z", "class": {"sourcedId": "100", "href": "/classes/100"},
            "description": ""}
    assert line_item_change(plan, held, CHICAGO) is Change.UNCHANGED
    assert line_item_change(plan, {**held, "title": "Renamed"}, CHICAGO) is Change.UPDATE
    assert line_item_change(plan, {**held, "status": "tobedeleted"}, CHICAGO) is Change.CREATE
    assert line_item_change(plan, {**held, "description": "old words"}, CHICAGO) is Change.UPDATE
    # Campus answering the due date in UTC: 04:59Z on the 28th is still the 27th in Chicago
    assert line_item_change(plan, {**held, "dueDate": "2026-10-28T04:59:00Z"}, CHICAGO) is Change.UNCHANGED
    assert line_item_change(plan, {**held, "dueDate": "2026-10-28T05:00:00Z"}, CHICAGO) is Change.UPDATE

    percent_only = scored(replace(SCORE, points=None, percent=85.0))
    held_result = {**percent_only.body, "score": 17, "metadata": {"percent": 85}}
    assert result_change(percent_only, held_result, "percent", CHICAGO) is Change.UNCHANGED
    assert result_change(percent_only, {**held_result, "metadata": {"percent": 80}}, "percent", CHICAGO) is Change.UPDATE
    points = scored(SCORE)
    assert result_change(points, {**points.body, "score": "18", "metadata": {"percent": None}}, "percent",
                         CHICAGO) is Change.UNCHANGED
    assert result_change(points, {**points.body, "score": 17}, "percent", CHICAGO) is Change.UPDATE
    # a percent Campus still holds that Otus no longer sends is cleared
    assert result_change(points, {**points.body, "metadata": {"percent": 90}}, "percent", CHICAGO) is Change.UPDATE
    assert result_change(points, {**points.body, "comment": ""}, "percent", CHICAGO) is Change.UNCHANGED
    assert result_change(points, {**points.body, "comment": "old"}, "percent", CHICAGO) is Change.UPDATE
    grade = plan_grade(GRADE, SETTINGS)  # percent alone: the letter Campus picked is not a difference
    assert result_change(grade, {**grade.body, "score": "B"}, "percent", CHICAGO) is Change.UNCHANGED


@pytest.mark.parametrize(("description", "reason"), [
    ("Grading window is closed: lineItem x belongs to Q1", Reason.GRADING_WINDOW_CLOSED),
    ("Score is not in the score group: result y", Reason.SCORE_NOT_IN_SCORE_GROUP),
    ("Due date is outside the term: lineItem z", Reason.DUE_DATE_OUTSIDE_TERM),
    ("Title is already used: lineItem z", Reason.DUPLICATE_TITLE),
    ("lineItem x: field 'dueDate' is required", Reason.REFUSED_INVALID_DATA),
    (None, Reason.REFUSED_INVALID_DATA),
])
def test_refusals_classify_on_campus_words(description: str | None, reason: Reason) -> None:
    assert reason_for_refusal(description) is reason


def test_every_reason_says_what_to_do() -> None:
    for reason in Reason:
        assert reason.what_to_do.strip().endswith(".") and len(reason.what_to_do) > 30, reason
    assert {r.outcome for r in Reason} == {None, Outcome.SKIPPED_BY_RULE, Outcome.INVALID_INPUT,
                                           Outcome.REFUSED_BY_CAMPUS}


def test_report_counts_examples_and_one_json_line() -> None:
    report = PassbackReport(dry_run=False)
    for n in range(5):
        report.add(RecordOutcome("scores", Outcome.REFUSED_BY_CAMPUS, f"student {n}", f"r{n}",
                                 Reason.GRADING_WINDOW_CLOSED, "Grading window is closed: Q1"))
    report.add(RecordOutcome("assessments", Outcome.CREATED, "a1", "li1"))
    report.note(Reason.TITLE_TRUNCATED, RecordOutcome("assessments", Outcome.CREATED, "a1", "li1"))
    lines = report.lines()
    (json_line,) = [line for line in lines if line.startswith(REPORT_PREFIX)]
    parsed = parse_report_line(json_line)
    assert parsed == json.loads(json_line[len(REPORT_PREFIX):])
    assert parsed["totals"]["refused_by_campus"] == 5 and parsed["totals"]["created"] == 1
    entry = parsed["reasons"]["grading_window_closed"]
    assert entry["count"] == 5 and len(entry["examples"]) == EXAMPLES_PER_REASON
    assert entry["examples"][0] == {"otus_id": "student 0", "campus_id": "r0", "detail": "Grading window is closed: Q1"}
    assert parsed["reasons"]["title_truncated"]["outcome"] == "note"
    assert any("grading_window_closed: 5" in line for line in lines)
    assert parsed["writes"] == {}
    report.writes = {"PUT": 6}
    assert report.as_dict()["writes"] == {"PUT": 6} and "  Requests sent to Campus: PUT 6" in report.lines()
    partial = report.as_dict(partial=True, error="boom")
    assert partial["partial"] and partial["error"] == "boom"
    assert parse_report_line("something else") is None
    assert "DRY RUN" in PassbackReport(dry_run=True).lines()[0]


def test_report_wording_names_missing_ids_and_counts_in_the_singular() -> None:
    """A missing id reads as missing (never "None"); a note on the whole sync has no empty "e.g.";
    one record is one record (the demo's view)."""
    from campus_demo.report_view import reasons_view
    from rich.console import Console

    invalid, _ = parse_record("assessments", {"section_id": "100000", "title": "T"})
    assert invalid.record_id == "assessment_id=(missing) section_id=100000"
    report = PassbackReport(dry_run=False)
    report.add(RecordOutcome("assessments", Outcome.INVALID_INPUT, invalid.record_id, reason=invalid.reason))
    report.note(Reason.REMOVAL_INPUT_UNUSABLE, RecordOutcome("assessments", None, "", detail="1 record of the "
                                                           "assessments stream arrived without assessment_id"))
    lines = report.lines()
    assert not any("None" in line for line in lines) and not any(line.strip() == "e.g." for line in lines)
    assert "      1 record of the assessments stream arrived without assessment_id" in lines
    console = Console(width=200, record=True)
    console.print(reasons_view(report.as_dict()))
    shown = console.export_text()
    assert "1 record\n" in shown and "1 records" not in shown and "e.g. \n" not in shown
