"""Run `source-campus-oneroster` the way Airbyte does: a subprocess with config, catalog and state files.

The integration tests of the source share this: nothing here imports the connector, so every test
exercises the installed console script, its argument parsing and its stdout protocol. What the
sandbox holds is read from the sandbox's own data, never through the client under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

import pytest

from campus_sandbox import calendar
from campus_sandbox.roster import roster_record_sets

SCRIPT = Path(sys.executable).parent / "source-campus-oneroster"

RecordKey = tuple[str, str, str]

ALL_STREAMS = (
    "orgs", "academic_sessions", "courses", "classes", "users", "enrollments", "demographics",
    "categories", "line_items", "results",
)
ROSTER_STREAMS = {
    "orgs": "orgs", "academicSessions": "academic_sessions", "courses": "courses", "classes": "classes",
    "users": "users", "enrollments": "enrollments", "demographics": "demographics",
}


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


def sandbox_keys(sb: Any) -> set[RecordKey]:
    """Every record the sandbox serves, as record keys, from its own data."""
    keys: set[RecordKey] = set()
    for wrapper, records in roster_record_sets(sb.district, v1p2=sb.version.name == "1.2").items():
        for record in records.page(range(len(records))):
            keys.add((ROSTER_STREAMS[wrapper], record["sourcedId"], record["dateLastModified"]))
    line_items, indexes = sb.state.line_items_view()
    gradebook = {
        "line_items": line_items.page(indexes),
        "categories": list(sb.state.categories.values()),
        "results": list(sb.state.results.values()),
    }
    for stream, records in gradebook.items():
        keys.update((stream, record["sourcedId"], record["dateLastModified"]) for record in records)
    return keys


def secrets_of(config: Mapping[str, Any]) -> list[str]:
    credentials = config["credentials"]
    candidates = (credentials.get("client_secret"), credentials.get("consumer_secret"), config.get("vendor_secret"))
    return [secret for secret in candidates if secret]


def assert_no_secret(run: SourceRun, config: Mapping[str, Any]) -> None:
    for secret in secrets_of(config):
        assert secret not in run.stdout and secret not in run.stderr, "a secret reached the output"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The discovered catalog (discover reads no data, so any well-formed loopback config will do)."""
    config = {
        "base_url": "http://127.0.0.1:9/ims/oneroster/v1p1",
        "credentials": {"auth_type": "oauth1_hmac_sha256", "consumer_key": "key", "consumer_secret": "discover-only-secret"},
    }
    run = run_source("discover", tmp_path_factory.mktemp("discover"), config=config)
    assert run.returncode == 0, run.stderr
    return run.catalog


def seed_gradebook(sb: Any, tag: str = "src", results: int = 4) -> None:
    """Write a vendor lineItem and a few results into the sandbox's gradebook, as a vendor would.

    A fresh district holds Campus's grading tasks but no results; the source's results stream
    needs some. Goes through the sandbox's receiving rules (class, due date inside a term, open
    grading window, enrolled students), not around them.
    """
    district = sb.district
    class_id, terms = district.section_id(0), district.section_terms(0)
    due = calendar.SESSION_BY_ID[terms[-1]].end.isoformat()
    line_item = f"{tag}-lineitem"
    sb.state.put_line_item(line_item, {"title": f"{tag} quiz", "assignDate": due, "dueDate": due,
                                       "class": {"sourcedId": class_id}, "resultValueMin": 0, "resultValueMax": 10})
    enrolled = [district.student_id(k) for k in range(200) if district.student_index(district.student_id(k)) is not None
                and district.is_enrolled(k, 0)]
    for n, student in enumerate(enrolled[:results]):
        sb.state.put_result(f"{tag}-result-{n}", {"lineItem": {"sourcedId": line_item}, "student": {"sourcedId": student},
                                                  "scoreStatus": "fully graded", "score": 7 + n % 3, "scoreDate": due})
