"""The passback rules as pure functions: each rule's boundary, with roster facts given as sets."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

import pytest

from destination_campus_grades.district_days import DistrictCalendar, time_zone
from destination_campus_grades.reasons import Outcome, Reason
from destination_campus_grades.records import Assessment, Grade, GroupMember, Score
from destination_campus_grades.rules import (
    SEND, PassbackPolicy, decide_assessment, decide_grade, decide_member, decide_score, skip,
)

START = date(2026, 9, 1)
CHICAGO = DistrictCalendar(time_zone("America/Chicago"))
POLICY = PassbackPolicy(START, frozenset({"t1"}), CHICAGO)


@dataclass
class Roster:
    sections: set[str] = field(default_factory=lambda: {"100"})
    users: set[str] = field(default_factory=lambda: {"t1", "t2", "a9"})
    enrolled: set[tuple[str, str]] = field(default_factory=lambda: {("100", "s1")})
    tasks: set[tuple[str, str]] = field(default_factory=lambda: {("100", "100-1-7012")})

    forbidden: set[str] = field(default_factory=set)

    def section_known(self, section_id: str) -> bool:
        return section_id in self.sections

    def section_forbidden(self, section_id: str) -> bool:
        return section_id in self.forbidden

    def is_campus_user(self, user_id: str) -> bool:
        return user_id in self.users

    def user_role(self, user_id: str) -> str | None:
        if user_id not in self.users and user_id != "s1":
            return None
        return {"s": "student", "a": "administrator"}.get(user_id[0], "teacher")

    def is_enrolled(self, section_id: str, student_id: str) -> bool:
        return (section_id, student_id) in self.enrolled

    def has_grading_task(self, section_id: str, line_item_id: str) -> bool:
        return (section_id, line_item_id) in self.tasks


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


ASSESSMENT = Assessment("a1", "100", "Quiz", None, "t1", at(date(2026, 10, 20)), None, None, 20.0, True, "points",
                        None, None, "assigned")
SCORE = Score("a1", "100", "s1", 18.0, None, at(date(2026, 10, 25)), None, None)
GRADE = Grade("100", "s1", "100-1-7012", 88.0, None, at(date(2026, 10, 25)), "t1")


@pytest.mark.parametrize(("change", "reason"), [
    ({}, None),
    ({"state": "archived"}, None),
    ({"state": "deleted"}, Reason.ASSESSMENT_DELETED),
    ({"state": "draft"}, Reason.ASSESSMENT_DRAFT),
    ({"include_in_final_grade": False}, Reason.NOT_IN_FINAL_GRADE),
    ({"grading_type": "standards"}, Reason.STANDARDS_NOT_PASSED_BACK),
    ({"assigned_at": at(date(2026, 8, 31), 23)}, Reason.ASSIGNED_BEFORE_START_DATE),
    ({"assigned_at": at(START, 5)}, None),  # 00:00 in Chicago
    ({"assigned_at": at(START, 4)}, Reason.ASSIGNED_BEFORE_START_DATE),  # Aug 31, 11 PM in Chicago
    ({"assigned_at": START}, None),  # a bare date is the district's day
    # rule 1 is about the assigned date: a later go-live does not rescue an early assignment
    ({"assigned_at": at(date(2026, 8, 20)), "go_live_at": at(START)}, Reason.ASSIGNED_BEFORE_START_DATE),
    ({"assigned_at": at(START), "go_live_at": at(date(2026, 8, 31))}, None),
    ({"assigned_at": None, "go_live_at": at(date(2026, 8, 31))}, Reason.ASSIGNED_BEFORE_START_DATE),
    ({"assigned_at": None, "go_live_at": at(START)}, None),
    ({"assigned_at": None}, Reason.MISSING_REQUIRED_FIELD),
    ({"points_possible": None}, Reason.MISSING_REQUIRED_FIELD),
    ({"grading_type": "percent", "points_possible": None}, None),
    ({"section_id": "999"}, Reason.UNKNOWN_SECTION),
    ({"assigned_by": None}, Reason.ASSIGNER_NOT_IN_CAMPUS),
    ({"assigned_by": "t404"}, Reason.ASSIGNER_NOT_IN_CAMPUS),
    ({"assigned_by": "t2"}, Reason.TEACHER_NOT_IN_GROUP),
    ({"assigned_by": "a9"}, Reason.TEACHER_NOT_IN_GROUP),
])
def test_assessment_rules(change: dict, reason: Reason | None) -> None:
    decision = decide_assessment(replace(ASSESSMENT, **change), POLICY, Roster())
    assert decision.reason is reason
    assert decision.send is (reason is None)


def test_no_teacher_group_lets_every_campus_user_pass() -> None:
    open_policy = PassbackPolicy(START, None, CHICAGO)
    assert decide_assessment(replace(ASSESSMENT, assigned_by="t2"), open_policy, Roster()) == SEND
    assert decide_assessment(replace(ASSESSMENT, assigned_by="t404"), open_policy, Roster()).reason is \
        Reason.ASSIGNER_NOT_IN_CAMPUS


def test_an_empty_teacher_group_lets_nobody_pass() -> None:
    """The group stream arrived complete and empty: rule 4 holds for everyone, and says why."""
    empty = PassbackPolicy(START, frozenset(), CHICAGO, group_source="stream teacher_group")
    decision = decide_assessment(ASSESSMENT, empty, Roster())
    assert decision.reason is Reason.TEACHER_NOT_IN_GROUP and "is empty" in decision.detail


@pytest.mark.parametrize(("user_id", "reason"), [
    ("t2", None), ("a9", None), ("t404", Reason.GROUP_MEMBER_NOT_IN_CAMPUS), ("s1", Reason.GROUP_MEMBER_IS_STUDENT),
])
def test_a_group_member_must_be_a_campus_user_who_is_not_a_student(user_id: str, reason: Reason | None) -> None:
    decision = decide_member(GroupMember(user_id, "o-1", "A Name"), Roster())
    assert (decision.send, decision.reason) == (reason is None, reason)


@pytest.mark.parametrize(("change", "reason"), [
    ({}, None),
    ({"points": None, "percent": 85.0}, None),
    ({"points": 15.0, "percent": 75.0}, None),
    ({"status": "late"}, None),
    ({"status": "excluded"}, Reason.STUDENT_EXCLUDED),
    ({"status": "missing", "points": None}, Reason.STATUS_NOT_PASSED_BACK),
    ({"status": "exempt", "points": None}, Reason.STATUS_NOT_PASSED_BACK),
    ({"points": None}, Reason.NO_SCORE_VALUE),
    ({"graded_at": None}, Reason.NOT_GRADED),
    ({"graded_at": at(date(2026, 8, 31))}, Reason.GRADED_BEFORE_START_DATE),
    ({"graded_at": at(START, 4)}, Reason.GRADED_BEFORE_START_DATE),  # still Aug 31 in Chicago
    ({"graded_at": at(START, 5)}, None),
    ({"points": 20.5}, Reason.SCORE_ABOVE_POINTS_POSSIBLE),
    ({"points": 20.0}, None),
    ({"points": None, "percent": 100.5}, Reason.SCORE_ABOVE_POINTS_POSSIBLE),
    ({"student_id": "s2"}, Reason.STUDENT_NOT_ENROLLED),
])
def test_score_rules(change: dict, reason: Reason | None) -> None:
    decision = decide_score(replace(SCORE, **change), SEND, 20.0, POLICY, Roster())
    assert decision.reason is reason


def test_points_alone_need_points_possible_to_be_on_a_scale() -> None:
    percent_graded = decide_score(SCORE, SEND, None, POLICY, Roster())
    assert percent_graded.reason is Reason.NO_SCORE_VALUE and "send the percent" in percent_graded.detail
    assert decide_score(replace(SCORE, percent=90.0), SEND, None, POLICY, Roster()) == SEND


def test_score_shares_its_assessments_reason_or_reports_it_missing() -> None:
    not_sent = skip(Reason.TEACHER_NOT_IN_GROUP, "t2 is not in the passback teacher group")
    assert decide_score(SCORE, not_sent, 20.0, POLICY, Roster()) is not_sent
    assert decide_score(SCORE, None, None, POLICY, Roster()).reason is Reason.ASSESSMENT_NOT_FOUND
    assert Reason.ASSESSMENT_NOT_FOUND.outcome is Outcome.INVALID_INPUT


@pytest.mark.parametrize(("change", "reason"), [
    ({}, None),
    ({"percent": None, "score": "B"}, None),
    ({"percent": None}, Reason.NO_SCORE_VALUE),
    ({"graded_at": None}, Reason.NOT_GRADED),
    ({"graded_at": at(date(2026, 8, 1))}, Reason.GRADED_BEFORE_START_DATE),
    ({"section_id": "999"}, Reason.UNKNOWN_SECTION),
    ({"grading_task_id": "100-1-7099"}, Reason.UNKNOWN_GRADING_TASK),
    ({"student_id": "s2"}, Reason.STUDENT_NOT_ENROLLED),
    ({"posted_by": None}, Reason.ASSIGNER_NOT_IN_CAMPUS),
    ({"posted_by": "t2"}, Reason.TEACHER_NOT_IN_GROUP),
])
def test_grade_rules(change: dict, reason: Reason | None) -> None:
    assert decide_grade(replace(GRADE, **change), POLICY, Roster()).reason is reason
