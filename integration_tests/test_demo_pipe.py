"""The demo's pipe (`campus_demo.passback_run.run_sync`) as the platform runs a sync, with a stand-in Otus source.

The stand-in is a small Airbyte source executable (discover, read) printing protocol lines, the
way a third-party source would, so the pipe can be tried with a source that completes and one that
dies mid-stream. The destination is the real console script against the sandbox. The platform
sends the destination COMPLETE stream statuses only after a source that exited cleanly
(airbytehq/airbyte-platform,
airbyte-commons-worker/src/main/kotlin/io/airbyte/workers/helper/StreamStatusCompletionTracker.kt),
so the pipe passes the statuses on, and a source that fails must not look like one that finished.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from campus_demo.passback_run import OtusSource, run_sync
from destination_campus_grades.plan import line_item_id, namespace_of
from integration_tests.destination_cli import run_destination
from otus_export import bulk_export

SOURCE = '''#!{python}
import json, sys
lines = json.load(open({lines!r}))
dumps = lambda message: json.dumps(message, separators=(",", ":"))
if sys.argv[1] == "discover":
    print(dumps({{"type": "CATALOG", "catalog": {{"streams": [
        {{"name": n, "json_schema": {{}}, "supported_sync_modes": ["full_refresh"]}} for n in ("assessments", "scores")]}}}}))
    sys.exit(0)
for line in lines["out"]:
    print(dumps(line), flush=True)
sys.exit(lines["exit"])
'''


def status(name: str, value: str) -> dict:
    return {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": 0, "stream_status": {
        "stream_descriptor": {"name": name}, "status": value}}}


def otus_source(tmp_path: Path, records: list, *, dies: bool) -> OtusSource:
    """A source printing the records (assessments first) and its statuses; `dies`: it fails after
    the assessments began, without completing them, as a source that loses its connection."""
    out = [status("assessments", "STARTED")]
    out += [{"type": "RECORD", "record": {"stream": s, "data": r, "emitted_at": 0}} for s, r in records]
    out.append({"type": "STATE", "state": {"type": "STREAM", "stream": {"stream_descriptor": {"name": "assessments"},
                                                                         "stream_state": {"n": 1}}}})
    if dies:
        out.append({"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": 0,
                                               "error": {"message": "connection lost", "failure_type": "system_error"}}})
    # a source that exits cleanly: the pipe reports its streams COMPLETE, as the platform does
    tmp_path.mkdir()
    (tmp_path / "lines.json").write_text(json.dumps({"out": out, "exit": 1 if dies else 0}))
    executable = tmp_path / "source-otus-stand-in"
    executable.write_text(SOURCE.format(python=sys.executable, lines=str(tmp_path / "lines.json")))
    executable.chmod(0o755)
    return OtusSource(executable, {}, {"assessments": "assessments", "scores": "scores"})


def test_the_pipe_forwards_statuses_and_a_dying_source_deletes_nothing(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=2, assessments_per_section=4))
    config = sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago",
                                       removal_policy="delete", vendor_namespace="otus.demo.pipe")
    assert run_destination(config, records, tmp_path).report["totals"]["created"] == 12
    gone = line_item_id(namespace_of("otus.demo.pipe"), "bulk-3", records[0][1]["section_id"])
    remaining = [(s, r) for s, r in records if r["assessment_id"] != "bulk-3"]
    died = run_sync(config, otus_source(tmp_path / "dies", remaining, dies=True), tmp_path / "run1", run_label="1")
    assert "the Otus source failed: connection lost" in died.errors
    assert gone in sandbox.state.line_items and sandbox.stats.deletes == 0
    assert died.report["reasons"]["removal_stream_not_complete"]["count"] == 1
    assert died.report["input"]["ignored"] == 4, "STARTED, the ERROR trace, and the INCOMPLETE statuses were forwarded"
    completed = run_sync(config, otus_source(tmp_path / "ok", remaining, dies=False), tmp_path / "run2", run_label="2")
    assert completed.succeeded, completed.errors
    assert gone not in sandbox.state.line_items and completed.report["deleted"]["count"] == 1
