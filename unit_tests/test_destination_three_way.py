"""The fingerprint, the three-way decision and the predicted refusals: pure, no network."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from destination_campus_grades.diff import Change, reconcile
from destination_campus_grades.fingerprint import FINGERPRINT_KEY, canonical, namespace_tag, recorded
from destination_campus_grades.plan import PlanSettings, plan_line_item, plan_score
from destination_campus_grades.reasons import Reason
from destination_campus_grades.refusals import (Session, due_date_outside_term, grading_period_for, score_not_in_group,
                                                title_key, title_taken)
from unit_tests.test_destination_plan_diff_report import BASE_URL
from unit_tests.test_destination_rules import ASSESSMENT, CHICAGO, SCORE

SETTINGS = PlanSettings("district-42", {}, "percent", 50, CHICAGO, BASE_URL)
POINTS = st.integers(min_value=0, max_value=20).map(float)


def result_body(points: float) -> dict:
    return plan_score(replace(SCORE, points=points), SETTINGS, points_possible=20.0, scale=20.0).body


def campus(written: dict, **teacher) -> dict:
    """What Campus holds after our write and a teacher's changes (metadata kept)."""
    return {**written, "dateLastModified": "2026-10-30T10:00:00.000Z", **teacher}


def test_the_fingerprint_covers_what_we_send_as_campus_stores_it() -> None:
    body = plan_line_item(ASSESSMENT, SETTINGS).body
    mark = recorded(body)
    assert mark["ns"] == namespace_tag("district-42") and mark["otus"] == ASSESSMENT.otus_id
    assert set(mark["fields"]) == {"title", "description", "assignDate", "dueDate", "class", "resultValueMin",
                                   "resultValueMax", "comment"}
    assert recorded({"metadata": {FINGERPRINT_KEY: {"v": 99, "fields": {}}}}) is None, "an unknown version is no fingerprint"
    assert recorded({"metadata": None}) is None and recorded(None) is None
    assert canonical("dueDate", "2026-10-28T04:59:00Z", CHICAGO) == canonical("dueDate", "2026-10-27", CHICAGO)
    assert canonical("dueDate", "2026-10-27T23:59:00-05:00", CHICAGO) == "2026-10-27"
    assert canonical("score", "18", CHICAGO) == canonical("score", 18.0, CHICAGO) == canonical("score", 18.0000000001, CHICAGO)
    assert canonical("class", {"sourcedId": "100", "href": "/x"}, CHICAGO) == canonical("class", {"sourcedId": "100"}, CHICAGO)
    assert canonical("comment", "", CHICAGO) is None and canonical("score", "A", CHICAGO) == "A"


@given(ours=POINTS, teacher=POINTS, regrade=POINTS)
@settings(max_examples=200, deadline=None)
def test_three_way_tells_otus_campus_and_both_apart(ours: float, teacher: float, regrade: float) -> None:
    written = result_body(ours)
    held = campus(written, score=teacher)
    now = result_body(regrade)
    keep = reconcile(now, held, CHICAGO, percent_key="percent")
    overwrite = reconcile(now, held, CHICAGO, percent_key="percent", campus_edits="overwrite")
    if regrade == teacher:
        assert keep.change is overwrite.change is Change.UNCHANGED
    elif teacher == ours:  # only Otus changed
        assert keep.change is Change.UPDATE and keep.body["score"] == regrade and not keep.overwritten
    elif regrade == ours:  # only the teacher changed
        assert keep.change is Change.UNCHANGED and keep.kept == ("score",)
        assert overwrite.change is Change.UPDATE and overwrite.overwritten == ("score",) and overwrite.campus_only
    else:  # both changed: Otus's new value wins, whatever the setting
        for found in (keep, overwrite):
            assert found.change is Change.UPDATE and found.body["score"] == regrade
            assert found.overwritten == ("score",) and not found.campus_only
    assert not keep.two_way


def test_kept_fields_are_sent_as_the_teacher_left_them_and_the_fingerprint_stays_otus() -> None:
    written = plan_line_item(ASSESSMENT, SETTINGS).body
    held = campus(written, title="Teacher's title", category={"sourcedId": "cat-teacher"})
    now = plan_line_item(replace(ASSESSMENT, points_possible=25), SETTINGS).body
    found = reconcile(now, held, CHICAGO, percent_key=None)
    assert found.change is Change.UPDATE and found.kept == ("title",)
    assert found.body["title"] == "Teacher's title" and found.body["resultValueMax"] == 25
    assert found.body["category"] == {"sourcedId": "cat-teacher"}, "a category we do not send stays Campus's"
    assert "comment" not in found.body, "no null optional is sent"
    assert recorded(found.body) == recorded(now), "the fingerprint records Otus's values, not the teacher's"
    after = reconcile(now, {**held, **found.body}, CHICAGO, percent_key=None)
    assert after.change is Change.UNCHANGED and after.kept == ("title",)


def test_without_a_fingerprint_the_diff_is_two_way_and_a_deleted_object_is_resent() -> None:
    written = result_body(10)
    unstamped = {**campus(written, score=12), "metadata": {"percent": None}}
    found = reconcile(written, unstamped, CHICAGO, percent_key="percent")
    assert found.change is Change.UPDATE and found.two_way and found.body["score"] == 10
    assert reconcile(written, {**unstamped, "score": 10}, CHICAGO, percent_key="percent").change is Change.UNCHANGED
    resent = reconcile(written, {**written, "status": "tobedeleted"}, CHICAGO, percent_key="percent")
    assert resent.change is Change.CREATE and resent.resent
    assert not reconcile(written, None, CHICAGO, percent_key="percent").resent


SESSIONS = {
    "S1": Session("S1", "semester", date(2026, 8, 17), date(2027, 1, 15), "Y"),
    "S2": Session("S2", "semester", date(2027, 1, 19), date(2027, 6, 4), "Y"),
    "Q1": Session("Q1", "gradingPeriod", date(2026, 8, 17), date(2026, 10, 16), "S1"),
    "Q2": Session("Q2", "gradingPeriod", date(2026, 10, 19), date(2027, 1, 15), "S1"),
    "Q3": Session("Q3", "gradingPeriod", date(2027, 1, 19), date(2027, 3, 26), "S2"),
    "Q4": Session("Q4", "gradingPeriod", date(2027, 3, 29), date(2027, 6, 4), None),
}


@given(st.dates(min_value=date(2026, 6, 1), max_value=date(2027, 8, 1)),
       st.sampled_from([("S1",), ("S2",), ("S1", "S2")]))
def test_the_due_date_picks_the_grading_period_or_is_outside_every_term(due: date, terms: tuple[str, ...]) -> None:
    outside = due_date_outside_term(due, terms, SESSIONS)
    period = grading_period_for(due, terms, SESSIONS)
    in_term = [t for t in terms if SESSIONS[t].start <= due <= SESSIONS[t].end]
    assert (outside is None) == bool(in_term) == (period is not None)
    if outside:
        assert outside.reason is Reason.DUE_DATE_OUTSIDE_TERM and outside.detail.startswith("Due date is outside the term")
    if period:
        held = SESSIONS[period]
        assert held.start <= due <= held.end
        assert period in in_term or held.parent_id in in_term or held.parent_id is None
    assert due_date_outside_term(due, ("unknown",), SESSIONS) is None, "an unknown term predicts nothing"


def test_between_quarters_the_term_itself_is_the_period() -> None:
    assert grading_period_for(date(2026, 10, 17), ("S1",), SESSIONS) == "S1"
    assert grading_period_for(date(2027, 4, 1), ("S2",), SESSIONS) == "Q4"  # no parent, inside the term


def test_score_groups_and_titles() -> None:
    task = {"sourcedId": "100-1-7012", "metadata": {"ic": {"scoreGroup": [{"score": "4"}, {"score": "3"}]}}}
    assert score_not_in_group(4.0, task) is None and score_not_in_group("3", task) is None
    refused = score_not_in_group("A", task)
    assert refused.reason is Reason.SCORE_NOT_IN_SCORE_GROUP and "takes 4, 3" in refused.detail
    assert score_not_in_group("A", {"sourcedId": "x", "metadata": {}}) is None, "no group shown: nothing predicted"
    assert score_not_in_group(None, task) is None
    taken = {title_key("Fractions quiz"): "li-1"}
    assert title_taken(" FRACTIONS quiz", "li-2", taken).reason is Reason.DUPLICATE_TITLE
    assert title_taken("Fractions quiz", "li-1", taken) is None and title_taken("Decimals", "li-2", taken) is None


def test_the_predicted_grading_period_is_sent_unless_otus_names_one() -> None:
    body = plan_line_item(replace(ASSESSMENT, due_at=None), SETTINGS, grading_period_id="Q2").body
    assert body["gradingPeriod"]["sourcedId"] == "Q2"
    assert date.fromisoformat(body["dueDate"][:10]) - date.fromisoformat(body["assignDate"][:10]) == timedelta(days=7)
    named = plan_line_item(replace(ASSESSMENT, grading_period_id="Q3"), SETTINGS, grading_period_id="Q2").body
    assert named["gradingPeriod"]["sourcedId"] == "Q3"
