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

After a district's move from OneRoster 1.1 to 1.2, a lineItem's `category` and `school` are sent
always, where the 1.1 write may have left them to Campus: a field our fingerprint holds no digest
for, that Campus holds a value of, is no change (the move writes nothing). A real value is Campus's
(or a teacher's) and is kept; Campus's 1.1 placeholder category, which 1.2 refuses, is replaced by
the resolved one whenever the lineItem is written for another reason. A grade 1.1 held with its
letter in `score` is compared as 1.2 carries it (`textScore`, the number through the percent), so
the move alone writes no grade either.

Known limit: when a teacher sets exactly Otus's new value, nothing is written and the
fingerprint keeps the older Otus value; a later edit of that field then reads as "both changed".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Mapping

from destination_campus_grades.district_days import DistrictCalendar
from destination_campus_grades.fingerprint import METADATA_PREFIX, canonical, compared_fields, digest, field_values, recorded

CAMPUS_FILLED = ("category", "gradingPeriod")  # sent when known; otherwise Campus's (or a teacher's) value is kept
ADOPTED_AFTER_MOVE = frozenset({"category", "school"})  # 1.2 sends them always; 1.1 may not have
PLACEHOLDER_CATEGORY = "11111111-1111-1111-1111-111111111111"  # Campus's "Uncategorized": never a real category
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
    if mark is not None and _letter_held_in_score(body, held, last):
        names, theirs, last = _as_text_score(body, names, theirs, held, last, calendar)
    send: dict[str, Any] = {}
    kept: list[str] = []
    kept_silently: list[str] = []  # Campus's own value of a field our last write did not send
    overwritten: list[str] = []
    campus_only = False
    for name in names:
        if ours[name] == theirs[name]:
            continue
        before = last.get(name)
        if mark is not None and before is None and name in ADOPTED_AFTER_MOVE and theirs[name] is not None:
            if theirs[name] != PLACEHOLDER_CATEGORY:
                kept_silently.append(name)  # Campus's own (or a teacher's) value: kept as it is
            continue  # the placeholder is no change to write for; a write for another reason replaces it
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
    return Reconciled(Change.UPDATE, _merged(body, held, kept + kept_silently, defaults), tuple(kept),
                      tuple(overwritten), campus_only, two_way=mark is None)


def _letter_held_in_score(body: Mapping[str, Any], held: Mapping[str, Any], last: Mapping[str, str]) -> bool:
    """A grade whose letter Campus holds in `score` (1.1's habit: we sent it there, or Campus picked it
    from a percent), compared with a body that no longer puts letters there (1.2: `textScore`): the
    move changed where the letter travels, not the grade."""
    score = held.get("score")
    if "textScore" in last or isinstance(body.get("score"), str) or not isinstance(score, str):
        return False
    try:
        float(score)
    except ValueError:
        return True
    return False


def _as_text_score(body: Mapping[str, Any], names: list[str], theirs: dict[str, Any], held: Mapping[str, Any],
                   last: Mapping[str, str], calendar: DistrictCalendar) -> tuple[list[str], dict[str, Any], dict[str, str]]:
    """Compare such a grade as 1.2 carries it: the held letter (and the digest of the one we sent)
    stand for `textScore`, a teacher's 1.2 edit of it included; `score`, on 1.2 the percent of the
    scale, is compared through the percent, which travels in metadata on both versions."""
    if "textScore" in body:
        theirs = {**theirs, "textScore": canonical("textScore", held.get("textScore") or held["score"], calendar)}
        last = {**last, "textScore": last.get("score")}
    return [name for name in names if name != "score"], theirs, last


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
