"""OneRoster 1.1 filter expressions, built so they cannot be malformed.

1.1 allows `field op 'value'`, or two such predicates joined by one ` AND ` or ` OR ` (never
mixed, never nested). Values are single-quoted. 1.1 defines no escape for a quote inside a value
(O'Brien): it is doubled (`'O''Brien'`), the SQL convention the sandbox follows; this is
unverified against Campus, so `escape_quotes=False` refuses such values instead. URL encoding
happens when the query string is built (see `client.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Literal, Union

Operator = Literal["=", "!=", ">", ">=", "<", "<=", "~"]
OPERATORS: frozenset[str] = frozenset({"=", "!=", ">", ">=", "<", "<=", "~"})
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

FilterValue = Union[str, int, float, bool, datetime, date]


@dataclass(frozen=True)
class Predicate:
    """One `field op 'value'` comparison."""

    field: str
    op: Operator
    value: FilterValue
    escape_quotes: bool = True

    def __post_init__(self) -> None:
        if not FIELD_NAME.match(self.field):
            raise ValueError(
                f"filter field {self.field!r} is not a OneRoster field name (letters, digits, underscore; "
                "1.1 has no dotted paths)"
            )
        if self.op not in OPERATORS:
            raise ValueError(f"filter operator {self.op!r} is not one of {' '.join(sorted(OPERATORS))}")
        text = quote_value_text(self.value)  # refuses naive datetimes now, not when the filter is sent
        if not self.escape_quotes and "'" in text:
            raise ValueError(
                f"filter value for {self.field} contains a single quote, which this provider's filters cannot "
                "express; filter on another field or drop the quote"
            )

    def __str__(self) -> str:
        return f"{self.field}{self.op}'{quote_value_text(self.value).replace(chr(39), chr(39) * 2)}'"

    def __and__(self, other: "Predicate") -> "Filter":
        return Filter(self, "AND", other)

    def __or__(self, other: "Predicate") -> "Filter":
        return Filter(self, "OR", other)


@dataclass(frozen=True)
class Filter:
    """One predicate, or two joined by AND or OR: everything a 1.1 filter can say."""

    first: Predicate
    joiner: Literal["AND", "OR", None] = None
    second: Union[Predicate, None] = None

    def __post_init__(self) -> None:
        if (self.joiner is None) != (self.second is None):
            raise ValueError("a two-predicate filter needs both the joiner (AND/OR) and the second predicate")
        if self.joiner not in (None, "AND", "OR"):
            raise ValueError(f"filter joiner {self.joiner!r} must be AND or OR")

    def __str__(self) -> str:
        if self.second is None:
            return str(self.first)
        return f"{self.first} {self.joiner} {self.second}"


def where(field: str, op: Operator, value: FilterValue) -> Predicate:
    """Shorthand: `where("dateLastModified", ">", since) & where("status", "=", "active")`."""
    return Predicate(field, op, value)


def filter_text(expression: Union[Filter, Predicate, str, None]) -> Union[str, None]:
    """The `filter` query value for a Filter, a Predicate, or an already-written string."""
    if expression is None:
        return None
    return str(expression)


def quote_value_text(value: FilterValue) -> str:
    """A value as OneRoster writes it inside the quotes: ISO 8601 UTC instants, lowercase booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"filter datetime {value.isoformat()} has no time zone; give it one (UTC)")
        text = value.astimezone(timezone.utc).isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
