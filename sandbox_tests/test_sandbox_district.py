"""The district generator: deterministic, the promised shapes and sizes, cheap at any size."""

import time
import tracemalloc

import pytest

from campus_sandbox import calendar
from campus_sandbox.district import ADMIN_ID, generate
from campus_sandbox.gradebook import Gradebook
from campus_sandbox.roster import roster_record_sets


def _all_records(size: str, seed: int = 7) -> dict[str, list[dict]]:
    d = generate(size, seed)
    sets = roster_record_sets(d)
    out = {name: rs.page(range(len(rs))) for name, rs in sets.items()}
    native = Gradebook(d, percent_key="percent").native
    out["lineItems"] = native.page(range(len(native)))
    return out


def test_same_seed_same_district_and_another_seed_differs():
    first, again, other = _all_records("tiny", 7), _all_records("tiny", 7), _all_records("tiny", 8)
    assert first == again
    assert first["users"] != other["users"]
    assert [u["sourcedId"] for u in first["users"]] == [u["sourcedId"] for u in other["users"]]


def test_tiny_is_generated_quickly_and_has_the_promised_shape():
    start = time.perf_counter()
    d = generate("tiny")
    records = roster_record_sets(d)
    assert time.perf_counter() - start < 0.2
    assert (d.school_count, d.section_count, d.student_count) == (1, 8, 60)
    users = records["users"].page(range(len(records["users"])))
    roles = [u["role"] for u in users]
    assert roles.count("administrator") == 1 and roles.count("teacher") == 3 and roles.count("student") == 60
    assert users[0]["sourcedId"] == ADMIN_ID == "a9"
    assert all(u["sourcedId"].startswith({"student": "s", "teacher": "t", "administrator": "a"}[u["role"]])
               for u in users)
    names = {u["givenName"] for u in users} | {u["familyName"] for u in users}
    assert {"Zoë", "José", "Nguyễn", "O'Brien"} <= names


def test_ids_follow_campus_conventions_and_resolve_back():
    d = generate("small")
    sets = roster_record_sets(d)
    for name, rs in sets.items():
        for i in (0, len(rs) // 2, len(rs) - 1):
            assert rs.find(rs.record(i)["sourcedId"]) == i, name
        assert rs.find("no-such-id") is None
    enrollments = sets["enrollments"].page(range(len(sets["enrollments"])))
    assert all(e["sourcedId"][0] == e["role"][0] for e in enrollments)  # s+rosterID, t+historyID
    assert len({e["sourcedId"] for e in enrollments}) == len(enrollments)


def test_sections_carry_teachers_co_teachers_students_and_grading_tasks():
    d = generate("small")
    sections = list(d.sections())
    assert any(len(s.teacher_ids) == 2 for s in sections) and any(len(s.teacher_ids) == 1 for s in sections)
    in_sections = {t for s in sections for t in s.teacher_ids} | {x for s in sections for x in s.student_ids}
    assert ADMIN_ID not in in_sections
    s = sections[3]
    assert len(set(s.student_ids)) == d.class_size
    assert all(d.is_enrolled(d.student_index(x), s.index) for x in s.student_ids)
    assert s.grading_task_ids == tuple(f"{s.sourced_id}-1-{q}" for q in s.grading_period_ids)
    assert s.term_ids == (calendar.S1_ID, calendar.S2_ID)
    for sid in s.student_ids[:3]:
        assert s.index in d.sections_of_student(d.student_index(sid))


def test_every_collection_has_a_few_tobedeleted_and_timestamps_spread_and_shared():
    records = _all_records("small")
    for name in ("orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics"):
        statuses = [r["status"] for r in records[name]]
        assert 0 < statuses.count("tobedeleted") < len(statuses) / 2, name
    stamps = [u["dateLastModified"] for u in records["users"]]
    months = {s[:7] for s in stamps}
    assert len(months) >= 4
    assert len(set(stamps)) < len(stamps)  # some records share the exact instant
    assert all(len(s) == 24 and s.endswith("Z") for s in stamps)


def test_fixed_school_year_with_quarters_under_semesters():
    sessions = {s["sourcedId"]: s for s in _all_records("tiny")["academicSessions"]}
    q1 = sessions[calendar.Q1_ID]
    assert q1["type"] == "gradingPeriod" and q1["parent"]["sourcedId"] == calendar.S1_ID
    assert sessions[calendar.S1_ID]["startDate"] == "2026-08-17"
    assert sessions[calendar.S2_ID]["endDate"] == "2027-06-04"
    assert sessions[calendar.SCHOOL_YEAR_ID]["type"] == "schoolYear"
    assert calendar.CLOSED_AT_START == {calendar.Q1_ID}


def test_grading_task_line_items_expose_their_score_group():
    d = generate("tiny")
    native = Gradebook(d, percent_key="percent").native
    item = native.record(0)
    group = item["metadata"]["ic"]["scoreGroup"]
    assert item["metadata"]["ic"]["gradingTask"] is True
    assert item["class"]["sourcedId"] == d.section_id(0)
    assert item["gradingPeriod"]["sourcedId"] == calendar.Q1_ID
    minimums = [g["minPercent"] for g in group]
    assert len(set(minimums)) == len(minimums)
    assert d.score_group(item["sourcedId"]) == tuple(group)
    assert d.score_group("not-a-task") is None


def test_demographics_exist_for_students_only():
    records = _all_records("tiny")
    students = {u["sourcedId"] for u in records["users"] if u["role"] == "student"}
    assert {r["sourcedId"] for r in records["demographics"]} == students


def test_large_district_counts_without_building_records():
    start = time.perf_counter()
    d = generate("large")
    assert time.perf_counter() - start < 1.0
    assert d.section_count == 40_000
    assert 1_000_000 <= d.enrollment_count <= 1_010_000
    assert 115_000 <= d.user_count <= 125_000
    assert d.section(39_999).sourced_id == "139999"


@pytest.mark.soak
def test_large_district_serves_every_enrollment_page_in_bounded_memory():
    d = generate("large")
    enrollments = roster_record_sets(d)["enrollments"]
    tracemalloc.start()
    total = 0
    for offset in range(0, len(enrollments), 50_000):
        total += enrollments.page_json(range(offset, min(offset + 50_000, len(enrollments)))).count(b'"role":')
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == d.enrollment_count
    assert peak < 200 * 1024 * 1024


def test_unknown_size_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="tiny, small, medium, large"):
        generate("huge")
