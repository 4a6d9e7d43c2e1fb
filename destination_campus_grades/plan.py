"""Records the rules chose to send → the exact lineItems and results to hold in Campus.

sourcedIds are UUIDv5 of the vendor namespace and the Otus ids, so the same assessment, section
and student always land on the same Campus objects: a re-run, a platform retry or a resumed sync
upserts in place and never duplicates (OneRoster 1.1 PUT upserts on a client-chosen id).

Bodies are what a strict OneRoster 1.1 reader accepts: every object carries `sourcedId`, `status`
and `dateLastModified`; GUIDRefs carry `href`, `sourcedId` and `type`; dates are typed as 1.1
types them (`district_days.py`); an optional field we have no value for is left out, never sent
as null.

The scale: a lineItem's `resultValueMax` is the assessment's points possible when Otus knows it,
else 100; a result's `score` is on that scale (the points, or percent × max ÷ 100), so score ÷
resultValueMax is always the student's fraction: 36 of 40 points and 90 % of a percent-graded
assessment without points both show as 90 %. When Campus keeps a teacher's resultValueMax
(`campus_edits: keep`), scores are written on that scale: 19 of Otus's 20 on a lineItem the teacher
halved to 10 is 9.5, still 95 %. The percent Otus sent also travels in
`metadata[percent_metadata_key]` (rule 7).

Every body carries its fingerprint (`fingerprint.stamp`): what Otus said, field by field, so the
next sync can tell a teacher's edit in Campus from a change in Otus.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Mapping
from urllib.parse import quote

from destination_campus_grades.categories import CategoryChoice
from destination_campus_grades.district_days import DistrictCalendar, Moment
from destination_campus_grades.fingerprint import stamp
from destination_campus_grades.identities import Person
from destination_campus_grades.records import Assessment, Grade, Score, StandardScore
from destination_campus_grades.reasons import Reason
from destination_campus_grades.refusals import score_text

DUE_AFTER_START_DAYS = 7
PERCENT_SCALE = 100.0
SCORE_DECIMALS = 6  # percent × max ÷ 100 without float noise (17.000000000000004)
FULLY_GRADED = "fully graded"
EXEMPT, NOT_SUBMITTED, SUBMITTED = "exempt", "not submitted", "submitted"
CASE = "case"  # learningObjectiveSet source: 1EdTech CASE identifiers
ELLIPSIS = "..."
REF_TYPES = {"classes": "class", "categories": "category", "academicSessions": "academicSession",
             "lineItems": "lineItem", "users": "user", "schools": "org", "scoreScales": "scoreScale"}
GRADEBOOK_COLLECTIONS = frozenset({"categories", "lineItems", "scoreScales"})  # 1.2: under the gradebook root
V1P2 = "1.2"


@dataclass(frozen=True)
class PlanSettings:
    """What the plan needs from the config: id seed, category map, percent key, title limit, the
    district's calendar, and the provider's base URL (for GUIDRef hrefs)."""

    vendor_namespace: str
    category_map: Mapping[str, str]
    percent_key: str
    title_max_length: int
    calendar: DistrictCalendar
    base_url: str
    letter_key: str | None = None  # None: a score-group value travels in `score`; else in metadata[letter_key]
    default_category: str | None = None  # default_category_id: unmapped assessments are filed there
    version: str = "1.1"  # oneroster_version: which data model the bodies follow
    gradebook_base_url: str | None = None  # 1.2: the gradebook root (hrefs of categories, lineItems, scoreScales)
    status_flags: bool = False  # 1.2 opt-in: Otus's missing/late as the result's flags, exempt as scoreStatus
    standards: bool = False  # 1.2 opt-in: standards as learningObjectiveSet

    @property
    def namespace(self) -> uuid.UUID:
        return namespace_of(self.vendor_namespace)

    @property
    def v1p2(self) -> bool:
        return self.version == V1P2


@dataclass(frozen=True, slots=True)
class LineItemPlan:
    """One Campus lineItem to hold, for one Otus assessment in one section."""

    sourced_id: str
    assessment_id: str
    section_id: str
    otus_id: str  # the Otus identity of the assessment, for the report
    body: dict[str, Any]
    notes: tuple[Reason, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)  # sent only where Campus holds no value (a default category)


@dataclass(frozen=True, slots=True)
class ResultPlan:
    """One Campus result to hold: a student's score on a lineItem (or grade on a grading task)."""

    sourced_id: str
    line_item_id: str
    section_id: str
    student_id: str
    otus_id: str  # the Otus identity of the record, for the report
    body: dict[str, Any] = field(hash=False)


@lru_cache(maxsize=8)
def namespace_of(vendor_namespace: str) -> uuid.UUID:
    """The UUID namespace every sourcedId of a vendor namespace is derived from."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"campus-passback:{vendor_namespace}")


def line_item_id(namespace: uuid.UUID, assessment_id: str, section_id: str) -> str:
    """The lineItem sourcedId of an assessment in a section."""
    return str(uuid.uuid5(namespace, f"lineItem\x1f{assessment_id}\x1f{section_id}"))


def score_result_id(namespace: uuid.UUID, assessment_id: str, section_id: str, student_id: str) -> str:
    """The result sourcedId of a student's score on an assessment in a section."""
    return str(uuid.uuid5(namespace, f"result\x1f{assessment_id}\x1f{section_id}\x1f{student_id}"))


def grade_result_id(namespace: uuid.UUID, grading_task_id: str, student_id: str) -> str:
    """The result sourcedId of a student's grade on a grading task (a task belongs to one section)."""
    return str(uuid.uuid5(namespace, f"grade\x1f{grading_task_id}\x1f{student_id}"))


def result_value_max(assessment: Assessment) -> float:
    """The lineItem's scale: points possible when Otus knows them, else 100 (a percent-graded assessment)."""
    return PERCENT_SCALE if assessment.points_possible is None else float(assessment.points_possible)


def score_on_scale(points: float | None, percent: float | None, points_possible: float | None,
                   scale: float) -> float | None:
    """The result's score on its lineItem's scale: the points (rescaled when Campus holds another
    scale than Otus's points possible, e.g. a teacher halved it), else the percent of it."""
    if points is not None and points_possible is not None:
        return points if scale == points_possible or not points_possible else \
            round(points * scale / points_possible, SCORE_DECIMALS)
    if percent is not None:
        return round(percent * scale / PERCENT_SCALE, SCORE_DECIMALS)
    return None


def guid_ref(settings: PlanSettings, collection: str, sourced_id: str) -> dict[str, str]:
    """A OneRoster GUIDRef: href (the object's URL at the provider: on 1.2 gradebook objects live
    under the gradebook root), sourcedId, type."""
    base = settings.gradebook_base_url if settings.v1p2 and collection in GRADEBOOK_COLLECTIONS else settings.base_url
    return {"href": f"{(base or settings.base_url).rstrip('/')}/{collection}/{quote(sourced_id, safe='')}",
            "sourcedId": sourced_id, "type": REF_TYPES[collection]}


def due_moment(assessment: Assessment, calendar: DistrictCalendar) -> Moment:
    """Rule 2: the due date, else the start + 7 district days."""
    return assessment.due_at or calendar.days_later(assessment.start, DUE_AFTER_START_DAYS)


def plan_line_item(assessment: Assessment, settings: PlanSettings, *, category: CategoryChoice | None = None,
                   grading_period_id: str | None = None, school_id: str | None = None) -> LineItemPlan:
    """Rule 2 and the lineItem fields: assignDate = start, dueDate = due or start + 7 district days.

    `category` is the one `categories.resolve_category` chose: a mapped one is part of the body (and
    its fingerprint); a default one only files what Campus holds no category for (`defaults`).
    `grading_period_id` is the period the roster says holds the due date (`refusals.grading_period_for`),
    when Otus names none. On 1.2 the class's `school_id` is sent too, as 1.2 requires it, and the
    dates are UTC date-times.
    """
    calendar = settings.calendar
    due = due_moment(assessment, calendar)
    title, notes = _title(assessment.title, settings.title_max_length)
    when = calendar.utc_date_time if settings.v1p2 else calendar.line_item_date
    body: dict[str, Any] = {
        "sourcedId": line_item_id(settings.namespace, assessment.assessment_id, assessment.section_id),
        "status": "active",
        "dateLastModified": _now(),
        "title": title,
        "assignDate": when(assessment.start),
        "dueDate": when(due),
        "class": guid_ref(settings, "classes", assessment.section_id),
        "resultValueMin": 0.0,
        "resultValueMax": result_value_max(assessment),
    }
    if assessment.description:
        body["description"] = assessment.description
    if settings.v1p2 and school_id:
        body["school"] = guid_ref(settings, "schools", school_id)
    defaults: dict[str, Any] = {}
    if category is not None:
        (defaults if category.is_default else body)["category"] = guid_ref(settings, "categories", category.sourced_id)
    if settings.v1p2 and settings.standards and assessment.standards:
        body["learningObjectiveSet"] = [{"source": CASE, "learningObjectiveIds": sorted(assessment.standards)}]
    period = assessment.grading_period_id or grading_period_id
    if period:
        body["gradingPeriod"] = guid_ref(settings, "academicSessions", period)
    body = stamp(body, namespace=settings.vendor_namespace, otus_id=assessment.otus_id, calendar=calendar)
    return LineItemPlan(body["sourcedId"], assessment.assessment_id, assessment.section_id, assessment.otus_id,
                        body, notes, defaults)


def plan_score(score: Score, settings: PlanSettings, *, points_possible: float | None, scale: float,
               student: Person | None = None) -> ResultPlan:
    """Rule 7 on the lineItem's scale: the score always (points, or percent of the scale), the percent
    Otus sent in metadata; `points_possible`/`scale` are the assessment's (or the held lineItem's).

    `student` is who Campus says the student is (`identities.py`): its sourcedId goes in the body,
    its version-independent key into the result's sourcedId. On 1.2 with `status_flags`, Otus's
    missing and late travel as the result's flags (both always sent, so clearing one is a change)
    and exempt as scoreStatus exempt; with `standards`, the student's standard scores as
    learningObjectiveSet.
    """
    namespace = settings.namespace
    student = student or Person(score.student_id, score.student_id)
    lid = line_item_id(namespace, score.assessment_id, score.section_id)
    value = score_on_scale(score.points, score.percent, points_possible, scale)
    body = _result_body(settings, lid, student.sourced_id, value, _percent(settings, score.percent), score)
    if score.comment:
        body["comment"] = score.comment
    if settings.v1p2 and settings.status_flags:
        body.update(_flags(score.status, value is not None))
    if settings.v1p2 and settings.standards and score.standard_scores:
        body["learningObjectiveSet"] = [{"source": CASE, "learningObjectiveResults": [
            _objective_result(result) for result in sorted(score.standard_scores, key=lambda r: r.standard_id)]}]
    rid = score_result_id(namespace, score.assessment_id, score.section_id, student.key)
    return ResultPlan(rid, lid, score.section_id, student.sourced_id, score.otus_id,
                      _stamped(rid, body, score, settings))


def plan_grade(grade: Grade, settings: PlanSettings, *, scale: float = PERCENT_SCALE,
               student: Person | None = None) -> ResultPlan:
    """A grade is a result on Campus's own grading-task lineItem (`scale`: its resultValueMax).

    On 1.1 the score-group value (a letter such as "B") goes in `score`, as Campus serves its own
    grading tasks; with a percent alone no score is sent and Campus picks the value by minimum
    percent. With `letter_key` the letter goes in `metadata[letter_key]` and `score` is the percent
    of the scale, a number as OneRoster 1.1 types it (none without a percent). On 1.2 the value
    travels in `textScore` (1.2's text score) and `score` is the percent of the scale when Otus
    sent one, so score ÷ resultValueMax stays the student's fraction.
    """
    student = student or Person(grade.student_id, grade.student_id)
    rid = grade_result_id(settings.namespace, grade.grading_task_id, student.key)
    metadata = _percent(settings, grade.percent)
    text = None if grade.score is None else score_text(grade.score)
    if settings.letter_key is None and not settings.v1p2:
        score = grade.score
    else:
        score = score_on_scale(None, grade.percent, None, scale)
        if text is not None and not settings.v1p2:
            metadata[settings.letter_key] = grade.score
    body = _result_body(settings, grade.grading_task_id, student.sourced_id, score, metadata, grade)
    if settings.v1p2 and text is not None:
        body["textScore"] = text
    return ResultPlan(rid, grade.grading_task_id, grade.section_id, student.sourced_id, grade.otus_id,
                      _stamped(rid, body, grade, settings))


def _flags(status: str | None, scored: bool) -> dict[str, str]:
    """1.2's result flags and status for Otus's status (`status_flags`): string booleans, always both."""
    flags = {"missing": "true" if status == "missing" else "false", "late": "true" if status == "late" else "false"}
    if status == "exempt":
        return {**flags, "scoreStatus": EXEMPT}
    if not scored:
        return {**flags, "scoreStatus": NOT_SUBMITTED if status == "missing" else SUBMITTED}
    return flags


def _objective_result(result: StandardScore) -> dict[str, Any]:
    entry: dict[str, Any] = {"learningObjectiveId": result.standard_id}
    if result.score is not None:
        entry["score"] = result.score
    if result.text_score is not None:
        entry["textScore"] = result.text_score
    return entry


def _percent(settings: PlanSettings, percent: float | None) -> dict[str, Any]:
    return {} if percent is None else {settings.percent_key: percent}


def _result_body(settings: PlanSettings, line_item: str, student: str, score: Any, metadata: dict[str, Any],
                 record: Score | Grade) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "active",
        "dateLastModified": _now(),
        "lineItem": guid_ref(settings, "lineItems", line_item),
        "student": guid_ref(settings, "users", student),
        "scoreStatus": FULLY_GRADED,
        "scoreDate": settings.calendar.score_date(record.graded_at),
    }
    if score is not None:
        body["score"] = score
    if metadata:
        body["metadata"] = metadata
    return body


def _stamped(rid: str, body: dict[str, Any], record: Score | Grade, settings: PlanSettings) -> dict[str, Any]:
    return stamp({"sourcedId": rid, **body}, namespace=settings.vendor_namespace, otus_id=record.otus_id,
                 calendar=settings.calendar, percent_key=settings.percent_key)


def _now() -> str:
    """`dateLastModified` of what we write: the 1.1 data model requires it on every object."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _title(title: str, limit: int) -> tuple[str, tuple[Reason, ...]]:
    """Cut a title over Campus's limit rather than lose the scores; the report notes it."""
    if len(title) <= limit:
        return title, ()
    return title[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS, (Reason.TITLE_TRUNCATED,)
