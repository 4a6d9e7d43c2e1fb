"""The passback report as tables a district admin reads at a glance.

The destination's `PASSBACK_REPORT` JSON (destination_campus_grades/report.py) holds counts by
outcome per role, counts by reason with examples and what to do, and the writes sent to Campus;
this module only lays it out. Nothing here decides anything about the data.
"""

from __future__ import annotations

from typing import Any, Mapping

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from destination_campus_grades.reasons import Outcome

# Column headings in the enum's order: "skipped_by_rule" reads "skipped by rule".
OUTCOME_LABELS = {o.value: o.value.replace("_", " ").replace("campus", "Campus") for o in Outcome}


def outcomes_table(report: Mapping[str, Any]) -> Table:
    """Records per role (assessments, scores, grades) and outcome, with a total row."""
    title = "Passback outcomes" + (" (dry run: nothing written)" if report.get("dry_run") else "")
    table = Table(title=title, title_justify="left")
    table.add_column("records")
    for label in OUTCOME_LABELS.values():
        table.add_column(label, justify="right")
    for role, counts in report["by_role"].items():
        table.add_row(Text(role), *(_count(counts.get(outcome, 0)) for outcome in OUTCOME_LABELS))
    table.add_row("total", *(_count(report["totals"].get(outcome, 0)) for outcome in OUTCOME_LABELS), style="bold")
    return table


def reasons_table(report: Mapping[str, Any]) -> Table:
    """Every reason seen, most frequent first, with one example and what to do about it."""
    table = Table(title="Reasons", title_justify="left", show_lines=True)
    table.add_column("reason")
    table.add_column("counted as")
    table.add_column("records", justify="right")
    table.add_column("example")
    table.add_column("what to do", ratio=1)
    for code, entry in report["reasons"].items():
        table.add_row(
            code,
            OUTCOME_LABELS.get(entry["outcome"], entry["outcome"]),
            _count(entry["count"]),
            Text(_example(entry["examples"])),  # Campus's and Otus's words, never read as markup
            Text(entry["what_to_do"]),
        )
    return table


def show_report(console: Console, report: Mapping[str, Any]) -> None:
    """Print the whole report: outcomes, reasons, writes, and the failure if the sync failed."""
    parts: list[Any] = [outcomes_table(report)]
    if report["reasons"]:
        parts.append(reasons_table(report))
    writes = report.get("writes") or {}
    if any(writes.values()):
        parts.append("Writes the destination sent: " + ", ".join(f"{method} {_count(n)}" for method, n in sorted(writes.items())))
    if report.get("partial"):
        parts.append(Text(f"The sync stopped early: {report.get('error')}", style="red"))
    console.print(Group(*parts))


def _example(examples: list[Mapping[str, Any]]) -> str:
    if not examples:
        return ""
    first = examples[0]
    text = str(first["otus_id"])
    if first.get("campus_id"):
        text += f" -> {first['campus_id']}"
    if first.get("detail"):
        text += f"\n{first['detail']}"
    return text


def _count(n: int) -> str:
    return f"{n:,}"
