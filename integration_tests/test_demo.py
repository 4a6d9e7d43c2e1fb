"""The README's first command, run as a user runs it: `./dev.sh demo --size tiny`.

One run (module-scoped: it is the slow part) is checked step by step against the district the
sandbox serves and the sample export's own expectations: roster counts per stream, a first
passback that creates lineItems and results and reports every reason the sample provokes, a
second passback that sends nothing, no secret in the output, and nothing left running or lying
around afterwards.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from campus_sandbox.district import generate
from otus_export.sample import sample_export

ROOT = Path(__file__).resolve().parent.parent
DEMO_TIMEOUT_SECONDS = 300


def _demo_env(temp_root: Path) -> dict[str, str]:
    """The user's environment with a private TMPDIR, so what the demo leaves behind is visible
    even while other test runs use the shared temporary directory."""
    return {**os.environ, "COLUMNS": "200", "NO_LIVE_PROGRESS": "1", "TMPDIR": str(temp_root)}


def _run_demo(temp_root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "dev.sh"), "demo", *args], cwd=ROOT, env=_demo_env(temp_root), capture_output=True, text=True,
        timeout=DEMO_TIMEOUT_SECONDS,
    )


def _processes_using(temp_root: Path) -> list[list[str]]:
    """Processes whose command line names a file under `temp_root` (the connectors the demo
    starts get their config files from its temporary directory)."""
    return [
        p.info["cmdline"] for p in psutil.process_iter(["cmdline"])
        if any(str(temp_root) in part for part in p.info["cmdline"] or ())
    ]


def _section(output: str, step: int) -> str:
    """The output of one numbered step of the demo."""
    match = re.search(rf"^{step}\. .*?(?=^{step + 1}\. |\Z)", output, re.MULTILINE | re.DOTALL)
    assert match, f"step {step} is missing from the demo's output:\n{output}"
    return match.group(0)


def _table_count(text: str, row: str) -> int:
    """The number on a table row that starts with `row` (rich draws the row between │ bars)."""
    match = re.search(rf"^\W*{re.escape(row)}\W+([\d,]+)\W*$", text, re.MULTILINE)
    assert match, f"no row {row!r} in:\n{text}"
    return int(match.group(1).replace(",", ""))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    temp_root = tmp_path_factory.mktemp("demo-tmp")
    return _run_demo(temp_root, "--size", "tiny"), temp_root


def test_demo_succeeds_and_cleans_up(demo_run) -> None:
    completed, temp_root = demo_run
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "6. Stopped everything the demo started" in completed.stdout
    assert not list(temp_root.iterdir()), "the demo left its temporary directory behind"
    assert not _processes_using(temp_root)


def test_the_demo_prints_no_warning_the_user_cannot_act_on(demo_run) -> None:
    """PyAirbyte's "Could not determine airbyte type" (airbyte/types.py) for a field with two
    types, Python's own warnings, and report wording that reads as a bug ("1 records", "=None")."""
    completed, _ = demo_run
    output = completed.stdout + completed.stderr
    for noise in ("Could not determine airbyte type", "Warning:", "warnings.warn", "1 records", "=None"):
        assert noise not in output, noise


def test_roster_counts_match_the_district(demo_run) -> None:
    output = _section(demo_run[0].stdout, 2)
    district = generate("tiny")
    assert _table_count(output, "classes") == district.section_count
    assert _table_count(output, "users") == district.user_count
    assert _table_count(output, "enrollments") == district.enrollment_count
    for stream in ("orgs", "academic_sessions", "courses"):
        assert _table_count(output, stream) > 0


def _campus_counts(step_output: str) -> tuple[int, int]:
    """(PUT requests received, changes stored) as the demo reports them from the sandbox."""
    match = re.search(r"Campus received ([\d,]+) PUT requests and stored ([\d,]+) changes", step_output)
    assert match, f"no sandbox counts in:\n{step_output}"
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def test_first_passback_writes_and_reports_every_sample_reason(demo_run) -> None:
    output = _section(demo_run[0].stdout, 4)
    puts, stored = _campus_counts(output)
    assert 0 < stored <= puts
    expected_reasons = {case.expected for case in sample_export(generate("tiny")).cases.values() if case.expected}
    missing = sorted(reason for reason in expected_reasons if reason not in output)
    assert not missing, f"reasons the sample provokes but the report does not show: {missing}\n{output}"
    confirmed = re.search(r"(\d+) of (\d+) states confirmed", output)
    assert confirmed and confirmed.group(1) == confirmed.group(2) != "0", output


def test_the_export_is_four_files_and_the_report_says_where_the_group_came_from(demo_run) -> None:
    """The teacher group travels as Otus keeps it: the fourth file, read as a fourth stream; the
    demo's config has no passback_teacher_group, and the report names the stream."""
    export = _section(demo_run[0].stdout, 3)
    assert "4 files: assessments.csv, scores.csv, grades.csv, teacher_group.csv" in export
    members = int(re.search(r"the teacher group: (\d+) members in teacher_group.csv", export).group(1))
    assert members == len(sample_export(generate("tiny")).teacher_group)
    passback = _section(demo_run[0].stdout, 4)
    assert f"teacher group: {members} members from the Otus stream teacher_group" in passback
    assert "teacher_not_in_group" in passback and "passback_teacher_group was ignored" not in passback


def test_the_sftp_sources_cast_warnings_are_one_line_that_quotes_no_cell(demo_run) -> None:
    """source-sftp-bulk warns for every empty typed cell: the demo counts those warnings under the
    report (otus_export/source_logs.py) instead of dropping or repeating them, and never shows a cell."""
    output = _section(demo_run[0].stdout, 4)
    lines = [line for line in output.splitlines() if "Could not cast" in line]
    assert len(lines) == 1 and "none needing action" in lines[0] and "for empty cells" in lines[0], output
    assert "value=" not in output


def test_second_passback_sends_nothing_new(demo_run) -> None:
    """Only refusals are tried again (they pass back once a window reopens); Campus stores nothing."""
    output = _section(demo_run[0].stdout, 5)
    puts, stored = _campus_counts(output)
    assert stored == 0
    assert "Nothing was re-sent" in output
    assert _outcome_total(output, "created") == 0 and _outcome_total(output, "updated") == 0
    assert _outcome_total(output, "unchanged") > 0
    assert puts <= _outcome_total(output, "refused by Campus")


def _outcome_total(step_output: str, outcome: str) -> int:
    """The total column of one outcome's row in the outcomes table ("refused by Campus", ...)."""
    row = next(line for line in step_output.splitlines() if re.match(rf"^\W*{outcome}\s*[│┃|]", line))
    cells = [cell.strip() for cell in re.split(r"[│┃|]", row) if cell.strip()]
    return int(cells[-1].replace(",", ""))


def test_a_real_district_with_its_own_export_in_dry_run(make_sandbox, tmp_path) -> None:
    """--config and --export, as a district admin trying their own data: the demo starts no
    sandbox of its own, reads the given export, writes nothing with --dry-run, and never prints a
    secret from the config file."""
    campus = make_sandbox("tiny")
    sample = sample_export(campus.state.district)
    config = {**campus.connection_config(auth="oauth2"), **sample.config_values()}
    (tmp_path / "district.json").write_text(json.dumps(config))
    export_dir = tmp_path / "export"
    export_dir.mkdir()
    for role in ("assessments", "scores", "grades"):
        (export_dir / f"{role}.jsonl").write_text("".join(json.dumps(record) + "\n" for record in sample.stream(role)))

    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    completed = _run_demo(temp_root, "--config", str(tmp_path / "district.json"), "--export", str(export_dir), "--dry-run")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Starting the Campus sandbox" not in output
    assert f"{len(sample.stream('scores')):,} scores" in _section(completed.stdout, 3)
    assert "dry run: nothing written" in _section(completed.stdout, 4)
    # no teacher_group.jsonl: the group is the config's list, and the report says so
    assert f"teacher group: {len(sample.teacher_group)} ids from the passback_teacher_group setting" in \
        _section(completed.stdout, 4)
    assert campus.stats.puts == 0 and campus.stats.deletes == 0
    assert campus.stats.by_method.get("GET", 0) > 0  # the roster sync and the passback read this district
    for secret in (config["credentials"]["client_secret"], config["vendor_secret"]):
        assert secret not in output


def test_an_expired_secret_stops_at_the_roster_sync_with_the_fix(make_sandbox, tmp_path) -> None:
    campus = make_sandbox("tiny")
    config = campus.connection_config(auth="oauth2", passback_start_date="2026-09-01", district_time_zone="America/Chicago")
    old_secret = config["credentials"]["client_secret"]
    campus.renew_secret()
    (tmp_path / "district.json").write_text(json.dumps(config))
    completed = _run_demo(tmp_path, "--config", str(tmp_path / "district.json"))
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "The roster sync failed" in output and "Renew Secret" in output
    assert old_secret not in output
    assert "3. " not in completed.stdout


def test_a_bad_export_line_is_refused_before_anything_starts(tmp_path) -> None:
    (tmp_path / "scores.jsonl").write_text('{"assessment_id": "a1"}\nnot json\n')
    started = time.monotonic()
    completed = _run_demo(tmp_path, "--export", str(tmp_path), "--size", "tiny")
    assert completed.returncode == 2
    assert f"{tmp_path / 'scores.jsonl'}:2 is not JSON" in completed.stderr
    assert "1. " not in completed.stdout
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_everything_it_started(tmp_path, stop) -> None:
    """Ctrl-C or SIGTERM while PyAirbyte runs the source: every process stopped, the temporary files
    (configs holding the key and secret) gone."""
    process = subprocess.Popen(
        [str(ROOT / "dev.sh"), "demo", "--size", "tiny"], cwd=ROOT, env=_demo_env(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if line.startswith("2. "):
            break
    time.sleep(1.0)
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(stop)
    rest, _ = process.communicate(timeout=60)
    # 128 + the signal from the demo's handler; -signal is seen now and then when it lands while
    # PyAirbyte is being imported (a shell reports both as 130).
    assert process.returncode in (128 + stop, -stop), "".join(output) + rest
    assert ("Stopped (Ctrl-C)" if stop == signal.SIGINT else "Stopped (SIGTERM)") in rest
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"still running after the signal: {[p.cmdline() for p in alive]}"
    assert not list(tmp_path.iterdir()), "the demo left its temporary directory behind"
