"""Passback on OneRoster 1.2 through the console script, against the sandbox's strict 1.2 mode.

What a 1.2 provider requires (lineItems with `school`, a real `category`, UTC date-times; results
with `textScore` for a letter, `scoreDate` a date; no JSON null anywhere) is 1EdTech's OneRoster
1.2 gradebook OpenAPI as `campus_sandbox/strict.py` encodes it, and Campus's 1.2 facts (a real
category required, users without role prefixes and `metadata.ic.legacysourceId`) the Infinite
Campus knowledge base, both summarised on the destination page's "OneRoster 1.2" section
(docs/integrations/destinations/campus-grades.md). Each test is a few tiny-district runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from campus_sandbox.district import District
from campus_sandbox.options import SandboxOptions
from campus_sandbox.receiving import PLACEHOLDER_CATEGORY_ID
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.plan import line_item_id, namespace_of, score_result_id
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import DestinationRun, campus_snapshot, run_destination
from otus_export.sample import assessment, grade, open_day, sample_export, score

NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)
# On 1.2 these sample cases get the 1.2 reason: an assigner id in the 1.1 form that no 1.2 user
# carries as legacy id, and a letter checked against the class's score scale.
ON_1P2 = {"assigner_not_in_campus": "legacy_id_not_matched", "score_not_in_score_group": "letter_not_in_score_scale"}


def v1p2(district: District, **options) -> CampusSandbox:
    return CampusSandbox(district, options=SandboxOptions(oneroster_version="1.2", strict=True, **options))


def held_users(sb: CampusSandbox) -> dict[str, str]:
    """1.2 user sourcedId → its 1.1 id, as the sandbox's users serve them (roles and legacy id)."""
    return {sb.district.user_id_12(u): u for u in sb.district.user_ids("student")}


def run_in(directory: Path, config: dict, records: list) -> DestinationRun:
    """One `write` of the console script, with its files in a directory of its own."""
    directory.mkdir()
    return run_destination(config, records, directory)


def puts(run: DestinationRun) -> int:
    return run.report["writes"].get("PUT", 0)


def test_the_sample_export_passes_back_on_1p2_with_no_400(district_cache, tmp_path: Path) -> None:
    district = district_cache("tiny")
    export = sample_export(district)
    with v1p2(district) as sb:
        run = run_destination(sb.connection_config(**export.config_values()), export.records, tmp_path)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "400" not in sb.stats.snapshot()["by_status"], "every body is one a strict 1.2 provider takes"
        assert run.reason_count("refused_invalid_data") == 0, run.report["reasons"].get("refused_invalid_data")
        for case in export.cases.values():
            expected = ON_1P2.get(case.expected, case.expected)
            if expected is not None:
                assert run.reason_count(expected) >= 1, f"{case.name}: no {expected} in the report"
        with sb.state.lock:
            line_items = [li for li in sb.state.line_items.values() if not sb.district.grading_task_index(li["sourcedId"])]
            results = list(sb.state.results.values())
        assert line_items and results
        titles = {c.sourced_id: c.title for s in district.sections() for c in district.class_categories(s.sourced_id)}
        for li in line_items:  # filed by title in its own class, never the placeholder; UTC; its class's school
            assert titles[li["category"]["sourcedId"]] == "Quizzes" and li["category"]["sourcedId"] != PLACEHOLDER_CATEGORY_ID
            assert li["dueDate"].endswith("Z") and li["school"]["sourcedId"]
        letters = [r for r in results if r["lineItem"]["sourcedId"].count("-") == 2 and "textScore" in r]
        assert letters and all(isinstance(r["textScore"], str) for r in letters), "letters travel as textScore"
        assert not any({"late", "missing", "learningObjectiveSet"} & set(r) for r in results), "flags and standards off"


def test_categories_resolve_by_title_by_map_by_default_or_are_predicted(district_cache, tmp_path: Path) -> None:
    """Title in the class, then category_map, then default_category_id; none: not sent (0 PUTs),
    listed by class and category in the report, in a dry run as in a real one."""
    district = district_cache("tiny")
    export = sample_export(district)
    year = export.sections["year"]
    own = district.class_categories(year.sourced_id)
    titled, mapped, default = own[0], own[1], own[2]
    day = open_day(year)
    teacher, student = year.teacher_ids[0], year.student_ids[0]
    records = []
    for case, category in (("by_title", titled.title.upper()), ("by_map", "Labs"), ("unresolved", "Field trips")):
        records += [assessment(case, year, assigned_by=teacher, start=day, category=category),
                    score(case, year.sourced_id, student, points=15, graded=day)]
    lid = {case: line_item_id(NAMESPACE, case, year.sourced_id) for case in ("by_title", "by_map", "unresolved")}
    config = {**export.config_values(), "category_map": [{"otus_category": "Labs", "campus_category_id": mapped.sourced_id}]}
    with v1p2(district) as sb:
        dry = run_in(tmp_path / "dry", sb.connection_config(**config, dry_run=True), records)
        assert dry.returncode == 0 and puts(dry) == 0 and not sb.state.line_items
        assert dry.report["unresolved_categories"] == [{"class": year.sourced_id, "otus_category": "Field trips"}]
        assert any(line.endswith(f"class {year.sourced_id}: 'Field trips'") for line in dry.logs)

        real = run_in(tmp_path / "real", sb.connection_config(**config), records)
        assert real.returncode == 0, real.stderr[-2000:]
        assert sb.state.line_items[lid["by_title"]]["category"]["sourcedId"] == titled.sourced_id
        assert sb.state.line_items[lid["by_map"]]["category"]["sourcedId"] == mapped.sourced_id
        assert lid["unresolved"] not in sb.state.line_items and puts(real) == 4, "the unresolved one is never sent"
        (example,) = real.report["reasons"]["category_not_resolved"]["examples"][:1]
        assert "(predicted, not sent)" in example["detail"] and real.report["unresolved_categories"]

        with_default = run_in(tmp_path / "default", sb.connection_config(**config, default_category_id=default.sourced_id),
                                       records)
        assert with_default.returncode == 0, with_default.stderr[-2000:]
        assert sb.state.line_items[lid["unresolved"]]["category"]["sourcedId"] == default.sourced_id
        assert puts(with_default) == 2 and with_default.report["unresolved_categories"] == []


def test_flags_and_standards_are_sent_when_enabled_and_a_rerun_writes_nothing(district_cache, tmp_path: Path) -> None:
    district = district_cache("tiny")
    export = sample_export(district)
    year = export.sections["year"]
    day = open_day(year)
    students = year.student_ids
    subject = assessment("flags", year, assigned_by=year.teacher_ids[0], start=day)
    subject[1]["standards"] = ["case:RL.1", "case:RL.2"]
    scored = score("flags", year.sourced_id, students[0], points=15, graded=day, status="late")
    scored[1]["standard_scores"] = [{"standard_id": "case:RL.1", "score": 3}, {"standard_id": "case:RL.2", "text_score": "M"}]
    records = [subject, scored, score("flags", year.sourced_id, students[1], graded=day, status="missing"),
               score("flags", year.sourced_id, students[2], graded=day, status="exempt")]
    config = {**export.config_values(), "send_status_flags": True, "send_standards": True}
    with v1p2(district) as sb:
        run = run_in(tmp_path / "first", sb.connection_config(**config), records)
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.report["totals"]["created"] == 4 and run.reason_count("refused_invalid_data") == 0

        def held(student: str) -> dict:
            return sb.state.results[score_result_id(NAMESPACE, "flags", year.sourced_id, student)]

        assert (held(students[0])["late"], held(students[0])["missing"]) == ("true", "false")
        assert held(students[0])["learningObjectiveSet"][0]["learningObjectiveResults"][1] == \
            {"learningObjectiveId": "case:RL.2", "textScore": "M"}
        assert (held(students[1])["missing"], held(students[1])["scoreStatus"]) == ("true", "not submitted")
        assert held(students[2])["scoreStatus"] == "exempt"
        line_item = sb.state.line_items[line_item_id(NAMESPACE, "flags", year.sourced_id)]
        assert line_item["learningObjectiveSet"] == [{"source": "case", "learningObjectiveIds": ["case:RL.1", "case:RL.2"]}]
        again = run_in(tmp_path / "again", sb.connection_config(**config), records)
        assert again.returncode == 0 and puts(again) == 0 and again.report["totals"]["unchanged"] == 4


@pytest.mark.parametrize("shape", [pytest.param("statusInfoSet", marks=pytest.mark.soak), "wrapped",
                                   pytest.param("bare", marks=pytest.mark.soak)])
def test_each_error_shape_is_reported_in_the_providers_words(district_cache, tmp_path: Path, shape: str) -> None:
    """A grade into Q1, whose grading window is closed: Campus's 422 in any of the three shapes (the
    sandbox's 1.2 default, wrapped `imsx_StatusInfo`, by default; statusInfoSet and bare under soak;
    the parser of all three is the client's, unit-tested there)."""
    district = district_cache("tiny")
    export = sample_export(district)
    year = export.sections["year"]
    task = year.grading_task_ids[0]  # Q1: closed
    records = [grade(year, year.student_ids[0], task, graded=open_day(year), percent=91.0)]
    with v1p2(district, error_shape=shape) as sb:
        run = run_destination(sb.connection_config(**export.config_values()), records, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    (example,) = run.report["reasons"]["grading_window_closed"]["examples"]
    assert example["detail"].startswith("Grading window is closed: result ") and task in example["detail"]


def test_a_district_moves_from_1p1_to_1p2_without_duplicates(district_cache, tmp_path: Path) -> None:
    """Passed back on 1.1, the same sandbox district and connection switched to 1.2, the same export
    again: nothing new, nothing written for what did not change, a teacher's edit kept; then an
    Otus change (named by the student's 1.2 id) lands on the same result."""
    district = district_cache("tiny")
    export = sample_export(district)
    with CampusSandbox(district, options=SandboxOptions(strict=True)) as sb:
        first = run_in(tmp_path / "v1p1", sb.connection_config(**export.config_values()), export.records)
        assert first.returncode == 0 and first.report["totals"]["created"] > 0, first.stderr[-2000:]
        before = campus_snapshot(sb)
        scored = next(r for stream, r in export.records if stream == "scores" and (
            score_result_id(NAMESPACE, r["assessment_id"], r["section_id"], r["student_id"]) in before["results"]))
        edited = score_result_id(NAMESPACE, scored["assessment_id"], scored["section_id"], scored["student_id"])
        sb.edit_as_teacher(edited, score=1.0)
        before = campus_snapshot(sb)

        sb.switch_version("1.2")
        config = sb.connection_config(**export.config_values())
        assert config["oneroster_version"] == "1.2" and "/rostering/v1p2" in config["base_url"]
        sb.stats.reset()
        moved = run_in(tmp_path / "v1p2", config, export.records)
        assert moved.returncode == 0, moved.stderr[-2000:]
        after = campus_snapshot(sb)
        assert after.keys() == before.keys() and {k: set(v) for k, v in after.items()} == \
            {k: set(v) for k, v in before.items()}, "no new lineItem, no new result"
        assert moved.report["totals"]["created"] == moved.report["totals"]["updated"] == 0
        refused = sb.stats.snapshot()["by_status"].get("422", 0)  # a closed window: re-tried every night
        assert puts(moved) == refused and after == before, "the only PUTs are refusals re-tried; Campus unchanged"
        assert sb.state.results[edited]["score"] == 1.0 and moved.reason_count("campus_edit_kept") >= 1

        student_12 = next(u12 for u12, u11 in held_users(sb).items() if u11 == scored["student_id"])
        regraded = {**scored, "student_id": student_12, "points": 3.0, "percent": None}
        assessment_record = next(r for stream, r in export.records if stream == "assessments"
                                 and r["assessment_id"] == scored["assessment_id"] and r["section_id"] == scored["section_id"])
        change = run_in(tmp_path / "change", config, [("assessments", assessment_record), ("scores", regraded)])
        assert change.returncode == 0 and change.report["totals"]["updated"] == 1, change.stderr[-2000:]
        assert puts(change) == 1 and len(sb.state.results) == len(before["results"])
        assert sb.state.results[edited]["score"] == 3.0, "Otus's regrade on 1.2 lands on the result 1.1 wrote"
