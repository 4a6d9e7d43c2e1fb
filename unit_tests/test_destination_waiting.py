"""Waiting scores: released when their assessment is known, spilled to disk beyond the cap."""

from __future__ import annotations

from dataclasses import replace

from destination_campus_grades.records import StandardScore
from destination_campus_grades.waiting import WaitingScores
from unit_tests.test_destination_rules import SCORE


def scores(n: int, assessment: str = "a1") -> list:
    return [replace(SCORE, assessment_id=assessment, student_id=f"s{k}") for k in range(n)]


def test_release_takes_only_the_known_assessments_in_memory() -> None:
    waiting = WaitingScores(in_memory=10)
    for seq, score in enumerate(scores(3) + scores(2, "a2")):
        waiting.add(seq, score)
    released = waiting.release({("a2", "100"): object()})
    assert [seq for seq, _ in released] == [3, 4] and len(waiting) == 3
    assert [seq for chunk in waiting.drain(2) for seq, _ in chunk] == [0, 1, 2]
    assert len(waiting) == 0


def test_beyond_the_cap_scores_spill_to_disk_and_come_back_intact() -> None:
    waiting = WaitingScores(in_memory=4)
    originals = scores(9)
    originals[6] = replace(originals[6], standard_scores=(StandardScore("case:RL.1", 3.0), StandardScore("case:RL.2", None, "M")))
    for seq, score in enumerate(originals, start=100):
        waiting.add(seq, score)
    # the 5th score went over the cap and spilled with the others; later scores of the same
    # assessment follow them into the spill, so they are decided in the order they arrived
    assert waiting.waits(("a1", "100")) and len(waiting) == 0
    assert waiting.release({("a1", "100")}) == []
    chunks = list(waiting.drain(4))
    assert [len(c) for c in chunks] == [4, 4, 1]
    assert [pair for chunk in chunks for pair in chunk] == list(enumerate(originals, start=100))
    assert not waiting.waits(("a1", "100")) and list(waiting.drain(3)) == []
