"""Refusals Campus is bound to make, predicted from what the destination already reads (pure).

A write Campus would refuse is better reported before it is sent, in dry runs as in real runs:
- a due date outside every term of the section (the class's terms and their dates are rostering data);
- a grading-task grade whose score is not in the task's score group, where the provider shows the
  group (Campus's grading-task lineItems are assumed to carry it as `metadata.ic.scoreGroup`,
  as the sandbox does; without it nothing is predicted);
- a title another lineItem of the section already uses (compared without case or surrounding
  spaces; peers report Campus refusing or merging duplicate names);
- a lineItem without a category (none resolved, `categories.py`): 1.1 requires one;
- a grading-task letter without a percent when letters travel in metadata
  (`letter_grade_metadata_key`): 1.1's `score` is a number, and there is none to send.
The grading period holding the due date is found the same way and sent with the lineItem.
Closed grading windows cannot be read through OneRoster 1.1: those remain Campus's to refuse.

Each prediction's detail begins with the words Campus itself uses, so the report reads the same
whether Campus refused a write or the destination saw it coming.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping

from destination_campus_grades.reasons import Reason

GRADING_PERIOD = "gradingPeriod"


@dataclass(frozen=True, slots=True)
class Session:
    """An academicSession as Campus serves it: a term (semester, year) or a grading period."""

    sourced_id: str
    type: str
    start: date
    end: date
    parent_id: str | None

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Prediction:
    """A refusal seen coming: the reason code and what Campus would have said."""

    reason: Reason
    detail: str


def session_of(record: Mapping[str, Any]) -> Session | None:
    """An academicSession record as a `Session`; None when its dates cannot be read (nothing is predicted on it)."""
    try:
        start, end = date.fromisoformat(str(record["startDate"])[:10]), date.fromisoformat(str(record["endDate"])[:10])
    except (KeyError, ValueError):
        return None
    parent = record.get("parent")
    return Session(str(record["sourcedId"]), str(record.get("type") or ""), start, end,
                   parent.get("sourcedId") if isinstance(parent, Mapping) else None)


def term_holding(due: date, term_ids: Iterable[str], sessions: Mapping[str, Session]) -> Session | None:
    return next((sessions[t] for t in term_ids if t in sessions and sessions[t].holds(due)), None)


def due_date_outside_term(due: date, term_ids: tuple[str, ...], sessions: Mapping[str, Session]) -> Prediction | None:
    """Every term of the section is known and none holds the due date."""
    if not term_ids or any(t not in sessions for t in term_ids) or term_holding(due, term_ids, sessions):
        return None
    spans = ", ".join(f"{t} {sessions[t].start}..{sessions[t].end}" for t in term_ids)
    return Prediction(Reason.DUE_DATE_OUTSIDE_TERM,
                      f"Due date is outside the term (predicted, not sent): due {due}, the section runs {spans}")


def grading_period_for(due: date, term_ids: tuple[str, ...], sessions: Mapping[str, Session]) -> str | None:
    """The grading period of the section's term that holds the due date, else that term (as Campus files it)."""
    term = term_holding(due, term_ids, sessions)
    if term is None:
        return None
    period = next((s for s in sessions.values() if s.type == GRADING_PERIOD and s.holds(due)
                   and (s.parent_id == term.sourced_id or s.parent_id is None and term.start <= s.start <= s.end <= term.end)),
                  None)
    return (period or term).sourced_id


def score_not_in_group(score: Any, task: Mapping[str, Any] | None) -> Prediction | None:
    """A grade's score is not a value of the grading task's score group (when the task shows its group)."""
    group = _score_group(task)
    if score is None or group is None:
        return None
    if _score_text(score) in group:
        return None
    return Prediction(Reason.SCORE_NOT_IN_SCORE_GROUP,
                      f"Score is not in the score group (predicted, not sent): grading task {task['sourcedId']} "
                      f"takes {', '.join(group)}")


def category_unresolved(otus_category: str | None) -> Prediction:
    """No category resolved for a lineItem (`categories.py`): every strict provider refuses it."""
    named = f"Otus category {otus_category!r} is not in category_map" if otus_category else "the assessment has no category"
    return Prediction(Reason.CATEGORY_NOT_RESOLVED,
                      f"lineItem field 'category' is required (predicted, not sent): {named}, default_category_id is "
                      "empty and the provider's categories hold no default")


def letter_without_percent(score: Any, percent: float | None, letter_key: str | None) -> Prediction | None:
    """Letters travel in metadata (`letter_grade_metadata_key`) and 1.1's numeric score carries the
    percent: a letter alone leaves the result without the score 1.1 requires."""
    if letter_key is None or score is None or percent is not None:
        return None
    return Prediction(Reason.LETTER_NEEDS_PERCENT,
                      f"result field 'score' is required (predicted, not sent): the letter {score!r} travels in "
                      f"metadata.{letter_key} and Otus sent no percent for the numeric score")


def title_key(title: str) -> str:
    return title.strip().casefold()


def title_taken(title: str, sourced_id: str, taken: Mapping[str, str]) -> Prediction | None:
    """Another lineItem of the section (`taken`: title key → sourcedId) already has this title."""
    holder = taken.get(title_key(title))
    if holder is None or holder == sourced_id:
        return None
    return Prediction(Reason.DUPLICATE_TITLE,
                      f"Title is already used (predicted, not sent): lineItem {holder} of the section has the same title")


def _score_group(task: Mapping[str, Any] | None) -> list[str] | None:
    metadata = (task or {}).get("metadata")
    group = ((metadata or {}).get("ic") or {}).get("scoreGroup") if isinstance(metadata, Mapping) else None
    if not isinstance(group, list) or not group:
        return None
    return [_score_text(item.get("score")) for item in group if isinstance(item, Mapping)]


def _score_text(score: Any) -> str:
    """A score-group value as text: 4.0 and "4" are the same value."""
    if isinstance(score, float) and score.is_integer():
        return str(int(score))
    return str(score).strip()
