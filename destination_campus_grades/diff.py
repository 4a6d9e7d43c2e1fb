"""What Campus already holds → only the writes that change something.

Only the fields the destination sends are compared, and only as Campus stores them: dates by
the district's day (Campus may answer a date-time in UTC, or a bare day), numbers numerically,
a missing field the same as null or "". What Campus fills in itself is never a difference: the
placeholder category and a grading period it derives are absent from what we send (so never
compared), and so is the score-group value Campus picks for a grade sent with a percent alone;
`dateLastModified` is Campus's own stamp. The percent in `metadata` is compared whether or not
we send one, so a percent Otus dropped is cleared in Campus. That is what makes the recommended
nightly full refresh cheap: a second run of the same data is all `UNCHANGED` and makes no write.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any, Mapping

from destination_campus_grades.district_days import DistrictCalendar
from destination_campus_grades.plan import LineItemPlan, ResultPlan

DATE_FIELDS = frozenset({"assignDate", "dueDate", "scoreDate"})
NUMBER_FIELDS = frozenset({"resultValueMin", "resultValueMax", "score"})
REF_FIELDS = frozenset({"class", "category", "gradingPeriod", "lineItem", "student"})
NOT_COMPARED = frozenset({"sourcedId", "dateLastModified", "metadata"})
OPTIONAL_TEXT = frozenset({"description", "comment"})  # left out when empty: compared even then


class Change(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


def line_item_change(plan: LineItemPlan, held: Mapping[str, Any] | None, calendar: DistrictCalendar) -> Change:
    """Create when Campus has no such lineItem, update when a field we send differs."""
    return _change(plan.body, held, calendar, percent_key=None)


def result_change(plan: ResultPlan, held: Mapping[str, Any] | None, percent_key: str,
                  calendar: DistrictCalendar) -> Change:
    """Create when Campus has no such result, update when a field we send (or the percent) differs."""
    return _change(plan.body, held, calendar, percent_key=percent_key)


def _change(body: Mapping[str, Any], held: Mapping[str, Any] | None, calendar: DistrictCalendar, *,
            percent_key: str | None) -> Change:
    if held is None:
        return Change.CREATE
    names = (body.keys() | (OPTIONAL_TEXT & held.keys())) - NOT_COMPARED
    if any(not _same(name, body.get(name), held.get(name), calendar) for name in names):
        return Change.UPDATE
    if percent_key is not None and not _same_number(_percent(body, percent_key), _percent(held, percent_key)):
        return Change.UPDATE
    return Change.UNCHANGED


def _percent(record: Mapping[str, Any], percent_key: str) -> Any:
    metadata = record.get("metadata")
    return metadata.get(percent_key) if isinstance(metadata, Mapping) else None


def _same(name: str, sent: Any, held: Any, calendar: DistrictCalendar) -> bool:
    if name in REF_FIELDS:
        held_id = held.get("sourcedId") if isinstance(held, Mapping) else held
        return sent.get("sourcedId") == held_id
    if name in DATE_FIELDS:
        return calendar.held_day(sent) == calendar.held_day(held)
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
