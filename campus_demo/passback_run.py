"""Steps 4 and 5 of the demo: one sync from the Otus side into the destination, as Airbyte runs it.

The Otus side is Airbyte's SFTP Bulk source reading the export's CSV files. As the platform does,
the source's `read` runs with its config and configured catalog, and every RECORD and STATE line
it prints goes to `destination-campus-grades write` on stdin; its LOG messages are tallied
(`SourceLogTally`: the harmless ones counted, the others kept for the demo to show). The
destination's configured catalog maps each stream onto the destination object of its role
(`destination_object_name`), as a mapping made in Airbyte's UI would. The destination's stdout
is read line by line while a thread feeds its stdin, so neither pipe can fill up and block the
other, and the records forwarded give the progress display something to show.
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

from campus_demo.connectors import console_script
from destination_campus_grades.report import parse_report_line
from otus_export.source_logs import SourceLogTally

DESTINATION_NAME = "destination-campus-grades"
PROGRESS_EVERY = 50  # records between two progress updates
SCHEMAS = files("destination_campus_grades") / "schemas"


@dataclass(frozen=True)
class OtusSource:
    """The Otus-side Airbyte source of a sync: its executable, its config, and its streams by role."""

    executable: Path
    config: Mapping[str, Any]
    streams: Mapping[str, str]  # stream name -> destination object (role)


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
    source_log: SourceLogTally = field(default_factory=SourceLogTally)  # the Otus source's warnings and errors

    @property
    def succeeded(self) -> bool:
        """A sync Airbyte would count as successful: clean exit, every state confirmed."""
        return self.exit_code == 0 and not self.errors and self.states_echoed == self.states_sent


def destination_catalog(streams: Mapping[str, str]) -> dict[str, Any]:
    """The destination's configured catalog: each stream mapped onto its role's object."""
    entries = []
    for stream, role in streams.items():
        schema = json.loads(SCHEMAS.joinpath(f"{role}.json").read_text())
        entries.append(
            {
                "stream": {"name": stream, "json_schema": schema, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "update",
                "destination_object_name": role,
            }
        )
    return {"streams": entries}


def source_catalog(source: OtusSource, config_path: Path, stderr: Any) -> dict[str, Any]:
    """The source's configured catalog: its discovered streams, each read in full."""
    discovered = subprocess.run(
        [str(source.executable), "discover", "--config", str(config_path)], capture_output=True, text=True, timeout=300,
    )
    stderr.write(discovered.stderr)
    catalogs = [json.loads(line)["catalog"] for line in discovered.stdout.splitlines() if line.startswith('{"type":"CATALOG"')]
    if not catalogs:
        errors = [json.loads(line)["trace"]["error"]["message"] for line in discovered.stdout.splitlines()
                  if line.startswith('{"type":"TRACE"') and '"ERROR"' in line]
        raise RuntimeError("the Otus source's discover failed: " + ("; ".join(errors) or f"exit status {discovered.returncode}"))
    streams = [stream for stream in catalogs[0]["streams"] if stream["name"] in source.streams]
    return {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                        for stream in streams]}


def run_sync(
    config: Mapping[str, Any],
    source: OtusSource,
    workdir: Path,
    *,
    run_label: str,
    on_progress: Callable[[int], None] = lambda records_forwarded: None,
) -> PassbackRun:
    """Run one sync: the source's `read` piped into the destination's `write`; what was reported.

    `on_progress` hears how many records have reached the destination's stdin so far (it reads
    as it writes, so the pipe's back-pressure keeps the count close to its real progress).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    paths = {name: workdir / f"{name}.json" for name in ("source_config", "source_catalog", "destination_config", "destination_catalog")}
    for name, value in (("source_config", source.config), ("destination_config", config)):
        paths[name].write_text(json.dumps(value))
        paths[name].chmod(0o600)  # they hold the SFTP key and the Campus key and secret
    paths["destination_catalog"].write_text(json.dumps(destination_catalog(source.streams)))
    run = PassbackRun()
    started = time.monotonic()
    with (workdir / f"source_{run_label}.stderr").open("w") as source_stderr, \
            (workdir / f"destination_{run_label}.stderr").open("w") as destination_stderr:
        try:
            paths["source_catalog"].write_text(json.dumps(source_catalog(source, paths["source_config"], source_stderr)))
        except RuntimeError as error:
            run.errors.append(str(error))
            return run
        reader = subprocess.Popen(
            [str(source.executable), "read", "--config", str(paths["source_config"]), "--catalog", str(paths["source_catalog"])],
            stdout=subprocess.PIPE, stderr=source_stderr, text=True, bufsize=1,
        )
        writer = subprocess.Popen(
            [str(console_script(DESTINATION_NAME)), "write", "--config", str(paths["destination_config"]),
             "--catalog", str(paths["destination_catalog"])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=destination_stderr, text=True, bufsize=1,
        )
        feeder = threading.Thread(target=_forward, args=(reader, writer, run, on_progress), daemon=True)
        feeder.start()
        try:
            for line in writer.stdout:
                _take(line, run)
            run.exit_code = writer.wait()
            feeder.join(timeout=30)
            if reader.wait() != 0:
                run.errors.append(f"the Otus source exited with status {reader.returncode}")
        finally:
            for process in (reader, writer):
                if process.poll() is None:
                    process.kill()
                    process.wait()
    run.seconds = time.monotonic() - started
    return run


def _forward(reader: subprocess.Popen, writer: subprocess.Popen, run: PassbackRun,
             on_progress: Callable[[int], None]) -> None:
    """Pass the source's RECORD and STATE lines to the destination, keep its failures, then close
    the destination's stdin so it sees the end of the sync."""
    records = 0
    try:
        for line in reader.stdout:
            message = _message(line)
            kind = message.get("type")
            if kind == "RECORD":
                records += 1
                if records % PROGRESS_EVERY == 0:
                    on_progress(records)
            elif kind == "STATE":
                run.states_sent += 1
            else:
                if kind == "TRACE" and message["trace"].get("type") == "ERROR":
                    run.errors.append("the Otus source failed: " + message["trace"]["error"].get("message", ""))
                elif kind == "LOG":
                    run.source_log.add(message["log"].get("level", ""), message["log"].get("message", ""))
                continue
            writer.stdin.write(line)
        writer.stdin.close()
    except BrokenPipeError:
        pass  # the destination stopped early; its exit code and TRACE say why


def _message(line: str) -> dict[str, Any]:
    """One protocol line as a dict; anything else (a stray print) as an empty one, which Airbyte ignores too."""
    try:
        message = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return message if isinstance(message, dict) else {}


def _take(line: str, run: PassbackRun) -> None:
    """Account for one Airbyte message the destination printed."""
    message = _message(line)
    kind = message.get("type")
    if kind == "STATE":
        run.states_echoed += 1
    elif kind == "LOG":
        report = parse_report_line(message.get("log", {}).get("message", ""))
        if report is not None:
            run.report = report
    elif kind == "TRACE" and message.get("trace", {}).get("type") == "ERROR":
        run.errors.append(message["trace"]["error"].get("message", "the destination failed"))
