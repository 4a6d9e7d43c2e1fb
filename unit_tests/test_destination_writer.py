"""`writer.py` against a sandbox on loopback: lineItems first, then their results, Campus's refusals as outcomes.

The plans are the decision step's own (`decide.py`) for the sample export's "points" assessment and
its scores; every test writes, so each has its own sandbox.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import pytest

from campus_oneroster.client import OneRosterClient
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.decide import Batch, BatchPlan, DecisionContext, decide_batch, roster_needs
from destination_campus_grades.passback import decision_context
from destination_campus_grades.reasons import Outcome
from destination_campus_grades.records import Assessment, Score, parse_record
from destination_campus_grades.roster import RosterReader
from destination_campus_grades.spec import DestinationConfig
from destination_campus_grades.writer import GradebookWriter
from otus_export.sample import sample_export


@pytest.fixture
def campus(sandbox: CampusSandbox) -> Iterator[tuple[CampusSandbox, DecisionContext, OneRosterClient]]:
    config = DestinationConfig.model_validate(sandbox.connection_config(**sample_export(sandbox.state.district).config_values()))
    with OneRosterClient(config) as client:
        yield sandbox, decision_context(config), client


def points_case(sandbox: CampusSandbox, ctx: DecisionContext, client: OneRosterClient) -> BatchPlan:
    batch = Batch()
    export = sample_export(sandbox.state.district)
    for position, (stream, data) in enumerate(export.records):
        record, _ = parse_record(stream, data)
        if isinstance(record, (Assessment, Score)) and record.assessment_id == "points":
            (batch.assessments if isinstance(record, Assessment) else batch.scores).append((position, record))
    snapshot = RosterReader(client).snapshot(roster_needs(batch, {}, ctx))
    plan = decide_batch(batch, snapshot, {}, ctx)
    assert len(plan.line_items) == 1 and len(plan.results) >= 4
    return plan


def test_every_work_item_is_written_line_items_before_their_results(campus) -> None:
    """Campus refuses a result whose lineItem it does not hold, so results written prove the order."""
    sandbox, ctx, client = campus
    plan = points_case(sandbox, ctx, client)
    done = GradebookWriter(client, dry_run=False).write(plan.line_items, plan.results, [])
    work = plan.line_items + plan.results
    assert sorted(o.position for o in done.outcomes) == sorted(w.position for w in work)
    assert {o.outcome for o in done.outcomes} == {Outcome.CREATED} and done.refused_line_items == {}
    assert sandbox.stats.puts == len(work)
    assert {w.sourced_id for w in done.written} == {w.plan.sourced_id for w in work}
    assert plan.line_items[0].plan.sourced_id in sandbox.state.line_items
    assert {w.plan.sourced_id for w in plan.results} <= set(sandbox.state.results)


def test_a_refused_line_item_refuses_its_results_unsent_and_is_keyed_by_its_assessment(campus) -> None:
    sandbox, ctx, client = campus
    plan = points_case(sandbox, ctx, client)
    (work,) = plan.line_items
    missing = {"href": "http://127.0.0.1/categories/none", "sourcedId": "no-such-category", "type": "category"}
    refused = replace(work, plan=replace(work.plan, body={**work.plan.body, "category": missing}))
    done = GradebookWriter(client, dry_run=False).write([refused], plan.results, [])
    assert sandbox.stats.puts == 1, "the results of a refused lineItem are never sent"
    (refusal,) = done.refused_line_items.values()
    assert list(done.refused_line_items) == [(work.plan.assessment_id, work.plan.section_id)]
    assert "category 'no-such-category' does not exist" in refusal.description
    assert {(o.outcome, o.reason) for o in done.outcomes} == {(Outcome.REFUSED_BY_CAMPUS, refusal.reason)}
    assert len(done.outcomes) == 1 + len(plan.results) and done.written == []


def test_a_dry_run_reports_the_same_outcomes_without_a_request(campus) -> None:
    sandbox, ctx, client = campus
    plan = points_case(sandbox, ctx, client)
    sent_before = client.requests.total
    done = GradebookWriter(client, dry_run=True).write(plan.line_items, plan.results, [])
    assert {o.outcome for o in done.outcomes} == {Outcome.CREATED}
    assert len(done.outcomes) == len(plan.line_items) + len(plan.results)
    assert client.requests.total == sent_before and sandbox.stats.puts == 0
