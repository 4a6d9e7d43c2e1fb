"""Scores waiting for their assessment, in bounded memory.

A score that arrives before its assessment cannot be decided yet. Up to `in_memory` of them are
kept in memory, by assessment, and released when the assessment arrives. Beyond that (a source
that sends a million scores before any assessment) they are appended to an anonymous temporary
file and decided only at the end of the input, in chunks: memory stays bounded whatever the
order, at the price of holding every state after the first spilled score until the end.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from datetime import datetime
from typing import IO, Container, Iterator

import orjson

from destination_campus_grades.records import Score

DEFAULT_IN_MEMORY = 100_000


class WaitingScores:
    """Scores by assessment key, each with the position (seq) it arrived at."""

    def __init__(self, *, in_memory: int = DEFAULT_IN_MEMORY) -> None:
        self._in_memory = in_memory
        self._by_key: dict[tuple[str, str], list[tuple[int, Score]]] = {}
        self._count = 0
        self._spill: IO[bytes] | None = None
        self._spilled_oldest: int | None = None

    def add(self, seq: int, score: Score) -> None:
        self._by_key.setdefault(score.assessment_key, []).append((seq, score))
        self._count += 1
        if self._count > self._in_memory:
            self._spill_all()

    def release(self, known: Container[tuple[str, str]]) -> list[tuple[int, Score]]:
        """Take out the in-memory scores whose assessment is now known (spilled ones wait for the end)."""
        released: list[tuple[int, Score]] = []
        for key in [k for k in self._by_key if k in known]:
            released.extend(self._by_key.pop(key))
        self._count -= len(released)
        return released

    def oldest(self) -> int | None:
        """Position of the oldest waiting score, or None when none waits."""
        firsts = [scores[0][0] for scores in self._by_key.values()]
        if self._spilled_oldest is not None:
            firsts.append(self._spilled_oldest)
        return min(firsts, default=None)

    def drain(self, chunk: int) -> Iterator[list[tuple[int, Score]]]:
        """Every waiting score, in chunks of at most `chunk` (the spilled ones read back from disk)."""
        in_memory = [item for scores in self._by_key.values() for item in scores]
        self._by_key.clear()
        self._count = 0
        for start in range(0, len(in_memory), chunk):
            yield in_memory[start:start + chunk]
        if self._spill is None:
            return
        self._spill.seek(0)
        batch: list[tuple[int, Score]] = []
        for line in self._spill:
            seq, fields = orjson.loads(line)
            graded_at = fields["graded_at"]
            batch.append((seq, Score(**{**fields, "graded_at": graded_at and datetime.fromisoformat(graded_at)})))
            if len(batch) >= chunk:
                yield batch
                batch = []
        if batch:
            yield batch
        self._spill.close()
        self._spill, self._spilled_oldest = None, None

    def _spill_all(self) -> None:
        if self._spill is None:
            self._spill = tempfile.TemporaryFile(prefix="passback-waiting-")
        for scores in self._by_key.values():
            for seq, score in scores:
                self._spill.write(orjson.dumps([seq, asdict(score)]) + b"\n")
                self._spilled_oldest = seq if self._spilled_oldest is None else min(self._spilled_oldest, seq)
        self._by_key.clear()
        self._count = 0
