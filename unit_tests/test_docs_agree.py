"""The connector docs pages agree with the code: every spec field is documented, and the
troubleshooting table lists every reason code with the enum's own "what to do" line.

The docs are written by hand for district admins, so these tests are what keeps a new setting or
a new reason code from shipping undocumented (or a removed one from lingering in the docs).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from destination_campus_grades.reasons import Reason

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PAGE = ROOT / "docs" / "integrations" / "sources" / "campus-oneroster.md"
DESTINATION_PAGE = ROOT / "docs" / "integrations" / "destinations" / "campus-grades.md"
REASON_BLOCK = re.compile(r"<!-- reason-codes:start -->\n(.*?)<!-- reason-codes:end -->", re.DOTALL)


def reason_table() -> str:
    """The troubleshooting table as the destination page must hold it, rendered from the enum."""
    rows = ["| Reason code | Counted as | What to do |", "|---|---|---|"]
    for reason in Reason:
        counted_as = reason.outcome.value.replace("_", " ") if reason.outcome else "note"
        rows.append(f"| `{reason.value}` | {counted_as} | {reason.what_to_do.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def _property_names(schema: dict[str, Any]) -> Iterator[str]:
    """Every property name of a connectionSpecification, including inside oneOf branches."""
    for name, prop in schema.get("properties", {}).items():
        yield name
        yield from _property_names(prop)
        for branch in prop.get("oneOf", []):
            yield from _property_names(branch)


def _spec(connector: str) -> dict[str, Any]:
    """The connectionSpecification the connector itself answers `spec` with."""
    if connector == "source":
        from source_campus_oneroster.source import SourceCampusOneroster as Connector
    else:
        from destination_campus_grades.destination import DestinationCampusGrades as Connector
    return Connector().spec(logging.getLogger(connector)).connectionSpecification


def test_troubleshooting_table_lists_every_reason_code() -> None:
    block = REASON_BLOCK.search(DESTINATION_PAGE.read_text())
    assert block, f"{DESTINATION_PAGE.name} lost its reason-codes markers"
    assert block.group(1) == reason_table(), (
        "The troubleshooting table is out of step with destination_campus_grades/reasons.py; "
        "replace the block between the reason-codes markers with:\n" + reason_table()
    )


@pytest.mark.parametrize(("connector", "page"), [("source", SOURCE_PAGE), ("destination", DESTINATION_PAGE)])
def test_every_spec_field_is_documented(connector: str, page: Path) -> None:
    text = page.read_text()
    if connector == "destination":  # the connection fields are documented once, on the source page
        text += SOURCE_PAGE.read_text()
    undocumented = sorted({name for name in _property_names(_spec(connector)) if f"`{name}`" not in text})
    assert not undocumented, f"document these {connector} settings in {page.name}: {undocumented}"


@pytest.mark.parametrize("role", ["assessments", "scores", "grades"])
def test_every_input_field_is_documented(role: str) -> None:
    """The Otus side is shaped from the docs: a schema field they do not name cannot be filled."""
    schema = json.loads((ROOT / "destination_campus_grades" / "schemas" / f"{role}.json").read_text())
    row = next((line for line in DESTINATION_PAGE.read_text().splitlines() if line.startswith(f"| `{role}` |")), None)
    assert row, f"the Input table of {DESTINATION_PAGE.name} has no row for {role}"
    undocumented = sorted(name for name in schema["properties"] if f"`{name}`" not in row)
    assert not undocumented, f"document these {role} fields in the Input table: {undocumented}"
