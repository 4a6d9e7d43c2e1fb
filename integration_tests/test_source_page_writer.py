"""The console script's page writer keeps its contract (see source_campus_oneroster/record_pages.py).

A page is its own message type (the stock CDK launch fails on it instead of printing one empty
record), the page path prints exactly what the CDK's per-record path prints for every stream
(explicit nulls included), and the CDK's memory monitor still stops a read under memory pressure.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from campus_sandbox.hostile import HostileProvider
from integration_tests.source_cli import (  # noqa: F401  (catalog is a fixture)
    ALL_STREAMS,
    SourceRun,
    catalog,
    configured_catalog,
    parse_messages,
    run_source,
    seed_gradebook,
    source_args,
)

CDK_LAUNCH = ("from airbyte_cdk.entrypoint import launch; import sys; from source_campus_oneroster.source import "
              "SourceCampusOneroster; launch(SourceCampusOneroster(record_pages={pages}), sys.argv[1:])")


def _record_lines(stdout: str) -> list[str]:
    return [re.sub(r',"emitted_at":\d+', "", line) for line in stdout.splitlines() if line.startswith('{"type":"RECORD"')]


def test_page_path_prints_what_the_cdks_per_record_path_prints_for_every_stream(make_sandbox, tmp_path: Path,
                                                                                  catalog: dict) -> None:
    sandbox = make_sandbox("tiny")
    seed_gradebook(sandbox)
    selected = configured_catalog(catalog, {name: "incremental" for name in ALL_STREAMS})
    with HostileProvider(sandbox) as provider:
        provider.set(explicit_nulls=True)
        config = provider.connection_config(page_size=7)
        paged = run_source("read", tmp_path, config=config, catalog=selected)
        per_record = subprocess.run(
            [sys.executable, "-c", CDK_LAUNCH.format(pages=False),
             *source_args("read", tmp_path, config=config, catalog=selected)[1:]],
            capture_output=True, text=True, timeout=180)
    assert paged.returncode == per_record.returncode == 0, per_record.stderr[-2000:]
    lines = _record_lines(paged.stdout)
    assert lines == _record_lines(per_record.stdout)
    assert {stream for stream in ALL_STREAMS} == {record["stream"] for record in paged.records}, "every stream read"
    # The provider wrote a top-level and a nested null into every record: both paths drop the first, keep the second.
    assert all('"nullProbe":null' not in line.split('"metadata":', 1)[0] for line in lines)
    assert all('"metadata":{' in line and '"nullProbe":null' in line for line in lines)
    for run in (paged, SourceRun(0, parse_messages(per_record.stdout), "", per_record.stdout)):
        counted = {name: 0.0 for name in ALL_STREAMS}
        for state in run.states:
            counted[state["stream"]["stream_descriptor"]["name"]] += state["sourceStats"]["recordCount"]
        assert counted == {name: float(len(paged.records_of(name))) for name in ALL_STREAMS}

def test_a_page_reaching_the_stock_cdk_launch_fails_instead_of_printing_an_empty_record(sandbox, tmp_path: Path,
                                                                                          catalog: dict) -> None:
    selected = configured_catalog(catalog, {"orgs": "full_refresh"})
    stock = subprocess.run(
        [sys.executable, "-c", CDK_LAUNCH.format(pages=True),
         *source_args("read", tmp_path, config=sandbox.connection_config(), catalog=selected)[1:]],
        capture_output=True, text=True, timeout=180)
    assert stock.returncode != 0
    assert '"data":{}' not in stock.stdout
    assert not _record_lines(stock.stdout)
    assert "reached a serialiser that expects one record" in stock.stdout


MEMORY_PRESSURE = (
    "import sys, pathlib; import airbyte_cdk.utils.memory_monitor as m; d = pathlib.Path(sys.argv[1]); "
    "m._CGROUP_V2_CURRENT, m._CGROUP_V2_MAX, m._CGROUP_V2_STAT = d / 'memory.current', d / 'memory.max', d / 'memory.stat'; "
    "sys.argv = ['source-campus-oneroster', *sys.argv[2:]]; from source_campus_oneroster.run import run; run()"
)


def test_the_cdks_memory_monitor_stops_a_paged_read_at_the_first_page_under_pressure(sandbox, tmp_path: Path,
                                                                                    catalog: dict) -> None:
    """A container at 99 % of its limit: the CDK's monitor (which looks every 5,000 messages, i.e. every
    5,000 pages here) must still fire, because the page writer asks it once per page."""
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    (cgroup / "memory.max").write_text("1000000000\n")
    (cgroup / "memory.current").write_text("990000000\n")
    (cgroup / "memory.stat").write_text("anon 980000000\nfile 1000\n")
    selected = configured_catalog(catalog, {"users": "full_refresh"})
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PRESSURE, str(cgroup),
         *source_args("read", tmp_path, config=sandbox.connection_config(page_size=10), catalog=selected)[1:]],
        capture_output=True, text=True, timeout=180)
    records = _record_lines(done.stdout)
    assert done.returncode != 0
    assert "memory usage exceeded critical threshold" in done.stdout
    assert 0 < len(records) <= 10, "stopped after the first page of 10"
