"""Records the rules chose to send → the exact lineItems and results to hold in Campus.

sourcedIds are UUIDv5 of the vendor namespace and the Otus ids, so the same assessment, section
and student always land on the same Campus objects: a re-run, a platform retry or a resumed sync
upserts in place and never duplicates (OneRoster 1.1 PUT upserts on a client-chosen id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any, Mapping

from destination_campus_grades.records import Assessment, Grade, Score, day_of
from destination_campus_grades.reasons import Reason

DUE_AFTER_START = timedelta(days=7)
FULLY_GRADED = "fully graded"
ELLIPSIS = "..."


@dataclass(frozen=True)
class PlanSettings:
    """What the plan needs from the config: id seed, category map, percent key, title limit."""

    vendor_namespace: str
    category_map: Mapping[str, str]
    percent_key: str
    title_max_length: int

    @property
    def namespace(self) -> uuid.UUID:
        return _namespace(self.vendor_namespace)


@dataclass(frozen=True, slots=True)
class LineItemPlan:
    """One Campus lineItem to hold, for one Otus assessment in one section."""

    sourced_id: str
    assessment_id: str
    section_id: str
    otus_id: str  # the Otus identity of the assessment, for the report
    body: dict[str, Any]
    notes: tuple[Reason, ...] = ()


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
def _namespace(vendor_namespace: str) -> uuid.UUID:
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


def plan_line_item(assessment: Assessment, settings: PlanSettings) -> LineItemPlan:
    """PRODUCT.md rule 2 and the lineItem fields: assignDate = start, dueDate = due or start + 7 days."""
    start = day_of(assessment.start)
    due = day_of(assessment.due_at) if assessment.due_at else start + DUE_AFTER_START
    title, notes = _title(assessment.title, settings.title_max_length)
    body: dict[str, Any] = {
        "sourcedId": line_item_id(settings.namespace, assessment.assessment_id, assessment.section_id),
        "status": "active",
        "title": title,
        "description": assessment.description,
        "assignDate": start.isoformat(),
        "dueDate": due.isoformat(),
        "class": {"sourcedId": assessment.section_id, "type": "class"},
        "resultValueMin": 0.0,
        "resultValueMax": 100.0 if assessment.grading_type == "percent" else float(assessment.points_possible),
    }
    category = settings.category_map.get(assessment.category) if assessment.category else None
    if category:
        body["category"] = {"sourcedId": category, "type": "category"}
    if assessment.grading_period_id:
        body["gradingPeriod"] = {"sourcedId": assessment.grading_period_id, "type": "academicSession"}
    return LineItemPlan(body["sourcedId"], assessment.assessment_id, assessment.section_id, assessment.otus_id,
                        body, notes)


def plan_score(score: Score, settings: PlanSettings) -> ResultPlan:
    """PRODUCT.md rule 7: points as the score, percent in metadata; either may be null."""
    namespace = settings.namespace
    lid = line_item_id(namespace, score.assessment_id, score.section_id)
    body = _result_body(lid, score.student_id, score.points, score.percent, score, settings.percent_key)
    body["comment"] = score.comment
    rid = score_result_id(namespace, score.assessment_id, score.section_id, score.student_id)
    return ResultPlan(rid, lid, score.section_id, score.student_id, score.otus_id, {"sourcedId": rid, **body})


def plan_grade(grade: Grade, settings: PlanSettings) -> ResultPlan:
    """A grade is a result on Campus's own grading-task lineItem; Campus matches it to the score group."""
    rid = grade_result_id(settings.namespace, grade.grading_task_id, grade.student_id)
    body = _result_body(grade.grading_task_id, grade.student_id, grade.score, grade.percent, grade, settings.percent_key)
    return ResultPlan(rid, grade.grading_task_id, grade.section_id, grade.student_id, grade.otus_id,
                      {"sourcedId": rid, **body})


def _result_body(line_item: str, student: str, score: Any, percent: float | None,
                 record: Score | Grade, percent_key: str) -> dict[str, Any]:
    return {
        "status": "active",
        "lineItem": {"sourcedId": line_item, "type": "lineItem"},
        "student": {"sourcedId": student, "type": "user"},
        "scoreStatus": FULLY_GRADED,
        "score": score,
        "scoreDate": day_of(record.graded_at).isoformat(),
        "metadata": {percent_key: percent},
    }


def _title(title: str, limit: int) -> tuple[str, tuple[Reason, ...]]:
    """Cut a title over Campus's limit rather than lose the scores; the report notes it."""
    if len(title) <= limit:
        return title, ()
    return title[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS, (Reason.TITLE_TRUNCATED,)
