"""One type per field: values a provider sends in another type are read as the field's type, never dropped.

Every stream field has one JSON type (with null), so PyAirbyte's caches and warehouse destinations
map each to one column type. Where providers differ, the source reads the value into that type
and keeps what it cannot: nothing a provider sends is silently lost.

- OneRoster 1.1's string booleans (`enabledUser`, `primary`, demographics flags) are JSON booleans:
  "true"/"false" in any case, "1"/"0", "yes"/"no" and the integers 1/0 are converted, a real
  boolean is left alone.
  Any other text (a provider's "unknown") leaves the field null and is kept, as sent, in the
  record's `textValues` object under the field's name.
- `results.score` is a number. Text in it (a provider sending "85.0", or a Campus grading task's
  score-group value such as "B" or "4") is kept in `textScore`, OneRoster 1.2's field for it, and
  the score is its number where the text is one ("85.0", "4"), else null ("B"). A `textScore` the
  provider already sent wins; a score text that differs from it goes to `textValues.score`.

The stream schemas say the same (`schemas/shared/string_boolean.json`, `schemas/results.json`).
"""

from __future__ import annotations

import math
from typing import Sequence

TEXT_VALUES = "textValues"
BOOLEAN_TEXT: dict[str, bool] = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
}
EXACT_TEXT: dict[str, bool] = {**BOOLEAN_TEXT, "True": True, "False": False, "TRUE": True, "FALSE": False}


def keep_text(record: dict, field: str, text: str) -> None:
    """A value the field's type cannot hold, kept as sent."""
    kept = record.get(TEXT_VALUES)
    if not isinstance(kept, dict):
        kept = record[TEXT_VALUES] = {}
    kept[field] = text


def normalise_booleans(records: Sequence[dict], fields: Sequence[str]) -> None:
    """Rewrite each string-boolean field of each record in place (pages are ours to mutate).

    Runs once per enrollment, a million times a sync: the common spellings are one dict lookup,
    only unusual ones (" Yes ") pay for strip and lower.
    """
    exact = EXACT_TEXT.get
    for field in fields:
        for record in records:
            value = record.get(field)
            if value.__class__ is str:
                converted = exact(value)
                if converted is None:
                    converted = BOOLEAN_TEXT.get(value.strip().lower())
                    if converted is None:
                        keep_text(record, field, value)
                record[field] = converted
            elif value.__class__ is int and value in (0, 1):
                record[field] = bool(value)
            elif value is not None and value.__class__ is not bool:
                keep_text(record, field, str(value))
                record[field] = None


def normalise_scores(records: Sequence[dict]) -> None:
    """`score` as a number, its text in `textScore` (see the module docstring)."""
    for record in records:
        score = record.get("score")
        if score is None or (score.__class__ in (int, float) and math.isfinite(score)):
            continue
        text = score if isinstance(score, str) else str(score)
        record["score"] = _number(text)
        held = record.get("textScore")
        if held in (None, ""):
            record["textScore"] = text
        elif held != text:
            keep_text(record, "score", text)


def _number(text: str) -> float | None:
    """The number a score's text spells, or None (a letter, or not finite)."""
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def typed(records: Sequence[dict], boolean_fields: Sequence[str], letter_scores: bool) -> None:
    """Every record of a page with its fields in their one type, in place."""
    if boolean_fields:
        normalise_booleans(records, boolean_fields)
    if letter_scores:
        normalise_scores(records)

