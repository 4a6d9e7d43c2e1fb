"""Which log messages of Airbyte's file-based sources (SFTP Bulk, S3) are harmless, so that a
sync's few messages that matter are not buried under them.

Both sources log, through the CDK's file-based framework, a WARN "Could not cast the value to
the expected type" for every record with an empty typed cell (airbyte_cdk/sources/file_based/
file_types/csv_parser.py, `_cast_types`: "<message>: <field>: value=<cell>,expected_type=<type>"
per cell, comma-joined), before `null_values` turns the cell into null; and the same
warning for a cell that really is not a number, which the destination reports as
`wrong_field_type`. That warning quotes the cell (`value=ten`), so it is counted, never repeated.
docs/operators.md ("What the file sources log, and what you can ignore") lists the same messages
for operators, with the stderr noise (NLTK's download attempt) that never reaches the protocol.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

CAST_WARNING = "Could not cast the value to the expected type.: "
HARMLESS_KINDS = {  # kind -> why it needs no action, as the summary says it
    "empty_cell_cast": "for empty cells, which arrive as null",
    "uncastable_cell": "for cells not of their column's type, which the destination reports as wrong_field_type",
}
NOTABLE_LEVELS = ("WARN", "WARNING", "ERROR", "FATAL")
KEPT_NOTABLE = 5  # messages shown in full; the rest are counted
MESSAGE_CHARACTERS = 300
_EMPTY_CELL = r"[\w ]+: value=,expected_type=\w+"
_ONLY_EMPTY_CELLS = re.compile(rf"{_EMPTY_CELL}(,{_EMPTY_CELL})*")


@dataclass
class SourceLogTally:
    """The WARN and ERROR messages of one source's run: the harmless ones counted by kind, the
    others kept (the first few, cut short) for whoever reads the sync's result."""

    harmless: Counter[str] = field(default_factory=Counter)
    notable: list[str] = field(default_factory=list)
    notable_count: int = 0

    def add(self, level: str, message: str) -> None:
        """One LOG message of the source (INFO and DEBUG are neither harmless nor notable)."""
        if level.upper() not in NOTABLE_LEVELS:
            return
        kind = harmless_kind(message)
        if kind is not None:
            self.harmless[kind] += 1
            return
        self.notable_count += 1
        if len(self.notable) < KEPT_NOTABLE:
            self.notable.append(f"{level.upper()} {message[:MESSAGE_CHARACTERS]}")


    def summary(self, source: str) -> list[str]:
        """Lines for a person: the harmless warnings in one, then each notable message kept."""
        lines = []
        if self.harmless:
            counted = "; ".join(f"{self.harmless[kind]:,} {why}" for kind, why in HARMLESS_KINDS.items() if self.harmless[kind])
            lines.append(f"{source} logged {sum(self.harmless.values()):,} \"Could not cast\" warnings, none needing action: "
                         f"{counted} (docs/operators.md lists its harmless messages).")
        lines += [f"{source} logged: {message}" for message in self.notable]
        if self.notable_count > len(self.notable):
            lines.append(f"{source} logged {self.notable_count - len(self.notable):,} more warnings or errors.")
        return lines


def harmless_kind(message: str) -> str | None:
    """`empty_cell_cast` for a cast warning about empty cells only (harmless: they arrive as
    null); `uncastable_cell` when a cell is not of its type (the destination reports the record);
    None for anything else."""
    if not message.startswith(CAST_WARNING):
        return None
    return "empty_cell_cast" if _ONLY_EMPTY_CELLS.fullmatch(message[len(CAST_WARNING):]) else "uncastable_cell"
