"""Run `source-campus-oneroster` the way Airbyte does: a subprocess with config, catalog and state files.

The integration tests of the source share this: nothing here imports the connector, so every test
exercises the installed console script, its argument parsing and its stdout protocol.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

SCRIPT = Path(sys.executable).parent / "source-campus-oneroster"

RecordKey = tuple[str, str, str]


@dataclass
class SourceRun:
    """One finished run: its exit code, every protocol message on stdout, and stderr."""

    returncode: int
    messages: list[dict]
    stderr: str
    stdout: str

    def of_type(self, message_type: str) -> list[dict]:
        return [message for message in self.messages if message.get("type") == message_type]

    @property
    def records(self) -> list[dict]:
        return [message["record"] for message in self.of_type("RECORD")]

    def records_of(self, stream: str) -> list[dict]:
        return [record["data"] for record in self.records if record["stream"] == stream]

    @property
    def states(self) -> list[dict]:
        return [message["state"] for message in self.of_type("STATE")]

    def traces(self, trace_type: str) -> list[dict]:
        return [message["trace"] for message in self.of_type("TRACE") if message["trace"]["type"] == trace_type]

    @property
    def errors(self) -> list[dict]:
        return [trace["error"] for trace in self.traces("ERROR")]

    @property
    def connection_status(self) -> dict:
        (status,) = [message["connectionStatus"] for message in self.of_type("CONNECTION_STATUS")]
        return status

    @property
    def catalog(self) -> dict:
        (catalog,) = [message["catalog"] for message in self.of_type("CATALOG")]
        return catalog


def parse_messages(stdout: str) -> list[dict]:
    """Every JSON line of stdout (a killed run may end in a partial line, which is dropped)."""
    messages = []
    for line in stdout.splitlines():
        try:
            messages.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return messages


def write_json(directory: Path, name: str, content: Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(content))
    return path


def source_args(
    verb: str,
    directory: Path,
    *,
    config: Optional[Mapping[str, Any]] = None,
    catalog: Optional[Mapping[str, Any]] = None,
    state: Optional[list[dict]] = None,
) -> list[str]:
    """The command line Airbyte would run, with its files written into `directory`."""
    args = [str(SCRIPT), verb]
    if config is not None:
        args += ["--config", str(write_json(directory, "config.json", config))]
    if catalog is not None:
        args += ["--catalog", str(write_json(directory, "catalog.json", catalog))]
    if state is not None:
        args += ["--state", str(write_json(directory, "state.json", state))]
    return args


def run_source(verb: str, directory: Path, *, timeout: float = 180, **files: Any) -> SourceRun:
    """Run one verb to completion and parse its output."""
    completed = subprocess.run(
        source_args(verb, directory, **files), capture_output=True, text=True, timeout=timeout
    )
    return SourceRun(completed.returncode, parse_messages(completed.stdout), completed.stderr, completed.stdout)


def configured_catalog(catalog: Mapping[str, Any], streams: Mapping[str, str]) -> dict:
    """A configured catalog of the discovered `catalog` selecting `streams` (name → sync mode)."""
    configured = []
    for stream in catalog["streams"]:
        mode = streams.get(stream["name"])
        if mode is None:
            continue
        configured.append(
            {
                "stream": stream,
                "sync_mode": mode,
                "destination_sync_mode": "append_dedup" if mode == "incremental" else "overwrite",
                "cursor_field": stream.get("default_cursor_field", []) if mode == "incremental" else [],
                "primary_key": stream.get("source_defined_primary_key", []),
            }
        )
    assert len(configured) == len(streams), f"unknown streams in {sorted(streams)}"
    return {"streams": configured}


def stream_states(run: SourceRun) -> list[dict]:
    """The last STATE per stream, as the platform would pass back with --state."""
    last: dict[str, dict] = {}
    for state in run.states:
        last[state["stream"]["stream_descriptor"]["name"]] = state
    return [{"type": "STREAM", "stream": state["stream"]} for state in last.values()]


def record_keys(records: Iterable[dict]) -> set[RecordKey]:
    """(stream, sourcedId, dateLastModified) of Airbyte record messages: what "the same data" means."""
    return {(record["stream"], record["data"]["sourcedId"], record["data"]["dateLastModified"]) for record in records}
