"""Run `destination-campus-grades` the way Airbyte does: the shared harness of the destination's integration tests.

Nothing here imports the connector's code paths: `run_destination` and `run_verb` run the
installed console script in a subprocess with config and catalog files and protocol messages on
stdin; `campus_snapshot` reads what Campus holds from the sandbox's own state, never through the
client under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from destination_campus_grades.report import parse_report_line

SCRIPT = Path(sys.executable).parent / "destination-campus-grades"
ROLES = ("assessments", "scores", "grades")
VOLATILE = ("dateLastModified",)


@dataclass
class DestinationRun:
    """One finished run of the console script: exit code, protocol messages, stderr."""

    returncode: int
    messages: list[dict]
    stderr: str

    @property
    def states(self) -> list[dict]:
        return [m["state"] for m in self.messages if m["type"] == "STATE"]

    @property
    def logs(self) -> list[str]:
        return [m["log"]["message"] for m in self.messages if m["type"] == "LOG"]

    @property
    def report(self) -> dict:
        (report,) = [r for r in map(parse_report_line, self.logs) if r is not None]
        return report

    @property
    def errors(self) -> list[dict]:
        return [m["trace"]["error"] for m in self.messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]

    def reason_count(self, code: str) -> int:
        return self.report["reasons"].get(code, {}).get("count", 0)


def catalog(streams: Iterable[str] = ROLES, mode: str = "full_refresh") -> dict:
    """A configured catalog of the Otus streams (the destination accepts any sync mode)."""
    return {"streams": [{
        "stream": {"name": name, "json_schema": {"type": "object"}, "supported_sync_modes": ["full_refresh", "incremental"]},
        "sync_mode": mode, "destination_sync_mode": "overwrite" if mode == "full_refresh" else "append",
    } for name in streams]}


def state_message(position: int) -> dict:
    return {"type": "STATE", "state": {"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "scores"}, "stream_state": {"position": position}}}}


def protocol_lines(records: Iterable[tuple[str, dict]], *, state_every: int | None = None) -> Iterable[str]:
    """RECORD lines, a STATE after every `state_every` records, and a final STATE. A pair whose stream
    is None is a whole message of its own (a stream status between records)."""
    n = 0
    for n, (stream, data) in enumerate(records, start=1):
        message = data if stream is None else {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 0}}
        yield json.dumps(message)
        if state_every and n % state_every == 0:
            yield json.dumps(state_message(n))
    yield json.dumps(state_message(n))


def write_files(tmp_path: Path, config: Mapping[str, Any], streams: Iterable[str] = ROLES,
                mode: str = "full_refresh") -> tuple[Path, Path]:
    config_path, catalog_path = tmp_path / "config.json", tmp_path / "catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(catalog(streams, mode)))
    return config_path, catalog_path


def run_destination(config: Mapping[str, Any], records: Iterable[tuple[str, dict]], tmp_path: Path, *,
                    state_every: int | None = None, timeout: float = 300, mode: str = "full_refresh",
                    trailer: Iterable[dict] = (), streams: Iterable[str] = ROLES) -> DestinationRun:
    """`destination-campus-grades write` with the records on stdin (then the `trailer` messages, e.g. stream
    statuses), for a catalog of `streams` (the three written roles) in `mode`; waits for it to end."""
    config_path, catalog_path = write_files(tmp_path, config, streams, mode=mode)
    lines = [*protocol_lines(records, state_every=state_every), *map(json.dumps, trailer)]
    stdin = "\n".join(lines) + "\n"
    done = subprocess.run([str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
                          input=stdin, capture_output=True, text=True, timeout=timeout)
    return DestinationRun(done.returncode, parse_messages(done.stdout), done.stderr)


def run_verb(verb: str, config: Mapping[str, Any] | None, tmp_path: Path) -> DestinationRun:
    """`spec` or `check --config` of the console script."""
    args = [str(SCRIPT), verb]
    if config is not None:
        config_path, _ = write_files(tmp_path, config)
        args += ["--config", str(config_path)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    return DestinationRun(done.returncode, parse_messages(done.stdout), done.stderr)


def parse_messages(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def campus_snapshot(sandbox) -> dict[str, dict[str, dict]]:
    """What Campus holds (vendor lineItems and results), without timestamps, for comparing runs."""
    with sandbox.state.lock:
        return {kind: {sid: {k: v for k, v in record.items() if k not in VOLATILE}
                       for sid, record in getattr(sandbox.state, kind).items()}
                for kind in ("line_items", "results")}


def secrets_of(config: Mapping[str, Any]) -> list[str]:
    credentials = config["credentials"]
    return [v for v in (credentials.get("client_secret"), credentials.get("consumer_secret"), config.get("vendor_secret")) if v]


def connection_status(run: DestinationRun) -> dict:
    (status,) = [m["connectionStatus"] for m in run.messages if m["type"] == "CONNECTION_STATUS"]
    return status


DESTINATION_KEYS = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}
