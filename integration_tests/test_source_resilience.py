"""Incremental state, shared timestamps, a killed read resumed, capped pages and faults: nothing is lost.

Small pages on the tiny district (groups of three records share one dateLastModified there) make
page boundaries fall inside shared instants and give a few hundred requests, so each test runs in
seconds while exercising the paths a million-record district takes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from integration_tests.source_cli import (  # noqa: F401  (catalog is a fixture)
    ALL_STREAMS,
    SourceRun,
    catalog,
    configured_catalog,
    parse_messages,
    record_keys,
    run_source,
    sandbox_keys,
    seed_gradebook,
    source_args,
    stream_states,
)

ROSTER = {"users": "incremental", "enrollments": "incremental", "classes": "incremental"}


def states_with_records_before(run: SourceRun, stream: str) -> list[tuple[dict, set[str]]]:
    """Each mid-stream STATE of `stream` with the sourcedIds emitted before it."""
    emitted: set[str] = set()
    pairs = []
    for message in run.messages:
        if message["type"] == "RECORD" and message["record"]["stream"] == stream:
            emitted.add(message["record"]["data"]["sourcedId"])
        elif message["type"] == "STATE" and message["state"]["stream"]["stream_descriptor"]["name"] == stream:
            pairs.append((message["state"]["stream"]["stream_state"], set(emitted)))
    return pairs


def test_resuming_from_any_checkpoint_loses_no_record_even_inside_a_shared_instant(
    sandbox, tmp_path: Path, catalog: dict
) -> None:
    config = sandbox.connection_config(page_size=7)
    first = run_source("read", tmp_path, config=config, catalog=configured_catalog(catalog, {"enrollments": "incremental"}))
    assert first.returncode == 0, first.stderr
    enrollments = first.records_of("enrollments")
    checkpoints = states_with_records_before(first, "enrollments")[:-1]
    assert len(checkpoints) > 10, "small pages give many mid-stream checkpoints"
    instants = Counter(e["dateLastModified"] for e in enrollments)
    shared = [(state, before) for state, before in checkpoints if instants[state["dateLastModified"]] > 1]
    assert shared, "some checkpoint sits on an instant several records share"
    for state, before in checkpoints[:: max(1, len(checkpoints) // 3)] + shared[:1]:
        resumed = run_source("read", tmp_path, config=config,
                             catalog=configured_catalog(catalog, {"enrollments": "incremental"}),
                             state=[{"type": "STREAM", "stream": {"stream_descriptor": {"name": "enrollments"}, "stream_state": state}}])
        assert resumed.returncode == 0, resumed.stderr
        again = resumed.records_of("enrollments")
        assert before | {e["sourcedId"] for e in again} == {e["sourcedId"] for e in enrollments}
        instant = state["dateLastModified"]
        assert min(e["dateLastModified"] for e in again) == instant, "resumes at the instant, not after it"
        assert sum(1 for e in again if e["dateLastModified"] == instant) == instants[instant], \
            "every record sharing the checkpoint's instant is read again"


def test_next_sync_reads_only_the_last_instant_again_and_start_date_bounds_the_first(
    sandbox, tmp_path: Path, catalog: dict
) -> None:
    seed_gradebook(sandbox, tag="before")
    streams = {**ROSTER, "results": "incremental"}
    first = run_source("read", tmp_path, config=sandbox.connection_config(), catalog=configured_catalog(catalog, streams))
    assert first.returncode == 0, first.stderr
    seed_gradebook(sandbox, tag="after", results=2)  # a teacher's new scores, stamped now
    # No lookback here: the seeded results are stamped a few milliseconds apart, and this test is
    # about the cursor itself (the lookback window is tested in unit_tests/test_source_cursor.py).
    second = run_source("read", tmp_path, config=sandbox.connection_config(lookback_window_minutes=0),
                        catalog=configured_catalog(catalog, streams), state=stream_states(first))
    assert second.returncode == 0, second.stderr
    for stream in streams:
        latest = max(r["dateLastModified"] for r in first.records_of(stream))
        again = {r["sourcedId"] for r in first.records_of(stream) if r["dateLastModified"] == latest}
        new = {"after-result-0", "after-result-1"} if stream == "results" else set()
        assert {r["sourcedId"] for r in second.records_of(stream)} == again | new
    enrollments = sorted(e["dateLastModified"] for e in first.records_of("enrollments"))
    start = enrollments[len(enrollments) // 2]
    bounded = run_source("read", tmp_path, config=sandbox.connection_config(start_date=start),
                         catalog=configured_catalog(catalog, {"enrollments": "incremental", "classes": "full_refresh"}))
    assert len(bounded.records_of("enrollments")) == sum(1 for instant in enrollments if instant >= start)
    assert len(bounded.records_of("classes")) == len(first.records_of("classes")), "full refresh ignores start_date"


def test_a_read_killed_halfway_resumes_from_its_last_state_without_losing_a_record(
    sandbox, tmp_path: Path, catalog: dict
) -> None:
    streams = {name: "incremental" for name in ("orgs", "users", "enrollments", "demographics")}
    config = sandbox.connection_config(page_size=5, max_concurrent_requests=1)
    args = source_args("read", tmp_path, config=config, catalog=configured_catalog(catalog, streams))
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    lines, enrollments_seen = [], 0
    for line in process.stdout:
        lines.append(line)
        if '"stream":"enrollments"' in line and '"type":"RECORD"' in line:
            enrollments_seen += 1
            if enrollments_seen == 80:
                os.killpg(process.pid, signal.SIGKILL)
                break
    process.wait(timeout=30)
    process.stdout.close()
    killed = SourceRun(process.returncode, parse_messages("".join(lines)), "", "".join(lines))
    assert killed.returncode == -signal.SIGKILL
    assert enrollments_seen == 80
    resumed = run_source("read", tmp_path, config=config, catalog=configured_catalog(catalog, streams),
                         state=stream_states(killed))
    assert resumed.returncode == 0, resumed.stderr
    expected = {key for key in sandbox_keys(sandbox) if key[0] in streams}
    assert record_keys(killed.records) | record_keys(resumed.records) == expected
    assert len(resumed.records_of("enrollments")) < len([k for k in expected if k[0] == "enrollments"]), \
        "the resumed read started from the checkpoint, not from scratch"


@pytest.mark.parametrize("headers", [pytest.param({}, marks=pytest.mark.soak),
                                     {"send_total_count": False, "send_link": False}], ids=["total+link", "no-headers"])
def test_a_server_capping_pages_at_37_still_yields_every_record(make_sandbox, tmp_path: Path, catalog: dict, headers: dict) -> None:
    capped = make_sandbox("tiny", max_page_size=37, **headers)
    run = run_source("read", tmp_path, config=capped.connection_config(page_size=1000),
                     catalog=configured_catalog(catalog, {s: "incremental" for s in ALL_STREAMS}))
    assert run.returncode == 0, run.stderr
    assert record_keys(run.records) == sandbox_keys(capped)
    assert len(run.records) == len(record_keys(run.records))


FAULTS = dict(rate_429=0.10, rate_500_before_write=0.05, rate_drop=0.02, token_expiry_after_requests=100,
              retry_after_seconds=0.01)


def faulted_read_equals_clean_read(make_sandbox, tmp_path: Path, catalog: dict, *, size: str, page_size: int) -> None:
    sb = make_sandbox(size)
    seed_gradebook(sb)
    config = sb.connection_config(page_size=page_size, retry_base_seconds=0.01, max_retries=8, max_concurrent_requests=3)
    configured = configured_catalog(catalog, {s: "incremental" for s in ALL_STREAMS})
    clean = run_source("read", tmp_path, config=config, catalog=configured)
    assert clean.returncode == 0, clean.stderr
    clean_requests = sb.stats.requests
    sb.faults.set(**FAULTS)
    faulted = run_source("read", tmp_path, config=config, catalog=configured, timeout=600)
    assert faulted.returncode == 0, faulted.stderr + json.dumps(faulted.errors)
    assert sb.stats.requests - clean_requests > clean_requests * 1.1, "faults really were injected and retried"
    assert sb.stats.by_status.get(429) and sb.stats.by_status.get(401), "throttling and token expiry happened"
    assert record_keys(faulted.records) == record_keys(clean.records) == sandbox_keys(sb)


def test_under_faults_a_full_read_yields_exactly_the_clean_reads_records(make_sandbox, tmp_path: Path, catalog: dict) -> None:
    faulted_read_equals_clean_read(make_sandbox, tmp_path, catalog, size="tiny", page_size=3)


@pytest.mark.soak
def test_soak_under_faults_on_a_small_district(make_sandbox, tmp_path: Path, catalog: dict) -> None:
    faulted_read_equals_clean_read(make_sandbox, tmp_path, catalog, size="small", page_size=10)
