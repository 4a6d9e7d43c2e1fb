"""Score ÷ resultValueMax is the student's fraction for every lineItem and result written, through
the console script into a strict sandbox: points, percent with points possible, percent without,
each with points only, percent only, and both."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from campus_sandbox import calendar
from campus_sandbox.receiving import PLACEHOLDER_CATEGORY_ID
from destination_campus_grades.plan import line_item_id, namespace_of, score_result_id
from destination_campus_grades.spec import DEFAULT_VENDOR_NAMESPACE
from integration_tests.destination_cli import run_destination
from otus_export.sample import assessment, open_day, sample_export, score

NAMESPACE = namespace_of(DEFAULT_VENDOR_NAMESPACE)
SHAPES = {"points only": (36, None), "percent only": (None, 90), "both": (36, 90)}
ASSESSMENTS = {"points of 40": ("points", 40), "percent of 40": ("percent", 40), "percent": ("percent", None)}


def test_every_result_shows_the_students_fraction(make_sandbox, district_cache, tmp_path: Path) -> None:
    sandbox = make_sandbox("tiny", strict=True)
    export = sample_export(district_cache("tiny"))
    year = export.sections["year"]
    day = open_day(year)
    records = []
    for name, (grading_type, points_possible) in ASSESSMENTS.items():
        records.append(assessment(name, year, assigned_by=year.teacher_ids[0], start=day, due=day + timedelta(days=4),
                                  grading_type=grading_type, points_possible=points_possible,
                                  grading_period_id=calendar.Q2_ID))
        for n, (points, percent) in enumerate(SHAPES.values()):
            records.append(score(name, year.sourced_id, year.student_ids[n], points=points, percent=percent,
                                 graded=day + timedelta(days=5)))
    config = sandbox.connection_config(**export.config_values(), category_map=[
        {"otus_category": "Quizzes", "campus_category_id": PLACEHOLDER_CATEGORY_ID}])
    run = run_destination(config, records, tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]

    fractions = {}
    for name in ASSESSMENTS:
        line_item = sandbox.state.line_items[line_item_id(NAMESPACE, name, year.sourced_id)]
        for n, shape in enumerate(SHAPES):
            result = sandbox.state.results.get(score_result_id(NAMESPACE, name, year.sourced_id, year.student_ids[n]))
            fractions[name, shape] = None if result is None else result["score"] / line_item["resultValueMax"]
    assert fractions == {
        **{key: pytest.approx(0.9) for key in fractions},
        ("percent", "points only"): None,  # 36 points of an assessment without points possible: no scale
    }
    assert sandbox.state.line_items[line_item_id(NAMESPACE, "percent of 40", year.sourced_id)]["resultValueMax"] == 40
    assert run.reason_count("no_score_value") == 1
