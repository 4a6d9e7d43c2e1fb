"""One test per passback rule and per Campus refusal: the sample Otus export through the console
script into a sandbox, then what Campus holds for each case's record, and the report's reason.

The sample (`otus_export.sample_export`) names every case and the reason code it must get; the
write runs once per module (a few seconds), each case is its own test.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from campus_sandbox.district import generate
from campus_sandbox.options import SandboxOptions
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.plan import grade_result_id, line_item_id, namespace_of, score_result_id
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import DestinationRun, run_destination
from otus_export import SampleCase, sample_export

NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)


@pytest.fixture(scope="module")
def passback(district_cache, tmp_path_factory) -> tuple[CampusSandbox, DestinationRun]:
    """The sample through the console script into a strict sandbox with the default config (no
    category_map): every body the destination sends must be what a strict OneRoster 1.1 provider
    accepts (the category the provider's own default, read from its /categories), and Campus's
    rules still refuse what they refuse."""
    export = sample_export(district_cache("tiny"))
    with CampusSandbox(district_cache("tiny"), options=SandboxOptions(strict=True)) as sb:
        run = run_destination(sb.connection_config(**export.config_values()), export.records,
                              tmp_path_factory.mktemp("rules"))
        yield sb, run


def _cases() -> list[SampleCase]:
    return list(sample_export(generate("tiny")).cases.values())


def campus_ids(case: SampleCase) -> tuple[str | None, str | None]:
    """(lineItem sourcedId, result sourcedId) the case's record would have in Campus."""
    stream, record = case.subject
    if stream == "grades":
        return record["grading_task_id"], grade_result_id(NAMESPACE, record["grading_task_id"], record["student_id"])
    if "assessment_id" not in record or "section_id" not in record:
        return None, None
    lid = line_item_id(NAMESPACE, str(record["assessment_id"]), str(record["section_id"]))
    if stream == "scores":
        student = record.get("student_id")
        return lid, score_result_id(NAMESPACE, record["assessment_id"], record["section_id"], student) if student else None
    return lid, None


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.name)
def test_case_lands_in_campus_as_the_rules_say(passback, case: SampleCase) -> None:
    sb, run = passback
    assert run.returncode == 0, run.stderr[-2000:]
    line_item, result = campus_ids(case)
    stream, record = case.subject
    written = case.expected in (None, "title_truncated")
    if stream == "assessments":
        assert (line_item in sb.state.line_items) is written, case.name
    elif stream == "scores":
        assert (result in sb.state.results) is written, case.name
    else:
        assert (result in sb.state.results) is written, case.name
    if case.expected is not None:
        assert run.reason_count(case.expected) >= 1, f"{case.name}: no {case.expected} in the report"
        examples = run.report["reasons"][case.expected]["examples"]
        assert examples and all(e["otus_id"] for e in examples)


def test_refusals_keep_campus_words(passback) -> None:
    _, run = passback
    for code, phrase in (("grading_window_closed", "Grading window is closed"),
                         ("due_date_outside_term", "Due date is outside the term"),
                         ("score_not_in_score_group", "Score is not in the score group")):
        entry = run.report["reasons"][code]
        assert entry["outcome"] == "refused_by_campus"
        assert all(e["detail"].startswith(phrase) and e["campus_id"] for e in entry["examples"]), entry


def test_rule_2_dates_and_rule_7_score_shapes(passback, district_cache) -> None:
    sb, _ = passback
    export = sample_export(district_cache("tiny"))
    cases = export.cases
    year = export.sections["year"].sourced_id
    held = sb.state.line_items[line_item_id(NAMESPACE, "go_live_no_due", year)]
    go_live = next(r for s, r in export.records if s == "assessments" and r.get("assessment_id") == "go_live_no_due")
    start = go_live["go_live_at"][:10]
    assert held["assignDate"][:10] == start
    assert held["dueDate"][:10] == (date.fromisoformat(start) + timedelta(days=7)).isoformat()
    assert held["resultValueMin"] == 0 and held["resultValueMax"] == 20

    def result_of(name: str) -> dict:
        return sb.state.results[campus_ids(cases[name])[1]]

    points_only, percent_only, both = (result_of(n) for n in ("score:points_only", "score:percent_only",
                                                               "score:points_and_percent"))
    assert points_only["score"] == 18 and points_only["metadata"].get("percent") is None
    assert points_only["comment"] == "Nice work" and points_only["scoreStatus"] == "fully graded"
    assert percent_only["metadata"]["percent"] == 85 and percent_only["score"] == pytest.approx(17)
    assert both["score"] == 15 and both["metadata"]["percent"] == 75
    assert result_of("score:late_with_points")["scoreStatus"] == "fully graded"
    assert result_of("grade:percent_only")["score"] == "B"
    truncated = sb.state.line_items[campus_ids(cases["long_title"])[0]]["title"]
    assert len(truncated) <= 50 and truncated.endswith("...")
    percent_item = sb.state.line_items[campus_ids(cases["percent_graded"])[0]]
    assert percent_item["resultValueMax"] == 100
    assert percent_item["category"]["sourcedId"].startswith("1111")  # unmapped category: Campus placeholder


def test_every_body_sent_is_one_a_strict_provider_accepts(passback) -> None:
    sb, run = passback
    refusals = [example["detail"] for entry in run.report["reasons"].values()
                if entry["outcome"] == "refused_by_campus" for example in entry["examples"]]
    assert refusals and not [detail for detail in refusals if "strict mode" in (detail or "")], refusals
    assert sb.stats.by_status.get(400, 0) == 0


def test_on_a_strict_provider_the_default_config_meets_no_refusal_the_dry_run_did_not_predict(
        passback, district_cache, tmp_path: Path) -> None:
    """A dry run on a second strict sandbox predicts every refusal of the real run, except the one
    OneRoster 1.1 cannot show in advance (a closed grading window), which it marks on every write."""
    _, real = passback
    export = sample_export(district_cache("tiny"))
    with CampusSandbox(district_cache("tiny"), options=SandboxOptions(strict=True)) as dry_sb:
        dry = run_destination(dry_sb.connection_config(**export.config_values(), dry_run=True), export.records,
                              tmp_path)
        assert dry_sb.stats.puts == 0
    refused = {code: entry["count"] for code, entry in real.report["reasons"].items()
               if entry["outcome"] == "refused_by_campus"}
    predicted = {code: entry["count"] for code, entry in dry.report["reasons"].items()
                 if entry["outcome"] == "refused_by_campus"}
    unpredictable = refused.pop("grading_window_closed")
    assert refused == predicted, "a refusal the dry run did not predict"
    assert dry.reason_count("refusal_not_predictable") == dry.report["totals"]["created"] >= unpredictable
    assert "refused_invalid_data" not in refused  # no strict-mode 400, no body the provider could not read


def test_states_are_echoed_and_report_counts_every_record(passback, district_cache) -> None:
    _, run = passback
    export = sample_export(district_cache("tiny"))
    assert len(run.states) == 1
    totals = run.report["totals"]
    assert sum(totals.values()) == len(export.records)
    assert not run.report["partial"] and run.report["dry_run"] is False


def test_unmapped_stream_is_counted_and_mapped_stream_is_written(sandbox, district_cache, tmp_path: Path) -> None:
    export = sample_export(district_cache("tiny"))
    renamed = [("otus_scores_view" if s == "scores" else s, r) for s, r in export.records]
    config = sandbox.connection_config(**export.config_values())
    streams = ("assessments", "otus_scores_view", "grades", "teacher_notes")
    a_score = export.stream("scores")[0]
    unmapped = run_destination(config, renamed + [("teacher_notes", {"note": "x"}), ("scores", a_score)], tmp_path,
                               streams=streams)
    assert unmapped.reason_count("stream_not_mapped") == len(export.stream("scores")) + 2
    assert unmapped.report["by_role"]["teacher_notes"] == {"invalid_input": 1}
    assert unmapped.report["by_role"]["scores"] == {"invalid_input": 1}, "a stream the catalog lacks: not by its name"
    mapped = run_destination({**config, "stream_roles": [{"stream": "otus_scores_view", "role": "scores"}]}, renamed, tmp_path,
                             streams=streams)
    assert mapped.reason_count("stream_not_mapped") == 0
    assert mapped.report["by_role"]["scores"].get("created", 0) >= 5
