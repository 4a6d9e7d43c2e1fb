"""The passback report as tables a district admin reads at a glance.

The destination's `PASSBACK_REPORT` JSON (destination_campus_grades/report.py) holds counts by
outcome per role, counts by reason with examples and what to do, and the writes sent to Campus;
this module only lays it out. Nothing here decides anything about the data.
"""

from __future__ import annotations

from typing import Any, Mapping

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from destination_campus_grades.reasons import Outcome
from destination_campus_grades.report import group_line

# Column headings in the enum's order: "skipped_by_rule" reads "skipped by rule".
OUTCOME_LABELS = {o.value: o.value.replace("_", " ").replace("campus", "Campus") for o in Outcome}


def outcomes_table(report: Mapping[str, Any]) -> Table:
    """Records per outcome (rows) and role (assessments, scores, grades, teacher_group; columns), with a total.

    Outcomes are rows so the table fits an 80-column terminal without cutting a heading.
    """
    title = "Passback outcomes" + (" (dry run: nothing written)" if report.get("dry_run") else "")
    table = Table(title=title, title_justify="left")
    table.add_column("outcome", no_wrap=True)
    roles = list(report["by_role"])
    for role in roles:
        table.add_column(role, justify="right")
    table.add_column("total", justify="right", style="bold")
    for outcome, label in OUTCOME_LABELS.items():
        counts = [report["by_role"][role].get(outcome, 0) for role in roles]
        table.add_row(label, *(_count(n) for n in counts), _count(report["totals"].get(outcome, 0)))
    return table


def reasons_view(report: Mapping[str, Any]) -> Group:
    """Every reason seen, most frequent first: a block each, so it reads at any terminal width.

    A table with the example and the advice as columns wrapped them into slivers on an
    80-column terminal; one block per reason keeps Campus's and Otus's words on whole lines.
    """
    blocks: list[Any] = [Text("Reasons", style="italic")]
    for code, entry in report["reasons"].items():
        heading = Text(f"{code}", style="bold")
        count = entry["count"]
        heading.append(f"  {OUTCOME_LABELS.get(entry['outcome'], entry['outcome'])}, {_count(count)} "
                       + ("record" if count == 1 else "records"))
        blocks.append(heading)
        # Campus's and Otus's words go in as Text: never read as markup.
        blocks.extend(Padding(Text(line), (0, 0, 0, 4)) for line in _example(entry["examples"]))
        blocks.append(Padding(Text(f"what to do: {entry['what_to_do']}"), (0, 0, 0, 4)))
    return Group(*blocks)


def show_report(console: Console, report: Mapping[str, Any]) -> None:
    """Print the whole report: notices, where the teacher group came from, outcomes, reasons,
    writes, and the failure if the sync failed."""
    parts: list[Any] = [Text(f"NOTICE: {notice}", style="bold") for notice in report.get("notices", ())]
    if report.get("teacher_group"):
        parts.append(Text(group_line(report["teacher_group"])))
    parts.append(outcomes_table(report))
    if report["reasons"]:
        parts.append(reasons_view(report))
    writes = report.get("writes") or {}
    if any(writes.values()):
        parts.append("Writes the destination sent: " + ", ".join(f"{method} {_count(n)}" for method, n in sorted(writes.items())))
    if report.get("partial"):
        parts.append(Text(f"The sync stopped early: {report.get('error')}", style="red"))
    console.print(Group(*parts))


def _example(examples: list[Mapping[str, Any]]) -> list[str]:
    """The first example: the Otus ids, the Campus sourcedId, and the words that explain it."""
    if not examples:
        return []
    first = examples[0]
    if not first["otus_id"]:  # a note on the sync as a whole, not on one record
        return [first["detail"]] if first.get("detail") else []
    text = f"e.g. {first['otus_id']}"
    if first.get("campus_id"):
        text += f" -> {first['campus_id']}"
    return [text, first["detail"]] if first.get("detail") else [text]


def _count(n: int) -> str:
    return f"{n:,}"
