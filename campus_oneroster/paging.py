"""Where a OneRoster collection ends, that it does end, and how to read the records out of a page.

Providers cap page size below what was asked (Campus at 50,000, others at 100 or 1,000), so a
short page says nothing about the end. The end is `X-Total-Count` reached, or a page without a
`rel="next"` link; only a provider that sends neither header is read until an empty page. When
the two disagree (a total smaller than what `Link` still offers, or the reverse), the read follows
the one that reads more and logs it: a lying end signal must not silently truncate a read.

A read must also end when a provider's paging is broken: `CollectionRead` refuses a page that
repeats the previous one (a provider ignoring `offset`), a page longer than the `limit` asked (a
provider ignoring `limit`: the next offset would overlap it) and more records than `X-Total-Count`
promised, `PROMISE_FACTOR` times over plus `SLACK_PAGES` pages (a `Link: next` that never ends,
serving ever new records), with `RunawayPagingError` naming the collection, before any duplicate
is emitted. The factor leaves room for a total that lies small while `Link` tells the truth.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Optional

import orjson
import requests

from campus_oneroster.errors import RunawayPagingError

logger = logging.getLogger("campus_oneroster")

PROMISE_FACTOR = 4
SLACK_PAGES = 10


@dataclass(frozen=True)
class Page:
    """One page of a collection: its records, where it starts, and the provider's total if sent.

    Ownership: once the client yields a page, `records` belongs to the consumer, who may clear or
    reuse the list (the source's page writer clears it as soon as it is written, to free memory);
    the client never reads it again.
    """

    records: list[dict]
    offset: int
    total: Optional[int]


@dataclass(frozen=True)
class PageSignals:
    """What a response says about the rest of the collection. `raw_total` is the header as sent,
    kept when it is not a count (`total` is then None)."""

    total: Optional[int]
    link_sent: bool
    has_next: bool
    raw_total: Optional[str] = None


def signals_of(response: requests.Response) -> PageSignals:
    """Read X-Total-Count and Link off a response; an unreadable or negative total counts as not sent."""
    raw_total = response.headers.get("X-Total-Count")
    try:
        total = int(raw_total) if raw_total is not None else None
    except ValueError:
        total = None
    if total is not None and total < 0:
        total = None
    link_sent = "Link" in response.headers
    return PageSignals(total=total, link_sent=link_sent, has_next="next" in response.links, raw_total=raw_total)


@dataclass
class CollectionRead:
    """One read of one collection, page by page in offset order: where it ends, and that it ends.

    The client calls `accept` for every page before it yields it, and `ends_after` to decide
    whether to ask for more; both run in the consumer's thread, in offset order.
    """

    method_path: tuple[str, str]
    limit: int
    records_read: int = 0
    promised: Optional[int] = None
    _previous: Optional[tuple[int, Any, Any, int]] = None
    _logged: set[str] = field(default_factory=set)

    def accept(self, records: list[dict], offset: int, signals: PageSignals) -> None:
        """Count a page in; refuse it when it repeats the previous page or overruns the promised total."""
        if signals.raw_total is not None and signals.total is None:
            self._log_once("total", "%s %s: X-Total-Count %r is not a count of records; ignoring it",
                           *self.method_path, signals.raw_total)
        if self.promised is None and signals.total is not None and "promise" not in self._logged:
            if signals.total >= offset + len(records):
                self.promised = signals.total
            else:  # the page itself disproves it: no bound can be drawn from it
                self._log_once("promise", "%s %s: X-Total-Count %d is below the %d records already served; "
                               "it bounds nothing", *self.method_path, signals.total, offset + len(records))
        if len(records) > self.limit:
            raise RunawayPagingError(
                f"the page at offset {offset} holds {len(records)} records, more than the limit of {self.limit} "
                "asked: the provider ignores limit, so the next offsets would serve the same records again",
                method=self.method_path[0], path=self.method_path[1],
            )
        if records:
            identity = (offset, _identity(records[0]), _identity(records[-1]), len(records))
            previous, self._previous = self._previous, identity
            if previous is not None and previous[0] != offset and previous[1:] == identity[1:]:
                raise RunawayPagingError(
                    f"the page at offset {offset} repeats the page at offset {previous[0]} (same first and last "
                    "sourcedId): the provider ignores offset, and reading on would emit the same records forever",
                    method=self.method_path[0], path=self.method_path[1],
                )
        self.records_read += len(records)
        bound = self.bound
        if bound is not None and self.records_read > bound:
            raise RunawayPagingError(
                f"{self.records_read} records read, but X-Total-Count promised {self.promised}, and the pages "
                "keep coming (Link says there is a next page): stopped rather than read without end",
                method=self.method_path[0], path=self.method_path[1],
            )

    @property
    def bound(self) -> Optional[int]:
        """The most records a read may return: the promised total four times over, plus ten pages."""
        if self.promised is None:
            return None
        return PROMISE_FACTOR * self.promised + SLACK_PAGES * self.limit

    def ends_after(self, signals: PageSignals, offset: int, received: int) -> bool:
        """True when nothing follows the page of `received` records read at `offset`.

        An empty page always ends the read (asking again at the same offset would loop forever).
        """
        if received == 0:
            return True
        by_total = signals.total is not None and offset + received >= signals.total
        by_link = signals.link_sent and not signals.has_next
        if signals.total is not None and signals.link_sent:
            if by_total != by_link:
                self._log_once(
                    "disagree", "%s %s: X-Total-Count (%d) and Link (%s) disagree about the end at offset %d; "
                    "reading on, following the one that reads more",
                    *self.method_path, signals.total, "a next page" if signals.has_next else "no next page",
                    offset + received,
                )
            return by_total and by_link
        if signals.total is not None:
            return by_total
        if signals.link_sent:
            return by_link
        return False

    def _log_once(self, key: str, message: str, *args: Any) -> None:
        if key not in self._logged:
            self._logged.add(key)
            logger.warning(message, *args)


def _identity(record: Any) -> Any:
    """What makes a record recognisable in a repeated page: its sourcedId, else its whole JSON."""
    if isinstance(record, dict) and isinstance(record.get("sourcedId"), str):
        return record["sourcedId"]
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


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
