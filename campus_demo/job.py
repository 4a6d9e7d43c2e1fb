"""The demo's steps in order, and the guarantee that whatever it started is stopped.

Every resource (the sandbox server, the temporary directory with the DuckDB cache, config files
holding secrets, and the connector processes) is entered on one ExitStack, so a failure in any
step or a Ctrl-C unwinds them all. Each step prints what it did; the long ones show progress.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from campus_demo import sandbox_district
from campus_demo.connectors import ConnectorInstallFailed, install_sftp_bulk
from campus_demo.passback_run import OtusSource, PassbackRun, run_sync
from campus_demo.report_view import show_report
from campus_demo.roster_sync import RosterSyncFailed, sync_roster
from campus_demo.sandbox_district import SandboxDistrict
from destination_campus_grades.spec import GROUP_ROLE, STREAM_ROLES
from otus_export.file_source import SFTP_BULK_NAME, SFTP_BULK_PACKAGE, SftpServerUnavailable, sftp_server, write_csv_export
from source_campus_oneroster.spec import source_spec


@dataclass(frozen=True)
class DemoOptions:
    """What the command line asked for; files are already read and checked."""

    size: str
    district_config: dict[str, Any] | None  # a real district's destination config (--config)
    config_name: str | None
    export: dict[str, list[dict[str, Any]]] | None  # Otus records per role (--export)
    export_name: str | None
    dry_run: bool


def run_demo(options: DemoOptions, console: Console) -> int:
    """Run every step; 0 when all succeeded and the second passback re-sent nothing."""
    with ExitStack() as stack:
        status = _run_steps(options, console, stack)
    _step(console, 6, "Stopped everything the demo started and removed its temporary files")
    return status


def _run_steps(options: DemoOptions, console: Console, stack: ExitStack) -> int:
    """Steps 1-5; every resource goes on `stack`, which the caller unwinds."""
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="campus-demo-")))
    sandbox: SandboxDistrict | None = None
    if options.district_config is None:
        _step(console, 1, f"Starting the Campus sandbox with a {options.size} district")
        sandbox = stack.enter_context(sandbox_district.start(options.size))
        console.print(sandbox.describe())
        destination_config = sandbox.destination_config()
    else:
        _step(console, 1, f"Using the district in {options.config_name} (no sandbox)")
        destination_config = options.district_config
    destination_config = {**destination_config, "dry_run": options.dry_run or destination_config.get("dry_run", False)}

    _step(console, 2, "Syncing the roster through source-campus-oneroster (PyAirbyte, DuckDB cache)")
    try:
        counts = sync_roster(_source_config(destination_config), workdir / "pyairbyte")
    except RosterSyncFailed as failure:
        console.print(f"[red]The roster sync failed: {escape(str(failure))}[/red]")
        return 1
    console.print(_counts_table(counts))

    if options.export is not None:
        _step(console, 3, f"Using the Otus export in {options.export_name}")
        export = options.export
    elif sandbox is not None:
        _step(console, 3, "Building a sample Otus export that matches the roster")
        export = sandbox.export
    else:
        console.print("\nNo --export given: a sample export cannot match a real district's roster, so the demo stops after the roster sync.")
        return 0
    console.print("  " + ", ".join(f"{len(records):,} {role}" for role, records in export.items()))
    try:
        otus = _otus_side(console, export, workdir, stack)
    except (SftpServerUnavailable, ConnectorInstallFailed) as failure:
        console.print(f"[red]The Otus side could not be set up: {escape(str(failure))}[/red]")
        return 1

    _step(console, 4, "Syncing the export from source-sftp-bulk into destination-campus-grades" + (" (dry run)" if options.dry_run else ""))
    first = _passback(console, destination_config, otus, export, workdir, "first", sandbox)
    if not first.succeeded:
        return 1

    if options.dry_run:
        _step(console, 5, "Skipped the second run: a dry run writes nothing, so there is nothing to re-send")
        return 0
    _step(console, 5, "Running the same passback again: nothing should be re-sent")
    second = _passback(console, destination_config, otus, export, workdir, "second", sandbox)
    if not second.succeeded:
        return 1
    return _verdict(console, second)


def _otus_side(console: Console, export: Mapping[str, list], workdir: Path, stack: ExitStack) -> OtusSource:
    """The export as CSV files on an SFTP server (OpenSSH on 127.0.0.1), and Airbyte's SFTP Bulk
    source to read them, installed by PyAirbyte from PyPI the first time."""
    export_dir = workdir / "otus-export"
    roles = [role for role in STREAM_ROLES if role in export]  # the teacher group only when the export has it
    write_csv_export(((role, record) for role, records in export.items() for record in records), export_dir,
                     roles=roles)
    sftp = stack.enter_context(sftp_server(export_dir))
    files = ", ".join(f"{role}.csv" for role in roles)
    console.print(f"  {len(roles)} files: {files} on sftp://{sftp.host}:{sftp.port}{sftp.folder_path}")
    if GROUP_ROLE in export:
        console.print(f"  the teacher group: {len(export[GROUP_ROLE]):,} members in {GROUP_ROLE}.csv "
                      "(Otus's Gradebook Passback Teacher Group, as Otus admins keep it)")
    with console.status(f"Installing {SFTP_BULK_PACKAGE} with PyAirbyte (first run only)"):
        executable = install_sftp_bulk(workdir / "pyairbyte")
    console.print(f"  read by source-sftp-bulk ({SFTP_BULK_PACKAGE}), one stream per file, typed by the destination's input schemas")
    # the teacher group first: nothing waits for it then (the destination decides rule 4 with the whole group)
    streams = {role: role for role in sorted(roles, key=lambda role: role != GROUP_ROLE)}
    return OtusSource(executable, sftp.source_config(streams), streams)


def _passback(
    console: Console, config: Mapping[str, Any], otus: OtusSource, export: Mapping[str, list], workdir: Path,
    label: str, sandbox: SandboxDistrict | None,
) -> PassbackRun:
    """One sync from the Otus source into the destination, with a progress bar of the records so far."""
    before = (sandbox.stats.puts, sandbox.gradebook_version) if sandbox is not None else None
    total = sum(len(records) for records in export.values())
    progress = Progress(
        SpinnerColumn(), TextColumn("source-sftp-bulk read | destination-campus-grades write"), BarColumn(), MofNCompleteColumn(),
        TextColumn("records"), TimeElapsedColumn(), console=console, transient=True,
    )
    with progress:
        task = progress.add_task("write", total=total)
        run = run_sync(
            config, otus, workdir / "sync", run_label=label,
            on_progress=lambda forwarded: progress.update(task, completed=forwarded),
        )
    if run.report is not None:
        show_report(console, run.report)
    if sandbox is not None:
        run.campus_puts = sandbox.stats.puts - before[0]
        run.campus_changes = sandbox.gradebook_version - before[1]
        refused = run.campus_puts - run.campus_changes
        console.print(
            f"Campus received {run.campus_puts:,} PUT requests and stored {run.campus_changes:,} changes"
            + (f" ({refused:,} refused)." if refused > 0 else ".")
        )
    console.print(f"{run.states_echoed} of {run.states_sent} states confirmed; {run.seconds:.1f} s")
    for line in run.source_log.summary(SFTP_BULK_NAME):
        console.print(escape(line))
    for error in run.errors:
        console.print(f"[red]The destination failed: {escape(error)}[/red]")
    if run.exit_code != 0 and not run.errors:
        console.print(f"[red]The destination exited with status {run.exit_code}.[/red]")
    return run


def _verdict(console: Console, second: PassbackRun) -> int:
    """Nothing re-sent: no create or update in the report and, with the sandbox, no change stored.

    PUTs may still happen: the records Campus refused are tried again on every run (that is how
    they pass back once a grading window reopens), and Campus refuses them again.
    """
    totals = second.report["totals"] if second.report else {}
    rewritten = totals.get("created", 0) + totals.get("updated", 0)
    changes = second.campus_changes or 0
    if rewritten or changes:
        console.print(f"[red]The second run re-sent data: {rewritten:,} records created or updated, {changes:,} changes stored in Campus.[/red]")
        return 1
    retried = second.campus_puts or 0
    console.print(
        f"[green]Nothing was re-sent: {totals.get('unchanged', 0):,} records unchanged, "
        f"and Campus's gradebook did not change.[/green]"
    )
    if retried:
        console.print(
            f"The {retried:,} PUT requests of this run re-tried what Campus refused "
            f"({totals.get('refused_by_campus', 0):,} records): refusals are re-tried on every run, so they pass "
            "back by themselves once the district reopens the grading window or the record is fixed."
        )
    return 0


def _source_config(destination_config: Mapping[str, Any]) -> dict[str, Any]:
    """The connection part of the destination's config: exactly the keys the source's spec has."""
    properties = source_spec()["connectionSpecification"]["properties"]
    return {key: value for key, value in destination_config.items() if key in properties}


def _counts_table(counts: Mapping[str, int]) -> Table:
    table = Table(title="Roster in the DuckDB cache", title_justify="left")
    table.add_column("stream")
    table.add_column("records", justify="right")
    for stream, count in counts.items():
        table.add_row(stream, f"{count:,}")
    return table


def _step(console: Console, number: int, text: str) -> None:
    console.print(f"\n[bold]{number}. {text}[/bold]")
