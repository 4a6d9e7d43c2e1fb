"""Gradebook writes over HTTP under Campus's receiving rules, and what GETs show afterwards."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from campus_sandbox import calendar
from campus_sandbox.receiving import PLACEHOLDER_CATEGORY_ID

WINDOW_CLOSED = "Grading window is closed"
NOT_IN_GROUP = "Score is not in the score group"
OUTSIDE_TERM = "Due date is outside the term"


def _refusal(answer) -> str:
    assert answer.status_code == 422, answer.text
    info = answer.json()["statusInfoSet"][0]
    assert info["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invaliddata"
    return info["imsx_description"]


@pytest.fixture
def gb(sandbox, sandbox_session):
    """A small helper bound to one sandbox: put/get/delete by collection and id."""
    session = sandbox_session(sandbox)

    class Gradebook:
        sb = sandbox
        district = sandbox.district
        section = sandbox.district.section(0)  # year-long (S1+S2), even → letter score group

        @staticmethod
        def put(kind: str, sourced_id: str, record: dict):
            return session.put(f"{sandbox.base_url}/{kind}s/{sourced_id}" if kind != "category"
                               else f"{sandbox.base_url}/categories/{sourced_id}", json={kind: record})

        @staticmethod
        def get(path: str, **params):
            return session.get(sandbox.base_url + path, params=params)

        @staticmethod
        def delete(path: str):
            return session.delete(sandbox.base_url + path)

        @classmethod
        def line_item(cls, **overrides) -> dict:
            return {"title": "Fractions quiz", "assignDate": "2026-11-02", "dueDate": "2026-11-09",
                    "class": {"sourcedId": cls.section.sourced_id}, "resultValueMin": 0, "resultValueMax": 20,
                    **overrides}

        @classmethod
        def result(cls, line_item_id: str, **overrides) -> dict:
            return {"lineItem": {"sourcedId": line_item_id}, "student": {"sourcedId": cls.section.student_ids[0]},
                    "scoreStatus": "fully graded", "scoreDate": "2026-11-10", **overrides}

    return Gradebook


def test_line_item_create_update_read_and_defaults(gb):
    created = gb.put("lineItem", "li-1", gb.line_item())
    assert created.status_code == 201
    stored = created.json()["lineItem"]
    assert stored["category"]["sourcedId"] == PLACEHOLDER_CATEGORY_ID
    assert stored["gradingPeriod"]["sourcedId"] == calendar.Q2_ID  # the quarter holding 2026-11-09
    updated = gb.put("lineItem", "li-1", gb.line_item(title="Fractions quiz (retake)"))
    assert updated.status_code == 200
    read = gb.get("/lineItems/li-1").json()["lineItem"]
    assert read["title"] == "Fractions quiz (retake)"
    assert read["dateLastModified"] >= stored["dateLastModified"]
    in_class = gb.get(f"/classes/{gb.section.sourced_id}/lineItems").json()["lineItems"]
    assert "li-1" in {li["sourcedId"] for li in in_class}
    assert set(gb.section.grading_task_ids) <= {li["sourcedId"] for li in in_class}
    assert gb.sb.state.line_items["li-1"]["title"] == "Fractions quiz (retake)"


def test_due_date_between_quarters_falls_back_to_the_term(gb):
    stored = gb.put("lineItem", "li-gap", gb.line_item(dueDate="2026-10-17")).json()["lineItem"]
    assert stored["gradingPeriod"]["sourcedId"] == calendar.S1_ID


def test_due_date_outside_the_class_terms_is_refused(gb):
    description = _refusal(gb.put("lineItem", "li-late", gb.line_item(dueDate="2027-07-01")))
    assert description.startswith(OUTSIDE_TERM) and "li-late" in description
    s2_only = gb.district.section(2)
    assert s2_only.term_ids == (calendar.S2_ID,)
    description = _refusal(gb.put("lineItem", "li-s1", {**gb.line_item(), "class": {"sourcedId": s2_only.sourced_id}}))
    assert description.startswith(OUTSIDE_TERM)
    assert "li-late" not in gb.sb.state.line_items


def test_closed_grading_window_refuses_line_items_and_results_until_reopened(gb):
    in_q1 = gb.line_item(dueDate="2026-09-15")
    assert _refusal(gb.put("lineItem", "li-q1", in_q1)).startswith(WINDOW_CLOSED)
    gb.sb.set_grading_window(calendar.Q1_ID, True)
    assert gb.put("lineItem", "li-q1", in_q1).status_code == 201
    gb.sb.set_grading_window(calendar.Q1_ID, False)
    assert _refusal(gb.put("result", "r-q1", gb.result("li-q1", score=10))).startswith(WINDOW_CLOSED)
    q2_task = gb.section.grading_task_ids[1]
    gb.sb.set_grading_window(q2_task, False)  # a single grading task can be closed too
    assert _refusal(gb.put("result", "r-task", gb.result(q2_task, score="A"))).startswith(WINDOW_CLOSED)
    assert gb.sb.state.results == {}


def test_grading_task_percent_only_is_matched_to_the_score_group(gb):
    task = gb.section.grading_task_ids[1]  # Q2, letter group A90 B80 C70 D60 F0
    for percent, letter in ((95, "A"), (90, "A"), (89.99, "B"), (61, "D"), (12, "F")):
        stored = gb.put("result", f"r-{percent}", gb.result(task, score=None, metadata={"percent": percent}))
        assert stored.status_code == 201, stored.text
        assert stored.json()["result"]["score"] == letter, percent
        assert stored.json()["result"]["metadata"]["percent"] == percent


def test_grading_task_numeric_group_and_score_only_keeps_percent_null(gb):
    odd = gb.district.section(1)  # odd section: 4/3/2/1 at 88/75/60/0
    task = odd.grading_task_ids[1]
    record = {"lineItem": {"sourcedId": task}, "student": {"sourcedId": odd.student_ids[0]},
              "scoreStatus": "fully graded", "scoreDate": "2026-11-10"}
    derived = gb.put("result", "r-num", {**record, "metadata": {"percent": 80}}).json()["result"]
    assert derived["score"] == "3"
    score_only = gb.put("result", "r-num", {**record, "score": 4}).json()["result"]
    assert score_only["score"] == "4" and score_only["metadata"]["percent"] is None


def test_score_not_in_group_is_refused_and_both_are_kept_as_sent(gb):
    task = gb.section.grading_task_ids[1]
    description = _refusal(gb.put("result", "r-bad", gb.result(task, score="E")))
    assert description.startswith(NOT_IN_GROUP) and "A, B, C, D, F" in description
    both = gb.put("result", "r-both", gb.result(task, score="C", metadata={"percent": 99})).json()["result"]
    assert both["score"] == "C" and both["metadata"]["percent"] == 99


def test_points_line_item_percent_extra_credit_and_minimum(gb):
    assert gb.put("lineItem", "li-pts", gb.line_item(resultValueMax=20)).status_code == 201
    from_percent = gb.put("result", "r-pct", gb.result("li-pts", score=None, metadata={"percent": 85})).json()
    assert from_percent["result"]["score"] == pytest.approx(17.0)
    extra = gb.put("result", "r-extra", gb.result("li-pts", score=23))
    assert extra.status_code == 201 and extra.json()["result"]["score"] == 23
    assert "resultValueMin" in _refusal(gb.put("result", "r-neg", gb.result("li-pts", score=-1)))
    assert "must be a number" in _refusal(gb.put("result", "r-text", gb.result("li-pts", score="lots")))


@pytest.mark.parametrize("kind,record,field", [
    ("lineItem", {"assignDate": "2026-11-02", "dueDate": "2026-11-09", "class": {"sourcedId": "100000"},
                  "resultValueMin": 0, "resultValueMax": 10}, "title"),
    ("lineItem", {"title": "t", "assignDate": "2026-11-02", "class": {"sourcedId": "100000"},
                  "resultValueMin": 0, "resultValueMax": 10}, "dueDate"),
    ("lineItem", {"title": "t", "assignDate": "2026-11-02", "dueDate": "2026-11-09", "class": {"sourcedId": "999"},
                  "resultValueMin": 0, "resultValueMax": 10}, "class"),
    ("lineItem", {"title": "t", "assignDate": "2026-11-02", "dueDate": "2026-11-09", "class": {"sourcedId": "100000"},
                  "category": {"sourcedId": "nope"}, "resultValueMin": 0, "resultValueMax": 10}, "category"),
    ("lineItem", {"title": "t", "assignDate": "2026-11-02", "dueDate": "soon", "class": {"sourcedId": "100000"},
                  "resultValueMin": 0, "resultValueMax": 10}, "dueDate"),
    ("result", {"lineItem": {"sourcedId": "missing-li"}, "student": {"sourcedId": "s100001"},
                "scoreStatus": "fully graded", "scoreDate": "2026-11-10", "score": 1}, "lineItem"),
    ("category", {}, "title"),
])
def test_invalid_bodies_name_the_record_and_field(gb, kind, record, field):
    description = _refusal(gb.put(kind, "x-1", record))
    assert "x-1" in description and field in description


def test_result_for_unknown_or_unenrolled_student_and_bad_status(gb):
    gb.put("lineItem", "li-s", gb.line_item())
    assert "does not exist" in _refusal(gb.put("result", "r1", gb.result("li-s", score=1, student={"sourcedId": "s1"})))
    outsider = next(s for s in gb.district.user_ids("student") if s not in gb.section.student_ids)
    assert "not enrolled" in _refusal(gb.put("result", "r1", gb.result("li-s", score=1,
                                                                       student={"sourcedId": outsider})))
    assert "scoreStatus" in _refusal(gb.put("result", "r1", gb.result("li-s", score=1, scoreStatus="late")))


def test_envelope_and_path_id_must_match(gb):
    assert "singular envelope" in _refusal(gb.put("lineItem", "li-e", None))
    assert "differs from the path" in _refusal(gb.put("lineItem", "li-e", gb.line_item(sourcedId="other")))


def test_grading_task_line_items_are_read_only(gb):
    assert "grading task" in _refusal(gb.put("lineItem", gb.section.grading_task_ids[1], gb.line_item()))


def test_results_are_readable_through_every_route_and_deletes_cascade(gb):
    gb.put("lineItem", "li-r", gb.line_item())
    student = gb.section.student_ids[0]
    gb.put("result", "r-1", gb.result("li-r", score=15))
    gb.put("result", "r-2", gb.result("li-r", score=12, student={"sourcedId": gb.section.student_ids[1]}))
    cid = gb.section.sourced_id
    assert {r["sourcedId"] for r in gb.get("/results").json()["results"]} == {"r-1", "r-2"}
    assert {r["sourcedId"] for r in gb.get(f"/classes/{cid}/results").json()["results"]} == {"r-1", "r-2"}
    assert {r["sourcedId"] for r in gb.get(f"/classes/{cid}/lineItems/li-r/results").json()["results"]} == {"r-1", "r-2"}
    assert [r["sourcedId"] for r in gb.get(f"/classes/{cid}/students/{student}/results").json()["results"]] == ["r-1"]
    assert gb.get("/results/r-1").json()["result"]["score"] == 15
    assert gb.get("/results", filter="score>'13'").json()["results"][0]["sourcedId"] == "r-1"
    assert gb.delete("/results/r-2").status_code == 204
    assert gb.delete("/results/r-2").status_code == 404
    assert gb.delete("/lineItems/li-r").status_code == 204
    assert gb.sb.state.results == {} and gb.get("/results/r-1").status_code == 404
    assert gb.get("/lineItems/li-r").status_code == 404


def test_categories_put_get_delete(gb):
    assert gb.put("category", "cat-quiz", {"title": "Quizzes"}).status_code == 201
    assert gb.get("/categories/cat-quiz").json()["category"]["title"] == "Quizzes"
    assert gb.put("lineItem", "li-c", gb.line_item(category={"sourcedId": "cat-quiz"})).status_code == 201
    assert gb.delete("/categories/cat-quiz").status_code == 204
    assert gb.delete("/categories/cat-quiz").status_code == 404
    assert PLACEHOLDER_CATEGORY_ID in {c["sourcedId"] for c in gb.get("/categories").json()["categories"]}


def test_many_writes_are_counted_and_all_stored(gb):
    gb.put("lineItem", "li-many", gb.line_item())
    for n, student in enumerate(gb.section.student_ids):
        answer = gb.put("result", f"r-{n}", gb.result("li-many", score=n % 20, student={"sourcedId": student}))
        assert answer.status_code == 201
    assert len(gb.sb.state.results) == len(gb.section.student_ids)
    assert gb.sb.stats.puts == 1 + len(gb.section.student_ids)
    assert gb.get(f"/classes/{gb.section.sourced_id}/lineItems/li-many/results").headers["X-Total-Count"] == \
        str(len(gb.section.student_ids))


def test_concurrent_writers_lose_nothing(gb, sandbox_session):
    gb.put("lineItem", "li-conc", gb.line_item())
    sessions = [sandbox_session(gb.sb) for _ in range(5)]
    students = gb.section.student_ids

    def write(n: int) -> int:
        record = {"result": gb.result("li-conc", score=n % 20, student={"sourcedId": students[n % len(students)]})}
        return sessions[n % 5].put(f"{gb.sb.base_url}/results/conc-{n}", json=record).status_code

    with ThreadPoolExecutor(5) as pool:
        statuses = list(pool.map(write, range(200)))
    assert statuses == [201] * 200
    assert len(gb.sb.state.results) == 200
    listed = gb.get(f"/classes/{gb.section.sourced_id}/lineItems/li-conc/results", limit=500)
    assert listed.headers["X-Total-Count"] == "200" and len(listed.json()["results"]) == 200


DUPLICATE_TITLE = "Title is already used"


def test_a_title_used_by_another_line_item_of_the_class_is_refused(gb):
    assert gb.put("lineItem", "li-a", gb.line_item(title="Fractions quiz")).status_code == 201
    description = _refusal(gb.put("lineItem", "li-b", gb.line_item(title="  fractions QUIZ ")))
    assert description.startswith(DUPLICATE_TITLE) and "li-a" in description
    assert gb.put("lineItem", "li-a", gb.line_item(title="Fractions quiz")).status_code == 200  # its own title
    task_title = gb.sb.state.line_item(gb.section.grading_task_ids[1])["title"]
    assert _refusal(gb.put("lineItem", "li-c", gb.line_item(title=task_title))).startswith(DUPLICATE_TITLE)
    other = gb.district.section(3)
    elsewhere = {**gb.line_item(title="Fractions quiz", dueDate=f"{calendar.SESSION_BY_ID[other.term_ids[0]].end}"),
                 "class": {"sourcedId": other.sourced_id}}
    assert gb.put("lineItem", "li-d", elsewhere).status_code == 201, "another class may use the same title"


def test_a_teacher_edit_changes_the_value_and_stamp_and_may_drop_metadata(gb):
    gb.put("lineItem", "li-t", gb.line_item(metadata={"fingerprint": "ours"}))
    written = gb.put("result", "r-t", gb.result("li-t", score=10, metadata={"percent": None, "fingerprint": "ours"}))
    before = written.json()["result"]
    kept = gb.sb.edit_as_teacher("r-t", score=12)
    read = gb.get("/results/r-t").json()["result"]
    assert read["score"] == 12 and read["metadata"]["fingerprint"] == "ours" == kept["metadata"]["fingerprint"]
    assert read["dateLastModified"] >= before["dateLastModified"]
    gb.sb.edit_as_teacher("li-t", title="Fractions quiz (teacher's name)", metadata_survives=False)
    line_item = gb.get("/lineItems/li-t").json()["lineItem"]
    assert line_item["title"] == "Fractions quiz (teacher's name)" and line_item["metadata"] == {}
    with pytest.raises(KeyError):
        gb.sb.edit_as_teacher(gb.section.grading_task_ids[0], title="not ours")


def test_a_teacher_delete_is_served_as_tobedeleted_or_gone(gb):
    gb.put("lineItem", "li-d", gb.line_item())
    for rid, student in (("r-soft", 0), ("r-hard", 1)):
        gb.put("result", rid, gb.result("li-d", score=10, student={"sourcedId": gb.section.student_ids[student]}))
    gb.sb.delete_as_teacher("r-soft")
    gb.sb.delete_as_teacher("r-hard", soft=False)
    held = {r["sourcedId"]: r for r in gb.get(f"/classes/{gb.section.sourced_id}/results").json()["results"]}
    assert held["r-soft"]["status"] == "tobedeleted" and "r-hard" not in held
    assert gb.put("result", "r-soft", gb.result("li-d", score=10)).json()["result"]["status"] == "active"


def test_a_provider_without_metadata_round_trip_keeps_only_the_percent(make_sandbox, sandbox_session):
    sb = make_sandbox("tiny", keep_vendor_metadata=False)
    session, section = sandbox_session(sb), sb.district.section(0)
    line_item = {"title": "Quiz", "assignDate": "2026-11-02", "dueDate": "2026-11-09", "metadata": {"fingerprint": "x"},
                 "class": {"sourcedId": section.sourced_id}, "resultValueMin": 0, "resultValueMax": 20}
    stored = session.put(f"{sb.base_url}/lineItems/li-m", json={"lineItem": line_item}).json()["lineItem"]
    assert stored["metadata"] == {}
    result = {"lineItem": {"sourcedId": "li-m"}, "student": {"sourcedId": section.student_ids[0]},
              "scoreStatus": "fully graded", "scoreDate": "2026-11-10", "metadata": {"percent": 50, "fingerprint": "x"}}
    stored = session.put(f"{sb.base_url}/results/r-m", json={"result": result}).json()["result"]
    assert stored["metadata"] == {"percent": 50} and stored["score"] == 10
