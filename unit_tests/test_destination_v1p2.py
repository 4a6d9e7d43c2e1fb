"""OneRoster 1.2 bodies, predictions and the 1.1 → 1.2 move in the plan and the three-way diff (pure).

What a 1.2 provider requires of a lineItem (school, a real category, UTC date-times) and a result
(scoreDate a date, textScore for a text score, flags as string booleans) is 1EdTech's OneRoster 1.2
gradebook service OpenAPI, as the destination page's "OneRoster 1.2" section summarises it
(docs/integrations/destinations/campus-grades.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings, strategies as st

from destination_campus_grades.categories import CategoryChoice, CategorySource
from destination_campus_grades.diff import PLACEHOLDER_CATEGORY, Change, reconcile
from destination_campus_grades.identities import Person
from destination_campus_grades.plan import PlanSettings, plan_grade, plan_line_item, plan_score
from destination_campus_grades.reasons import Reason
from destination_campus_grades.records import StandardScore
from destination_campus_grades.refusals import category_unresolved, letter_not_in_scale, letter_without_percent
from unit_tests.test_destination_rules import ASSESSMENT, CHICAGO, GRADE, SCORE

ROSTERING = "https://campus.example.org/campus/api/ims/oneroster/rostering/v1p2"
GRADEBOOK = "https://campus.example.org/campus/api/ims/oneroster/gradebook/v1p2"
V1P1 = PlanSettings("district-42", {"Quizzes": "c7001"}, "percent", 50, CHICAGO, ROSTERING)
V1P2 = replace(V1P1, version="1.2", gradebook_base_url=GRADEBOOK)
STUDENT = Person("100001", "s1")
TITLED = CategoryChoice("cat-9", CategorySource.CLASS_TITLE)
TIMES = st.datetimes(min_value=datetime(2026, 8, 1), max_value=datetime(2027, 6, 30), timezones=st.just(timezone.utc))


def nulls(value: Any, path: str = "") -> list[str]:
    """Paths holding JSON null anywhere in a body."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{path}[{i}]")]
    return []


@given(start=TIMES, due=st.one_of(st.none(), TIMES), description=st.one_of(st.none(), st.text(max_size=5)))
@settings(max_examples=100, deadline=None)
def test_a_1p2_line_item_has_school_category_utc_times_and_no_null(start, due, description) -> None:
    assessment = replace(ASSESSMENT, assigned_at=start, due_at=due, description=description)
    body = plan_line_item(assessment, V1P2, category=TITLED, school_id="101").body
    assert body["school"] == {"href": f"{ROSTERING}/schools/101", "sourcedId": "101", "type": "org"}
    assert body["category"] == {"href": f"{GRADEBOOK}/categories/cat-9", "sourcedId": "cat-9", "type": "category"}
    for name in ("assignDate", "dueDate"):
        assert body[name].endswith("Z") and len(body[name]) == 20, body[name]
    assert datetime.fromisoformat(body["assignDate"]) == start.replace(microsecond=0)
    assert not nulls(body)
    on_1p1 = plan_line_item(assessment, V1P1, category=TITLED, school_id="101").body
    assert "school" not in on_1p1, "1.1 bodies stay as they were"
    assert on_1p1["dueDate"][-6:] in ("-05:00", "-06:00")


@given(points=st.integers(0, 20).map(float), comment=st.one_of(st.none(), st.text(max_size=5)))
@settings(max_examples=50, deadline=None)
def test_a_1p1_result_is_byte_identical_whoever_resolved_its_student(points: float, comment) -> None:
    score = replace(SCORE, points=points, comment=comment)
    alone = plan_score(score, V1P1, points_possible=20.0, scale=20.0)
    resolved = plan_score(score, V1P1, points_possible=20.0, scale=20.0, student=Person("s1", "s1"))
    assert alone.sourced_id == resolved.sourced_id
    assert {**alone.body, "dateLastModified": ""} == {**resolved.body, "dateLastModified": ""}


def test_a_1p2_result_lands_on_the_1p1_result_with_the_1p2_student() -> None:
    before = plan_score(SCORE, V1P1, points_possible=20.0, scale=20.0)
    after = plan_score(SCORE, V1P2, points_possible=20.0, scale=20.0, student=STUDENT)
    assert after.sourced_id == before.sourced_id and after.body["student"]["sourcedId"] == "100001"
    assert after.body["scoreDate"] == "2026-10-25" and not nulls(after.body)
    assert after.body["score"] / 20.0 == before.body["score"] / 20.0 == 0.9, "the scale invariant"


def test_a_letter_travels_as_text_score_on_1p2() -> None:
    both = plan_grade(replace(GRADE, score="B", percent=84.0), V1P2, student=STUDENT).body
    assert both["textScore"] == "B" and both["score"] == 84.0 and both["metadata"]["percent"] == 84.0
    alone = plan_grade(replace(GRADE, score="B", percent=None), V1P2, student=STUDENT).body
    assert alone["textScore"] == "B" and "score" not in alone and not nulls(alone)
    four = plan_grade(replace(GRADE, score=4.0, percent=None), V1P2, student=STUDENT, scale=4.0).body
    assert four["textScore"] == "4"
    assert plan_grade(GRADE, V1P2, student=STUDENT).sourced_id == plan_grade(GRADE, V1P1).sourced_id


def test_a_letter_outside_the_class_score_scale_is_predicted() -> None:
    scales = [{"sourcedId": "ss1", "title": "A-F", "scoreScaleValue": [{"itemValueLHS": v, "itemValueRHS": v}
                                                                     for v in "ABCDF"]},
              {"sourcedId": "ss2", "title": "1-4", "scoreScaleValue": [{"itemValueLHS": "4", "itemValueRHS": "4"}]}]
    task = {"sourcedId": "100000-1-7011", "scoreScale": {"sourcedId": "ss1"}}
    predicted = letter_not_in_scale("E", task, scales)
    assert predicted.reason is Reason.LETTER_NOT_IN_SCORE_SCALE and "A, B, C, D, F (A-F)" in predicted.detail
    assert letter_not_in_scale("B", task, scales) is None
    assert letter_not_in_scale("4", task, scales) is not None, "the task's own scale, not another of the class"
    assert letter_not_in_scale(4.0, {"sourcedId": "x"}, scales) is None, "no scale on the task: any of the class's"
    assert letter_not_in_scale("E", task, []) is None and letter_not_in_scale(None, task, scales) is None
    assert letter_without_percent("B", None, "letterGrade").reason is Reason.LETTER_NEEDS_PERCENT
    assert letter_without_percent("B", 84.0, "letterGrade") is None and letter_without_percent("B", None, None) is None
    unresolved = category_unresolved("Labs", "100000")
    assert unresolved.reason is Reason.CATEGORY_NOT_RESOLVED and "class 100000: Otus category 'Labs'" in unresolved.detail


def test_flags_are_sent_only_when_enabled_and_take_part_in_change_detection() -> None:
    late = replace(SCORE, status="late")
    assert not {"late", "missing"} & set(plan_score(late, V1P2, points_possible=20.0, scale=20.0).body)
    flagged = replace(V1P2, status_flags=True)
    body = plan_score(late, flagged, points_possible=20.0, scale=20.0, student=STUDENT).body
    assert (body["late"], body["missing"], body["scoreStatus"]) == ("true", "false", "fully graded")
    exempt = plan_score(replace(SCORE, status="exempt", points=None), flagged, points_possible=20.0, scale=20.0).body
    assert exempt["scoreStatus"] == "exempt" and "score" not in exempt
    missing = plan_score(replace(SCORE, status="missing", points=None), flagged, points_possible=20.0, scale=20.0).body
    assert (missing["missing"], missing["scoreStatus"]) == ("true", "not submitted")
    held = {**body, "dateLastModified": "2026-10-30T10:00:00.000Z"}
    assert reconcile(body, held, CHICAGO, percent_key="percent").change is Change.UNCHANGED
    on_time = plan_score(SCORE, flagged, points_possible=20.0, scale=20.0, student=STUDENT).body
    changed = reconcile(on_time, held, CHICAGO, percent_key="percent")
    assert changed.change is Change.UPDATE and changed.body["late"] == "false"


def test_standards_travel_as_learning_objectives_when_enabled() -> None:
    assessment = replace(ASSESSMENT, standards=("case:B", "case:A"))
    score = replace(SCORE, standard_scores=(StandardScore("case:B", 3.0), StandardScore("case:A", None, "M")))
    assert "learningObjectiveSet" not in plan_line_item(assessment, V1P2, category=TITLED).body
    with_standards = replace(V1P2, standards=True)
    line_item = plan_line_item(assessment, with_standards, category=TITLED).body
    assert line_item["learningObjectiveSet"] == [{"source": "case", "learningObjectiveIds": ["case:A", "case:B"]}]
    result = plan_score(score, with_standards, points_possible=20.0, scale=20.0, student=STUDENT).body
    assert result["learningObjectiveSet"] == [{"source": "case", "learningObjectiveResults": [
        {"learningObjectiveId": "case:A", "textScore": "M"}, {"learningObjectiveId": "case:B", "score": 3.0}]}]
    held = {**result, "dateLastModified": "2026-10-30T10:00:00.000Z"}
    assert reconcile(result, held, CHICAGO, percent_key="percent").change is Change.UNCHANGED


def moved(written: dict, **campus) -> dict:
    """What a 1.2 Campus serves for an object written on 1.1: refs to users renamed, a school filled in."""
    held = {**written, "dateLastModified": "2026-11-30T10:00:00.000Z", **campus}
    if "student" in held:
        held["student"] = {"sourcedId": "100001", "type": "user"}
    return held


def test_after_the_move_nothing_unchanged_is_written_and_a_teacher_edit_is_kept() -> None:
    """A lineItem and a result 1.1 wrote, served by 1.2: the first 1.2 sync writes nothing for them."""
    unmapped = replace(ASSESSMENT, category="Labs")
    written = plan_line_item(unmapped, V1P1, category=CategoryChoice(PLACEHOLDER_CATEGORY, CategorySource.PROVIDER_DEFAULT)).body
    assert "category" not in written, "1.1: a default category is sent on create only, never fingerprinted"
    planned = plan_line_item(unmapped, V1P2, category=CategoryChoice("c-labs", CategorySource.CLASS_TITLE),
                             school_id="101").body
    filed = moved(written, school={"sourcedId": "101"}, category={"sourcedId": "c-teacher"})
    assert reconcile(planned, filed, CHICAGO, percent_key=None).change is Change.UNCHANGED
    uncategorized = moved(written, school={"sourcedId": "101"}, category={"sourcedId": PLACEHOLDER_CATEGORY})
    assert reconcile(planned, uncategorized, CHICAGO, percent_key=None).change is Change.UNCHANGED
    retitled_in_otus = plan_line_item(replace(unmapped, title="Lab 1b"), V1P2,
                                      category=CategoryChoice("c-labs", CategorySource.CLASS_TITLE), school_id="101").body
    placeholder = reconcile(retitled_in_otus, uncategorized, CHICAGO, percent_key=None)
    assert placeholder.change is Change.UPDATE and placeholder.body["category"]["sourcedId"] == "c-labs", \
        "written for another reason, the placeholder 1.2 refuses is replaced"
    assert reconcile(retitled_in_otus, filed, CHICAGO, percent_key=None).body["category"]["sourcedId"] == "c-teacher"
    retitled = reconcile(planned, {**filed, "title": "Lab 1 (retake)"}, CHICAGO, percent_key=None)
    assert retitled.change is Change.UNCHANGED and retitled.kept == ("title",)

    result = plan_score(SCORE, V1P1, points_possible=20.0, scale=20.0).body
    again = plan_score(SCORE, V1P2, points_possible=20.0, scale=20.0, student=STUDENT).body
    assert reconcile(again, moved(result), CHICAGO, percent_key="percent").change is Change.UNCHANGED
    edited = reconcile(again, moved(result, score=19.0), CHICAGO, percent_key="percent")
    assert edited.change is Change.UNCHANGED and edited.kept == ("score",)
    regraded = plan_score(replace(SCORE, points=15.0), V1P2, points_possible=20.0, scale=20.0, student=STUDENT).body
    assert reconcile(regraded, moved(result), CHICAGO, percent_key="percent").body["score"] == 15.0


def test_a_grade_held_with_its_letter_in_score_is_unchanged_on_1p2_and_a_teacher_edit_is_kept() -> None:
    """1.1 put the letter in `score` (or Campus picked it from the percent); 1.2 sends it as
    `textScore` with the percent's number: the move alone is no change."""
    sent_letter = plan_grade(replace(GRADE, score="B", percent=None), V1P1).body
    held = moved(sent_letter)
    now = plan_grade(replace(GRADE, score="B", percent=None), V1P2, student=STUDENT).body
    assert reconcile(now, held, CHICAGO, percent_key="percent").change is Change.UNCHANGED
    teacher = reconcile(now, {**held, "textScore": "A"}, CHICAGO, percent_key="percent")
    assert teacher.change is Change.UNCHANGED and teacher.kept == ("textScore",)
    regraded = plan_grade(replace(GRADE, score="C", percent=None), V1P2, student=STUDENT).body
    assert reconcile(regraded, held, CHICAGO, percent_key="percent").body["textScore"] == "C"

    picked = moved(plan_grade(GRADE, V1P1).body, score="B")  # percent alone: Campus picked the letter
    by_percent = plan_grade(GRADE, V1P2, student=STUDENT).body
    assert by_percent["score"] == 88.0 and reconcile(by_percent, picked, CHICAGO, percent_key="percent").change \
        is Change.UNCHANGED
    changed = plan_grade(replace(GRADE, percent=71.0), V1P2, student=STUDENT).body
    assert reconcile(changed, picked, CHICAGO, percent_key="percent").body["score"] == 71.0


def test_1p2_only_settings_on_a_1p1_connection_are_named_never_silently_dropped() -> None:
    from unit_tests.test_spec_form import _destination_config

    assert _destination_config().unused_v1p2_settings() == []
    on_1p1 = _destination_config(send_status_flags=True, send_standards=True)
    assert on_1p1.unused_v1p2_settings() == ["send_status_flags", "send_standards"]
    on_1p2 = _destination_config(base_url="http://127.0.0.1:1/ims/oneroster/rostering/v1p2", oneroster_version="1.2",
                                 send_status_flags=True, send_standards=True)
    assert on_1p2.unused_v1p2_settings() == []
