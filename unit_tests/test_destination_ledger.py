"""The ledger on its own: which states may be echoed, in order, and the stats each carries.

The pipeline's situations are played on it directly: a batch in flight (its positions open until
its outcomes come back), a score waiting in memory or spilled (open until the end), duplicates
(the earlier copy settled as superseded at once) and invalid lines (settled, rejected).
"""

from __future__ import annotations

import pytest

from destination_campus_grades.ledger import DestinationStats, Ledger, SettledTwiceError

SCORES, ASSESSMENTS = ("scores", None), ("assessments", None)


def test_a_state_waits_for_every_position_before_it() -> None:
    ledger = Ledger()
    first, second = ledger.receive(SCORES), ledger.receive(SCORES)  # a batch in flight
    ledger.receive_state("s1", None)
    third = ledger.receive(SCORES)
    ledger.receive_state("s2", None)
    assert ledger.echoable() == []
    ledger.settle(second)
    assert ledger.echoable() == [], "the first record of the batch is still being written"
    ledger.settle(third)
    assert ledger.echoable() == [], "a later state may not overtake an earlier one"
    ledger.settle(first)
    assert ledger.echoable() == [("s1", DestinationStats(2, 0)), ("s2", DestinationStats(1, 0))]
    assert ledger.echoable() == [] and ledger.waiting_states() == 0 and ledger.open_count == 0


def test_a_state_before_any_record_is_echoable_at_once() -> None:
    ledger = Ledger()
    ledger.receive_state("start", None)
    assert ledger.echoable() == [("start", DestinationStats(0, 0))]


def test_a_waiting_score_holds_every_later_state_until_it_is_decided() -> None:
    ledger = Ledger()
    waiting = ledger.receive(SCORES)  # its assessment has not arrived (in memory or spilled)
    ledger.receive_state("after score", None)
    assessment = ledger.receive(ASSESSMENTS)
    ledger.receive_state("after assessment", None)
    ledger.settle(assessment)
    assert ledger.echoable() == []
    ledger.settle(waiting, rejected=True)  # e.g. assessment_not_found at the end
    assert [state for state, _ in ledger.echoable()] == ["after score", "after assessment"]


def test_duplicates_and_invalid_lines_settle_one_as_accepted_the_other_as_rejected() -> None:
    ledger = Ledger()
    earlier, later = ledger.receive(SCORES), ledger.receive(SCORES)
    invalid = ledger.receive(None)  # an unparseable line: no stream known
    ledger.receive_state("s", None)
    ledger.settle(earlier)  # superseded: settled without a write, not rejected
    ledger.settle(invalid, rejected=True)
    assert ledger.echoable() == []
    ledger.settle(later)
    assert ledger.echoable() == [("s", DestinationStats(2, 1))]  # 2 accepted + 1 rejected: all 3


def test_stream_states_count_their_own_stream_and_global_states_every_stream() -> None:
    ledger = Ledger()
    a = ledger.receive(ASSESSMENTS)
    ledger.receive_state("assessments done", ASSESSMENTS)
    s1, s2 = ledger.receive(SCORES), ledger.receive(SCORES)
    bad = ledger.receive(None)
    ledger.receive_state("scores done", SCORES)
    a2 = ledger.receive(ASSESSMENTS)
    ledger.receive_state("everything", None)
    for position in (a, s1, a2):
        ledger.settle(position)
    ledger.settle(s2, rejected=True)
    ledger.settle(bad, rejected=True)
    assert ledger.echoable() == [
        ("assessments done", DestinationStats(1, 0)),
        ("scores done", DestinationStats(1, 2)),  # its two scores and the line that named no stream
        ("everything", DestinationStats(1, 0)),
    ]


def test_records_after_the_last_state_wait_for_no_state() -> None:
    ledger = Ledger()
    ledger.receive_state("s", None)
    open_position = ledger.receive(SCORES)
    assert ledger.echoable() == [("s", DestinationStats(0, 0))]
    assert ledger.open_count == 1 and ledger.received == open_position + 1


def test_many_states_are_compacted_and_still_released_in_order() -> None:
    ledger = Ledger()
    positions = []
    for n in range(5000):
        positions.append(ledger.receive(SCORES if n % 3 else ASSESSMENTS))
        ledger.receive_state(n, None)
    for position in reversed(positions[2500:]):
        ledger.settle(position)
    assert ledger.echoable() == []
    for position in positions[:2500]:
        ledger.settle(position)
    released = ledger.echoable()
    assert [state for state, _ in released] == list(range(5000))
    assert all(stats == DestinationStats(1, 0) for _, stats in released)
    positions = [ledger.receive(SCORES) for _ in range(3)]
    ledger.receive_state("late", None)
    for position in positions:
        ledger.settle(position)
    assert ledger.echoable() == [("late", DestinationStats(3, 0))]
    with pytest.raises(SettledTwiceError):
        ledger.settle(positions[0])  # compacted away: settled long ago


def test_no_state_is_echoed_before_a_record_maps_to_a_role() -> None:
    """A sync whose records map to no role fails at its end; until a record maps, nothing is confirmed."""
    ledger = Ledger()
    unmapped = ledger.receive(("users", None), mapped=False)
    unusable = ledger.receive(None, mapped=False)
    ledger.receive_state("s1", None)
    ledger.settle(unmapped, rejected=True)
    ledger.settle(unusable, rejected=True)
    assert ledger.echoable() == [] and ledger.mapped == 0
    mapped = ledger.receive(SCORES)
    ledger.receive_state("s2", None)
    ledger.settle(mapped)
    assert ledger.echoable() == [("s1", DestinationStats(0, 2)), ("s2", DestinationStats(1, 0))]  # 2 rejected, 0 accepted


def test_a_position_settled_twice_raises_instead_of_releasing_a_state_early() -> None:
    """Settling one record twice while another is still open would balance the span's count and
    echo a state before that other record is written: the ledger refuses the second settle."""
    ledger = Ledger()
    written, in_flight = ledger.receive(SCORES), ledger.receive(SCORES)
    ledger.receive_state("s", None)
    ledger.settle(written)
    with pytest.raises(SettledTwiceError, match="position 0 was settled already"):
        ledger.settle(written)
    with pytest.raises(SettledTwiceError):
        ledger.settle(in_flight + 1)  # never received
    assert ledger.echoable() == [] and ledger.open_count == 1
    ledger.settle(in_flight)
    assert ledger.echoable() == [("s", DestinationStats(2, 0))]
