"""`decide.py`: one batch's decisions, pure (a batch, a roster snapshot, what earlier batches decided)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from destination_campus_grades.categories import CampusCategory
from destination_campus_grades.decide import Batch, decide_batch, roster_needs
from destination_campus_grades.diff import Change
from destination_campus_grades.identities import People
from destination_campus_grades.passback import decision_context
from destination_campus_grades.reasons import Outcome, Reason
from destination_campus_grades.records import Assessment, Score, parse_record
from destination_campus_grades.refusals import Session
from destination_campus_grades.snapshot import RosterSnapshot, SectionHoldings
from destination_campus_grades.spec import DestinationConfig

IO_MODULES = ("requests", "urllib3", "http.client", "socket", "campus_oneroster.client", "destination_campus_grades.roster",
              "destination_campus_grades.writer")


def test_the_decision_step_imports_nothing_that_reaches_io() -> None:
    """A pure step imports nothing that reaches I/O: the data types it takes and makes live apart
    from the modules that read and write (`snapshot.py`, `work.py`). Checked in a fresh interpreter,
    since pytest itself has loaded the HTTP stack by now."""
    probe = ("import sys, destination_campus_grades.decide; "
             f"print(' '.join(m for m in {IO_MODULES!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


# -- the decisions, on a snapshot built by hand (no server: the step is pure) ------------------

SECTION, STUDENTS, TEACHER = "s1", ("u1", "u2"), "t1"
TERM = Session("T1", "term", date(2026, 8, 17), date(2026, 12, 18), None)
PLACEHOLDER = CampusCategory("c0", "Uncategorized")  # the provider's default category (read on 1.1 without a default)
CONFIG = DestinationConfig.model_validate({
    "base_url": "http://127.0.0.1:1/ims/oneroster/v1p1", "passback_start_date": "2026-09-01",
    "district_time_zone": "America/Chicago", "vendor_key": "vendor-key", "vendor_secret": "vendor-secret",
    "credentials": {"auth_type": "oauth2_client_credentials", "token_url": "http://127.0.0.1:1/token",
                    "client_id": "key", "client_secret": "secret-value"}})
CTX = decision_context(CONFIG)


def assessment(assessment_id: str = "a1", **fields: Any) -> Assessment:
    data = {"assessment_id": assessment_id, "section_id": SECTION, "title": f"Quiz {assessment_id}",
            "assigned_by": TEACHER, "assigned_at": "2026-10-20T14:00:00Z", "due_at": "2026-10-27T14:00:00Z",
            "points_possible": 20, "include_in_final_grade": True, "grading_type": "points", "state": "assigned",
            **fields}
    record, _ = parse_record("assessments", data)
    assert isinstance(record, Assessment), record
    return record


def score(student_id: str, assessment_id: str = "a1", points: float = 18) -> Score:
    record, _ = parse_record("scores", {"assessment_id": assessment_id, "section_id": SECTION, "student_id": student_id,
                                        "points": points, "graded_at": "2026-10-28T15:00:00Z"})
    assert isinstance(record, Score), record
    return record


def snapshot(line_items: dict | None = None, results: dict | None = None) -> RosterSnapshot:
    holdings = SectionHoldings(People.of_ids(STUDENTS), dict(line_items or {}), results, term_ids=(TERM.sourced_id,))
    return RosterSnapshot({SECTION: holdings}, People.of_ids({TEACHER}), {TERM.sourced_id: TERM}, (PLACEHOLDER,))


def batch(*records: Assessment | Score) -> Batch:
    plan = Batch()
    for position, record in enumerate(records):
        (plan.assessments if isinstance(record, Assessment) else plan.scores).append((position, record))
    return plan


def test_a_first_sync_plans_the_line_item_and_its_scores_and_asks_only_for_their_section() -> None:
    work = batch(assessment(), score("u1"), score("u2"))
    needs = roster_needs(work, {}, CTX)
    assert needs.sections == {SECTION} and needs.users and needs.sessions and needs.categories
    plan = decide_batch(work, snapshot(), {}, CTX)
    assert [(w.position, w.change) for w in plan.line_items] == [(0, Change.CREATE)]
    assert [(w.position, w.change, w.plan.line_item_id) for w in plan.results] == \
        [(1, Change.CREATE, plan.line_items[0].plan.sourced_id), (2, Change.CREATE, plan.line_items[0].plan.sourced_id)]
    assert plan.decided == [] and plan.entries[("a1", SECTION)].decision.send


def test_what_campus_already_holds_unchanged_needs_no_write() -> None:
    work = batch(assessment(), score("u1"))
    first = decide_batch(work, snapshot(), {}, CTX)
    line_item, result = first.line_items[0].plan, first.results[0].plan
    held = snapshot({line_item.sourced_id: line_item.body}, {result.sourced_id: result.body})
    again = decide_batch(work, held, {}, CTX)
    assert [w.change for w in again.line_items + again.results] == [Change.UNCHANGED, Change.UNCHANGED]


def test_a_due_date_outside_every_term_is_refused_without_a_put_and_its_scores_share_the_refusal() -> None:
    plan = decide_batch(batch(assessment(due_at="2027-02-01T15:00:00Z"), score("u1")), snapshot(), {}, CTX)
    assert plan.line_items == []
    (refused,) = plan.decided
    assert (refused.outcome, refused.reason, refused.position) == \
        (Outcome.REFUSED_BY_CAMPUS, Reason.DUE_DATE_OUTSIDE_TERM, 0)
    (result,) = plan.results  # handed to the writer as refused with its lineItem, never PUT
    assert result.refused_line_item is not None and result.refused_line_item.reason is Reason.DUE_DATE_OUTSIDE_TERM


def test_an_assessment_removed_in_otus_is_a_removal_candidate_only_under_delete() -> None:
    """The removal itself is decided at the end of the sync (`disappeared.py`): here only whether one is asked for."""
    first = decide_batch(batch(assessment(), score("u1")), snapshot(), {}, CTX)
    line_item, result = first.line_items[0].plan, first.results[0].plan
    held = snapshot({line_item.sourced_id: line_item.body}, {result.sourced_id: result.body})
    removed = batch(assessment(state="deleted"))
    deleting = replace(CTX, delete_removed=True)
    assert roster_needs(removed, {}, deleting).sections == {SECTION}
    (candidate,) = decide_batch(removed, held, {}, deleting).removals
    assert (candidate.line_item_id, candidate.section_id, candidate.reason) == \
        (line_item.sourced_id, SECTION, Reason.ASSESSMENT_DELETED)
    assert decide_batch(removed, snapshot(), {}, deleting).decided[0].reason is Reason.ASSESSMENT_DELETED, \
        "nothing held: nothing to remove"
    kept = decide_batch(removed, held, {}, CTX)
    assert kept.removals == [] and [o.reason for o in kept.decided] == [Reason.ASSESSMENT_DELETED]


def test_a_score_whose_assessment_never_arrived_is_decided_against_the_held_line_item_at_the_end() -> None:
    first = decide_batch(batch(assessment()), snapshot(), {}, CTX)
    line_item = first.line_items[0].plan
    alone = Batch(scores=[(5, score("u2", points=9))])
    sent = decide_batch(alone, snapshot({line_item.sourced_id: line_item.body}, {}), {}, CTX, held_fallback=True)
    assert [(w.position, w.plan.line_item_id, w.plan.body["score"]) for w in sent.results] == \
        [(5, line_item.sourced_id, 9.0)]
    unknown = decide_batch(alone, snapshot(), {}, CTX, held_fallback=True)
    assert [(o.position, o.reason) for o in unknown.decided] == [(5, Reason.ASSESSMENT_NOT_FOUND)]


def test_a_section_the_snapshot_was_not_loaded_for_is_an_error_not_a_silent_read() -> None:
    with pytest.raises(KeyError):
        decide_batch(batch(assessment(section_id="s2")), snapshot(), {}, CTX)
