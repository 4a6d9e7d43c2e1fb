"""Scores waiting for their assessment, in bounded memory.

A score that arrives before its assessment cannot be decided yet. Up to `in_memory` of them are
kept in memory, by assessment, and released when the assessment arrives. Beyond that (a source
that sends a million scores before any assessment) they are appended to an anonymous temporary
file and decided only at the end of the input, in chunks: memory stays bounded whatever the
order, at the price of every state after the first spilled score waiting until the end.

An assessment whose scores spilled keeps its later scores in the spill too (`waits`), even once
it is known: they are decided at the end, in the order they arrived, so an older copy of a score
is never written after a newer one. A waiting score keeps its ledger position; the ledger keeps
every state after it waiting, since it is not settled.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from datetime import datetime
from typing import IO, Container, Iterator

import orjson

from destination_campus_grades.records import AssessmentKey, Score

DEFAULT_IN_MEMORY = 100_000


class WaitingScores:
    """Scores by assessment key, each with its ledger position."""

    def __init__(self, *, in_memory: int = DEFAULT_IN_MEMORY) -> None:
        self._in_memory = in_memory
        self._by_key: dict[AssessmentKey, list[tuple[int, Score]]] = {}
        self._count = 0
        self._spill: IO[bytes] | None = None
        self._spilled_keys: set[AssessmentKey] = set()

    def __len__(self) -> int:
        return self._count

    def waits(self, key: AssessmentKey) -> bool:
        """Scores of this assessment were spilled: later ones must wait (in the spill) behind them."""
        return key in self._spilled_keys

    def add(self, position: int, score: Score) -> None:
        if score.assessment_key in self._spilled_keys:
            self._write_spill(position, score)
            return
        self._by_key.setdefault(score.assessment_key, []).append((position, score))
        self._count += 1
        if self._count > self._in_memory:
            self._spill_all()

    def release(self, known: Container[AssessmentKey]) -> list[tuple[int, Score]]:
        """Take out the in-memory scores whose assessment is now known (spilled ones wait for the end)."""
        released: list[tuple[int, Score]] = []
        for key in [k for k in self._by_key if k in known]:
            released.extend(self._by_key.pop(key))
        self._count -= len(released)
        return released

    def drain(self, chunk: int) -> Iterator[list[tuple[int, Score]]]:
        """Every waiting score, in chunks of at most `chunk` (the spilled ones read back from disk, in
        the order they arrived)."""
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
            position, fields = orjson.loads(line)
            graded_at = fields["graded_at"]
            batch.append((position, Score(**{**fields, "graded_at": graded_at and datetime.fromisoformat(graded_at)})))
            if len(batch) >= chunk:
                yield batch
                batch = []
        if batch:
            yield batch
        self._spill.close()
        self._spill = None
        self._spilled_keys.clear()

    def _spill_all(self) -> None:
        for key, scores in self._by_key.items():
            self._spilled_keys.add(key)
            for position, score in scores:
                self._write_spill(position, score)
        self._by_key.clear()
        self._count = 0

    def _write_spill(self, position: int, score: Score) -> None:
        if self._spill is None:
            self._spill = tempfile.TemporaryFile(prefix="passback-waiting-")
        self._spill.write(orjson.dumps([position, asdict(score)]) + b"\n")
