"""Both connectors run from the local install with PyAirbyte, as a user without an Airbyte platform
runs them, against the Campus sandbox on loopback.

What was found about PyAirbyte 0.71.3 and a custom destination input: `Destination.write()` takes
only a PyAirbyte `Source` or a `ReadResult`, never records in hand. So the Otus side is played by
the smallest possible Airbyte source, `otus-export-source` below: a script that speaks the protocol
(spec, check, discover, read) over a JSON-lines export, with stream names of a database view
(`passback_scores_v`, ...) that the destination maps through `stream_roles`, as the operator guide
tells operators to. PyAirbyte reads it into its DuckDB cache and writes the cached records to the
real destination, adding its `_airbyte_*` fields and its own catalog, which the destination must
take in its stride. The records go straight from source to destination (`cache=False`): PyAirbyte's
DuckDB cache is typed from the stream schema and refuses a whole stream when one record has text
where a number belongs ("Failed to cast value to decimal"), while the destination is built to
report such a record and pass the rest back.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from campus_demo.roster_sync import ROSTER_STREAMS, console_script, use_private_pyairbyte_dirs
from destination_campus_grades.report import parse_report_line
from otus_export.sample import sample_export

VIEW_NAMES = {"assessments": "passback_assessments_v", "scores": "passback_scores_v", "grades": "passback_grades_v"}
SCHEMAS = Path(__file__).resolve().parent.parent / "destination_campus_grades" / "schemas"


@pytest.fixture(scope="module")
def pyairbyte_dir(tmp_path_factory) -> Iterator[Path]:
    """PyAirbyte's cache, logs and temp files for this module (PyAirbyte reads them once, at
    import); the process environment is put back afterwards."""
    saved = dict(os.environ)
    directory = tmp_path_factory.mktemp("pyairbyte")
    use_private_pyairbyte_dirs(directory)
    yield directory
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def ab(pyairbyte_dir):
    """PyAirbyte, offline and untracked."""
    import airbyte

    return airbyte


def _cache(ab, tmp_path: Path):
    return ab.DuckDBCache(db_path=tmp_path / "cache.duckdb", cache_dir=tmp_path / "cache")


def test_source_reads_the_roster_into_duckdb_then_reads_only_changes(ab, sandbox, tmp_path) -> None:
    source = ab.get_source(
        "source-campus-oneroster", config=sandbox.connection_config(auth="oauth2"),
        streams=list(ROSTER_STREAMS), local_executable=console_script("source-campus-oneroster"),
    )
    source.check()
    cache = _cache(ab, tmp_path)
    first = source.read(cache=cache)
    district = sandbox.state.district
    assert len(first["classes"]) == district.section_count
    assert len(first["users"]) == district.user_count
    assert len(first["enrollments"]) == district.enrollment_count
    assert {row["sourcedid"] for row in first["classes"]} == {s.sourced_id for s in district.sections()}

    second = source.read(cache=cache)  # incremental from the state PyAirbyte kept in the cache
    assert second.processed_records < first.processed_records / 10
    assert len(second["enrollments"]) == district.enrollment_count  # merged on sourcedId, not duplicated


def test_destination_checks_and_writes_what_pyairbyte_read_from_the_otus_side(ab, pyairbyte_dir, sandbox, tmp_path) -> None:
    sample = sample_export(sandbox.state.district)
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    for role, view in VIEW_NAMES.items():
        (export_dir / f"{view}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in sample.stream(role)))
    otus = ab.get_source(
        "otus-export-source", config={"directory": str(export_dir)},
        local_executable=_otus_export_source(tmp_path), streams="*",
    )
    config = {**sandbox.connection_config(auth="oauth2"), **sample.config_values(), "stream_roles": [{"stream": v, "role": r} for r, v in VIEW_NAMES.items()]}
    destination = ab.get_destination(
        "destination-campus-grades", config=config, local_executable=console_script("destination-campus-grades"),
    )
    destination.check()

    destination.write(otus, cache=False, force_full_refresh=True)
    written = _last_report(pyairbyte_dir)
    assert set(written["by_role"]) == set(VIEW_NAMES), "stream_roles did not map the view names to roles"
    assert "stream_not_mapped" not in written["reasons"]
    created = {role: counts.get("created", 0) for role, counts in written["by_role"].items()}
    assert created["scores"] > 0 and created["assessments"] > 0
    assert len(sandbox.state.line_items) == created["assessments"]
    assert len(sandbox.state.results) == created["scores"] + created["grades"]
    expected = {case.expected for case in sample.cases.values() if case.expected}
    assert expected <= set(written["reasons"]), "every reason the sample provokes is reported"

    gradebook_before = sandbox.state.version
    destination.write(otus, cache=False, force_full_refresh=True)
    again = _last_report(pyairbyte_dir)
    assert again["totals"]["created"] == again["totals"]["updated"] == 0
    assert again["totals"]["unchanged"] == written["totals"]["created"]
    assert sandbox.state.version == gradebook_before, "the second write changed Campus's gradebook"


def _last_report(pyairbyte_dir: Path) -> dict[str, Any]:
    """The last PASSBACK_REPORT the destination logged (PyAirbyte writes connector logs to files)."""
    lines = [
        line for log in sorted((pyairbyte_dir / "logs" / "destination-campus-grades").glob("*.log"), key=lambda p: p.stat().st_mtime)
        for line in log.read_text().splitlines() if "PASSBACK_REPORT " in line
    ]
    assert lines, "the destination logged no PASSBACK_REPORT"
    return parse_report_line(lines[-1][lines[-1].index("PASSBACK_REPORT "):])


def _otus_export_source(tmp_path: Path) -> Path:
    """An executable that runs `serve_otus_export` with this interpreter."""
    script = tmp_path / "otus-export-source"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "from integration_tests.test_pyairbyte import serve_otus_export\nserve_otus_export(sys.argv[1:])\n"
    )
    script.chmod(0o755)
    return script


def serve_otus_export(argv: list[str]) -> None:
    """A minimal Airbyte source over `<directory>/<stream>.jsonl`: the Otus side of a passback."""
    command = argv[0]
    if command == "spec":
        spec = {"connectionSpecification": {"type": "object", "required": ["directory"], "properties": {"directory": {"type": "string"}}}}
        _emit({"type": "SPEC", "spec": spec})
        return
    config = json.loads(Path(argv[argv.index("--config") + 1]).read_text())
    directory = Path(config["directory"])
    if command == "check":
        status = "SUCCEEDED" if directory.is_dir() else "FAILED"
        _emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": status}})
    elif command == "discover":
        streams = [
            {"name": view, "json_schema": json.loads((SCHEMAS / f"{role}.json").read_text()), "supported_sync_modes": ["full_refresh"]}
            for role, view in VIEW_NAMES.items()
        ]
        _emit({"type": "CATALOG", "catalog": {"streams": streams}})
    elif command == "read":
        catalog = json.loads(Path(argv[argv.index("--catalog") + 1]).read_text())
        for entry in catalog["streams"]:
            name = entry["stream"]["name"]
            for line in (directory / f"{name}.jsonl").read_text().splitlines():
                _emit({"type": "RECORD", "record": {"stream": name, "data": json.loads(line), "emitted_at": 0}})
            state = {"stream_descriptor": {"name": name}, "stream_state": {"exported": True}}
            _emit({"type": "STATE", "state": {"type": "STREAM", "stream": state}})


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()
