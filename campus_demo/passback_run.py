"""Steps 4 and 5 of the demo: one sync from the Otus side into the destination, as Airbyte runs it.

The Otus side is Airbyte's SFTP Bulk source reading the export's CSV files. As the platform does,
the source's `read` runs with its config and configured catalog, and every RECORD, STATE and TRACE
line it prints (STREAM_STATUS included: the destination deletes nothing for disappearing without a
COMPLETE one) goes to `destination-campus-grades write` on stdin; its LOG messages are tallied
(`SourceLogTally`: the harmless ones counted, the others kept for the demo to show).
At the end, as the platform does, every stream of a source that exited cleanly is reported
COMPLETE; when the source fails, every stream it did not complete is reported INCOMPLETE before the
destination's input ends, so an export cut short is never taken for a whole one. The
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
        feeder = threading.Thread(target=_forward, args=(reader, writer, run, on_progress, source.streams), daemon=True)
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
             on_progress: Callable[[int], None], streams: Iterable[str]) -> None:
    """Pass the source's RECORD, STATE and TRACE lines to the destination and keep its failures.
    At the end of the source's output, as the platform does (airbytehq/airbyte-platform,
    airbyte-commons-worker/.../helper/StreamStatusCompletionTracker.kt): a source that exited cleanly
    has every stream reported COMPLETE; one that failed (an ERROR trace, or a non-zero exit) has
    the streams it did not complete reported INCOMPLETE, before the destination's stdin is closed."""
    records = 0
    complete: set[tuple[str, Any]] = set()
    seen: set[tuple[str, Any]] = {(name, None) for name in streams}
    failed = False
    try:
        for line in reader.stdout:
            message = _message(line)
            kind = message.get("type")
            if kind == "RECORD":
                records += 1
                seen.add(_descriptor_key(message["record"]))
                if records % PROGRESS_EVERY == 0:
                    on_progress(records)
            elif kind == "STATE":
                run.states_sent += 1
            elif kind == "TRACE":
                trace = message.get("trace") or {}
                if trace.get("type") == "ERROR":
                    failed = True
                    run.errors.append("the Otus source failed: " + trace.get("error", {}).get("message", ""))
                elif trace.get("type") == "STREAM_STATUS":
                    status = trace.get("stream_status") or {}
                    key = _descriptor_key(status.get("stream_descriptor") or {})
                    seen.add(key)
                    (complete.add if status.get("status") == "COMPLETE" else complete.discard)(key)
            else:
                if kind == "LOG":
                    run.source_log.add(message["log"].get("level", ""), message["log"].get("message", ""))
                continue
            writer.stdin.write(line if line.endswith("\n") else line + "\n")
        failed = failed or reader.wait() != 0
        for name, namespace in sorted(seen - complete if failed else seen, key=str):
            writer.stdin.write(json.dumps(stream_status(name, namespace, "INCOMPLETE" if failed else "COMPLETE")) + "\n")
        writer.stdin.close()
    except BrokenPipeError:
        pass  # the destination stopped early; its exit code and TRACE say why


def stream_status(name: str, namespace: str | None, status: str) -> dict[str, Any]:
    """The STREAM_STATUS trace the pipe tells the destination how a stream ended with."""
    descriptor = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": time.time() * 1000,
                                       "stream_status": {"stream_descriptor": descriptor, "status": status}}}


def _descriptor_key(descriptor: Mapping[str, Any]) -> tuple[str, Any]:
    """(name, namespace) of a record or a stream descriptor (both carry `name`/`stream` and `namespace`)."""
    return (str(descriptor.get("name") or descriptor.get("stream")), descriptor.get("namespace"))


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
