"""Assessments that vanish from a full-refresh export: the removal rule (pure).

An assessment deleted in Otus without a `deleted` state simply stops arriving. Only a full
refresh that completes says so: every assessment Otus still has arrived, so a lineItem this
vendor namespace wrote (its fingerprint says which, `fingerprint.py`) that no record mentioned
is gone from Otus. Never on an incremental sync (it sends only what changed), a failed one, or
a stream that said it did not complete; and not when the export sent no assessment at all, or
an assessment record without its ids (it may be the one that looks gone): better a lineItem
left in Campus than a teacher's column deleted by a broken export.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from destination_campus_grades.fingerprint import recorded


class SeenAssessments:
    """Which lineItems the records of this sync mention (one sourcedId per assessment and section)."""

    def __init__(self) -> None:
        self.line_item_ids: set[str] = set()
        self.without_ids = 0  # assessments records whose assessment_id or section_id is missing

    def mention(self, line_item_id: str) -> None:
        self.line_item_ids.add(line_item_id)

    def not_checked_because(self) -> str | None:
        """Why disappearances must not be looked for even in a complete full refresh, or None."""
        if self.without_ids:
            which = "1 record" if self.without_ids == 1 else f"{self.without_ids} records"
            return (f"{which} of the assessments stream arrived without assessment_id or section_id, and "
                    "may be an assessment that only looks gone")
        if not self.line_item_ids:
            return "the assessments stream sent no records"
        return None


def disappeared(held_line_items: Iterable[Mapping[str, Any]], seen: SeenAssessments,
                namespace_tag: str) -> Iterator[Mapping[str, Any]]:
    """The lineItems Campus holds, written under this namespace, that no record of the sync mentioned."""
    for held in held_line_items:
        mark = recorded(held)
        if (mark is not None and mark.get("ns") == namespace_tag and held.get("status") != "tobedeleted"
                and held["sourcedId"] not in seen.line_item_ids):
            yield held
