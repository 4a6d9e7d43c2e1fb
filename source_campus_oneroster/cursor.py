"""The incremental cursor: which `dateLastModified` a sync starts from and which state is safe to save.

The rule, chosen so that no record is ever skipped:

* Reads are sorted by `dateLastModified` (ascending) and filtered server-side with
  `dateLastModified>='<cursor>'`: greater-or-equal, not greater. Records that share the cursor's
  timestamp (Campus stamps whole batches with one instant) are read again on the next sync; the
  platform's at-least-once delivery and the `sourcedId` primary key absorb those duplicates.
* A state is only ever the timestamp of a record already emitted, and only while every earlier
  record has been emitted too (sorted single-sequence reads). Resuming from it with `>=` re-reads
  that instant and everything after, so a sync killed at any point loses nothing.
* If the provider ignores the sort (a page goes backwards in time), mid-stream checkpoints stop for
  that stream and the state only moves once the whole stream has been read.
* Reads split over several sequences (one per school) are not globally sorted, so they checkpoint
  only when every sequence is done.

* A lookback window re-reads what changed in the last minutes before the saved state: Campus
  serves rostering from a cache that refreshes hourly, so a change can appear after records
  stamped later than it were already read. The state itself never moves back.

Known limit, inherent to offset paging: a record modified *during* a read can shift the records
after it by one position; the cursor cannot see that. The next sync re-reads from the saved instant.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional, Sequence

CURSOR_FIELD = "dateLastModified"

logger = logging.getLogger("airbyte")


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant as an aware datetime (naive values are taken as UTC)."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_instant(moment: datetime) -> str:
    """The form the source writes into state and filters when it produces a cursor itself."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def later(first: Optional[str], second: Optional[str]) -> Optional[str]:
    """The later of two instants as written (None counts as the beginning of time)."""
    if first is None:
        return second
    if second is None:
        return first
    return second if parse_instant(second) > parse_instant(first) else first


def is_ascending(records: Sequence[Mapping[str, Any]], previous: Optional[str]) -> bool:
    """Whether the page continues the ascending `dateLastModified` order after `previous`.

    Compares the strings first (one provider writes one format, so that is nearly always decisive
    and cheap on 50,000-record pages) and parses only when two strings compare out of order.
    """
    last = previous
    for record in records:
        current = record.get(CURSOR_FIELD)
        if current is None:
            return False
        if last is not None and current < last and parse_instant(current) < parse_instant(last):
            return False
        last = current
    return True


class DateLastModifiedCursor:
    """Tracks one stream's read: the lower bound sent to the provider and the state that is safe to save.

    Call `sequence_started` before each sorted sequence, `page_read` when a page arrives,
    `page_emitted` once every record of it has been handed to the platform, and `read_finished` at
    the end. `state` (`{"dateLastModified":
    "<instant>"}`, or `{}` before anything is known) is what the CDK checkpoints.
    """

    def __init__(self, saved: Optional[str], start_date: Optional[str], lookback: timedelta = timedelta(0)) -> None:
        resume_from = later(start_date, saved)
        looked_back = format_instant(parse_instant(saved) - lookback) if saved and lookback else saved
        self.lower_bound: Optional[str] = later(start_date, looked_back)
        self._checkpoint: Optional[str] = None
        self.state: dict[str, str] = {}
        self._move_checkpoint(resume_from)
        self._latest_seen = resume_from
        self._previous: Optional[str] = None
        self._ordered = True

    def _move_checkpoint(self, instant: Optional[str]) -> None:
        """`state` is rebuilt only when it changes: the CDK reads it after every record."""
        if instant != self._checkpoint:
            self._checkpoint = instant
            self.state = {CURSOR_FIELD: instant} if instant else {}

    def sequence_started(self) -> None:
        """A new sorted sequence (e.g. the next school) begins: order is checked within each sequence."""
        self._previous = None

    def page_read(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Note a page before it is emitted (it may be freed once written); the state does not move yet."""
        if not records:
            return
        if self._ordered and not is_ascending(records, self._previous):
            self._ordered = False
            logger.warning(
                "The provider did not return records sorted by dateLastModified; this stream's state "
                "will only advance once the whole stream has been read."
            )
        page_latest = records[-1].get(CURSOR_FIELD) if self._ordered else _latest(records)
        self._previous = records[-1].get(CURSOR_FIELD)
        self._latest_seen = later(self._latest_seen, page_latest)

    def page_emitted(self, *, may_checkpoint: bool) -> None:
        """Every record of the page last read has been emitted; move the safe state forward if it can move."""
        if may_checkpoint and self._ordered:
            self._move_checkpoint(self._latest_seen)

    def read_finished(self) -> None:
        """Every record of the stream has been emitted: the latest instant seen is now safe."""
        self._move_checkpoint(self._latest_seen)


def _latest(records: Sequence[Mapping[str, Any]]) -> Optional[str]:
    latest: Optional[str] = None
    for record in records:
        latest = later(latest, record.get(CURSOR_FIELD))
    return latest
