"""Every input line accounted for, through the console script against the sandbox.

One test per way the platform's input can go wrong: unusable lines (each its own reason code, by
line number, never by content), duplicates (the last record wins), ids and numbers from typed
sources, a sync that maps nothing, scores without their assessments, a section the key may not
see, destinationStats on every echoed state, and a state after every record (batching unchanged).
Each checks what Campus holds and what the report counts.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Iterable

from destination_campus_grades.plan import namespace_of, score_result_id
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import (
    ROLES, SCRIPT, DestinationRun, catalog, parse_messages, protocol_lines, run_destination, state_message,
)
from otus_export import bulk_export

NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)
START = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}


def record_line(stream: str, data) -> bytes:
    return json.dumps({"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 0}}).encode()


def state_line(position: int) -> bytes:
    return json.dumps(state_message(position)).encode()


def run_lines(config: dict, lines: Iterable[bytes], tmp_path: Path, *, streams: Iterable[str] = ROLES,
              final_newline: bool = True) -> DestinationRun:
    """The console script with these exact bytes on stdin, one line each."""
    config_path, catalog_path = tmp_path / "config.json", tmp_path / "catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(catalog(streams)))
    stdin = b"\n".join(lines) + (b"\n" if final_newline else b"")
    done = subprocess.run([str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
                          input=stdin, capture_output=True, timeout=300)
    return DestinationRun(done.returncode, parse_messages(done.stdout.decode()), done.stderr.decode())


def accounted(report: dict) -> int:
    """Outcomes in the report: created + updated + unchanged + deleted + skipped + refused + invalid."""
    return sum(report["totals"].values())


def test_every_unusable_line_is_one_invalid_line_by_number_and_the_sync_goes_on(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=4, assessments_per_section=1))
    assessment, scores = records[0], records[1:]
    secret_student = "A comment, never logged"  # content of the bad lines: a comment
    bad_score = {**scores[0][1], "student_id": "s-another", "comment": secret_student}
    text = json.dumps({"type": "RECORD", "record": {"stream": "scores", "data": bad_score, "emitted_at": 0}})
    lines = [
        record_line(*assessment),                                                    # 1
        b"\xef\xbb\xbf" + record_line(*scores[0]),                                   # 2 a BOM: read
        text.replace('"points": ' + json.dumps(bad_score["points"]), '"points": NaN').encode(),        # 3
        text.replace('"points": ' + json.dumps(bad_score["points"]), '"points": Infinity').encode(),   # 4
        text.replace(secret_student, "\\ud800").encode(),                            # 5 lone surrogate
        text.replace(secret_student, "\u00ff").encode().replace(b"\xc3\xbf", b"\xff"),    # 6 invalid UTF-8
        json.dumps([bad_score]).encode(),                                            # 7 a JSON array
        json.dumps(secret_student).encode(),                                         # 8 a JSON string
        record_line("scores", None),                                                 # 9 data null
        record_line("scores", [bad_score]),                                          # 10 data a list
        json.dumps({"type": "RECORD"}).encode(),                                     # 11 RECORD without record
        json.dumps({"type": "STATE"}).encode(),                                      # 12 STATE without state
        json.dumps({"type": "LOG", "log": {"level": "INFO", "message": "from the source"}}).encode(),  # 13
        b"",                                                                         # 14 blank
        record_line("otus_unknown_view", bad_score),                                 # 15 unmapped
        record_line("scores", {**bad_score, "points": "ten"}),                       # 16 wrong type
        record_line(*scores[1]), record_line(*scores[2]),                            # 17, 18
        state_line(18),                                                              # 19
        record_line(*scores[3]),                                                     # 20
        text.encode()[:40],                                                          # 21 truncated last line
    ]
    run = run_lines(sandbox.connection_config(**START), lines, tmp_path, final_newline=False)
    assert run.returncode == 0, run.stderr[-2000:]
    report = run.report
    assert report["input"] == {"lines": 21, "records": 7, "states": 1, "invalid": 11, "ignored": 2}
    expected = {"line_not_json": 3, "line_not_utf8": 1, "line_not_a_message": 2, "record_data_not_object": 2,
                "record_malformed": 1, "state_malformed": 1, "line_truncated": 1, "stream_not_mapped": 1,
                "wrong_field_type": 1}
    assert {code: run.reason_count(code) for code in expected} == expected
    # received = written + unchanged + skipped + refused + invalid, line for line
    assert accounted(report) == report["input"]["records"] + report["input"]["invalid"] == 18
    assert report["totals"]["created"] == 5 and report["totals"]["invalid_input"] == 13
    examples = [e["otus_id"] for e in report["reasons"]["line_not_json"]["examples"]]
    assert examples == ["line 3", "line 4", "line 5"]
    assert secret_student not in json.dumps(run.messages) + run.stderr
    assert len(sandbox.state.line_items) == 1 and len(sandbox.state.results) == 4
    # the state covers lines 1-18: its scores and the lines that named no stream (a STREAM state
    # counts its own stream; the assessment and the unmapped view are other streams)
    (state,) = run.states
    assert state["destinationStats"] == {"recordCount": 3.0, "rejectedRecordCount": 11.0}


def test_the_last_of_ten_copies_of_a_score_wins_and_the_others_are_superseded(sandbox, tmp_path: Path) -> None:
    (assessment, score) = list(bulk_export(sandbox.district, sections=1, students_per_section=1,
                                           assessments_per_section=1))
    copies = [("scores", {**score[1], "points": points}) for points in (8, 8, 9, 8, 8, 9, 8, 8, 8, 9)]
    run = run_destination(sandbox.connection_config(**START), [assessment, *copies], tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    data = score[1]
    result = sandbox.state.results[score_result_id(NAMESPACE, data["assessment_id"], data["section_id"],
                                                   data["student_id"])]
    assert result["score"] == 9
    assert run.report["by_role"]["scores"] == {"created": 1, "skipped_by_rule": 9}
    assert run.reason_count("superseded") == 9 and sandbox.stats.puts == 2
    # a later copy that is invalid supersedes the valid one: Campus keeps what it held
    again = run_destination(sandbox.connection_config(**START),
                            [assessment, ("scores", {**data, "points": 3}), ("scores", {**data, "points": "ten"})],
                            tmp_path)
    assert again.report["by_role"]["scores"] == {"invalid_input": 1, "skipped_by_rule": 1}
    assert sandbox.state.results[result["sourcedId"]]["score"] == 9


def test_ids_and_numbers_from_typed_sources_are_read_as_their_fields_type(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=3, assessments_per_section=1))
    (_, assessment), scores = records[0], [data for _, data in records[1:]]
    section = assessment["section_id"]
    typed = [("assessments", {**assessment, "section_id": float(section), "points_possible": "20",
                              "include_in_final_grade": "true"}),
             ("scores", {**scores[0], "section_id": f"{section}.000000000", "points": "19.000000000"}),
             ("scores", {**scores[1], "section_id": float(section), "points": 20.0}),
             ("scores", {**scores[2], "points": "ten"})]
    run = run_destination(sandbox.connection_config(**START), typed, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.report["by_role"]["assessments"] == {"created": 1}
    assert run.report["by_role"]["scores"] == {"created": 2, "invalid_input": 1}
    assert run.reason_count("wrong_field_type") == 1 and run.reason_count("assessment_not_found") == 0
    assert run.reason_count("read_leniently") == 3
    (line_item,) = sandbox.state.line_items.values()
    assert line_item["class"]["sourcedId"] == section
    assert sorted(r["score"] for r in sandbox.state.results.values()) == [19, 20]


def test_a_sync_that_maps_no_stream_to_a_role_fails_as_a_configuration_error(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=2, assessments_per_section=1))
    views = [(f"otus_{stream}_v", data) for stream, data in records]
    lines = [json.dumps(line).encode() for line in map(json.loads, protocol_lines(views, state_every=1))]
    by_catalog = run_lines(sandbox.connection_config(**START), lines, tmp_path,
                           streams=["otus_assessments_v", "otus_scores_v"])
    assert by_catalog.returncode != 0
    (error,) = by_catalog.errors
    assert error["failure_type"] == "config_error"
    assert "otus_assessments_v, otus_scores_v" in error["message"] and "stream_roles" in error["message"]
    # the catalog maps, the records do not: no state is confirmed, nothing is written
    by_input = run_lines(sandbox.connection_config(**START), lines, tmp_path)
    (error,) = by_input.errors
    assert by_input.returncode != 0 and error["failure_type"] == "config_error"
    assert "Streams received: otus_assessments_v, otus_scores_v" in error["message"]
    assert by_input.states == [] and by_input.report["totals"]["invalid_input"] == 3
    assert sandbox.stats.puts == 0


def test_scores_without_assessments_in_the_connection_are_not_sent(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=2, assessments_per_section=1))
    config = sandbox.connection_config(**START)
    run_destination(config, records, tmp_path)
    puts = sandbox.stats.puts
    scores = [json.dumps(line).encode() for line in map(json.loads, protocol_lines(
        [("scores", {**data, "points": 1}) for stream, data in records if stream == "scores"]))]
    run = run_lines(config, scores, tmp_path, streams=["scores"])
    (error,) = run.errors
    assert run.returncode != 0 and error["failure_type"] == "config_error"
    assert "no stream of this connection maps to assessments" in error["message"]
    assert "multi-stream file source" in error["message"]
    assert sandbox.stats.puts == puts and run.states == []


def test_a_forbidden_section_is_reported_and_the_others_pass_back(make_sandbox, tmp_path: Path) -> None:
    probe = make_sandbox("tiny")
    records = list(bulk_export(probe.district, sections=2, students_per_section=3, assessments_per_section=1))
    forbidden = records[0][1]["section_id"]
    sb = make_sandbox("tiny", forbidden_sections=frozenset({forbidden}))
    run = run_destination(sb.connection_config(**START), records, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.reason_count("section_forbidden") == 4
    assert run.report["totals"]["refused_by_campus"] == 4 and run.report["totals"]["created"] == 4
    assert {li["class"]["sourcedId"] for li in sb.state.line_items.values()} == {records[4][1]["section_id"]}
    assert len(sb.state.results) == 3
    (state,) = run.states  # a STREAM state of scores: it counts the scores
    assert state["destinationStats"] == {"recordCount": 3.0, "rejectedRecordCount": 3.0}


def test_every_echoed_state_carries_destination_stats(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=2, students_per_section=5, assessments_per_section=1))
    records[3] = ("scores", {**records[3][1], "points": "ten"})
    records[8] = ("scores", {**records[8][1], "student_id": "s-not-enrolled"})
    run = run_destination(sandbox.connection_config(**START), records, tmp_path, state_every=4)
    assert run.returncode == 0, run.stderr[-2000:]
    stats = [state["destinationStats"] for state in run.states]
    assert len(stats) == 4 and all(isinstance(s["recordCount"], float) for s in stats)
    # STREAM states of scores: each counts the scores since the previous one (not the assessments),
    # accepted in recordCount, rejected in rejectedRecordCount
    assert [s["recordCount"] for s in stats] == [2.0, 3.0, 3.0, 0.0]
    assert [s["rejectedRecordCount"] for s in stats] == [1.0, 0.0, 1.0, 0.0]
    assert [state["stream"]["stream_state"] for state in run.states] == [
        {"position": 4}, {"position": 8}, {"position": 12}, {"position": 12}]


def test_a_state_after_every_record_still_writes_in_batches(make_sandbox, tmp_path: Path) -> None:
    batched_sb, each_sb = make_sandbox("tiny"), make_sandbox("tiny")
    for sb in (batched_sb, each_sb):
        sb.faults.set(latency_ms=40)
    records = list(bulk_export(batched_sb.district, sections=4, students_per_section=10, assessments_per_section=1))
    settings = {**START, "max_concurrent_requests": 5}
    batched = run_destination(batched_sb.connection_config(**settings), records, tmp_path)
    each = run_destination(each_sb.connection_config(**settings), records, tmp_path, state_every=1)
    assert each.returncode == 0, each.stderr[-2000:]
    assert each.report["totals"] == batched.report["totals"]
    assert len(each.states) == len(records) + 1
    assert [s["stream"]["stream_state"]["position"] for s in each.states] == [*range(1, 45), 44]
    assert sum(s["destinationStats"]["recordCount"] + s["destinationStats"]["rejectedRecordCount"]
               for s in each.states) == len(records) - 4  # the scores
    # batches are what arrived while the previous one was written, not one record per state
    assert each_sb.stats.peak_concurrent_writes >= 3
    assert sorted(r["score"] for r in each_sb.state.results.values()) == \
        sorted(r["score"] for r in batched_sb.state.results.values())
