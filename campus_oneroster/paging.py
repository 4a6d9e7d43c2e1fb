"""Where a OneRoster collection ends, and how to read the records out of a page.

Providers cap page size below what was asked (Campus at 50,000, others at 100 or 1,000), so a
short page says nothing about the end. The end is `X-Total-Count` reached, or a page without a
`rel="next"` link; only a provider that sends neither header is read until an empty page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import requests


@dataclass(frozen=True)
class Page:
    """One page of a collection: its records, where it starts, and the provider's total if sent."""

    records: list[dict]
    offset: int
    total: Optional[int]


@dataclass(frozen=True)
class PageSignals:
    """What a response says about the rest of the collection."""

    total: Optional[int]
    link_sent: bool
    has_next: bool


def signals_of(response: requests.Response) -> PageSignals:
    """Read X-Total-Count and Link off a response; an unreadable total counts as not sent."""
    raw_total = response.headers.get("X-Total-Count")
    try:
        total = int(raw_total) if raw_total is not None else None
    except ValueError:
        total = None
    link_sent = "Link" in response.headers
    return PageSignals(total=total, link_sent=link_sent, has_next="next" in response.links)


def is_last_page(signals: PageSignals, offset: int, received: int) -> bool:
    """True when nothing follows the page of `received` records read at `offset`.

    An empty page always ends the read (asking again at the same offset would loop forever).
    """
    if received == 0:
        return True
    if signals.total is not None:
        return offset + received >= signals.total
    if signals.link_sent:
        return not signals.has_next
    return False


def records_in(body: Any, path: str) -> list[dict]:
    """The records of a collection envelope, whatever its wrapper key.

    `/students` answers `{"users": [...]}`, `/terms` `{"academicSessions": [...]}`, other providers
    use the path's own name; the one list-valued key besides `statusInfoSet` is the collection.
    """
    if not isinstance(body, dict):
        raise ValueError(f"{path}: the response is not a JSON object")
    lists = {key: value for key, value in body.items() if key != "statusInfoSet" and isinstance(value, list)}
    if len(lists) == 1:
        return next(iter(lists.values()))
    last_segment = path.rstrip("/").rsplit("/", 1)[-1]
    if last_segment in lists:
        return lists[last_segment]
    if not lists:
        raise ValueError(f"{path}: the response holds no collection (keys: {sorted(body)})")
    raise ValueError(f"{path}: the response holds several collections ({sorted(lists)}); cannot tell which")


def single_object_in(body: Any, path: str) -> dict:
    """The object of a singular envelope (`{"class": {...}}`), whatever its wrapper key."""
    if not isinstance(body, dict):
        raise ValueError(f"{path}: the response is not a JSON object")
    objects = [value for key, value in body.items() if key != "statusInfoSet" and isinstance(value, dict)]
    if len(objects) != 1:
        raise ValueError(f"{path}: expected one wrapped object, found keys {sorted(body)}")
    return objects[0]
