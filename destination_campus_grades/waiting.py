"""Records waiting for what decides them, in bounded memory: scores for their assessment
(`WaitingScores`), and assessments and grades for the teacher group (`HeldBack`).

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
from datetime import date, datetime
from typing import IO, Any, Container, Iterator, Union

import orjson

from destination_campus_grades.records import Assessment, AssessmentKey, Grade, Score

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


Held = Union[Assessment, Grade]
_MOMENTS = {Assessment: ("assigned_at", "go_live_at", "due_at"), Grade: ("graded_at",)}
_KINDS = {"a": Assessment, "g": Grade}


class HeldBack:
    """Assessments and grades held back until the teacher group is complete, in arrival order, each
    with its ledger position: up to `in_memory` in memory, the rest in an anonymous temporary file
    (a source that sends the group last holds every assessment and grade until then)."""

    def __init__(self, *, in_memory: int = DEFAULT_IN_MEMORY) -> None:
        self._in_memory = in_memory
        self._held: list[tuple[int, Held]] = []
        self._spill: IO[bytes] | None = None

    def add(self, position: int, record: Held) -> None:
        if self._spill is None and len(self._held) < self._in_memory:
            self._held.append((position, record))
            return
        if self._spill is None:
            self._spill = tempfile.TemporaryFile(prefix="passback-held-")
            for item in self._held:
                self._write(*item)
            self._held = []
        self._write(position, record)

    def drain(self) -> list[tuple[int, Held]]:
        """Everything held, in arrival order (read back from disk when it spilled)."""
        held, self._held = self._held, []
        if self._spill is not None:
            self._spill.seek(0)
            held = [self._read(line) for line in self._spill]
            self._spill.close()
            self._spill = None
        return held

    def _write(self, position: int, record: Held) -> None:
        kind = "a" if isinstance(record, Assessment) else "g"
        fields = {k: _moment_out(v) for k, v in asdict(record).items()}
        self._spill.write(orjson.dumps([position, kind, fields]) + b"\n")

    @staticmethod
    def _read(line: bytes) -> tuple[int, Held]:
        position, kind, fields = orjson.loads(line)
        cls = _KINDS[kind]
        for name in _MOMENTS[cls]:
            fields[name] = _moment_in(fields[name])
        return position, cls(**fields)


def _moment_out(value: Any) -> Any:
    """A datetime or a bare date, tagged so it reads back as the same type."""
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _moment_in(value: Any) -> Any:
    if isinstance(value, dict):
        return datetime.fromisoformat(value["t"]) if "t" in value else date.fromisoformat(value["d"])
    return value
