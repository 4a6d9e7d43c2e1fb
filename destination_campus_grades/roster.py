"""What Campus knows and holds, read once per batch into a `RosterSnapshot` the decisions take as an argument.

`RosterReader.snapshot(needs)` reads what a batch needs and nothing more, then hands back an
immutable view (`snapshot.py`, plain data): the rules' facts (`RosterFacts`) and the diff's
baseline (what Campus holds). Nothing is "loaded before asking": a question about a section the
snapshot was not loaded for is a KeyError, not a silent read.

Reads are per section, never per record: for each section a batch touches, its students and its
lineItems (Campus's grading tasks and ours), in large pages, sections read concurrently (bounded
by `max_concurrent_requests`). A section's results are read only when a lineItem the batch writes
results to is already held (results hang off lineItems, so a first sync reads no results at all).
Users are one paged read of `/users` (sourcedIds and roles), the first time an assigner or a
teacher group member is checked; academicSessions (terms and grading periods, for predicted
refusals) and `/categories` (the provider's default category, `categories.py`; not read when
`default_category_id` is set, and none when the provider serves none) one read each the first
time a lineItem may be planned. A section's own record (`/classes/{id}`) gives its terms.

A section Campus does not know (404 on its students) is unknown; a section the key may not see
(403 on any of its reads, or 404 on its lineItems or results once its students were served) is
*forbidden*: its records get `section_forbidden`, the other sections pass back.

Memory: the users' ids, plus the holdings of at most `max_sections` sections (more only while a
single batch needs them at once); the least recently used section is dropped first and read
again if a later batch needs it. What a settled batch wrote is applied to the cache by the main
thread (`apply`), before the next snapshot, so a record seen twice in one sync is compared against
what it wrote; the write thread never touches the cache.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable

from campus_oneroster.client import OneRosterClient
from campus_oneroster.errors import ForbiddenError, NotFoundError
from campus_oneroster.segments import path_segment
from destination_campus_grades.categories import CampusCategory, category_of
from destination_campus_grades.refusals import Session, session_of
from destination_campus_grades.snapshot import FORBIDDEN, RosterNeeds, RosterSnapshot, Section, SectionHoldings, Written

DEFAULT_MAX_SECTIONS = 512


class RosterReader:
    """Reads Campus through the client, with the per-sync section cache; makes batch snapshots."""

    def __init__(self, client: OneRosterClient, *, max_sections: int = DEFAULT_MAX_SECTIONS) -> None:
        self._client = client
        self._max_sections = max_sections
        self._users: dict[str, str] | None = None
        self._sessions: dict[str, Session] | None = None
        self._categories: tuple[CampusCategory, ...] | None = None
        self._sections: OrderedDict[str, Section] = OrderedDict()

    def snapshot(self, needs: RosterNeeds) -> RosterSnapshot:
        """Read whatever of `needs` is not cached yet, and view exactly that."""
        wanted = sorted(needs.sections | set(needs.results_on))
        for sid in wanted:
            if sid in self._sections:
                self._sections.move_to_end(sid)
        missing = [sid for sid in wanted if sid not in self._sections]
        for sid, section in zip(missing, self._client.map_concurrent(self._read_section, missing)):
            self._sections[sid] = section
        self._read_results([sid for sid, line_items in needs.results_on.items() if self._holds_any(sid, line_items)])
        if needs.users and self._users is None:
            self._users = {u["sourcedId"]: str(u.get("role") or "")
                           for u in self._client.iter_records("/users", fields=["sourcedId", "role"])}
        if needs.sessions and self._sessions is None:
            read = (session_of(record) for record in self._client.iter_records("/academicSessions"))
            self._sessions = {session.sourced_id: session for session in read if session is not None}
        if needs.categories and self._categories is None:
            self._categories = self._read_categories()
        view = {sid: self._sections[sid] for sid in wanted}
        keep = max(self._max_sections, len(wanted))
        while len(self._sections) > keep:
            self._sections.popitem(last=False)
        return RosterSnapshot(view, self._users, self._sessions or {}, self._categories or ())

    def apply(self, written: Iterable[Written]) -> None:
        """What a settled batch wrote or deleted, into the cached sections (results only where read)."""
        for item in written:
            section = self._sections.get(item.section_id)
            if not isinstance(section, SectionHoldings):
                continue
            held = section.line_items if item.collection == "lineItems" else section.results
            if held is None:
                continue  # results not read: they are read whole when first needed
            if item.body is None:
                held.pop(item.sourced_id, None)
            else:
                held[item.sourced_id] = item.body
                if item.collection == "lineItems":
                    section.hold_title(item.sourced_id, item.body)

    def _holds_any(self, section_id: str, line_item_ids: frozenset[str]) -> bool:
        section = self._sections.get(section_id)
        return (isinstance(section, SectionHoldings) and section.results is None
                and any(lid in section.line_items for lid in line_item_ids))

    def _read_results(self, section_ids: list[str]) -> None:
        for sid, results in zip(section_ids, self._client.map_concurrent(self._section_results, section_ids)):
            if results == FORBIDDEN:
                self._sections[sid] = FORBIDDEN
            else:
                self._sections[sid].results = results

    def _read_section(self, section_id: str) -> Section:
        try:
            section = self._client.get(f"/classes/{path_segment(section_id)}")
            students = frozenset(u["sourcedId"] for u in self._client.iter_records(
                f"/classes/{path_segment(section_id)}/students", fields=["sourcedId"]))
        except NotFoundError:
            return None
        except ForbiddenError:
            return FORBIDDEN
        try:
            line_items = {li["sourcedId"]: li for li in self._client.iter_records(f"/classes/{path_segment(section_id)}/lineItems")}
        except (ForbiddenError, NotFoundError):
            return FORBIDDEN
        terms = tuple(t["sourcedId"] for t in section.get("terms") or () if isinstance(t, dict) and t.get("sourcedId"))
        return SectionHoldings(students, line_items, term_ids=terms)

    def _read_categories(self) -> tuple[CampusCategory, ...]:
        """The provider's categories; none when it serves no such collection (404) or refuses it
        (403): no default is found then, and `categories.py` says what to set."""
        try:
            read = [category_of(record) for record in self._client.iter_records("/categories")]
        except (ForbiddenError, NotFoundError):
            return ()
        return tuple(category for category in read if category is not None)

    def _section_results(self, section_id: str) -> dict[str, dict[str, Any]] | str:
        try:
            return {r["sourcedId"]: r for r in self._client.iter_records(f"/classes/{path_segment(section_id)}/results")}
        except (ForbiddenError, NotFoundError):
            return FORBIDDEN
