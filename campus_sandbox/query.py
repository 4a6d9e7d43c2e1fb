"""OneRoster 1.1 collection queries: filter, sort/orderBy, fields, limit/offset.

Filters and sorts over a million records are computed once per distinct query and cached as an
index array, so every later page of the same read costs only its own records.
"""

import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campus_sandbox.district import iso_instant
from campus_sandbox.errors import bad_request
from campus_sandbox.records import RecordSet

_PREDICATE = r"\s*([A-Za-z_][\w.]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*"
_FILTER = re.compile(rf"^{_PREDICATE}(?:\s(AND|OR)\s{_PREDICATE})?$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class Predicate:
    field: str
    op: str
    value: str


@dataclass(frozen=True)
class Query:
    """A parsed collection query; hashable, so it keys the index cache."""

    predicates: tuple[Predicate, ...] = ()
    joiner: str | None = None
    sort: str | None = None
    descending: bool = False
    fields: tuple[str, ...] | None = None
    limit: int = 100
    offset: int = 0

    def ordering_key(self) -> tuple:
        return self.predicates, self.joiner, self.sort, self.descending


def _canonical(value: str) -> str:
    """Datetime filter values in the sandbox's one fixed-width format, so strings compare as instants."""
    if _INSTANT.match(value):
        try:
            return iso_instant(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    return value


def _top_field(name: str) -> str:
    return name.split(".", 1)[0]


def parse_query(params: dict[str, str], fields: frozenset[str], *, default_limit: int, max_limit: int) -> Query:
    """Query parameters → Query, or a 400 naming the bad field and how to fix it."""
    predicates: tuple[Predicate, ...] = ()
    joiner = None
    text = params.get("filter")
    if text:
        m = _FILTER.match(text)
        if not m:
            raise bad_request("invalid_filter_field",
                              f"filter {text!r} is not valid: use field op 'value' (ops = != > >= < <= ~), "
                              "at most two predicates joined by one AND or OR")
        groups = m.groups()
        predicates = (Predicate(groups[0], groups[1], _canonical(groups[2].replace("''", "'"))),)
        if groups[3]:
            joiner = groups[3]
            predicates += (Predicate(groups[4], groups[5], _canonical(groups[6].replace("''", "'"))),)
        for p in predicates:
            if _top_field(p.field) not in fields:
                raise bad_request("invalid_filter_field",
                                  f"filter field {p.field!r} is not a field of this collection: use one of "
                                  f"{', '.join(sorted(fields))}")
    sort = params.get("sort") or None
    if sort is not None and _top_field(sort) not in fields:
        raise bad_request("invalid_sort_field",
                          f"sort field {sort!r} is not a field of this collection: use one of {', '.join(sorted(fields))}")
    order = (params.get("orderBy") or "asc").lower()
    if order not in ("asc", "desc"):
        raise bad_request("invalid_sort_field", f"orderBy {params['orderBy']!r} is not valid: use asc or desc")
    selected = None
    if params.get("fields"):
        selected = tuple(f.strip() for f in params["fields"].split(",") if f.strip())
        unknown = [f for f in selected if f not in fields]
        if unknown:
            raise bad_request("invalid_selection_field",
                              f"fields {', '.join(unknown)} are not fields of this collection: use some of "
                              f"{', '.join(sorted(fields))}")
    limit = _non_negative(params, "limit", default_limit)
    if limit == 0:
        limit = default_limit
    return Query(predicates, joiner, sort, order == "desc", selected, min(limit, max_limit),
                 _non_negative(params, "offset", 0))


def _non_negative(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise bad_request("invaliddata", f"{name}={raw!r} is not valid: use a whole number of 0 or more")
    return int(raw)


def _value(record_value: Any) -> Any:
    """A record value as filters and sorts see it: GUIDRefs by sourcedId, booleans as text."""
    if isinstance(record_value, dict):
        return record_value.get("sourcedId")
    if isinstance(record_value, bool):
        return "true" if record_value else "false"
    return record_value


def _lookup(get: Callable[[int], Any], path: str, through_lists: bool = False) -> Callable[[int], Any]:
    """A function index → the value at a dotted path. `through_lists`: a list on the way is walked
    element by element (`roles.org.sourcedId` → every role's org id), as 1.2 providers do."""
    rest = path.split(".")[1:]
    if not rest:
        return lambda i: _value(get(i))

    def step(v: Any, part: str) -> Any:
        if isinstance(v, dict):
            return v.get(part)
        if through_lists and isinstance(v, list):
            found = []
            for x in v:
                inner = step(x, part)
                found.extend(inner) if isinstance(inner, list) else found.append(inner)
            return found
        if isinstance(v, str) and part == "sourcedId":  # fast accessors give a GUIDRef's id
            return v
        return None

    def dig(i: int) -> Any:
        v = get(i)
        for part in rest:
            v = step(v, part)
        return _value(v)

    return dig


def _compare(op: str, wanted: str) -> Callable[[Any], bool]:
    """A test of one value against a filter predicate.

    Numbers compare numerically, everything else as text (instants are fixed-width text, so
    text order is time order); `~` is a case-insensitive contains. A list matches when any
    element does (`!=`: when none equals); a missing value matches only `!=`.
    """
    def scalar(v: Any) -> bool:
        if isinstance(v, (int, float)):
            try:
                v, w = float(v), float(wanted)
            except ValueError:
                return op == "!="
        else:
            v, w = str(v), wanted
        if op == "~":
            return str(w).lower() in str(v).lower()
        return {"=": v == w, "!=": v != w, ">": v > w, ">=": v >= w, "<": v < w, "<=": v <= w}[op]

    def test(v: Any) -> bool:
        if v is None:
            return op == "!="
        if isinstance(v, list):
            values = [_value(x) for x in v]
            if op == "!=":
                return not any(str(x) == wanted for x in values)
            return any(x is not None and scalar(x) for x in values)
        return scalar(v)

    return test


def _sort_key(v: Any) -> tuple:
    if v is None:
        return (2, "")
    if isinstance(v, (int, float)):
        return (0, v)
    return (1, str(v))


class IndexCache:
    """Filtered/sorted index arrays of recent queries (a small LRU, thread-safe).

    Concurrent first pages of one query (a client fetching pages in parallel) wait for a single
    build instead of each filtering a million records.
    """

    def __init__(self, capacity: int = 16) -> None:
        self._items: OrderedDict = OrderedDict()
        self._building: dict[tuple, threading.Lock] = {}
        self._capacity = capacity
        self._lock = threading.Lock()

    def get_or_build(self, key: tuple, build: Callable[[], Sequence[int]]) -> Sequence[int]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            built = build()
            with self._lock:
                self._items[key] = built
                self._building.pop(key, None)
                while len(self._items) > self._capacity:
                    self._items.popitem(last=False)
        return built


def select(records: RecordSet, base: Sequence[int], query: Query, *, through_lists: bool = False) -> Sequence[int]:
    """Indexes of `base` that pass the query's filter, in the query's order (`through_lists`: see
    `_lookup`; on for 1.2)."""
    indexes: Sequence[int] = base
    if query.predicates:
        tests = [(_lookup(records.accessor(_top_field(p.field)), p.field, through_lists), _compare(p.op, p.value))
                 for p in query.predicates]
        if len(tests) == 1:
            (get, ok), = tests
            indexes = array("q", (i for i in base if ok(get(i))))
        else:
            (g1, ok1), (g2, ok2) = tests
            if query.joiner == "AND":
                indexes = array("q", (i for i in base if ok1(g1(i)) and ok2(g2(i))))
            else:
                indexes = array("q", (i for i in base if ok1(g1(i)) or ok2(g2(i))))
    if query.sort:
        get = _lookup(records.accessor(_top_field(query.sort)), query.sort)
        indexes = array("q", sorted(indexes, key=lambda i: _sort_key(get(i)), reverse=query.descending))
    return indexes


def project(page: list[dict], fields: tuple[str, ...] | None) -> list[dict]:
    """Only the selected fields of each record (all of them without `fields`)."""
    if not fields:
        return page
    return [{f: r[f] for f in fields if f in r} for r in page]
