"""The sandbox's strict mode over HTTP: PUT bodies held to the OneRoster 1.1 data model (400 naming
the field), GETs a strict reader accepts, and the one Campus habit the letter setting allows."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from campus_sandbox import calendar
from campus_sandbox.receiving import PLACEHOLDER_CATEGORY_ID
from campus_sandbox.strict import FIELDS, check_body
from campus_sandbox.errors import SandboxError

DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_FIELDS = {"startDate", "endDate", "birthDate", "beginDate", "scoreDate"}
DATE_TIME_FIELDS = {"dateLastModified", "assignDate", "dueDate"}


def ref(kind: str, collection: str, sourced_id: str) -> dict:
    return {"href": f"/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def strict_line_item(section_id: str, **overrides) -> dict:
    return {"sourcedId": "li-1", "status": "active", "dateLastModified": "2026-11-01T12:00:00Z",
            "title": "Fractions quiz", "assignDate": "2026-11-02T08:00:00-06:00", "dueDate": "2026-11-09T23:59:00-06:00",
            "class": ref("class", "classes", section_id), "category": ref("category", "categories", PLACEHOLDER_CATEGORY_ID),
            "gradingPeriod": ref("academicSession", "academicSessions", calendar.Q2_ID),
            "resultValueMin": 0, "resultValueMax": 20, **overrides}


def strict_result(line_item_id: str, student_id: str, **overrides) -> dict:
    return {"sourcedId": "r-1", "status": "active", "dateLastModified": "2026-11-10T12:00:00Z",
            "lineItem": ref("lineItem", "lineItems", line_item_id), "student": ref("user", "users", student_id),
            "scoreStatus": "fully graded", "score": 18, "scoreDate": "2026-11-10", **overrides}


@pytest.fixture
def strict_sb(make_sandbox):
    return make_sandbox("tiny", strict=True)


def put(session, sb, collection: str, envelope: str, body: dict):
    return session.put(f"{sb.base_url}/{collection}/{body['sourcedId']}", json={envelope: body})


def refusal(answer) -> str:
    assert answer.status_code == 400, answer.text
    info = answer.json()["statusInfoSet"][0]
    assert info["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invaliddata"
    return info["imsx_description"]


@pytest.mark.parametrize(("change", "field"), [
    ({"title": None}, "title"),
    ({"title": ""}, "title"),
    ({"description": None}, "description"),  # an optional field is left out, never null
    ({"assignDate": "2026-11-02"}, "assignDate"),  # a bare day where 1.1 types a date-time
    ({"dueDate": "2026-11-09 23:59"}, "dueDate"),
    ({"class": {"sourcedId": "x", "type": "class"}}, "class"),  # GUIDRef without href
    ({"category": ref("class", "classes", "100000")}, "category"),  # wrong type
    ({"gradingPeriod": None}, "gradingPeriod"),
    ({"resultValueMax": "20"}, "resultValueMax"),
    ({"status": "inactive"}, "status"),
    ({"dateLastModified": "yesterday"}, "dateLastModified"),
])
def test_strict_mode_refuses_line_items_outside_the_model_naming_the_field(strict_sb, sandbox_session, change,
                                                                            field) -> None:
    session = sandbox_session(strict_sb)
    section = strict_sb.district.section(0).sourced_id
    assert put(session, strict_sb, "lineItems", "lineItem", strict_line_item(section)).status_code == 201
    body = {**strict_line_item(section), **change}
    message = refusal(put(session, strict_sb, "lineItems", "lineItem", body))
    assert f"field '{field}'" in message and "li-1" in message


def test_missing_required_fields_are_named(strict_sb, sandbox_session) -> None:
    session = sandbox_session(strict_sb)
    section = strict_sb.district.section(0).sourced_id
    for field in ("category", "gradingPeriod", "dateLastModified", "status"):
        body = {k: v for k, v in strict_line_item(section).items() if k != field}
        assert f"field '{field}' is required" in refusal(put(session, strict_sb, "lineItems", "lineItem", body))


@pytest.mark.parametrize(("change", "field"), [
    ({"scoreStatus": "graded"}, "scoreStatus"),
    ({"scoreDate": "2026-11-10T12:00:00Z"}, "scoreDate"),  # a date-time where 1.1 types a date
    ({"score": "18"}, "score"),
    ({"score": None}, "score"),
    ({"comment": None}, "comment"),
    ({"student": ref("class", "classes", "s1")}, "student"),
    ({"metadata": {"percent": 90}, "score": "B"}, "score"),  # a letter on a points lineItem
])
def test_strict_mode_refuses_results_outside_the_model(strict_sb, sandbox_session, change, field) -> None:
    session = sandbox_session(strict_sb)
    section = strict_sb.district.section(0)
    assert put(session, strict_sb, "lineItems", "lineItem", strict_line_item(section.sourced_id)).status_code == 201
    good = strict_result("li-1", section.student_ids[0])
    assert put(session, strict_sb, "results", "result", good).status_code == 201
    assert f"field '{field}'" in refusal(put(session, strict_sb, "results", "result", {**good, **change}))


def test_lenient_default_takes_what_campus_takes(sandbox, sandbox_session) -> None:
    session = sandbox_session(sandbox)
    section = sandbox.district.section(0).sourced_id
    body = {"sourcedId": "li-2", "title": "Quiz", "assignDate": "2026-11-02", "dueDate": "2026-11-09",
            "class": {"sourcedId": section}, "resultValueMin": 0, "resultValueMax": 20, "description": None}
    assert put(session, sandbox, "lineItems", "lineItem", body).status_code == 201


def test_letters_travel_as_the_setting_says(make_sandbox, sandbox_session) -> None:
    in_score = make_sandbox("tiny", strict=True)
    section = in_score.district.section(0)
    task = section.grading_task_ids[1]  # Q2: open
    student = section.student_ids[0]
    session = sandbox_session(in_score)
    assert put(session, in_score, "results", "result", strict_result(task, student, score="B")).status_code == 201
    by_percent = {k: v for k, v in strict_result(task, student, sourcedId="r-2", metadata={"percent": 91}).items()
                  if k != "score"}
    assert put(session, in_score, "results", "result", by_percent).status_code == 201  # Campus picks the letter
    assert in_score.state.results["r-2"]["score"] == "A"

    in_metadata = make_sandbox("tiny", strict=True, letter_metadata_key="letterGrade")
    session = sandbox_session(in_metadata)
    assert "field 'score'" in refusal(put(session, in_metadata, "results", "result",
                                          strict_result(task, student, score="B")))
    letter = strict_result(task, student, score=85, metadata={"percent": 85, "letterGrade": "B"})
    assert put(session, in_metadata, "results", "result", letter).status_code == 201
    held = session.get(f"{in_metadata.base_url}/results/r-1").json()["result"]
    assert (held["score"], held["metadata"]["letterGrade"]) == (85, "B")


def _walk(value, path=""):
    """Every (path, value) in a JSON document."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _walk(item, f"{path}[{n}]")


STRICT_READS = ("orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics",
                "categories", "lineItems", "results")


def test_strict_gets_are_what_a_strict_reader_accepts(strict_sb, sandbox_session) -> None:
    session = sandbox_session(strict_sb)
    section = strict_sb.district.section(0)
    put(session, strict_sb, "lineItems", "lineItem", strict_line_item(section.sourced_id))
    put(session, strict_sb, "results", "result", strict_result("li-1", section.student_ids[0]))
    put(session, strict_sb, "results", "result", {**strict_result(section.grading_task_ids[1], section.student_ids[1]),
                                                   "sourcedId": "r-task", "score": "B"})
    for collection in STRICT_READS:
        answer = session.get(f"{strict_sb.base_url}/{collection}", params={"limit": 50_000})
        (records,) = answer.json().values()
        assert records, collection
        for record in records:
            for path, value in _walk(record):
                assert value is not None and value != "", f"{collection} {record['sourcedId']}: {path} is empty"
                name = path.rsplit(".", 1)[-1]
                if name in DATE_FIELDS:
                    assert DATE.fullmatch(value), f"{collection}.{path} = {value!r} is not a date"
                if name in DATE_TIME_FIELDS:
                    assert DATE_TIME.fullmatch(value), f"{collection}.{path} = {value!r} is not a date-time"
                if isinstance(value, dict) and "sourcedId" in value and path:
                    assert value.keys() >= {"href", "sourcedId", "type"}, f"{collection}.{path} GUIDRef"
            if collection in ("lineItems", "results", "categories"):
                on_task = collection == "results" and record["lineItem"]["sourcedId"].count("-") == 2
                check_body({"lineItems": "lineItem", "results": "result", "categories": "category"}[collection],
                           record["sourcedId"], record, letter_in_score=on_task)


def test_lenient_gets_copy_campus_habits_on_purpose(sandbox, sandbox_session) -> None:
    session = sandbox_session(sandbox)
    user = session.get(f"{sandbox.base_url}/users", params={"limit": 1}).json()["users"][0]
    assert user["middleName"] == "" and user["sms"] == ""
    district = session.get(f"{sandbox.base_url}/orgs", params={"limit": 1}).json()["orgs"][0]
    assert district["parent"] is None
    task = session.get(f"{sandbox.base_url}/lineItems", params={"limit": 1}).json()["lineItems"][0]
    assert DATE.fullmatch(task["assignDate"])


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                         max_size=3), max_leaves=6)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(FIELDS)), data=st.data())
def test_any_body_is_accepted_or_refused_naming_one_of_its_fields(kind: str, data) -> None:
    valid = {"lineItem": strict_line_item("100000"), "result": strict_result("li-1", "s100001"),
             "category": {"sourcedId": "c-1", "status": "active", "dateLastModified": "2026-11-01T12:00:00Z",
                          "title": "Quizzes"}}[kind]
    field = data.draw(st.sampled_from(sorted(FIELDS[kind])))
    body = {**valid, field: data.draw(JSON_VALUES)}
    try:
        check_body(kind, body["sourcedId"] if isinstance(body["sourcedId"], str) else "x", body)
    except SandboxError as refused:
        assert refused.status == 400 and f"field '{field}'" in refused.description
