"""Both connectors, and real Otus-side sources from PyPI, run with PyAirbyte as a user without an
Airbyte platform runs them, against the Campus sandbox and file servers on loopback.

The Otus side is Airbyte's own SFTP Bulk source (`airbyte-source-sftp-bulk`, the CDK's file-based
framework), installed by PyAirbyte from PyPI into its own virtual environment, reading the sample
export as three CSV files from OpenSSH's server on 127.0.0.1: one connection, all three streams;
and Airbyte's S3 source (`airbyte-source-s3`) reading the same files from moto's S3 server over
TLS on 127.0.0.1, trusting the test's own CA, the route whose transport verifies the server.
The passback tests run the operator guide's PyAirbyte snippets exactly as printed there.

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

from campus_demo.connectors import console_script, import_pyairbyte, install_from_pypi, install_sftp_bulk, use_private_pyairbyte_dirs
from campus_demo.roster_sync import ROSTER_STREAMS
from destination_campus_grades.report import parse_report_line
from otus_export.file_source import sftp_server, write_csv_export
from otus_export.object_store import S3_NAME, S3_PACKAGE, CertificateAuthority, S3Export, s3_server
from otus_export.sample import sample_export

ROOT = Path(__file__).resolve().parent.parent
OPERATOR_GUIDE = ROOT / "docs" / "operators.md"
ROLES = {"teacher_group": "teacher_group", "assessments": "assessments", "scores": "scores", "grades": "grades"}
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


@pytest.fixture(scope="module")
def source_s3(pyairbyte_dir) -> Path:
    """source-s3 installed by PyAirbyte under the install lock (a demo or another worker may be
    installing connectors at the same time); the snippets find it in <venv>/airbyte-connectors."""
    return install_from_pypi(S3_NAME, S3_PACKAGE, pyairbyte_dir)


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


def operator_guide_snippet(otus_source: str) -> str:
    """The operator guide's PyAirbyte snippet that reads the Otus side with `otus_source`, as printed."""
    blocks = re.findall(r"```python\n(.*?)```", OPERATOR_GUIDE.read_text(), re.DOTALL)
    (snippet,) = [block for block in blocks if "ab.get_destination(" in block and f'"{otus_source}", config=' in block]
    return snippet


def run_snippet(snippet: str, namespace: dict[str, Any]) -> None:
    exec(compile(snippet, str(OPERATOR_GUIDE), "exec"), namespace)


def test_the_operator_guide_snippet_passes_back_what_source_sftp_bulk_reads(ab, pyairbyte_dir, sandbox, tmp_path,
                                                                          monkeypatch, capsys) -> None:
    """The snippet as printed: the roster into DuckDB, then the Otus CSV export on SFTP, read by
    source-sftp-bulk from PyPI, written to Campus. Numbers and booleans arrive typed: nothing but
    the two cells that are text in the export is reported as a wrong type. The teacher group is the
    fourth file, so the destination's config carries no passback_teacher_group. The user sees the
    passback report: the snippet prints the report file the destination wrote."""
    install_sftp_bulk(pyairbyte_dir)  # under the install lock (a demo may install it at the same time); the snippet finds it
    monkeypatch.chdir(tmp_path)
    sample = sample_export(sandbox.state.district)
    export_dir = tmp_path / "export"
    write_csv_export(sample.group_records() + sample.records, export_dir)
    settings = {k: v for k, v in sample.config_values().items() if k != "passback_teacher_group"}
    with sftp_server(export_dir) as sftp:
        namespace: dict[str, Any] = {
            "campus_config": sandbox.connection_config(auth="oauth2"),
            "otus_sftp_config": sftp.source_config(ROLES),
            "passback_config": {**sandbox.connection_config(auth="oauth2"), **settings},
        }
        run_snippet(operator_guide_snippet("source-sftp-bulk"), namespace)

        otus = namespace["otus"]
        scores_schema = otus.get_stream_json_schema("scores")["properties"]
        assert "number" in scores_schema["points"]["type"] and "string" in scores_schema["student_id"]["type"]
        assert "boolean" in otus.get_stream_json_schema("assessments")["properties"]["include_in_final_grade"]["type"]
        written = _last_report()
        printed = capsys.readouterr().out
        assert "Passback report" in printed and f"created: {written['totals']['created']}" in printed
        assert parse_report_line(printed.strip().splitlines()[-1]) == written, "the file is the logged report"
        _assert_sample_passed_back(written, sandbox, sample)

        gradebook_before = sandbox.state.version
        namespace["grades"].write(otus, cache=False, force_full_refresh=True)  # the snippet's last line, again
        again = _last_report()
    assert again["totals"]["created"] == again["totals"]["updated"] == 0
    assert again["totals"]["unchanged"] == written["totals"]["created"]
    assert sandbox.state.version == gradebook_before, "the second write changed Campus's gradebook"


def test_the_operator_guide_s3_snippet_passes_back_from_the_verified_store_and_refuses_an_impostor(
        ab, source_s3, sandbox, tmp_path, monkeypatch) -> None:
    """The guide's S3 snippet as printed, against moto's S3 server on 127.0.0.1 over TLS with a
    certificate the district's CA issued, that CA's bundle in AWS_CA_BUNDLE: source-s3 from PyPI
    reads the export and it is passed back as the SFTP export is. Then an impostor answers at the
    store's address with a certificate another CA issued, and the snippet's `otus.check()` refuses
    it: botocore verifies the chain (source_s3/v4/stream_reader.py builds its client with verify)."""
    from airbyte.exceptions import AirbyteConnectorCheckFailedError

    for variable in ("AWS_ENDPOINT_URL_S3", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)  # the snippet sets them; the test's end removes them
    sample = sample_export(sandbox.state.district)
    export_dir = tmp_path / "export"
    write_csv_export(sample.records, export_dir)
    district = CertificateAuthority(tmp_path, "district")
    with s3_server(export_dir, district) as store:
        namespace = _s3_namespace(store, sandbox, sample)
        run_snippet(operator_guide_snippet("source-s3"), namespace)
    _assert_sample_passed_back(_last_report(), sandbox, sample, group_stream=False)

    with s3_server(export_dir, CertificateAuthority(tmp_path, "impostor"), ca_bundle=district.bundle) as impostor:
        os.environ["AWS_ENDPOINT_URL_S3"] = impostor.endpoint  # the store's address, answered by someone else
        with pytest.raises(AirbyteConnectorCheckFailedError) as refused:
            namespace["otus"].check()
    assert "CERTIFICATE_VERIFY_FAILED" in refused.value.context["failure_reason"]


@pytest.mark.soak
def test_source_s3_with_the_endpoint_in_its_config_trusts_only_public_cas(ab, source_s3, tmp_path, monkeypatch) -> None:
    """What the guide says about `endpoint`: set in the config, the source passes verify=True to
    botocore (source_s3/v4/stream_reader.py, _get_s3_compatible_client_args), so AWS_CA_BUNDLE is
    ignored and a store behind the district's own CA is refused even with its bundle given."""
    from airbyte.exceptions import AirbyteConnectorCheckFailedError

    export_dir = tmp_path / "export"
    write_csv_export([], export_dir)
    district = CertificateAuthority(tmp_path, "district")
    with s3_server(export_dir, district) as store:
        monkeypatch.setenv("AWS_CA_BUNDLE", store.ca_bundle)
        monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
        otus = ab.get_source(S3_NAME, config={**store.source_config(ROLES), "endpoint": store.endpoint},
                             pip_url=S3_PACKAGE, streams=list(ROLES))
        with pytest.raises(AirbyteConnectorCheckFailedError) as refused:
            otus.check()
    assert "CERTIFICATE_VERIFY_FAILED" in refused.value.context["failure_reason"]


@pytest.mark.soak
def test_source_s3_refuses_a_certificate_the_district_ca_issued_for_another_host(ab, source_s3, tmp_path, monkeypatch) -> None:
    """The name counts, not only the CA: a certificate the district's CA issued to another of its
    hosts (127.0.0.2) does not let that host stand in for the store at 127.0.0.1."""
    from airbyte.exceptions import AirbyteConnectorCheckFailedError

    export_dir = tmp_path / "export"
    write_csv_export([], export_dir)
    with s3_server(export_dir, CertificateAuthority(tmp_path, "district"), certified_host="127.0.0.2") as elsewhere:
        for variable, value in elsewhere.source_environment().items():
            monkeypatch.setenv(variable, value)
        otus = ab.get_source(S3_NAME, config=elsewhere.source_config(ROLES), pip_url=S3_PACKAGE, streams=list(ROLES))
        with pytest.raises(AirbyteConnectorCheckFailedError) as refused:
            otus.check()
    assert "hostname '127.0.0.1' doesn't match '127.0.0.2'" in refused.value.context["failure_reason"]


@pytest.mark.soak
def test_source_s3_refuses_an_impostor_when_the_sync_skips_check(ab, source_s3, sandbox, tmp_path, monkeypatch) -> None:
    """Without `check`, the read itself refuses the impostor: the write fails, Campus is untouched."""
    from airbyte.exceptions import PyAirbyteError

    export_dir = tmp_path / "export"
    sample = sample_export(sandbox.state.district)
    write_csv_export(sample.records, export_dir)
    district = CertificateAuthority(tmp_path, "district")
    with s3_server(export_dir, CertificateAuthority(tmp_path, "impostor"), ca_bundle=district.bundle) as impostor:
        for variable, value in impostor.source_environment().items():
            monkeypatch.setenv(variable, value)
        otus = ab.get_source(S3_NAME, config=impostor.source_config(ROLES), pip_url=S3_PACKAGE, streams=list(ROLES))
        grades = ab.get_destination(
            "destination-campus-grades", config=_s3_namespace(impostor, sandbox, sample)["passback_config"],
            local_executable=console_script("destination-campus-grades"),
        )
        logged_before = _log_sizes(S3_NAME)
        with pytest.raises(PyAirbyteError) as refused:
            grades.write(otus, cache=False, force_full_refresh=True)
    failure = refused.value
    while failure.original_exception is not None:
        failure = failure.original_exception
    assert failure.connector_name == S3_NAME, "the write failed, but not because the source did"
    assert "CERTIFICATE_VERIFY_FAILED" in _logged_since(S3_NAME, logged_before)
    assert not sandbox.state.line_items and not sandbox.state.results, "the impostor's export reached Campus"


def _s3_namespace(store: S3Export, sandbox, sample) -> dict[str, Any]:
    """The names the guide's S3 snippet uses."""
    return {
        "otus_store_url": store.endpoint,
        "otus_store_ca_bundle": store.ca_bundle,
        "otus_s3_config": store.source_config({k: v for k, v in ROLES.items() if k != "teacher_group"}),  # the three files
        "passback_config": {**sandbox.connection_config(auth="oauth2"), **sample.config_values()},
    }


def _assert_sample_passed_back(written: dict[str, Any], sandbox, sample, *, group_stream: bool = True) -> None:
    """The report of a first passback of the sample export: every role, every reason the sample
    provokes, and nothing but the export's text cells reported as a wrong type. With `group_stream`
    the teacher group came as the fourth file; without it (the S3 snippet's three files), from the
    sample's passback_teacher_group."""
    if group_stream:
        assert set(written["by_role"]) == set(ROLES)
        assert written["teacher_group"]["source"] == "stream" and written["teacher_group"]["members"] == len(
            sample.teacher_group)
    else:
        assert set(written["by_role"]) == set(ROLES) - {"teacher_group"}
        assert written["teacher_group"]["source"] == "setting"
    created = {role: counts.get("created", 0) for role, counts in written["by_role"].items()}
    assert created["scores"] > 0 and created["assessments"] > 0
    assert len(sandbox.state.line_items) == created["assessments"]
    assert len(sandbox.state.results) == created["scores"] + created["grades"]
    expected = {case.expected for case in sample.cases.values() if case.expected}
    assert expected <= set(written["reasons"]), "every reason the sample provokes is reported"
    assert written["reasons"]["wrong_field_type"]["count"] == len(TEXT_CASES)


def _connector_logs(connector: str) -> list[Path]:
    """A connector's log files, under the logging root PyAirbyte read at its first import (see _last_report)."""
    from airbyte.logs import AIRBYTE_LOGGING_ROOT

    return sorted((Path(AIRBYTE_LOGGING_ROOT) / connector).glob("*.log"), key=lambda p: p.stat().st_mtime)


def _log_sizes(connector: str) -> dict[Path, int]:
    return {log: log.stat().st_size for log in _connector_logs(connector)}


def _logged_since(connector: str, sizes: dict[Path, int]) -> str:
    """What `connector` logged after `sizes` was taken (PyAirbyte appends one module's runs to its files)."""
    return "".join(log.read_bytes()[sizes.get(log, 0):].decode(errors="replace") for log in _connector_logs(connector))


def _last_report() -> dict[str, Any]:
    """The last PASSBACK_REPORT the destination logged. PyAirbyte writes connector logs under the
    logging root it read when first imported in this process: another module's directory when that
    module (test_source_schemas.py shares these fixtures) imported it first."""
    lines = [
        line for log in _connector_logs("destination-campus-grades")
        for line in log.read_text().splitlines() if "PASSBACK_REPORT " in line
    ]
    assert lines, "the destination logged no PASSBACK_REPORT"
    return parse_report_line(lines[-1][lines[-1].index("PASSBACK_REPORT "):])
