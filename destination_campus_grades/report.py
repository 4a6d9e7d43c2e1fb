"""Outcomes of every record → the passback report a district admin (and a test) reads after a sync.

Peers' users complain most about silent rejections; this report answers every input line: the
lines received by kind (`input`: records, states, invalid, ignored), and for every record and
invalid line exactly one outcome, so created + updated + unchanged + deleted + skipped_by_rule +
refused_by_campus + invalid_input = records + invalid lines + the disappeared assessments deleted
(a deletion with no input record behind it still counts under `deleted`, so an alert on it sees
every loss; `deleted.by_cause` splits them: removed in Otus, unticked from the final grade,
disappeared, with the lineItem ids). Then counts by reason code, and a few examples per reason
with the Otus ids, the Campus sourcedId
and Campus's own words; every class and Otus category no Campus category resolved for
(`unresolved_categories`, a dry run's to-do list). It is emitted as readable log lines plus ONE machine-readable line that
starts with `PASSBACK_REPORT ` followed by JSON. Memory is bounded: counters and at most
`EXAMPLES_PER_REASON` examples per reason, whatever the number of records.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from campus_oneroster.provider_text import provider_words
from destination_campus_grades.reasons import Outcome, Reason

REPORT_PREFIX = "PASSBACK_REPORT "
EXAMPLES_PER_REASON = 3
DELETED_IDS_LISTED = 100  # lineItem sourcedIds listed per cause of deletion
LINE_KINDS = ("records", "states", "invalid", "ignored")


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """What happened to one input record."""

    role: str  # assessments | scores | grades | the unmapped stream's name | "input" (an unusable line)
    outcome: Outcome | None  # None: a note on a record counted elsewhere
    otus_id: str
    campus_id: str | None = None
    reason: Reason | None = None
    detail: str | None = None  # Campus's description for refusals, the rule's detail otherwise
    position: int | None = None  # the record's ledger position (settled by this outcome); None: no input record


class PassbackReport:
    """Accumulates outcomes during a sync; renders them at the end (or on failure, as partial)."""

    def __init__(self, *, dry_run: bool) -> None:
        self.dry_run = dry_run
        self.totals: Counter[Outcome] = Counter()
        self.by_role: dict[str, Counter[Outcome]] = {}
        self.by_reason: Counter[Reason] = Counter()
        self.examples: dict[Reason, list[dict[str, Any]]] = {}
        self.writes: dict[str, int] = {}  # PUT / DELETE requests sent to Campus (retries included)
        self.notices: list[str] = []  # what the admin must act on soon (a key about to expire): the first lines
        self.lines_received: Counter[str] = Counter()
        self.unresolved_categories: set[tuple[str, str]] = set()  # (class, Otus category) no Campus category resolved for
        self.deleted: dict[str, dict[str, Any]] = {}  # cause (reason code) → count and lineItem ids
        self.teacher_group: dict[str, Any] = {}  # rule 4's group: where it came from, members (`teacher_group.py`)

    def count_line(self, kind: str) -> None:
        """One input line of a kind in LINE_KINDS."""
        self.lines_received[kind] += 1

    def add(self, outcome: RecordOutcome) -> None:
        """One outcome; a deletion is also listed under `deleted` by its cause, with the lineItem's id."""
        if outcome.outcome is Outcome.DELETED:
            cause = self.deleted.setdefault(outcome.reason.value, {"count": 0, "line_items": []})
            cause["count"] += 1
            if len(cause["line_items"]) < DELETED_IDS_LISTED:
                cause["line_items"].append(_one_line(outcome.campus_id))
        self.totals[outcome.outcome] += 1
        self.by_role.setdefault(outcome.role, Counter())[outcome.outcome] += 1
        if outcome.reason is not None:
            self._note(outcome.reason, outcome)

    def note(self, reason: Reason, outcome: RecordOutcome) -> None:
        """A remark on a record that was still written (e.g. a truncated title)."""
        self._note(reason, outcome)

    def _note(self, reason: Reason, outcome: RecordOutcome) -> None:
        self.by_reason[reason] += 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < EXAMPLES_PER_REASON:
            examples.append({"otus_id": _one_line(outcome.otus_id), "campus_id": _one_line(outcome.campus_id),
                             "detail": _one_line(outcome.detail)})

    def as_dict(self, *, partial: bool = False, error: str | None = None) -> dict[str, Any]:
        """The machine-readable report. Keys are stable: tests and the demo parse them."""
        return {
            "dry_run": self.dry_run,
            "partial": partial,
            "input": {"lines": sum(self.lines_received.values()),
                      **{kind: self.lines_received.get(kind, 0) for kind in LINE_KINDS}},
            "error": error,
            "totals": {o.value: self.totals.get(o, 0) for o in Outcome},
            "by_role": {role: {o.value: n for o, n in counts.items()} for role, counts in sorted(self.by_role.items())},
            "reasons": {
                reason.value: {
                    "outcome": reason.outcome.value if reason.outcome else "note",
                    "count": count,
                    "what_to_do": reason.what_to_do,
                    "examples": self.examples.get(reason, []),
                }
                for reason, count in sorted(self.by_reason.items(), key=lambda item: (-item[1], item[0].value))
            },
            "deleted": {"count": self.totals.get(Outcome.DELETED, 0),
                        "by_cause": {cause: dict(entry) for cause, entry in sorted(self.deleted.items())}},
            "writes": dict(self.writes),
            "notices": list(self.notices),
            "unresolved_categories": [{"class": section, "otus_category": category}
                                      for section, category in sorted(self.unresolved_categories)],
            "teacher_group": dict(self.teacher_group),
        }

    def lines(self, *, partial: bool = False, error: str | None = None) -> list[str]:
        """Notices first, then readable lines, then the one JSON line."""
        report = self.as_dict(partial=partial, error=error)
        head = "Passback report" + (" (DRY RUN: nothing was written)" if self.dry_run else "")
        if partial:
            head += " (PARTIAL: the sync failed before the end; the platform's retry resumes from the last state)"
        lines = [f"NOTICE: {notice}" for notice in self.notices] + [head]
        received = report["input"]
        lines.append(f"  input lines: {received['lines']} ("
                     + ", ".join(f"{kind} {received[kind]}" for kind in LINE_KINDS) + ")")
        lines.append("  " + ", ".join(f"{name}: {count}" for name, count in report["totals"].items()))
        if self.teacher_group:
            lines.append("  " + group_line(self.teacher_group))
        for role, counts in report["by_role"].items():
            lines.append(f"  {role}: " + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
        for code, entry in report["reasons"].items():
            lines.append(f"  [{entry['outcome']}] {code}: {entry['count']}. {entry['what_to_do']}")
            for example in entry["examples"]:
                campus = f" -> Campus {example['campus_id']}" if example["campus_id"] else ""
                if example["otus_id"]:
                    detail = f" ({example['detail']})" if example["detail"] else ""
                    lines.append(f"      e.g. {example['otus_id']}{campus}{detail}")
                elif example["detail"]:  # a note on the sync as a whole, not on one record
                    lines.append(f"      {example['detail']}")
        if self.unresolved_categories:
            lines.append("  Categories to resolve before these assessments pass back (by class):")
            by_class: dict[str, list[str]] = {}
            for section, category in sorted(self.unresolved_categories):
                by_class.setdefault(section, []).append(category)
            for section, categories in by_class.items():
                lines.append(f"      class {section}: " + ", ".join(repr(c) if c else "(no Otus category)" for c in categories))
        for cause, entry in report["deleted"]["by_cause"].items():
            more = entry["count"] - len(entry["line_items"])
            lines.append(f"  deleted in Campus ({cause}): {entry['count']} lineItem{'' if entry['count'] == 1 else 's'}: "
                         + ", ".join(entry["line_items"]) + (f" and {more} more" if more else ""))
        if any(self.writes.values()):
            lines.append("  Requests sent to Campus: " + ", ".join(f"{m} {n}" for m, n in sorted(self.writes.items())))
        if error:
            lines.append(f"  Sync failed: {error}")
        lines.append(REPORT_PREFIX + json.dumps(report, sort_keys=True))
        return lines


def _one_line(text: str | None) -> str | None:
    """Ids and details may hold what Campus serves (a lineItem's metadata): bounded and escaped, so
    one example stays one short line and cannot forge another."""
    return provider_words(text) if text else text


def group_line(group: dict[str, Any]) -> str:
    """Where rule 4's teacher group came from, in one line (the report and the demo print it)."""
    if group["source"] == "stream":
        ignored = "; passback_teacher_group was ignored" if group["setting_ignored"] else ""
        return (f"teacher group: {group['members']} members from the Otus stream {', '.join(group['streams'])}"
                f"{ignored}")
    if group["source"] == "setting":
        return f"teacher group: {group['members']} ids from the passback_teacher_group setting"
    return "teacher group: none (no teacher_group stream, passback_teacher_group empty): every Campus user passes"


def parse_report_line(line: str) -> dict[str, Any] | None:
    """The report dict from a log line, or None if the line is not the report (for tests and the demo)."""
    if not line.startswith(REPORT_PREFIX):
        return None
    return json.loads(line[len(REPORT_PREFIX):])
