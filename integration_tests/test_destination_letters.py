"""Grading-task grades through the console script into a strict sandbox, in every
`letter_grade_metadata_key` setting (the sandbox's `letter_metadata_key` set alike):
- unset, or emptied in the form: Campus's habit, the letter in `score` and a percent alone without a
  score (Campus picks the letter); the one habit the strict sandbox copies (`campus_sandbox/strict.py`);
- a key: OneRoster 1.1's numeric `score` carries the percent, the letter travels in `metadata[key]`; a
  letter without a percent cannot be carried, so it is a predicted refusal (`letter_needs_percent`,
  0 PUTs), never a 400 from the provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from destination_campus_grades.plan import grade_result_id, namespace_of
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import run_destination
from otus_export.sample import grade, open_day, sample_export

NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)


@pytest.mark.parametrize("letter_key", [None, "", "letterGrade"])
def test_letter_grades_travel_where_the_setting_says(make_sandbox, district_cache, tmp_path: Path,
                                                     letter_key: str | None) -> None:
    sandbox = make_sandbox("tiny", strict=True, letter_metadata_key=letter_key or None)
    export = sample_export(district_cache("tiny"))
    year = export.sections["year"]
    task = year.grading_task_ids[1]  # Q2, window open
    day = open_day(year, 5)
    letters = [g["score"] for g in district_cache("tiny").score_group(task)]
    students = year.student_ids
    records = [grade(year, students[0], task, graded=day, score_value=letters[1], percent=84.0),
               grade(year, students[1], task, graded=day, percent=93.0),
               grade(year, students[2], task, graded=day, score_value=letters[2])]
    config = sandbox.connection_config(**export.config_values())
    if letter_key is not None:
        config["letter_grade_metadata_key"] = letter_key
    run = run_destination(config, records, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]

    def held(student: str) -> dict | None:
        return sandbox.state.results.get(grade_result_id(NAMESPACE, task, student))

    assert sandbox.stats.by_status.get(400, 0) == 0
    if not letter_key:
        assert [held(s)["score"] for s in students[:3]] == [letters[1], letters[0], letters[2]]
        assert run.report["totals"]["created"] == 3 and sandbox.stats.puts == 3
    else:
        assert (held(students[0])["score"], held(students[0])["metadata"][letter_key]) == (84.0, letters[1])
        assert (held(students[1])["score"], held(students[1])["metadata"][letter_key]) == (93.0, letters[0])
        # a letter without a percent has no number for 1.1's score: predicted, never sent
        assert held(students[2]) is None and sandbox.stats.puts == 2
        (example,) = run.report["reasons"]["letter_needs_percent"]["examples"]
        assert example["detail"].startswith("result field 'score' is required (predicted, not sent)")
        assert run.report["totals"]["refused_by_campus"] == 1
