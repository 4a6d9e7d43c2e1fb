"""The state-echo guarantee, in one place: a state is echoed only once every record before it is settled.

The ledger alone assigns input positions: every record line and every invalid line gets the next
one when it arrives. A state that arrives closes a *span* (the positions since the previous state)
and waits, in order, behind it. A position is *open* until the pipeline settles it: written to
Campus, or finally decided (skipped, refused, invalid, superseded). Whatever keeps a record open
(it is in the batch being read, in the batch in flight on the write thread, a score waiting in
memory or spilled to disk for its assessment) needs no separate bookkeeping here: it simply has
not been settled yet. `echoable()` hands back, in arrival order, the waiting states whose spans
and all earlier spans have no open position. A position is settled once: settling it again (or
one never received) is a bug in the pipeline that would release a state early, and raises.

No state is echoed while records arrived and none of them mapped to a role (`receive(...,
mapped=False)`: a record of an unmapped stream, an unusable line): such a sync fails at the end
(`routing.nothing_mapped`) and must not have confirmed states on the way.

Each echoed state carries its `DestinationStats` over the records settled since the previous echoed
state of the same stream (every stream for a GLOBAL or LEGACY state): how many were accepted
(written, unchanged, skipped by a rule, superseded) and how many rejected (invalid input, refused
by Campus). The platform adds the two and compares the sum with the source's count for that state
(airbytehq/airbyte-platform, airbyte-container-orchestrator/.../bookkeeping/
StateCheckSumCountEventHandler.kt: `recordCount + rejectedRecordCount` against
`sourceStats.recordCount`), so every record lands in exactly one of them, once. Lines that named no
stream (an unparseable line) are counted, as rejected, on the next state echoed.

Memory: one small entry per waiting state (its payload and per-stream counters), one per run of
consecutive positions of one stream, and one byte per position not yet behind an echoed state
(what tells a second settle), dropped with the echoed spans.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Generic, Hashable, TypeVar

Payload = TypeVar("Payload")


@dataclass(frozen=True, slots=True)
class DestinationStats:
    """Airbyte's destinationStats of one echoed state: `recordCount` is the accepted records,
    `rejectedRecordCount` the rejected ones; their sum is every record the state covers."""

    record_count: int  # accepted
    rejected_count: int


@dataclass(slots=True)
class _Span:
    """Positions [start, next span's start) and the state that closes them (None: still open)."""

    start: int
    open: int = 0
    accepted: Counter = field(default_factory=Counter)  # by stream key
    rejected: Counter = field(default_factory=Counter)
    state: tuple[Any, Hashable | None] | None = None  # (payload, stream key or None for every stream)


class SettledTwiceError(RuntimeError):
    """A position settled a second time, or one never received: the pipeline lost track of a record."""


class Ledger(Generic[Payload]):
    """Positions, the states waiting to be echoed, and which of them may be echoed now."""

    def __init__(self) -> None:
        self._spans: list[_Span] = [_Span(0)]
        self._first = 0  # spans before it are echoed (dropped in bulk, see `_compact`)
        self._next = 0
        self._open = 0
        self._mapped = 0
        self._settled = bytearray()  # one per position from _settled_from on: 1 once settled
        self._settled_from = 0
        self._run_starts: list[int] = []  # positions where the stream changes, and that stream
        self._run_streams: list[Hashable | None] = []
        self._since_echo_accepted: Counter = Counter()
        self._since_echo_rejected: Counter = Counter()

    @property
    def received(self) -> int:
        """Positions assigned so far."""
        return self._next

    @property
    def mapped(self) -> int:
        """Positions received for records that map to a role."""
        return self._mapped

    @property
    def open_count(self) -> int:
        """Positions not settled yet."""
        return self._open

    def receive(self, stream: Hashable | None, *, mapped: bool = True) -> int:
        """A record (or invalid) line arrived: its position, open until settled. `mapped`: the record
        maps to a role (False for a stream no role takes, and for an unusable line)."""
        position, self._next = self._next, self._next + 1
        self._spans[-1].open += 1
        self._open += 1
        self._mapped += mapped
        self._settled.append(0)
        if not self._run_streams or self._run_streams[-1] != stream:
            self._run_starts.append(position)
            self._run_streams.append(stream)
        return position

    def receive_state(self, payload: Payload, stream: Hashable | None) -> None:
        """A state arrived: it covers every position assigned so far and waits behind them."""
        self._spans[-1].state = (payload, stream)
        self._spans.append(_Span(self._next))

    def settle(self, position: int, *, rejected: bool = False) -> None:
        """The record at `position` is written or finally decided; a second time raises `SettledTwiceError`."""
        index = position - self._settled_from
        if not 0 <= index < len(self._settled) or self._settled[index]:
            raise SettledTwiceError(f"input position {position} was settled already (or never received)")
        self._settled[index] = 1
        stream = self._run_streams[bisect_right(self._run_starts, position) - 1]
        self._open -= 1
        span = self._spans[bisect_right(self._spans, position, lo=self._first, key=lambda s: s.start) - 1]
        span.open -= 1
        (span.rejected if rejected else span.accepted)[stream] += 1

    def echoable(self) -> list[tuple[Payload, DestinationStats]]:
        """The waiting states that may be echoed now, in order, each with its stats."""
        released: list[tuple[Payload, DestinationStats]] = []
        if self._next and not self._mapped:
            return released
        while self._first < len(self._spans) - 1 and self._spans[self._first].open == 0:
            span = self._spans[self._first]
            self._first += 1
            self._since_echo_accepted.update(span.accepted)
            self._since_echo_rejected.update(span.rejected)
            payload, stream = span.state
            released.append((payload, self._stats_for(stream)))
        self._compact()
        return released

    def waiting_states(self) -> int:
        """States received and not echoed yet."""
        return len(self._spans) - 1 - self._first

    def _stats_for(self, stream: Hashable | None) -> DestinationStats:
        """A stream's counts since its previous echo (every stream's for a global state), plus the
        lines that named no stream."""
        keys = [k for k in self._since_echo_accepted.keys() | self._since_echo_rejected.keys()
                if stream is None or k == stream or k is None]
        stats = DestinationStats(sum(self._since_echo_accepted.pop(k, 0) for k in keys),
                                 sum(self._since_echo_rejected.pop(k, 0) for k in keys))
        return stats

    def _compact(self) -> None:
        """Drop echoed spans, and the stream runs wholly before the first unechoed one, in bulk."""
        if self._first > 1024 and self._first * 2 > len(self._spans):
            del self._spans[:self._first]
            self._first = 0
            del self._settled[:self._spans[0].start - self._settled_from]
            self._settled_from = self._spans[0].start
            keep_from = bisect_right(self._run_starts, self._spans[0].start) - 1
            if keep_from > 0:
                del self._run_starts[:keep_from]
                del self._run_streams[:keep_from]
