"""The passback rules (rules 1-7 of the destination page, docs/integrations/destinations/campus-grades.md)
as pure functions: record + context in, decision out.

Nothing here reads the network: what Campus knows (users, sections, enrollments, grading tasks)
arrives through the `RosterFacts` protocol, which `roster.py` implements over a per-sync cache
and unit tests implement with sets. Checks run from the most to the least fundamental, so a
record that breaks several rules reports the one an admin should act on first: what Otus says
about the assessment itself (removed, draft, not counted, standards, too early), then whether
Campus can take it (section, assigner), then the district's own gate (teacher group).

Decided here, documented for admins:
- `archived` assessments pass back like `assigned` ones: archiving hides a finished assessment
  from the teacher's list in Otus, its scores still count.
- missing/late/exempt flags are never sent (OneRoster 1.1 has no such statuses); a score entered
  with the flag still passes back without it, a flag without a score is skipped.
- grades (grading-task results) follow rules 1, 4 and 5 with `posted_by` as the acting user.
- rule 4's group is the `teacher_group` stream when the connection carries it, else the
  `passback_teacher_group` setting; no group at all lets every Campus user pass, an empty group
  from the stream lets nobody. A member counts when Campus knows the user and it is not a student.
- rule 1 compares the day an assessment was *assigned* (`assigned_at`; `go_live_at` only when
  Otus sent no assigned date) with the passback start date: a later go-live date does not
  rescue an assessment assigned before it. Every day is the district's (`district_days.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from destination_campus_grades.district_days import DistrictCalendar, Moment
from destination_campus_grades.records import Assessment, Grade, GroupMember, Score
from destination_campus_grades.reasons import Reason

UNSCORED_STATUSES = frozenset({"missing", "late", "exempt"})


class RosterFacts(Protocol):
    """What the rules need to know about Campus; answered from a per-sync cache."""

    def section_known(self, section_id: str) -> bool: ...

    def section_forbidden(self, section_id: str) -> bool: ...

    def is_campus_user(self, user_id: str) -> bool: ...

    def user_role(self, user_id: str) -> str | None: ...

    def is_enrolled(self, section_id: str, student_id: str) -> bool: ...

    def has_grading_task(self, section_id: str, line_item_id: str) -> bool: ...


@dataclass(frozen=True)
class PassbackPolicy:
    """The district's choices the rules apply (from the destination config)."""

    start_date: date
    teacher_group: frozenset[str] | None  # None: no group (every Campus user passes rule 4); empty: nobody does
    calendar: DistrictCalendar
    group_source: str = "passback_teacher_group"  # where the group came from, for the rule's detail


@dataclass(frozen=True, slots=True)
class PassbackDecision:
    """Send the record, or do not and say why (the reason's outcome says how it is counted)."""

    send: bool
    reason: Reason | None = None
    detail: str = ""


SEND = PassbackDecision(True)


def skip(reason: Reason, detail: str = "") -> PassbackDecision:
    """A decision not to send, with the reason code and a record-specific detail."""
    return PassbackDecision(False, reason, detail)


def decide_assessment(assessment: Assessment, policy: PassbackPolicy, roster: RosterFacts) -> PassbackDecision:
    """Rules 1-5 for one assessment in one section, plus the input checks its lineItem needs."""
    decided = decide_assessment_in_otus(assessment, policy)
    if decided is not None:
        return decided
    if not roster.section_known(assessment.section_id):
        return skip(Reason.UNKNOWN_SECTION, f"section_id {assessment.section_id} is not a Campus class")
    if roster.section_forbidden(assessment.section_id):
        return _forbidden(assessment.section_id)
    return _acting_user(assessment.assigned_by, policy, roster)


def decide_assessment_in_otus(assessment: Assessment, policy: PassbackPolicy) -> PassbackDecision | None:
    """The rules Otus's own data settles (no Campus read); None when Campus must be asked.

    The destination reads a section from Campus only for assessments that get past these.
    """
    if assessment.state == "deleted":
        return skip(Reason.ASSESSMENT_DELETED)
    if assessment.state == "draft":
        return skip(Reason.ASSESSMENT_DRAFT)
    if not assessment.include_in_final_grade:
        return skip(Reason.NOT_IN_FINAL_GRADE)
    if assessment.grading_type == "standards":
        return skip(Reason.STANDARDS_NOT_PASSED_BACK)
    if assessment.assigned is None:
        return skip(Reason.MISSING_REQUIRED_FIELD, "assigned_at or go_live_at is required (the assessment's start date)")
    assigned = policy.calendar.day_of(assessment.assigned)
    if assigned < policy.start_date:
        return skip(Reason.ASSIGNED_BEFORE_START_DATE, f"assigned {assigned}, passback starts {policy.start_date}")
    if assessment.grading_type == "points" and assessment.points_possible is None:
        return skip(Reason.MISSING_REQUIRED_FIELD, "points_possible is required for points grading")
    return None


def decide_score(score: Score, assessment_decision: PassbackDecision | None, points_possible: float | None,
                 policy: PassbackPolicy, roster: RosterFacts) -> PassbackDecision:
    """Rules 1, 6 and 7 for one score; a score of an assessment that is not sent shares its reason.

    `assessment_decision` is None when the score's assessment is unknown (neither in this sync nor
    passed back earlier); `points_possible` is the assessment's (or the held lineItem's maximum).
    """
    if assessment_decision is None:
        return skip(Reason.ASSESSMENT_NOT_FOUND,
                    f"no assessment {score.assessment_id} for section {score.section_id} arrived")
    if not assessment_decision.send:
        return assessment_decision
    if score.status == "excluded":
        return skip(Reason.STUDENT_EXCLUDED)
    too_early = _not_graded_since_start(score.graded_at, policy)
    if too_early is not None:
        return too_early
    if score.points is None and score.percent is None:
        if score.status in UNSCORED_STATUSES:
            return skip(Reason.STATUS_NOT_PASSED_BACK, f"status {score.status} without points or percent")
        return skip(Reason.NO_SCORE_VALUE)
    if score.percent is None and points_possible is None:
        return skip(Reason.NO_SCORE_VALUE, f"points {score.points:g} but no percent: the assessment has no "
                    "points_possible, so Campus's scale is the percent; send the percent")
    if score.points is not None and points_possible is not None and score.points > points_possible:
        return skip(Reason.SCORE_ABOVE_POINTS_POSSIBLE, f"points {score.points:g} > points_possible {points_possible:g}")
    if score.percent is not None and score.percent > 100:
        return skip(Reason.SCORE_ABOVE_POINTS_POSSIBLE, f"percent {score.percent:g} > 100")
    if roster.section_forbidden(score.section_id):
        return _forbidden(score.section_id)
    if not roster.is_enrolled(score.section_id, score.student_id):
        return skip(Reason.STUDENT_NOT_ENROLLED, f"student {score.student_id} is not in section {score.section_id}")
    return SEND


def _not_graded_since_start(graded_at: Moment | None, policy: PassbackPolicy) -> PassbackDecision | None:
    """Rule 1 for a score or a grade: graded, on or after the start date (a district day)."""
    if graded_at is None:
        return skip(Reason.NOT_GRADED)
    graded = policy.calendar.day_of(graded_at)
    if graded < policy.start_date:
        return skip(Reason.GRADED_BEFORE_START_DATE, f"graded {graded}, passback starts {policy.start_date}")
    return None


def decide_grade(grade: Grade, policy: PassbackPolicy, roster: RosterFacts) -> PassbackDecision:
    """A grading-task grade: graded on or after the start date, by a Campus user of the group, on a real task."""
    too_early = _not_graded_since_start(grade.graded_at, policy)
    if too_early is not None:
        return too_early
    if grade.percent is None and grade.score is None:
        return skip(Reason.NO_SCORE_VALUE)
    if grade.percent is not None and grade.percent > 100:
        return skip(Reason.SCORE_ABOVE_POINTS_POSSIBLE, f"percent {grade.percent:g} > 100")
    if not roster.section_known(grade.section_id):
        return skip(Reason.UNKNOWN_SECTION, f"section_id {grade.section_id} is not a Campus class")
    if roster.section_forbidden(grade.section_id):
        return _forbidden(grade.section_id)
    if not roster.has_grading_task(grade.section_id, grade.grading_task_id):
        return skip(Reason.UNKNOWN_GRADING_TASK,
                    f"{grade.grading_task_id} is not a grading task of section {grade.section_id}")
    if not roster.is_enrolled(grade.section_id, grade.student_id):
        return skip(Reason.STUDENT_NOT_ENROLLED, f"student {grade.student_id} is not in section {grade.section_id}")
    return _acting_user(grade.posted_by, policy, roster)


def decide_member(member: GroupMember, roster: RosterFacts) -> PassbackDecision:
    """A teacher group member counts when Campus knows the user and the user is not a student (the
    member's role is what the roster's /users says; any staff role may assign assessments)."""
    role = roster.user_role(member.user_id)
    if role is None:
        return skip(Reason.GROUP_MEMBER_NOT_IN_CAMPUS, f"{member.user_id} is not a Campus user")
    if role == "student":
        return skip(Reason.GROUP_MEMBER_IS_STUDENT, f"{member.user_id} is a student in Campus")
    return SEND


def _forbidden(section_id: str) -> PassbackDecision:
    return skip(Reason.SECTION_FORBIDDEN, f"the key may not read section {section_id}'s roster or gradebook")


def _acting_user(user_id: str | None, policy: PassbackPolicy, roster: RosterFacts) -> PassbackDecision:
    """Rules 5 then 4: the assigning (or posting) user is a Campus user, and in the teacher group."""
    if user_id is None:
        return skip(Reason.ASSIGNER_NOT_IN_CAMPUS, "assigned by an Otus administrator outside Campus")
    if not roster.is_campus_user(user_id):
        return skip(Reason.ASSIGNER_NOT_IN_CAMPUS, f"{user_id} is not a Campus user")
    if policy.teacher_group is not None and user_id not in policy.teacher_group:
        if not policy.teacher_group:
            return skip(Reason.TEACHER_NOT_IN_GROUP, f"the teacher group ({policy.group_source}) is empty: nobody passes back")
        return skip(Reason.TEACHER_NOT_IN_GROUP, f"{user_id} is not in the passback teacher group ({policy.group_source})")
    return SEND
