"""`python -m campus_demo` (the README's `./dev.sh demo`): options, then the main job.

Parsing and checking options is all this module does; `job.py` runs the steps.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any, Sequence

from rich.console import Console

from campus_demo.export_files import read_export
from campus_demo.job import DemoOptions, run_demo
from campus_sandbox.district import SIZES as DISTRICT_SIZES

DESCRIPTION = """\
The main job of Campus Passback, end to end, in one command:

  1. start a local Campus sandbox (an Infinite Campus OneRoster 1.1 endpoint) with a generated district;
  2. sync the roster through source-campus-oneroster with PyAirbyte into a DuckDB cache, and print counts per stream;
  3. build a sample Otus export that matches that roster and exercises every passback rule, serve it
     as four CSV files over SFTP (OpenSSH on 127.0.0.1; the fourth is the teacher group), and install
     Airbyte's SFTP Bulk source from PyPI;
  4. sync it from source-sftp-bulk into destination-campus-grades and print the passback report;
  5. run the passback again and show that nothing is re-sent;
  6. stop everything it started and delete its temporary files (also on Ctrl-C or an error).
"""

EPILOG = """\
A real district instead of the sandbox:
  --config FILE   the destination's config as JSON (base_url, credentials, vendor_key, vendor_secret,
                  passback_start_date, passback_teacher_group, ...; see
                  docs/integrations/destinations/campus-grades.md). The source is given the
                  connection part of it. The sandbox is not started.
  A sample export cannot match a real roster, so with --config the demo syncs the roster only,
  unless --export DIR gives it Otus records to pass back. Add --dry-run to see the report
  without writing anything to the district's Campus.

--export DIR holds assessments.jsonl, scores.jsonl and grades.jsonl (one JSON record per line, the
destination's input fields; a missing file is an empty stream), and teacher_group.jsonl when Otus
exports the Gradebook Passback Teacher Group (without it, passback_teacher_group applies). With the sandbox it replaces the
sample export. Either way the records are written as CSV files and read by source-sftp-bulk.

Exit status: 0 when every step succeeded and the second run re-sent nothing; 1 otherwise.
"""


def parse_options(argv: Sequence[str]) -> DemoOptions:
    parser = argparse.ArgumentParser(
        prog="./dev.sh demo",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--size", choices=list(DISTRICT_SIZES), default="medium",
        help="district size of the sandbox (default: medium, 6 schools and 9,000 students; tiny and small are quicker)",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="a real district's destination config (JSON) instead of the sandbox")
    parser.add_argument("--export", type=Path, metavar="DIR", help="Otus records to pass back instead of the sample export")
    parser.add_argument("--dry-run", action="store_true", help="produce the passback report without writing to Campus")
    args = parser.parse_args(argv)
    if args.config is not None and args.size != parser.get_default("size"):
        parser.error("--size applies to the sandbox only; with --config the district is the real one")
    return DemoOptions(
        size=args.size,
        district_config=_district_config(parser, args.config),
        config_name=str(args.config) if args.config else None,
        export=_export(parser, args.export),
        export_name=str(args.export) if args.export else None,
        dry_run=args.dry_run,
    )


def _district_config(parser: argparse.ArgumentParser, path: Path | None) -> dict[str, Any] | None:
    """The --config file, checked before anything starts (a typo should not cost a roster sync)."""
    if path is None:
        return None
    if not path.is_file():
        parser.error(f"--config {path}: no such file")
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        parser.error(f"--config {path}: not JSON ({error.msg}, line {error.lineno}); it holds the destination's config as one JSON object")
    if not isinstance(config, dict):
        parser.error(f"--config {path}: must hold one JSON object (the destination's config)")
    return config


def _export(parser: argparse.ArgumentParser, directory: Path | None) -> dict[str, list[dict[str, Any]]] | None:
    """The --export records, read before anything starts."""
    if directory is None:
        return None
    if not directory.is_dir():
        parser.error(f"--export {directory}: no such directory")
    try:
        return read_export(directory)
    except ValueError as error:
        parser.error(f"--export: {error}")


class Terminated(BaseException):
    """SIGTERM (a `kill`, a CI timeout): unwinds like Ctrl-C, so the demo's ExitStack stops what it
    started and deletes its work directory (configs holding the Campus key and secret included)."""


def _terminated(signum: int, frame: Any) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(sys.argv[1:] if argv is None else argv)
    console = Console(highlight=False)
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return run_demo(options, console)
    except KeyboardInterrupt:
        console.print("\nStopped (Ctrl-C); everything the demo started has been stopped.")
        return 130
    except Terminated:
        console.print("\nStopped (SIGTERM); everything the demo started has been stopped.")
        return 128 + signal.SIGTERM
