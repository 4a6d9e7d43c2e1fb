"""The fixed 2026-2027 school year every sandbox district uses.

Fixed dates (not derived from today's date) keep tests and benchmarks deterministic: the same
dueDate is inside or outside a term on every machine and every day.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Session:
    """One OneRoster academicSession: the school year, a semester, a quarter or a retired term."""

    sourced_id: str
    title: str
    type: str
    start: date
    end: date
    parent_id: str | None
    status: str = "active"


SCHOOL_YEAR = "2027"
SCHOOL_YEAR_ID = "7000"
S1_ID, S2_ID = "7001", "7002"
Q1_ID, Q2_ID, Q3_ID, Q4_ID = "7011", "7012", "7013", "7014"
RETIRED_TERM_ID = "6999"

SESSIONS: tuple[Session, ...] = (
    Session(SCHOOL_YEAR_ID, "2026-27", "schoolYear", date(2026, 8, 17), date(2027, 6, 4), None),
    Session(S1_ID, "Semester 1", "semester", date(2026, 8, 17), date(2027, 1, 15), SCHOOL_YEAR_ID),
    Session(S2_ID, "Semester 2", "semester", date(2027, 1, 19), date(2027, 6, 4), SCHOOL_YEAR_ID),
    Session(Q1_ID, "Q1", "gradingPeriod", date(2026, 8, 17), date(2026, 10, 16), S1_ID),
    Session(Q2_ID, "Q2", "gradingPeriod", date(2026, 10, 19), date(2027, 1, 15), S1_ID),
    Session(Q3_ID, "Q3", "gradingPeriod", date(2027, 1, 19), date(2027, 3, 26), S2_ID),
    Session(Q4_ID, "Q4", "gradingPeriod", date(2027, 3, 29), date(2027, 6, 4), S2_ID),
    Session(RETIRED_TERM_ID, "Summer School 2026", "term", date(2026, 6, 15), date(2026, 7, 31), None, "tobedeleted"),
)
SESSION_BY_ID: dict[str, Session] = {s.sourced_id: s for s in SESSIONS}

# Quarters of each semester, in order; a section's terms are semesters.
QUARTERS_OF: dict[str, tuple[str, ...]] = {S1_ID: (Q1_ID, Q2_ID), S2_ID: (Q3_ID, Q4_ID)}

# The grading window closed at generation: Q1's grades are posted.
CLOSED_AT_START: frozenset[str] = frozenset({Q1_ID})


def children_of(session_id: str) -> list[str]:
    """Sourced ids of the sessions whose parent is `session_id`."""
    return [s.sourced_id for s in SESSIONS if s.parent_id == session_id]


def session_holding(day: date, candidates: tuple[str, ...] | list[str]) -> str | None:
    """The first of `candidates` whose dates contain `day`, or None."""
    for sid in candidates:
        s = SESSION_BY_ID[sid]
        if s.start <= day <= s.end:
            return sid
    return None
