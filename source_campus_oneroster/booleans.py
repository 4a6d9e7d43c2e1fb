"""OneRoster 1.1's string booleans (`enabledUser`, `primary`, demographics flags) as JSON booleans.

The 1.1 binding writes these as the strings "true"/"false", some providers send real booleans, and
a destination column should not flip type between districts. The source therefore always emits a
JSON boolean: "true"/"false" in any case, "1"/"0" and "yes"/"no" are converted; a real boolean or
null is left alone; any other value is passed through as sent so nothing is silently invented.
The stream schemas say the same (`schemas/shared/string_boolean.json`).
"""

from __future__ import annotations

from typing import Sequence

BOOLEAN_TEXT: dict[str, bool] = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
}
EXACT_TEXT: dict[str, bool] = {**BOOLEAN_TEXT, "True": True, "False": False, "TRUE": True, "FALSE": False}


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
                record[field] = converted if converted is not None else BOOLEAN_TEXT.get(value.strip().lower(), value)
