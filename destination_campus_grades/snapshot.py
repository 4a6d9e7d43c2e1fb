"""What one batch knows of Campus: the `RosterSnapshot` the decisions take as an argument, and its parts.

Plain data, no I/O: `roster.py` reads Campus into these, `decide.py` asks them. A snapshot is a
view of exactly the sections a batch needs (`RosterNeeds`): a question about a section it was
not loaded for is a KeyError, not a silent read. A section the key may not see is `FORBIDDEN`;
one Campus does not know is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from destination_campus_grades.categories import CampusCategory
from destination_campus_grades.refusals import Session, title_key

FORBIDDEN = "forbidden"


@dataclass
class SectionHoldings:
    """One Campus section: who is enrolled, and the lineItems and results Campus holds for it."""

    students: frozenset[str]
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, dict[str, Any]] | None = None  # None: not read (nothing needed them yet)
    term_ids: tuple[str, ...] = ()
    titles: dict[str, str] = field(default_factory=dict)  # title key → the lineItem holding it

    def __post_init__(self) -> None:
        for sourced_id, held in self.line_items.items():
            self.hold_title(sourced_id, held)

    def hold_title(self, sourced_id: str, held: Mapping[str, Any]) -> None:
        if held.get("status") != "tobedeleted" and held.get("title"):
            self.titles.setdefault(title_key(str(held["title"])), sourced_id)

    def results_of(self, line_item_id: str) -> list[str]:
        """sourcedIds of the results held on one lineItem."""
        return [rid for rid, r in (self.results or {}).items()
                if (r.get("lineItem") or {}).get("sourcedId") == line_item_id]


Section = SectionHoldings | str | None  # holdings, FORBIDDEN, or None (Campus has no such class)


@dataclass(frozen=True)
class RosterNeeds:
    """What one batch must know: sections, the lineItems whose results it compares, the users."""

    sections: frozenset[str] = frozenset()
    results_on: Mapping[str, frozenset[str]] = field(default_factory=dict)  # section → lineItem ids
    users: bool = False
    sessions: bool = False  # terms and grading periods (a lineItem may be planned)
    categories: bool = False  # the provider's categories (a lineItem may be planned with no default_category_id)


@dataclass(frozen=True)
class RosterSnapshot:
    """Campus as one batch sees it (RosterFacts for the rules, holdings for the diff)."""

    sections: Mapping[str, Section]
    users: Mapping[str, str] | None = None  # sourcedId → role
    sessions: Mapping[str, Session] = field(default_factory=dict)  # by sourcedId, when needed
    categories: tuple[CampusCategory, ...] = ()  # the provider's /categories, when a lineItem may be planned

    # -- what the rules ask (RosterFacts) ---------------------------------------------------

    def section_known(self, section_id: str) -> bool:
        return self.sections[section_id] is not None

    def section_forbidden(self, section_id: str) -> bool:
        return self.sections[section_id] == FORBIDDEN

    def is_campus_user(self, user_id: str) -> bool:
        return user_id in self.users

    def user_role(self, user_id: str) -> str | None:
        return self.users.get(user_id)

    def is_enrolled(self, section_id: str, student_id: str) -> bool:
        holdings = self.holdings(section_id)
        return holdings is not None and student_id in holdings.students

    def has_grading_task(self, section_id: str, line_item_id: str) -> bool:
        holdings = self.holdings(section_id)
        return holdings is not None and line_item_id in holdings.line_items

    # -- what Campus holds (the diff's baseline) --------------------------------------------

    def holdings(self, section_id: str) -> SectionHoldings | None:
        section = self.sections[section_id]
        return section if isinstance(section, SectionHoldings) else None

    def held_line_item(self, section_id: str, sourced_id: str) -> dict[str, Any] | None:
        holdings = self.holdings(section_id)
        return holdings.line_items.get(sourced_id) if holdings else None

    def held_result(self, section_id: str, sourced_id: str) -> dict[str, Any] | None:
        """The result Campus holds; None when it holds none (results are read whenever one of the
        section's lineItems the batch writes to is held, see `RosterNeeds.results_on`)."""
        holdings = self.holdings(section_id)
        return holdings.results.get(sourced_id) if holdings and holdings.results is not None else None


@dataclass(frozen=True, slots=True)
class Written:
    """One object a batch wrote (body) or deleted (body None), for the cache."""

    section_id: str
    collection: str  # lineItems | results
    sourced_id: str
    body: dict[str, Any] | None
