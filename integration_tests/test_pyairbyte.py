"""Both connectors, and a real Otus-side source from PyPI, run with PyAirbyte as a user without an
Airbyte platform runs them, against the Campus sandbox and an SFTP server on loopback.

The Otus side is Airbyte's own SFTP Bulk source (`airbyte-source-sftp-bulk`, the CDK's file-based
framework), installed by PyAirbyte from PyPI into its own virtual environment, reading the sample
export as three CSV files from OpenSSH's server on 127.0.0.1: one connection, all three streams.
The passback test runs the operator guide's PyAirbyte snippet exactly as printed there.

Found about PyAirbyte 0.71.3 on the way: `Destination.write()` takes a PyAirbyte source (or a read
result), never records in hand; and the records go straight from source to destination
(`cache=False`), because PyAirbyte's DuckDB cache is typed from the stream schema and refuses a
whole stream when one record has text where a number belongs ("Failed to cast value to
decimal"), while the destination is built to report such a record and pass the rest back.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from campus_demo.connectors import console_script, import_pyairbyte, install_sftp_bulk, use_private_pyairbyte_dirs
from campus_demo.roster_sync import ROSTER_STREAMS
from destination_campus_grades.report import parse_report_line
from otus_export.file_source import sftp_server, write_csv_export
from otus_export.sample import sample_export

ROOT = Path(__file__).resolve().parent.parent
OPERATOR_GUIDE = ROOT / "docs" / "operators.md"
ROLES = {"assessments": "assessments", "scores": "scores", "grades": "grades"}
TEXT_CASES = ("score:points_as_text", "points_possible_as_text")  # the only cells that cannot be typed


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
    """PyAirbyte, offline (no connector registry) and untracked."""
    return import_pyairbyte()


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


def operator_guide_snippet() -> str:
    """The PyAirbyte snippet of the operator guide, as printed."""
    blocks = re.findall(r"```python\n(.*?)```", OPERATOR_GUIDE.read_text(), re.DOTALL)
    (snippet,) = [block for block in blocks if "ab.get_destination(" in block and "import airbyte" in block]
    return snippet


def test_the_operator_guide_snippet_passes_back_what_source_sftp_bulk_reads(ab, pyairbyte_dir, sandbox, tmp_path) -> None:
    """The snippet as printed: the roster into DuckDB, then the Otus CSV export on SFTP, read by
    source-sftp-bulk from PyPI, written to Campus. Numbers and booleans arrive typed: nothing but
    the two cells that are text in the export is reported as a wrong type."""
    install_sftp_bulk(pyairbyte_dir)  # under the install lock (a demo may install it at the same time); the snippet finds it
    sample = sample_export(sandbox.state.district)
    export_dir = tmp_path / "export"
    write_csv_export(sample.records, export_dir)
    with sftp_server(export_dir) as sftp:
        namespace: dict[str, Any] = {
            "campus_config": sandbox.connection_config(auth="oauth2"),
            "otus_sftp_config": sftp.source_config(ROLES),
            "passback_config": {**sandbox.connection_config(auth="oauth2"), **sample.config_values()},
        }
        exec(compile(operator_guide_snippet(), str(OPERATOR_GUIDE), "exec"), namespace)

        otus = namespace["otus"]
        scores_schema = otus.get_stream_json_schema("scores")["properties"]
        assert "number" in scores_schema["points"]["type"] and "string" in scores_schema["student_id"]["type"]
        assert "boolean" in otus.get_stream_json_schema("assessments")["properties"]["include_in_final_grade"]["type"]
        written = _last_report()
        assert set(written["by_role"]) == set(ROLES)
        created = {role: counts.get("created", 0) for role, counts in written["by_role"].items()}
        assert created["scores"] > 0 and created["assessments"] > 0
        assert len(sandbox.state.line_items) == created["assessments"]
        assert len(sandbox.state.results) == created["scores"] + created["grades"]
        expected = {case.expected for case in sample.cases.values() if case.expected}
        assert expected <= set(written["reasons"]), "every reason the sample provokes is reported"
        assert written["reasons"]["wrong_field_type"]["count"] == len(TEXT_CASES)

        gradebook_before = sandbox.state.version
        namespace["grades"].write(otus, cache=False, force_full_refresh=True)  # the snippet's last line, again
        again = _last_report()
    assert again["totals"]["created"] == again["totals"]["updated"] == 0
    assert again["totals"]["unchanged"] == written["totals"]["created"]
    assert sandbox.state.version == gradebook_before, "the second write changed Campus's gradebook"


def _last_report() -> dict[str, Any]:
    """The last PASSBACK_REPORT the destination logged. PyAirbyte writes connector logs under the
    logging root it read when first imported in this process: another module's directory when that
    module (test_source_schemas.py shares these fixtures) imported it first."""
    from airbyte.logs import AIRBYTE_LOGGING_ROOT

    lines = [
        line for log in sorted((Path(AIRBYTE_LOGGING_ROOT) / "destination-campus-grades").glob("*.log"), key=lambda p: p.stat().st_mtime)
        for line in log.read_text().splitlines() if "PASSBACK_REPORT " in line
    ]
    assert lines, "the destination logged no PASSBACK_REPORT"
    return parse_report_line(lines[-1][lines[-1].index("PASSBACK_REPORT "):])
