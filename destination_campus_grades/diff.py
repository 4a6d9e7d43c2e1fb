"""What Campus already holds → only the writes that change something.

Only the fields the destination sends are compared, and only as Campus stores them: dates by
day (Campus may answer with an instant), numbers numerically, a missing field the same as null.
What Campus fills in itself is never a difference: the placeholder category and the grading
period derived from the due date are absent from what we send (so never compared), and the score
Campus derives from a percent sent alone is skipped. That is what makes the recommended nightly full refresh cheap: a second run
of the same data is all `UNCHANGED` and makes no write.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any, Mapping

from destination_campus_grades.plan import LineItemPlan, ResultPlan

DATE_FIELDS = frozenset({"assignDate", "dueDate", "scoreDate"})
NUMBER_FIELDS = frozenset({"resultValueMin", "resultValueMax", "score"})
REF_FIELDS = frozenset({"class", "category", "gradingPeriod", "lineItem", "student"})


class Change(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


def line_item_change(plan: LineItemPlan, held: Mapping[str, Any] | None) -> Change:
    """Create when Campus has no such lineItem, update when a field we send differs."""
    return _change(plan.body, held, percent_key=None)


def result_change(plan: ResultPlan, held: Mapping[str, Any] | None, percent_key: str) -> Change:
    """Create when Campus has no such result, update when a field we send differs."""
    return _change(plan.body, held, percent_key=percent_key)


def _change(body: Mapping[str, Any], held: Mapping[str, Any] | None, *, percent_key: str | None) -> Change:
    if held is None:
        return Change.CREATE
    for name, sent in body.items():
        if name == "sourcedId":
            continue
        if name == "metadata":
            if not _same_metadata(sent, held.get("metadata")):
                return Change.UPDATE
            continue
        if name == "score" and sent is None and percent_key and (body.get("metadata") or {}).get(percent_key) is not None:
            continue  # Campus derives the score from the percent
        if not _same(name, sent, held.get(name)):
            return Change.UPDATE
    return Change.UNCHANGED


def _same_metadata(sent: Mapping[str, Any] | None, held: Any) -> bool:
    held = held if isinstance(held, Mapping) else {}
    return all(_same_number(value, held.get(key)) for key, value in (sent or {}).items())


def _same(name: str, sent: Any, held: Any) -> bool:
    if name in REF_FIELDS:
        held_id = held.get("sourcedId") if isinstance(held, Mapping) else held
        return sent.get("sourcedId") == held_id
    if name in DATE_FIELDS:
        return (str(sent)[:10] if sent else None) == (str(held)[:10] if held else None)
    if name in NUMBER_FIELDS:
        return _same_number(sent, held)
    if sent in (None, "") and held in (None, ""):
        return True
    return sent == held


def _same_number(sent: Any, held: Any) -> bool:
    """Numbers compare numerically (Campus may answer 10 for 10.0, or "10"); other values exactly."""
    if sent is None or held is None:
        return sent is None and held is None
    try:
        return math.isclose(float(sent), float(held), rel_tol=0, abs_tol=1e-9)
    except (TypeError, ValueError):
        return str(sent) == str(held)
