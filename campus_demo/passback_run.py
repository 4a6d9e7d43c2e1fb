"""Steps 4 and 5 of the demo: run the destination as Airbyte runs it, and collect its report.

The installed `destination-campus-grades write --config --catalog` gets the Otus records as Airbyte
RECORD messages on stdin, followed by one STATE message per stream, exactly what a platform sync
sends. Its stdout is read line by line while stdin is still being fed (a thread feeds, so neither
pipe can fill up and block the other), which also gives the progress display something to show.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from campus_demo.roster_sync import console_script
from destination_campus_grades.report import parse_report_line

DESTINATION_NAME = "destination-campus-grades"
PROGRESS_EVERY = 50  # records between two progress updates
SCHEMAS = files("destination_campus_grades") / "schemas"


@dataclass
class PassbackRun:
    """What one `write` produced: the report, the states echoed back, and any failure."""

    report: dict[str, Any] | None = None
    states_sent: int = 0
    states_echoed: int = 0
    errors: list[str] = field(default_factory=list)
    exit_code: int | None = None
    seconds: float = 0.0
    campus_puts: int | None = None  # PUT requests the sandbox received (None: a real district)
    campus_changes: int | None = None  # lineItems and results the sandbox stored or deleted

    @property
    def succeeded(self) -> bool:
        """A sync Airbyte would count as successful: clean exit, every state confirmed."""
        return self.exit_code == 0 and not self.errors and self.states_echoed == self.states_sent


def configured_catalog(streams: Iterable[str]) -> dict[str, Any]:
    """The catalog a platform sends for a full refresh of the Otus side into this destination."""
    entries = []
    for stream in streams:
        schema = json.loads(SCHEMAS.joinpath(f"{stream}.json").read_text())
        entries.append(
            {
                "stream": {"name": stream, "json_schema": schema, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
        )
    return {"streams": entries}


def _input_messages(export: Mapping[str, list[dict[str, Any]]], run_label: str) -> Iterable[str]:
    """RECORD lines per stream in role order (assessments before their scores), then STATE lines."""
    emitted_at = int(time.time() * 1000)
    for stream, records in export.items():
        for record in records:
            yield json.dumps({"type": "RECORD", "record": {"stream": stream, "data": record, "emitted_at": emitted_at}})
    for stream in export:
        state = {"stream_descriptor": {"name": stream}, "stream_state": {"demo_run": run_label}}
        yield json.dumps({"type": "STATE", "state": {"type": "STREAM", "stream": state}})


def run_destination(
    config: Mapping[str, Any],
    export: Mapping[str, list[dict[str, Any]]],
    workdir: Path,
    *,
    run_label: str,
    on_progress: Callable[[int], None] = lambda records_taken: None,
) -> PassbackRun:
    """Run one `write` of `export` (stream name -> records) and return what it reported.

    `on_progress` hears how many records the destination has taken from its stdin so far (it
    reads as it writes, so the pipe's back-pressure keeps the count close to its real progress).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "destination_config.json"
    catalog_path = workdir / "configured_catalog.json"
    config_path.write_text(json.dumps(config))
    config_path.chmod(0o600)  # it holds the Campus key and secret
    catalog_path.write_text(json.dumps(configured_catalog(export)))
    run = PassbackRun(states_sent=len(export))
    started = time.monotonic()
    with (workdir / f"destination_{run_label}.stderr").open("w") as stderr:
        process = subprocess.Popen(
            [str(console_script(DESTINATION_NAME)), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            bufsize=1,
        )
        feeder = threading.Thread(
            target=_feed, args=(process, _input_messages(export, run_label), on_progress), daemon=True,
        )
        feeder.start()
        try:
            for line in process.stdout:
                _take(line, run)
            run.exit_code = process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            feeder.join(timeout=5)
    run.seconds = time.monotonic() - started
    return run


def _feed(process: subprocess.Popen, lines: Iterable[str], on_progress: Callable[[int], None]) -> None:
    """Write every input line, then close stdin so the destination sees the end of the sync."""
    try:
        for taken, line in enumerate(lines, start=1):
            process.stdin.write(line + "\n")
            if taken % PROGRESS_EVERY == 0:
                on_progress(taken)
        process.stdin.close()
    except BrokenPipeError:
        pass  # the destination stopped early; its exit code and TRACE say why


def _take(line: str, run: PassbackRun) -> None:
    """Account for one Airbyte message the destination printed."""
    try:
        message = json.loads(line)
    except json.JSONDecodeError:
        return  # not a protocol line (a stray print); Airbyte ignores those too
    kind = message.get("type")
    if kind == "STATE":
        run.states_echoed += 1
    elif kind == "LOG":
        text = message.get("log", {}).get("message", "")
        report = parse_report_line(text)
        if report is not None:
            run.report = report
    elif kind == "TRACE" and message.get("trace", {}).get("type") == "ERROR":
        run.errors.append(message["trace"]["error"].get("message", "the destination failed"))
