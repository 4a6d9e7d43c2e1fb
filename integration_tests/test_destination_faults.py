"""Faults and crashes: Campus ends exactly as after a clean run, with nothing duplicated.

- every fault the sandbox injects at once (5xx before and after the write, dropped connections,
  429 with Retry-After, tokens expiring mid-run): same gradebook as a fault-free run;
- a transient failure that outlives the retries fails the sync before the next state, with a
  partial report;
- a write killed with SIGKILL halfway, re-run from the last state it echoed: same gradebook.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, ConfiguredAirbyteCatalogSerializer, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from campus_sandbox.options import Faults
from destination_campus_grades.destination import DestinationCampusGrades
from destination_campus_grades.report import parse_report_line
from integration_tests.destination_cli import (
    SCRIPT, campus_snapshot, catalog, protocol_lines, run_destination, secrets_of, write_files,
)
from otus_export import bulk_export, sample_export

PATIENT = {"max_retries": 15, "retry_base_seconds": 0.01, "max_concurrent_requests": 4}


def mixed_export(district, sections: int, assessments: int) -> list[tuple[str, dict]]:
    """The sample (every rule and refusal) followed by a bulk export of 10 students per section."""
    export = sample_export(district)
    bulk = bulk_export(district, sections=sections, students_per_section=10, assessments_per_section=assessments)
    return export.records + list(bulk)


@pytest.mark.parametrize(("size", "sections", "assessments"), [
    ("tiny", 4, 2),  # ~140 records
    pytest.param("small", 60, 5, marks=pytest.mark.soak),  # ~3,400 records
])
def test_faults_end_identical_to_a_fault_free_run(make_sandbox, tmp_path: Path, size: str, sections: int,
                                                   assessments: int) -> None:
    clean = make_sandbox(size)
    faulty = make_sandbox(size, faults=Faults(rate_500_before_write=0.15, rate_500_after_write=0.05, rate_drop=0.05,
                                                rate_429=0.10, retry_after_seconds=0.01, token_expiry_after_requests=40,
                                                seed=11))
    records = mixed_export(clean.district, sections, assessments)
    settings = {**sample_export(clean.district).config_values(), "passback_teacher_group": [], **PATIENT}
    reference = run_destination(clean.connection_config(**settings), records, tmp_path, state_every=30)
    faulty_config = faulty.connection_config(**settings)
    faulted = run_destination(faulty_config, records, tmp_path, state_every=30)
    assert faulted.returncode == 0, faulted.stderr[-2000:]
    output = json.dumps(faulted.messages) + faulted.stderr  # retries and token renewals are logged
    assert "retry" in output and not [s for s in secrets_of(faulty_config) if s in output]
    assert faulty.stats.by_status.get(500, 0) > 5 and faulty.stats.by_status.get(429, 0) > 5
    assert campus_snapshot(faulty) == campus_snapshot(clean)
    assert faulted.report["totals"] == reference.report["totals"]
    assert [s for s in faulted.states] == [s for s in reference.states]


def test_failure_outliving_the_retries_fails_before_the_next_state(sandbox) -> None:
    records = list(bulk_export(sandbox.district, sections=2, students_per_section=5, assessments_per_section=1))
    config = sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago", max_retries=1, retry_base_seconds=0)
    messages = [AirbyteMessageSerializer.load(json.loads(line)) for line in protocol_lines(records, state_every=6)]
    output = DestinationCampusGrades().write(config, ConfiguredAirbyteCatalogSerializer.load(catalog()), iter(messages))
    echoed, logs = [], []
    with pytest.raises(AirbyteTracedException) as failure:
        for message in output:
            if message.type == Type.STATE:
                echoed.append(message)
                sandbox.faults.set(rate_500_before_write=1.0)  # Campus goes down after the first state
            elif message.type == Type.LOG:
                logs.append(message.log.message)
    assert len(echoed) == 1
    assert failure.value.failure_type.value == "transient_error"
    assert "Passback stopped before the end" in failure.value.message
    (report,) = [r for r in map(parse_report_line, logs) if r]
    assert report["partial"] is True and "500" in report["error"]
    assert report["totals"]["created"] == 6


def test_killed_write_resumed_from_the_last_state_ends_identical(make_sandbox, tmp_path: Path) -> None:
    reference, crashed = make_sandbox("tiny"), make_sandbox("tiny", faults=Faults(latency_ms=15))
    # No orphan score here: a score waiting for its assessment would hold every state to the end.
    records = list(bulk_export(reference.district, sections=6, students_per_section=10, assessments_per_section=2))
    settings = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}
    run_destination(reference.connection_config(**settings), records, tmp_path)
    config_path, catalog_path = write_files(tmp_path, crashed.connection_config(**settings))
    process = subprocess.Popen([str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def feed() -> None:
        try:
            for line in protocol_lines(records, state_every=10):
                process.stdin.write(line + "\n")
            process.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    last_position = 0
    for line in process.stdout:
        message = json.loads(line)
        if message["type"] == "STATE":
            # the first echoed state: the batch after it is being written (batches grow to what
            # arrived while the previous one was written, so a later state may cover everything)
            last_position = message["state"]["stream"]["stream_state"]["position"]
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    feeder.join(timeout=10)
    assert process.returncode == -signal.SIGKILL and 0 < last_position < len(records)
    assert campus_snapshot(crashed) != campus_snapshot(reference)
    crashed.faults.clear()
    resumed = run_destination(crashed.connection_config(**settings), records[last_position:], tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert campus_snapshot(crashed) == campus_snapshot(reference)
