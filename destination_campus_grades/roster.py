"""What Campus knows and holds, read through the client once per sync and cached: the rules' facts.

Reads are per section, never per record: for each section a batch touches, its students and its
lineItems (Campus's grading tasks and ours), in large pages, sections read concurrently (bounded
by `max_concurrent_requests`). A section's results are read only when something is to be
compared with them: a score whose lineItem Campus already holds, or a grade (results hang off
lineItems, so a lineItem Campus does not hold has none; a first sync reads no results at all).
Users are one paged read of `/users` (sourcedIds only), the first time an assigner is checked;
academicSessions (terms and grading periods, for predicted refusals) one read the first time a
lineItem is planned. A section's own record (`/classes/{id}`) gives its terms.

Memory: the users' ids, plus the holdings of at most `max_sections` sections (more only while a
single batch needs them at once); the least recently used section is dropped first and read
again if a later batch needs it. Writes the destination makes are remembered in the cache, so
a record seen twice in one sync is compared against what it wrote.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterable

from campus_oneroster.client import OneRosterClient
from campus_oneroster.errors import NotFoundError
from destination_campus_grades.refusals import Session, session_of, title_key

DEFAULT_MAX_SECTIONS = 512


@dataclass
class SectionHoldings:
    """One Campus section: who is enrolled, and the lineItems and results Campus holds for it."""

    students: frozenset[str]
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] | None = None  # None: not read (nothing needed them yet)
    term_ids: tuple[str, ...] = ()
    titles: dict[str, str] = field(default_factory=dict)  # title key → the lineItem holding (or claiming) it

    def __post_init__(self) -> None:
        for sourced_id, held in self.line_items.items():
            if held.get("status") != "tobedeleted" and held.get("title"):
                self.titles.setdefault(title_key(str(held["title"])), sourced_id)

    def results_of(self, line_item_id: str) -> list[str]:
        """sourcedIds of the results held on one lineItem (for removals; results must be loaded)."""
        return [rid for rid, r in (self.results or {}).items()
                if (r.get("lineItem") or {}).get("sourcedId") == line_item_id]


class CampusRoster:
    """The per-sync cache of Campus facts; answers the rules' `RosterFacts` questions."""

    def __init__(self, client: OneRosterClient, *, max_sections: int = DEFAULT_MAX_SECTIONS) -> None:
        self._client = client
        self._max_sections = max_sections
        self._users: frozenset[str] | None = None
        self._sessions: dict[str, Session] | None = None
        self._sections: OrderedDict[str, SectionHoldings | None] = OrderedDict()

    # -- loading ---------------------------------------------------------------------------

    def load_sections(self, section_ids: Iterable[str]) -> None:
        """Make sure every given section is cached (None for a section Campus does not know)."""
        wanted = list(dict.fromkeys(section_ids))
        for sid in wanted:
            if sid in self._sections:
                self._sections.move_to_end(sid)
        missing = [sid for sid in wanted if sid not in self._sections]
        for sid, holdings in zip(missing, self._client.map_concurrent(self._read_section, missing)):
            self._sections[sid] = holdings
        keep = max(self._max_sections, len(wanted))
        while len(self._sections) > keep:
            self._sections.popitem(last=False)

    def load_results(self, section_ids: Iterable[str]) -> None:
        """Read the results of loaded, known sections whose results were not read yet (concurrently)."""
        missing = [sid for sid in dict.fromkeys(section_ids)
                   if self._sections.get(sid) is not None and self._sections[sid].results is None]
        for sid, results in zip(missing, self._client.map_concurrent(self._read_results, missing)):
            self._sections[sid].results = results

    def load_users(self) -> None:
        """Read every Campus user's sourcedId once per sync (one paged read, ids only)."""
        if self._users is None:
            self._users = frozenset(u["sourcedId"] for u in self._client.iter_records("/users", fields=["sourcedId"]))

    def sessions(self) -> dict[str, Session]:
        """Every academicSession with readable dates, by sourcedId (read once per sync)."""
        if self._sessions is None:
            read = (session_of(record) for record in self._client.iter_records("/academicSessions"))
            self._sessions = {session.sourced_id: session for session in read if session is not None}
        return self._sessions

    def _read_section(self, section_id: str) -> SectionHoldings | None:
        try:
            section = self._client.get(f"/classes/{section_id}")
            students = frozenset(
                u["sourcedId"] for u in self._client.iter_records(f"/classes/{section_id}/students", fields=["sourcedId"]))
        except NotFoundError:
            return None
        terms = tuple(t["sourcedId"] for t in section.get("terms") or () if isinstance(t, dict) and t.get("sourcedId"))
        line_items = {li["sourcedId"]: li for li in self._client.iter_records(f"/classes/{section_id}/lineItems")}
        return SectionHoldings(students, line_items, term_ids=terms)

    def _read_results(self, section_id: str) -> dict[str, dict[str, Any]]:
        return {r["sourcedId"]: r for r in self._client.iter_records(f"/classes/{section_id}/results")}

    # -- what the rules ask (RosterFacts) ---------------------------------------------------

    def holdings(self, section_id: str) -> SectionHoldings | None:
        """A loaded section's holdings; None when Campus has no such section."""
        return self._sections[section_id]

    def section_known(self, section_id: str) -> bool:
        return self._sections[section_id] is not None

    def is_campus_user(self, user_id: str) -> bool:
        self.load_users()
        return user_id in self._users

    def is_enrolled(self, section_id: str, student_id: str) -> bool:
        holdings = self._sections[section_id]
        return holdings is not None and student_id in holdings.students

    def has_grading_task(self, section_id: str, line_item_id: str) -> bool:
        holdings = self._sections[section_id]
        return holdings is not None and line_item_id in holdings.line_items

    # -- what Campus holds (for the diff) and what we wrote ---------------------------------

    def held_line_item(self, section_id: str, sourced_id: str) -> dict[str, Any] | None:
        holdings = self._sections.get(section_id)
        return holdings.line_items.get(sourced_id) if holdings else None

    def held_result(self, section_id: str, sourced_id: str) -> dict[str, Any] | None:
        """The result Campus holds; None when it holds none (or its lineItem is not held, so results
        were not read: see `load_results`)."""
        holdings = self._sections.get(section_id)
        return holdings.results.get(sourced_id) if holdings and holdings.results is not None else None

    def remember_line_item(self, section_id: str, body: dict[str, Any]) -> None:
        holdings = self._sections.get(section_id)
        if holdings is not None:
            holdings.line_items[body["sourcedId"]] = body

    def remember_result(self, section_id: str, body: dict[str, Any]) -> None:
        """Only into results already read: unread results are read whole when first needed."""
        holdings = self._sections.get(section_id)
        if holdings is not None and holdings.results is not None:
            holdings.results[body["sourcedId"]] = body

    def forget(self, section_id: str, line_item_id: str, result_ids: Iterable[str]) -> None:
        holdings = self._sections.get(section_id)
        if holdings is not None:
            holdings.line_items.pop(line_item_id, None)
            for rid in result_ids:
                (holdings.results or {}).pop(rid, None)
