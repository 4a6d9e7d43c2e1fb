"""What Campus holds, what Otus says, what we last wrote → only the writes that change something.

Only the fields the destination sends are compared (and a result's percent and the optional
texts, so what Otus dropped is cleared), as Campus stores them (`fingerprint.canonical`: dates by
the district's day). What Campus fills in itself is never a difference: a default category
(`categories.py`: sent on a create, never compared) and a grading period it derives are kept as
Campus holds them when we update, and so is the score-group value Campus picks for a grade sent with a percent alone;
`dateLastModified` is Campus's own stamp. That is what makes the recommended nightly
full refresh cheap: a second run of the same data is all `UNCHANGED` and makes no write.

Campus is shared with teachers. Per field, with the fingerprint of our last write
(`fingerprint.py`), three cases are told apart:
- Otus changed, Campus did not: Otus's value is written.
- Campus changed (a teacher's edit), Otus did not: `campus_edits="keep"` keeps the teacher's value
  (the field is sent as Campus holds it, and nothing is written for it alone); `"overwrite"`
  writes Otus's value. Either way the field is named in `kept` or `overwritten`.
- Both changed: Otus's new value wins, and the field is named in `overwritten`.
Without a fingerprint (an object written before fingerprints, or a provider that drops metadata)
the comparison is two-way: any difference is written (`two_way`).

Known limit: when a teacher sets exactly Otus's new value, nothing is written and the
fingerprint keeps the older Otus value; a later edit of that field then reads as "both changed".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Mapping

from destination_campus_grades.district_days import DistrictCalendar
from destination_campus_grades.fingerprint import METADATA_PREFIX, compared_fields, digest, field_values, recorded

CAMPUS_FILLED = ("category", "gradingPeriod")  # sent when known; otherwise Campus's (or a teacher's) value is kept
IDENTITY = frozenset({"class", "lineItem", "student"})  # where the object belongs: never a teacher's edit to keep
CampusEdits = Literal["keep", "overwrite"]


class Change(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Reconciled:
    """The write an object needs: the change, the body to send, and whose edits it keeps or overwrites."""

    change: Change
    body: Mapping[str, Any]
    kept: tuple[str, ...] = ()  # fields changed only in Campus, kept as the teacher left them
    overwritten: tuple[str, ...] = ()  # fields changed in Campus whose value Otus's replaced
    campus_only: bool = False  # the overwritten fields were changed in Campus only (campus_edits: overwrite)
    two_way: bool = False  # updated without a fingerprint to tell a teacher's edit from Otus's
    resent: bool = False  # Campus serves the object as deleted (tobedeleted): written again


def reconcile(body: Mapping[str, Any], held: Mapping[str, Any] | None, calendar: DistrictCalendar, *,
              percent_key: str | None, campus_edits: CampusEdits = "keep",
              defaults: Mapping[str, Any] | None = None) -> Reconciled:
    """The three-way decision for one lineItem or result body (fingerprint stamped, see `plan.py`);
    `percent_key` for results, None for lineItems. `defaults` (a default category) are sent where
    Campus holds no value of its own, never compared: a create carries them, an update keeps what
    Campus holds."""
    defaults = defaults or {}
    if held is None or held.get("status") == "tobedeleted":
        return Reconciled(Change.CREATE, {**defaults, **body}, resent=held is not None)
    names = compared_fields(body, percent_key)
    ours, theirs = field_values(body, names, calendar), field_values(held, names, calendar)
    mark = recorded(held)
    last = mark["fields"] if mark else {}
    send: dict[str, Any] = {}
    kept: list[str] = []
    overwritten: list[str] = []
    campus_only = False
    for name in names:
        if ours[name] == theirs[name]:
            continue
        before = last.get(name)
        campus_changed = before is not None and digest(theirs[name]) != before
        otus_changed = before is None or digest(ours[name]) != before
        if campus_changed and not otus_changed and campus_edits == "keep" and name not in IDENTITY:
            kept.append(name)
            continue
        send[name] = ours[name]
        if campus_changed:
            overwritten.append(name)
            campus_only = campus_only or not otus_changed
    if not send:
        return Reconciled(Change.UNCHANGED, body, tuple(kept))
    return Reconciled(Change.UPDATE, _merged(body, held, kept, defaults), tuple(kept), tuple(overwritten),
                      campus_only, two_way=mark is None)


def _merged(body: Mapping[str, Any], held: Mapping[str, Any], kept: list[str],
            defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Our body, with the teacher's value for each kept field and Campus's own for fields we leave to it."""
    merged = {**body, "metadata": dict(body.get("metadata") or {})}
    held_metadata = held.get("metadata") if isinstance(held.get("metadata"), Mapping) else {}
    for name in kept:  # a value the teacher cleared is left out, never sent as null
        target, key, value = (merged["metadata"], name[len(METADATA_PREFIX):], held_metadata.get(name[len(METADATA_PREFIX):])) \
            if name.startswith(METADATA_PREFIX) else (merged, name, held.get(name))
        if value is None or value == "":
            target.pop(key, None)
        else:
            target[key] = value
    for name in CAMPUS_FILLED:
        if name not in body and held.get(name) is not None:
            merged[name] = held[name]
        elif name not in body and name in defaults:
            merged[name] = defaults[name]
    return merged
