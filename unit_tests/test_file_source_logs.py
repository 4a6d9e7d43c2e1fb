"""Which messages of the file-based sources are harmless (otus_export/source_logs.py).

The messages are the CDK's as source-sftp-bulk 1.9.3 and source-s3 4.14.2 print them for the
sample export (airbyte_cdk/sources/file_based/file_types/csv_parser.py, `_cast_types`: one
"<field>: value=<cell>,expected_type=<type>" per cell, comma-joined after the message).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from otus_export.source_logs import CAST_WARNING, KEPT_NOTABLE, SourceLogTally, harmless_kind

FIELDS = st.sampled_from(["points", "percent", "points_possible", "include_in_final_grade"])
TYPES = st.sampled_from(["number", "boolean", "integer"])


def _cast_warning(cells: list[tuple[str, str, str]]) -> str:
    return CAST_WARNING + ",".join(f"{name}: value={value},expected_type={kind}" for name, value, kind in cells)


def test_the_sources_own_cast_warnings_are_told_apart() -> None:
    assert harmless_kind("Could not cast the value to the expected type.: percent: value=,expected_type=number") == "empty_cell_cast"
    assert harmless_kind("Could not cast the value to the expected type.: points: value=,expected_type=number,"
                         "percent: value=,expected_type=number") == "empty_cell_cast"
    assert harmless_kind("Could not cast the value to the expected type.: points: value=ten,expected_type=number,"
                         "percent: value=,expected_type=number") == "uncastable_cell"
    assert harmless_kind("Could not cast the value to the expected type.: points_possible: value=twenty,"
                         "expected_type=number") == "uncastable_cell"
    assert harmless_kind("Error listing files. Please check the credentials provided in the config") is None


@given(st.lists(st.tuples(FIELDS, TYPES), min_size=1, max_size=6))
def test_a_warning_about_empty_cells_only_is_harmless(cells) -> None:
    assert harmless_kind(_cast_warning([(name, "", kind) for name, kind in cells])) == "empty_cell_cast"


@given(st.lists(st.tuples(FIELDS, TYPES), min_size=1, max_size=6), st.data())
def test_one_non_empty_cell_makes_it_a_cell_the_destination_reports(cells, data) -> None:
    """Whatever the cell holds (commas and the message's own words included), it is never taken for empty."""
    cells = [(name, "", kind) for name, kind in cells]
    where = data.draw(st.integers(0, len(cells) - 1))
    value = data.draw(st.text(min_size=1, max_size=30))
    cells[where] = (cells[where][0], value, cells[where][2])
    assert harmless_kind(_cast_warning(cells)) == "uncastable_cell"


def test_the_tally_counts_the_harmless_and_keeps_what_matters_without_quoting_cells() -> None:
    tally = SourceLogTally()
    tally.add("INFO", "Marking stream scores as RUNNING")
    for _ in range(27):
        tally.add("WARN", _cast_warning([("percent", "", "number")]))
    tally.add("WARN", _cast_warning([("points", "ten", "number")]))
    for number in range(KEPT_NOTABLE + 2):
        tally.add("ERROR", f"Error parsing record {number}")
    summary = tally.summary("source-sftp-bulk")
    assert summary[0].startswith('source-sftp-bulk logged 28 "Could not cast" warnings, none needing action: 27 for empty cells')
    assert "1 for cells not of their column's type" in summary[0]
    assert summary[1:1 + KEPT_NOTABLE] == [f"source-sftp-bulk logged: ERROR Error parsing record {n}" for n in range(KEPT_NOTABLE)]
    assert summary[-1] == "source-sftp-bulk logged 2 more warnings or errors."
    assert not any("ten" in line for line in summary), "a cell's value (a student's score) was repeated"


def test_a_quiet_source_adds_nothing_to_the_output() -> None:
    tally = SourceLogTally()
    tally.add("INFO", "Finished syncing scores")
    assert tally.summary("source-s3") == []
