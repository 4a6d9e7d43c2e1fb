"""Re-runs, dry runs, regrades, reopened windows, removals and the state echo, against the sandbox.

What the nightly full refresh relies on: the same input twice writes nothing the second time
(only what Campus refused is tried again), a regrade writes exactly one result, a score refused
for a closed window passes back by itself once the window reopens, and a state is echoed only
after everything before it is decided.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Iterator

from airbyte_cdk.models import AirbyteMessage, AirbyteMessageSerializer, ConfiguredAirbyteCatalogSerializer, Type

from campus_oneroster.client import OneRosterClient
from campus_sandbox import calendar
from destination_campus_grades.destination import DestinationCampusGrades
from destination_campus_grades.input import RecordLine, StateLine
from destination_campus_grades.passback import Passback
from destination_campus_grades.reasons import Outcome
from destination_campus_grades.routing import StreamRoutes
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE, DestinationConfig
from integration_tests.destination_cli import catalog, run_destination, state_message
from integration_tests.test_destination_rules import campus_ids
from otus_export import bulk_export, sample_export


def test_rerun_of_the_same_input_makes_no_write(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=4, students_per_section=10, assessments_per_section=2))
    config = sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago")
    first = run_destination(config, records, tmp_path, state_every=25)
    assert first.report["totals"]["created"] == 4 * 2 + 4 * 2 * 10
    assert sandbox.stats.puts == 88 and first.report["writes"] == {"PUT": 88}
    assert len(sandbox.state.line_items) == 8 and len(sandbox.state.results) == 80
    second = run_destination(config, records, tmp_path, state_every=25)
    assert sandbox.stats.puts == 88, "the unchanged re-run wrote something"
    assert second.report["totals"]["unchanged"] == 88 and second.report["writes"] == {}
    assert len(second.states) == len(first.states) == 4


def test_rerun_of_the_sample_retries_only_what_campus_refused(sandbox, tmp_path: Path) -> None:
    export = sample_export(sandbox.district)
    config = sandbox.connection_config(**export.config_values())
    first = run_destination(config, export.records, tmp_path)
    puts = sandbox.stats.puts
    run_destination(config, export.records, tmp_path)
    window_refusals = first.reason_count("grading_window_closed")
    assert window_refusals == 3  # the Q1 lineItem (its score is refused with it, unsent) and a Q1 grade
    assert sandbox.stats.puts - puts == 2, "only the lineItem and the grade Campus refused are tried again"


def test_dry_run_writes_nothing_and_decides_the_same(make_sandbox, tmp_path: Path) -> None:
    real_sb, dry_sb = make_sandbox("tiny"), make_sandbox("tiny")
    export = sample_export(real_sb.district)
    real = run_destination(real_sb.connection_config(**export.config_values()), export.records, tmp_path)
    dry = run_destination(dry_sb.connection_config(**export.config_values(), dry_run=True), export.records, tmp_path)
    assert dry_sb.stats.puts == 0 and dry_sb.stats.deletes == 0 and not dry_sb.state.results
    assert dry.report["dry_run"] is True
    decided = {code: entry["count"] for code, entry in dry.report["reasons"].items()
               if code != "refusal_not_predictable"}
    expected = {code: entry["count"] for code, entry in real.report["reasons"].items()
                if code != "grading_window_closed"}
    assert decided == expected, "the dry run predicts every refusal but a closed grading window"
    assert decided["due_date_outside_term"] == 2 and decided["score_not_in_score_group"] == 1
    # A closed grading window cannot be read through OneRoster 1.1: the dry run counts it as a write,
    # and says for every would-be write that Campus may still refuse it.
    window = real.reason_count("grading_window_closed")
    assert dry.report["totals"]["created"] == real.report["totals"]["created"] + window
    assert dry.reason_count("refusal_not_predictable") == dry.report["totals"]["created"]
    assert len(dry.states) == len(real.states)


def test_regrade_updates_exactly_one_result(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=2, students_per_section=5, assessments_per_section=1))
    config = sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago")
    run_destination(config, records, tmp_path)
    puts = sandbox.stats.puts
    regraded = copy.deepcopy(records)
    score = next(r for s, r in regraded if s == "scores")
    score["points"] = (score["points"] + 1) % 21
    second = run_destination(config, regraded, tmp_path)
    assert sandbox.stats.puts - puts == 1
    assert second.report["totals"]["updated"] == 1
    assert score["points"] in [r["score"] for r in sandbox.state.results.values()]


def test_reopened_window_sends_the_refused_score_on_the_next_full_refresh(sandbox, tmp_path: Path) -> None:
    export = sample_export(sandbox.district)
    config = sandbox.connection_config(**export.config_values())
    first = run_destination(config, export.records, tmp_path)
    line_item, _ = campus_ids(export.cases["closed_window"])
    _, grade_result = campus_ids(export.cases["grade:closed_window"])
    assert first.reason_count("grading_window_closed") == 3
    assert line_item not in sandbox.state.line_items and grade_result not in sandbox.state.results
    sandbox.set_grading_window(calendar.Q1_ID, True)
    second = run_destination(config, export.records, tmp_path)
    assert second.reason_count("grading_window_closed") == 0
    assert line_item in sandbox.state.line_items and grade_result in sandbox.state.results
    closed_scores = [rid for rid, r in sandbox.state.results.items() if r["lineItem"]["sourcedId"] == line_item]
    assert len(closed_scores) == 1
    assert second.report["totals"]["created"] == 3


def test_removal_policy_delete_removes_what_was_passed_back(sandbox, tmp_path: Path) -> None:
    export = sample_export(sandbox.district)
    config = sandbox.connection_config(**export.config_values())
    run_destination(config, export.records, tmp_path)
    line_item, _ = campus_ids(export.cases["points"])
    held_results = [rid for rid, r in sandbox.state.results.items() if r["lineItem"]["sourcedId"] == line_item]
    assert len(held_results) == 4
    removed = copy.deepcopy(export.records)
    next(r for s, r in removed if s == "assessments" and r.get("assessment_id") == "points")["state"] = "deleted"
    kept = run_destination(config, removed, tmp_path)
    assert line_item in sandbox.state.line_items and kept.report["totals"]["deleted"] == 0
    deleted = run_destination({**config, "removal_policy": "delete", "vendor_namespace": DEFAULT_VENDOR_NAMESPACE,
                               "max_removals_percent": 100}, removed, tmp_path)
    assert line_item not in sandbox.state.line_items
    assert not set(held_results) & set(sandbox.state.results)
    assert deleted.report["totals"]["deleted"] == 1 and sandbox.stats.deletes == 5
    assert deleted.report["writes"]["DELETE"] == 5
    assert deleted.report["deleted"]["by_cause"] == {"assessment_deleted": {"count": 1, "line_items": [line_item]}}


def test_state_after_a_waiting_score_is_held_until_its_assessment_is_written(sandbox) -> None:
    export = sample_export(sandbox.district)
    case = export.cases["spring_score_first"]
    score = next(r for s, r in export.records if s == "scores" and r["assessment_id"] == "spring_score_first")
    consumed: list[int] = []

    def messages() -> Iterator[AirbyteMessage]:
        stream = [("scores", score), "state", case.subject, "state"]
        for n, item in enumerate(stream):
            consumed.append(n)
            if item == "state":
                yield AirbyteMessageSerializer.load(state_message(n))
            else:
                yield AirbyteMessageSerializer.load({"type": "RECORD", "record": {
                    "stream": item[0], "data": item[1], "emitted_at": 0}})

    config = sandbox.connection_config(**export.config_values())
    output = DestinationCampusGrades().write(config, ConfiguredAirbyteCatalogSerializer.load(catalog()), messages())
    echoed_after = []
    for message in output:
        if message.type == Type.STATE:
            echoed_after.append(len(consumed))
            assert len(sandbox.state.results) == 1, "a state was echoed before the waiting score was written"
    assert echoed_after == [4, 4]


def test_incremental_score_without_its_assessment_updates_campus(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=3, assessments_per_section=1))
    config = sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago")
    run_destination(config, records, tmp_path)
    changed = copy.deepcopy(next(r for s, r in records if s == "scores"))
    changed["points"] = 20 - changed["points"]
    orphan = {**changed, "assessment_id": "never-passed-back"}
    incremental = run_destination(config, [("scores", changed), ("scores", orphan)], tmp_path)
    assert incremental.report["by_role"]["scores"] == {"updated": 1, "invalid_input": 1}
    assert incremental.reason_count("assessment_not_found") == 1
    assert changed["points"] in [r["score"] for r in sandbox.state.results.values()]


def test_scores_before_every_assessment_spill_and_still_pass_back(sandbox) -> None:
    records = list(bulk_export(sandbox.district, sections=3, students_per_section=10, assessments_per_section=2))
    scores_first = [r for r in records if r[0] == "scores"] + [r for r in records if r[0] == "assessments"]
    config = DestinationConfig.model_validate(sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago"))
    echoed = []
    with OneRosterClient(config) as client:
        run = Passback(config, client, StreamRoutes.of(config), batch_size=10, waiting_in_memory=8)
        try:
            for number, (stream, data) in enumerate(scores_first, start=1):
                run.record(RecordLine(number, stream, None, data))
                run.state(StateLine(number, None, number))
                echoed += run.ledger.echoable()
            assert echoed == [], "a state was echoable before the spilled scores were written"
            for _ in run.finish():
                echoed += run.ledger.echoable()
        finally:
            run.close()
    assert [state for state, _ in echoed] == list(range(1, 67))
    assert sum(stats.record_count + stats.rejected_count for _, stats in echoed) == 66
    assert run.report.totals[Outcome.CREATED] == 66 and sum(run.report.totals.values()) == 66
    assert len(sandbox.state.results) == 60
