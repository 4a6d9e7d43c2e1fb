"""Letter grades through the console script into a strict sandbox: in `score` (the default, Campus's
habit) or in `metadata` with a numeric score (`letter_grade_metadata_key`), the sandbox set alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from destination_campus_grades.plan import grade_result_id, namespace_of
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import run_destination
from otus_export.sample import grade, open_day, sample_export

NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)


@pytest.mark.parametrize("letter_key", [None, "letterGrade"])
def test_letter_grades_travel_where_the_setting_says(make_sandbox, district_cache, tmp_path: Path,
                                                     letter_key: str | None) -> None:
    sandbox = make_sandbox("tiny", strict=True, letter_metadata_key=letter_key)
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
    if letter_key:
        config["letter_grade_metadata_key"] = letter_key
    run = run_destination(config, records, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]

    def held(student: str) -> dict | None:
        return sandbox.state.results.get(grade_result_id(NAMESPACE, task, student))

    if letter_key is None:
        assert [held(s)["score"] for s in students[:3]] == [letters[1], letters[0], letters[2]]
        assert run.report["totals"]["created"] == 3
    else:
        assert (held(students[0])["score"], held(students[0])["metadata"][letter_key]) == (84.0, letters[1])
        assert (held(students[1])["score"], held(students[1])["metadata"][letter_key]) == (93.0, letters[0])
        # a letter without a percent has no number for 1.1's score: the provider refuses, naming it
        assert held(students[2]) is None
        (example,) = run.report["reasons"]["refused_invalid_data"]["examples"]
        assert "field 'score'" in example["detail"]
