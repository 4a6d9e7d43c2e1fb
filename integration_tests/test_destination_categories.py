"""Every lineItem carries a category (`categories.py`), through the console script into a strict
sandbox, which refuses a lineItem without one as OneRoster 1.1's data model does: the 1.1
reference provider OfficeDev/O365-EDU-SDS-AspNetMVC-Samples `OneRosterProviderDemo/Models/LineItem.cs`
marks `LineItemCategoryId` `[Required]`, and its `UpdateWithJson` reads `json["category"]["sourcedId"]`,
so a PUT without a category fails there.

The default config is covered by the sample export (`test_destination_rules.py`): the provider's
own default category, read from its /categories. Here: a mapped category, `default_category_id`,
and a provider whose categories hold no default, where the assessment is a predicted refusal with
its scores, and nothing is sent for it."""

from __future__ import annotations

from pathlib import Path

from destination_campus_grades.plan import line_item_id, namespace_of
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import run_destination
from otus_export.sample import PASSBACK_START_DATE, assessment, open_day, score

NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)
START = {"passback_start_date": PASSBACK_START_DATE.isoformat(), "district_time_zone": "America/Chicago"}


def test_mapped_default_and_unresolved_categories_on_a_strict_provider(make_sandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox("tiny", strict=True)
    with sandbox.state.lock:  # a provider whose categories are the district's own, none a placeholder
        sandbox.state.categories.clear()
        for sourced_id, title in (("c-quizzes", "Quizzes"), ("c-labs", "Lab work")):
            sandbox.state.categories[sourced_id] = {"sourcedId": sourced_id, "status": "active",
                                                    "dateLastModified": "2026-08-01T00:00:00.000Z", "title": title}
    section = sandbox.district.section(0)
    day = open_day(section)
    records = [assessment("quiz", section, assigned_by=section.teacher_ids[0], start=day, category="Quizzes"),
               assessment("lab", section, assigned_by=section.teacher_ids[0], start=day, category="Labs"),
               score("lab", section.sourced_id, section.student_ids[0], points=10, graded=day)]
    mapped = [{"otus_category": "Quizzes", "campus_category_id": "c-quizzes"}]

    unresolved = run_destination(sandbox.connection_config(**START, category_map=mapped), records, tmp_path)
    assert unresolved.returncode == 0, unresolved.stderr[-2000:]
    quiz, lab = (line_item_id(NAMESPACE, name, section.sourced_id) for name in ("quiz", "lab"))
    assert sandbox.state.line_items[quiz]["category"]["sourcedId"] == "c-quizzes"
    assert lab not in sandbox.state.line_items and sandbox.stats.puts == 1  # predicted: nothing sent for the lab
    entry = unresolved.report["reasons"]["category_not_resolved"]
    assert entry["count"] == 2 and entry["outcome"] == "refused_by_campus"  # the assessment and its score
    assert "Otus category 'Labs' is not in category_map" in entry["examples"][0]["detail"]
    assert sandbox.stats.by_status.get(400, 0) == 0

    filed = run_destination(sandbox.connection_config(**START, category_map=mapped, default_category_id="c-labs"),
                            records, tmp_path)
    assert filed.report["totals"]["created"] == 2 and filed.report["totals"]["unchanged"] == 1
    assert sandbox.state.line_items[lab]["category"]["sourcedId"] == "c-labs"
    assert sandbox.stats.by_status.get(400, 0) == 0
