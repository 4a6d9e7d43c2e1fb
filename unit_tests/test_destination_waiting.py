"""Waiting scores: released when their assessment is known, spilled to disk beyond the cap; and
assessments and grades held back for the teacher group, the same way."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

from destination_campus_grades.records import Assessment, Grade
from destination_campus_grades.waiting import HeldBack, WaitingScores
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


def test_held_back_records_come_back_in_order_and_unchanged_after_a_spill() -> None:
    """Assessments and grades held for the teacher group: beyond the memory bound they spill to
    disk and read back as the same records (dates and instants kept apart), in arrival order."""
    assessment = Assessment("a1", "100", "Quiz", None, "t1", datetime(2026, 10, 1, 13, tzinfo=timezone.utc),
                            date(2026, 10, 2), None, 20.0, True, "points", "Quizzes", None, "assigned")
    grade = Grade("100", "s1", "100-1-7012", 88.0, "B", datetime(2026, 11, 3, 15, tzinfo=timezone.utc), "t1")
    items = [(n, assessment if n % 2 else grade) for n in range(7)]
    for bound in (10, 3):  # in memory, then spilled
        held = HeldBack(in_memory=bound)
        for position, record in items:
            held.add(position, record)
        assert held.drain() == items
        assert held.drain() == []
