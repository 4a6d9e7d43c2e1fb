"""A write counts only when Campus answered it as OneRoster does; Campus-held text in the report is bounded and escaped.

Through the console script: a provider that answers every PUT 200 with an HTML sign-in page
(`campus_sandbox.hostile`, `html_writes`) gets nothing counted as created and no state echoed
past it; the sync fails with the page's words, escaped, so its "created: 999" line cannot pose as
a report line. A lineItem of ours served back with `class` null, or with a megabyte of metadata,
does not break the sync or the report.
"""

from __future__ import annotations

from pathlib import Path

from campus_sandbox.hostile import HostileProvider
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import run_destination
from integration_tests.test_destination_disappeared import COMPLETE
from otus_export import bulk_export

START = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}


def test_a_200_html_page_is_a_failed_write_and_no_state_passes_it(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=2, assessments_per_section=1))
    with HostileProvider(sandbox) as provider:
        provider.set(html_writes=True)
        run = run_destination(provider.connection_config(**START), records, tmp_path, state_every=1)
    assert run.returncode != 0 and run.states == [], "no state echoed past an unconfirmed write"
    assert not sandbox.state.line_items and run.report["partial"]
    assert run.report["totals"]["created"] == 0
    (error,) = run.errors
    assert error["failure_type"] == "transient_error"
    assert "not as OneRoster does (text/html" in error["message"] and "Single sign-on" in error["message"]
    assert "\\n  created: 999" in error["message"] and "\n" not in error["message"]
    assert not [line for line in run.logs if line.lstrip().startswith("created: 999")]


def test_campus_held_text_is_bounded_and_a_class_that_is_not_a_ref_does_not_crash(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=2, assessments_per_section=2))
    config = sandbox.connection_config(**START)
    run_destination(config, records, tmp_path)
    with sandbox.state.lock:
        first, second = list(sandbox.state.line_items.values())
        first["class"] = None
        second["class"] = "100000"
        second["metadata"]["passback"]["otus"] += "\n  created: 999 " + "x" * 1_000_000
    again = run_destination({**config, "removal_policy": "delete", "vendor_namespace": DEFAULT_VENDOR_NAMESPACE},
                            [r for r in records if r[1]["assessment_id"] != "bulk-1"], tmp_path, trailer=COMPLETE)
    assert again.returncode == 0, again.errors
    assert again.reason_count("campus_edit_kept") == 0, "where a lineItem belongs is not a teacher's edit"
    assert sandbox.state.line_items[first["sourcedId"]]["class"]["sourcedId"] == "100000"
    assert max(len(line) for line in again.logs if not line.startswith("PASSBACK_REPORT")) < 2_000
    assert not [line for line in again.logs if line.lstrip().startswith("created: 999")]
