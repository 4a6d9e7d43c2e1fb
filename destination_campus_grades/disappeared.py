"""Which lineItems one sync may delete, and why the others are held back: the removal rule (pure).

Deleting a teacher's assignment and its scores cannot be undone, so a removal rests on evidence,
never on an absence:

- *Removed in Otus* (`assessment_deleted`) or *unticked from the final grade*
  (`not_in_final_grade`): the record itself says so. It is a candidate until the end of the sync:
  a later copy of the same assessment (an older `deleted` copy, a STATE, then the newer `assigned`
  one) supersedes it, so nothing is deleted and created again.
- *Disappeared* (no record mentions a lineItem we wrote): only when the export is proven complete
  (`RemovalEvidence.missing` says which proof is absent): every stream of the assessments role is
  configured full refresh and its last STREAM_STATUS (by stream and namespace) is COMPLETE; no
  line that could have been an assessment was unusable (not JSON, cut off, a bad byte, no data,
  no stream, a stream mapped to no role, an assessments record that failed validation); at least
  one valid assessment arrived.

Either way the lineItem must be provably ours: it carries this namespace's fingerprint *and* its
sourcedId is the one we derive from the namespace and the Otus ids the fingerprint records. A
copied lineItem (new sourcedId, same metadata) or a forged tag is never deleted.

Finally the cap: when one sync would remove more lineItems than `max_removals_per_sync`, or a
larger share of what the connection has passed back than `max_removals_percent`, nothing is
removed and the report says how many would have been and how to confirm.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from destination_campus_grades.fingerprint import namespace_tag, recorded
from destination_campus_grades.plan import line_item_id, namespace_of
from destination_campus_grades.reasons import Reason
from destination_campus_grades.records import assessment_ids

StreamKey = tuple[str, str | None]  # (name, namespace)
LINES_NAMED = 5  # line numbers of unusable lines the report names


@dataclass(frozen=True, slots=True)
class Candidate:
    """A lineItem one sync wants to remove: why, and the record that asked for it (None: disappeared)."""

    section_id: str
    line_item_id: str
    otus_id: str
    reason: Reason  # ASSESSMENT_DELETED | NOT_IN_FINAL_GRADE | ASSESSMENT_DISAPPEARED
    position: int | None = None


@dataclass(frozen=True)
class RemovalCap:
    """How much one sync may remove: a count, and a percent of the lineItems the connection holds."""

    count: int
    percent: int

    def exceeded_by(self, removing: int, passed_back: int) -> bool:
        return removing > self.count or removing * 100 > self.percent * max(passed_back, 1)


@dataclass
class RemovalEvidence:
    """What the input proved about its own completeness, gathered line by line (no I/O)."""

    modes: Mapping[StreamKey, bool]  # the catalog's assessments streams → configured full refresh
    complete: dict[StreamKey, bool] = field(default_factory=dict)  # last STREAM_STATUS: COMPLETE?
    unusable: int = 0
    unusable_lines: list[int] = field(default_factory=list)
    valid_assessments: int = 0

    def status(self, stream: StreamKey, complete: bool) -> None:
        self.complete[stream] = complete

    def unusable_line(self, number: int) -> None:
        """A line that could have been an assessment and cannot be read as one."""
        self.unusable += 1
        if len(self.unusable_lines) < LINES_NAMED:
            self.unusable_lines.append(number)

    def missing(self) -> list[tuple[Reason, str]]:
        """Every proof of completeness this sync lacks (empty: disappearances may be looked for)."""
        missing: list[tuple[Reason, str]] = []
        if not self.modes:
            missing.append((Reason.REMOVAL_NOT_FULL_REFRESH, "the connection has no assessments stream"))
        incremental = [_name(key) for key, full in self.modes.items() if not full]
        if incremental:
            missing.append((Reason.REMOVAL_NOT_FULL_REFRESH,
                            "not configured full refresh: " + ", ".join(sorted(incremental))))
        unfinished = [_name(key) for key in self.modes if not self.complete.get(key)]
        if unfinished:
            missing.append((Reason.REMOVAL_STREAM_NOT_COMPLETE,
                            "no COMPLETE stream status as the last word of: " + ", ".join(sorted(unfinished))))
        if self.unusable:
            lines = ", ".join(map(str, self.unusable_lines)) + (", ..." if self.unusable > LINES_NAMED else "")
            missing.append((Reason.REMOVAL_INPUT_UNUSABLE,
                            f"{self.unusable} line(s) that could be assessments were unusable (line {lines})"))
        if not self.valid_assessments:
            missing.append((Reason.REMOVAL_NO_VALID_ASSESSMENT, "no valid assessment record arrived"))
        return missing


@dataclass
class RemovalPlan:
    """What the end of a sync removes, what it held back and why."""

    removals: list[Candidate] = field(default_factory=list)
    held_back: list[Candidate] = field(default_factory=list)  # proven, but over the cap (or policy keep)
    not_ours: list[tuple[str, str]] = field(default_factory=list)  # (lineItem sourcedId, why) carrying our tag
    passed_back: int = 0  # lineItems Campus holds that this connection provably wrote


def ours(held: Mapping[str, Any], namespace: uuid.UUID, tag: str) -> tuple[str, str] | None:
    """The (assessment_id, section_id) a held lineItem was written for, when it is provably ours:
    our namespace's tag, and its sourcedId derived from that namespace and the recorded Otus ids."""
    mark = recorded(held)
    if mark is None or mark.get("ns") != tag:
        return None
    ids = assessment_ids(str(mark.get("otus") or ""))
    if ids is None or line_item_id(namespace, *ids) != held.get("sourcedId"):
        return None
    return ids


def plan_removals(candidates: Iterable[Candidate], held_line_items: Iterable[Mapping[str, Any]],
                  mentioned: frozenset[str] | set[str], *, vendor_namespace: str, look_for_disappeared: bool,
                  delete: bool, cap: RemovalCap) -> RemovalPlan:
    """The lineItems to remove at the end of a sync.

    `candidates`: records that asked for a removal (not superseded). `held_line_items`: every
    lineItem Campus holds. `mentioned`: lineItem ids this sync's assessments records mention.
    `look_for_disappeared`: the evidence of completeness is all there.
    """
    namespace, tag = namespace_of(vendor_namespace), namespace_tag(vendor_namespace)
    plan = RemovalPlan()
    asked = {c.line_item_id: c for c in candidates}
    proven: list[Candidate] = []
    for held in held_line_items:
        sourced_id = held.get("sourcedId")
        if held.get("status") == "tobedeleted":
            continue
        ids = ours(held, namespace, tag)
        if ids is None:
            if (recorded(held) or {}).get("ns") == tag and (sourced_id in asked or look_for_disappeared):
                plan.not_ours.append((str(sourced_id), "carries this namespace's tag, but its sourcedId is not the "
                                                       "one derived from the Otus ids it records (copied or forged)"))
            continue
        plan.passed_back += 1
        if sourced_id in asked:
            proven.append(asked[sourced_id])
        elif look_for_disappeared and sourced_id not in mentioned:
            proven.append(Candidate(ids[1], sourced_id, str(recorded(held).get("otus")), Reason.ASSESSMENT_DISAPPEARED))
    if delete and not cap.exceeded_by(len(proven), plan.passed_back):
        plan.removals = proven
    else:
        plan.held_back = proven
    return plan


def _name(key: StreamKey) -> str:
    return key[0] if key[1] is None else f"{key[1]}.{key[0]}"
