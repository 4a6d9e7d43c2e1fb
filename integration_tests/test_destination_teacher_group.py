"""The Gradebook Passback Teacher Group as Otus data (`teacher_group.py`), through the console script.

When the connection carries a `teacher_group` stream it is rule 4's group: a member added in Otus
passes back from the next sync, a removed one stops, an empty complete group lets nobody pass (and
the report says so first), the `passback_teacher_group` setting is then ignored (and the report
says so), and a member id that is no Campus user, or a student's, is reported once with its own
reason. The group must be whole before an assessment is decided: whatever order the records and
states arrive in, the outcome is the same and every state is echoed once what precedes it is
settled (Airbyte's rule for destinations, airbytehq/airbyte `docs/understanding-airbyte/airbyte-protocol.md`,
"State & Checkpointing": a destination emits a state once all records before it are committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

from campus_oneroster.client import OneRosterClient
from destination_campus_grades.input import RecordLine, StateLine
from destination_campus_grades.passback import Passback
from destination_campus_grades.plan import line_item_id, namespace_of, score_result_id
from destination_campus_grades.reasons import Outcome
from destination_campus_grades.routing import StreamRoutes
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE, DestinationConfig
from integration_tests.destination_cli import ROLES, run_destination
from integration_tests.destination_cli import catalog as catalog_of
from integration_tests.test_destination_disappeared import stream_status
from otus_export.bulk import bulk_export
from otus_export.sample import NOT_A_CAMPUS_USER, PASSBACK_START_DATE, group_member

STREAMS = (*ROLES, "teacher_group")
START = {"passback_start_date": PASSBACK_START_DATE.isoformat(), "district_time_zone": "America/Chicago"}
NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)


def two_sections(district) -> tuple[list, list, tuple[str, str]]:
    """One assessment with two scores in each of two sections with different teachers."""
    records = list(bulk_export(district, sections=2, students_per_section=2, assessments_per_section=1))
    sections = [r for s, r in records if s == "assessments"]
    first, second = [r for r in records if r[1]["section_id"] == sections[0]["section_id"]], \
        [r for r in records if r[1]["section_id"] == sections[1]["section_id"]]
    teachers = (sections[0]["assigned_by"], sections[1]["assigned_by"])
    assert teachers[0] != teachers[1]
    return first, second, teachers


def held_line_item(sandbox, section: list) -> dict | None:
    assessment = next(r for s, r in section if s == "assessments")
    return sandbox.state.line_items.get(line_item_id(NAMESPACE, assessment["assessment_id"], assessment["section_id"]))


ORDERS = {
    # the group first, then everything else
    "group_first": lambda group, rest: [*group, *rest],
    # everything else first: assessments and grades wait (unsettled) until the input ends
    "group_last": lambda group, rest: [*rest, *group],
    # the members after some records, the group's COMPLETE status before the others (with a state
    # every fifth line, the members are still pending when the COMPLETE arrives)
    "interleaved": lambda group, rest: [*rest[:2], *group, (None, stream_status("teacher_group", "COMPLETE")),
                                        *rest[2:]],
}


@pytest.mark.parametrize("order", [pytest.param("group_first", marks=pytest.mark.soak), "group_last", "interleaved"])
def test_the_group_from_the_stream_decides_rule_4_in_any_order(make_sandbox, tmp_path: Path, order: str) -> None:
    sandbox = make_sandbox("tiny")
    first, second, (teacher, other) = two_sections(sandbox.district)
    group = [group_member(teacher, 1), group_member("a9", 2)]  # an administrator may be a member too
    records = ORDERS[order](group, first + second)
    every = 5 if order == "interleaved" else 1
    run = run_destination(sandbox.connection_config(**START), records, tmp_path, state_every=every, streams=STREAMS)
    assert run.returncode == 0, run.stderr[-2000:]
    report = run.report
    assert report["teacher_group"] == {"source": "stream", "streams": ["teacher_group"], "members": 2,
                                       "setting_ignored": False, "complete": True}
    assert report["by_role"]["teacher_group"] == {"used": 2} and not report["notices"]
    assert held_line_item(sandbox, first) is not None and held_line_item(sandbox, second) is None
    assert run.reason_count("teacher_not_in_group") == 3  # the other teacher's assessment and its two scores
    assert len(run.states) == len(records) // every + 1  # every state sent, and the last: all echoed
    scores = sum(1 for stream, _ in records if stream == "scores")  # the states are the scores stream's
    assert sum(s["destinationStats"]["recordCount"] for s in run.states) == scores


def test_a_member_added_in_otus_passes_back_and_a_removed_one_stops(make_sandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox("tiny")
    first, second, (teacher, other) = two_sections(sandbox.district)
    config = sandbox.connection_config(**START)
    run_destination(config, [group_member(teacher)] + first + second, tmp_path, streams=STREAMS)
    assert held_line_item(sandbox, first) is not None and held_line_item(sandbox, second) is None
    # next night: Otus admins swapped the teachers in the group; a regrade arrives in the first section
    regraded = [(s, {**r, "points": 1} if s == "scores" else r) for s, r in first]
    run = run_destination(config, [group_member(other)] + regraded + second, tmp_path, streams=STREAMS)
    assert run.returncode == 0, run.stderr[-2000:]
    assert held_line_item(sandbox, second) is not None  # added: passes back from this sync
    score = next(r for s, r in first if s == "scores")
    held = sandbox.state.results[score_result_id(NAMESPACE, score["assessment_id"], score["section_id"],
                                                 score["student_id"])]
    assert held["score"] == score["points"]  # removed: the regrade is not passed back
    assert run.reason_count("teacher_not_in_group") == 3


def test_an_empty_complete_group_lets_nobody_pass_and_says_so_first(make_sandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox("tiny")
    first, second, _ = two_sections(sandbox.district)
    run = run_destination(sandbox.connection_config(**START), first + second, tmp_path, streams=STREAMS,
                          trailer=[stream_status("teacher_group", "COMPLETE")])
    assert run.returncode == 0, run.stderr[-2000:]
    assert sandbox.stats.puts == 0
    assert run.report["totals"]["skipped_by_rule"] == len(first + second)
    (notice,) = run.report["notices"]
    assert "arrived complete and empty, so nobody passes back" in notice
    head = run.logs.index("Passback report")
    assert run.logs[head - 1] == f"NOTICE: {notice}"  # the report's first line
    assert "is empty: nobody passes back" in run.report["reasons"]["teacher_not_in_group"]["examples"][0]["detail"]


def test_with_both_the_stream_wins_and_bad_member_ids_are_reported_once(make_sandbox, tmp_path: Path) -> None:
    """The group stream named by stream_roles (a view passback_group_v) against the setting, with a
    member id that is no Campus user (sent twice: the last copy counts) and a student's."""
    sandbox = make_sandbox("tiny")
    first, second, (teacher, other) = two_sections(sandbox.district)
    config = sandbox.connection_config(**START, passback_teacher_group=[other],
                                       stream_roles=[{"stream": "passback_group_v", "role": "teacher_group"}])
    student = next(r for s, r in first if s == "scores")["student_id"]
    members = [("passback_group_v", group_member(user_id, n)[1]) for user_id, n in
               ((teacher, 1), (NOT_A_CAMPUS_USER, 2), (student, 3), (NOT_A_CAMPUS_USER, 2))]
    run = run_destination(config, members + first + second, tmp_path, streams=(*ROLES, "passback_group_v"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert held_line_item(sandbox, first) is not None and held_line_item(sandbox, second) is None
    assert run.report["teacher_group"]["setting_ignored"] is True and run.report["teacher_group"]["members"] == 1
    assert any("passback_teacher_group (1 ids) was ignored" in n for n in run.report["notices"])
    assert "passback_teacher_group was ignored" in "\n".join(run.logs)
    reasons = run.report["reasons"]
    assert reasons["group_member_not_in_campus"]["count"] == 1 and reasons["group_member_is_student"]["count"] == 1
    assert reasons["group_member_not_in_campus"]["examples"][0]["otus_id"] == f"user_id={NOT_A_CAMPUS_USER}"
    assert run.reason_count("superseded") == 1
    assert "Sample Teacher" not in "\n".join(run.logs)  # names stay in Otus


def test_an_incremental_group_stream_is_refused_before_anything_is_read(sandbox, tmp_path: Path) -> None:
    run = run_destination(sandbox.connection_config(**START), [group_member("t2001")], tmp_path,
                          streams=STREAMS, mode="incremental")
    assert run.returncode != 0
    (error,) = run.errors
    assert error["failure_type"] == "config_error" and "configured incremental" in error["message"]
    assert sandbox.stats.requests == 0


def test_records_held_for_a_group_sent_last_spill_and_still_pass_back(sandbox) -> None:
    """The group last, with a memory bound of 4: the assessments and grades held for it spill to disk,
    no state is echoable before the group is complete, and everything passes back in order after."""
    records = list(bulk_export(sandbox.district, sections=2, students_per_section=3, assessments_per_section=3))
    teachers = sorted({r["assigned_by"] for s, r in records if s == "assessments"})
    ordered = records + [group_member(t, n) for n, t in enumerate(teachers, start=1)]
    config = DestinationConfig.model_validate(sandbox.connection_config(**START))
    catalog = ConfiguredAirbyteCatalogSerializer.load(catalog_of(STREAMS))
    echoed = []
    with OneRosterClient(config) as client:
        run = Passback(config, client, StreamRoutes.of(config, catalog), batch_size=5, waiting_in_memory=4)
        try:
            for number, (stream, data) in enumerate(ordered, start=1):
                run.record(RecordLine(number, stream, None, data))
                run.state(StateLine(number, None, number))
                echoed += run.ledger.echoable()
            assert echoed == [], "a state was echoable before the group was complete"
            for _ in run.finish():
                echoed += run.ledger.echoable()
        finally:
            run.close()
    assert [state for state, _ in echoed] == list(range(1, len(ordered) + 1))
    assert run.report.totals[Outcome.CREATED] == len(records) and run.report.totals[Outcome.USED] == len(teachers)
    assert len(sandbox.state.results) == 2 * 3 * 3
