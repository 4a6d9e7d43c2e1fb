"""Reading the sandbox over HTTP: endpoints, wrapper keys, paging headers, filter/sort/fields."""

import re

import psutil
import pytest
import requests

from campus_sandbox import calendar
from campus_sandbox.district import ADMIN_ID


def _code_minor(response: requests.Response) -> str:
    return response.json()["statusInfoSet"][0]["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def _links(response: requests.Response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])}


@pytest.fixture
def read(sandbox, sandbox_session):
    session = sandbox_session(sandbox)
    return lambda path, **params: session.get(sandbox.base_url + path, params=params)


@pytest.mark.parametrize("path,wrapper", [
    ("/orgs", "orgs"), ("/schools", "orgs"), ("/academicSessions", "academicSessions"),
    ("/terms", "academicSessions"), ("/gradingPeriods", "academicSessions"), ("/courses", "courses"),
    ("/classes", "classes"), ("/users", "users"), ("/students", "users"), ("/teachers", "users"),
    ("/enrollments", "enrollments"), ("/demographics", "demographics"), ("/resources", "resources"),
    ("/categories", "categories"), ("/lineItems", "lineItems"), ("/results", "results"),
])
def test_every_collection_answers_with_its_base_type_wrapper(read, path, wrapper):
    answer = read(path)
    assert answer.status_code == 200
    assert list(answer.json()) == [wrapper]
    assert int(answer.headers["X-Total-Count"]) >= len(answer.json()[wrapper])


def test_aliases_hold_only_their_subset(read, sandbox):
    d = sandbox.district
    assert {u["role"] for u in read("/students", limit=500).json()["users"]} == {"student"}
    assert int(read("/students").headers["X-Total-Count"]) == d.student_count
    assert {u["role"] for u in read("/teachers").json()["users"]} == {"teacher"}
    assert {s["type"] for s in read("/gradingPeriods").json()["academicSessions"]} == {"gradingPeriod"}
    assert "gradingPeriod" not in {s["type"] for s in read("/terms").json()["academicSessions"]}
    assert {o["type"] for o in read("/schools").json()["orgs"]} == {"school"}


def test_single_objects_use_the_singular_key_and_aliases_check_membership(read, sandbox):
    student = sandbox.district.section(0).student_ids[0]
    assert read(f"/students/{student}").json()["user"]["sourcedId"] == student
    assert read(f"/users/{ADMIN_ID}").json()["user"]["role"] == "administrator"
    assert read(f"/terms/{calendar.S1_ID}").json()["academicSession"]["type"] == "semester"
    assert read(f"/classes/{sandbox.district.section_id(2)}").json()["class"]["sourcedId"] == "100002"
    assert "demographics" in read(f"/demographics/{student}").json()
    not_a_teacher = read(f"/teachers/{student}")
    assert not_a_teacher.status_code == 404 and _code_minor(not_a_teacher) == "unknownobject"
    assert read(f"/gradingPeriods/{calendar.S1_ID}").status_code == 404


def test_nested_rostering_endpoints(read, sandbox):
    d = sandbox.district
    section = d.section(3)
    students = read(f"/classes/{section.sourced_id}/students").json()["users"]
    assert sorted(u["sourcedId"] for u in students) == sorted(section.student_ids)
    teachers = read(f"/classes/{section.sourced_id}/teachers").json()["users"]
    assert [t["sourcedId"] for t in teachers] == list(section.teacher_ids)
    school = section.school_id
    enrollments = read(f"/schools/{school}/classes/{section.sourced_id}/enrollments").json()["enrollments"]
    assert len(enrollments) == len(section.student_ids) + len(section.teacher_ids)
    assert {e["class"]["sourcedId"] for e in enrollments} == {section.sourced_id}
    assert int(read(f"/schools/{school}/enrollments").headers["X-Total-Count"]) == d.enrollment_count
    assert int(read(f"/schools/{school}/students").headers["X-Total-Count"]) == d.student_count
    assert section.sourced_id in {c["sourcedId"] for c in read(f"/courses/{section.course_id}/classes").json()["classes"]}
    assert section.sourced_id in {c["sourcedId"] for c in
                                  read(f"/students/{section.student_ids[0]}/classes").json()["classes"]}
    assert section.sourced_id in {c["sourcedId"] for c in
                                  read(f"/teachers/{section.teacher_ids[1]}/classes").json()["classes"]}
    assert read(f"/users/{ADMIN_ID}/classes").json()["classes"] == []
    in_s2 = read(f"/terms/{calendar.S2_ID}/classes", limit=100).json()["classes"]
    assert all(calendar.S2_ID in [t["sourcedId"] for t in c["terms"]] for c in in_s2) and in_s2
    quarters = read(f"/terms/{calendar.S1_ID}/gradingPeriods").json()["academicSessions"]
    assert [q["sourcedId"] for q in quarters] == [calendar.Q1_ID, calendar.Q2_ID]
    assert read(f"/schools/{school}/terms").json()["academicSessions"]


def test_nested_route_with_unknown_parent_is_404(read):
    for path in ("/classes/999/students", "/schools/1/classes", "/courses/1/classes", "/terms/1/classes",
                 "/classes/100001/lineItems/nope/results"):
        answer = read(path)
        assert answer.status_code == 404 and _code_minor(answer) == "unknownobject", path


def test_wrong_base_url_gets_an_html_404_unknown_endpoint_a_statusinfoset(sandbox, sandbox_session):
    session = sandbox_session(sandbox)
    outside = session.get(sandbox.origin + "/campus/api/oneroster/v1p2/sandbox/ims/oneroster/rostering/v1p2/orgs")
    assert outside.status_code == 404 and outside.headers["Content-Type"].startswith("text/html")
    inside = session.get(sandbox.base_url + "/widgets")
    assert inside.status_code == 404 and _code_minor(inside) == "unknownobject"


def test_paging_headers_offset_and_links(read, sandbox):
    total = sandbox.district.student_count
    first = read("/students", limit=25)
    assert first.headers["X-Total-Count"] == str(total) and len(first.json()["users"]) == 25
    links = _links(first)
    assert set(links) == {"next", "first", "last"}
    assert "offset=25" in links["next"] and "limit=25" in links["next"]
    second = requests.get(links["next"], headers=first.request.headers)
    assert second.json()["users"][0]["sourcedId"] == read("/students", limit=1, offset=25).json()["users"][0]["sourcedId"]
    last = read("/students", limit=25, offset=50)
    assert len(last.json()["users"]) == total - 50
    assert set(_links(last)) == {"prev", "first", "last"}
    assert read("/students").headers["X-Total-Count"] == str(total)
    assert len(read("/students").json()["users"]) == 60  # default 100 > 60
    assert read("/students", offset=1000).json()["users"] == []


def test_default_page_size_and_the_silent_cap(make_sandbox, sandbox_session):
    sb = make_sandbox("small", max_page_size=50, default_page_size=10)
    session = sandbox_session(sb)
    assert len(session.get(sb.base_url + "/users").json()["users"]) == 10
    capped = session.get(sb.base_url + "/users", params={"limit": 500})
    assert capped.status_code == 200 and len(capped.json()["users"]) == 50
    assert "limit=50" in _links(capped)["next"]


def test_headers_can_be_switched_off(make_sandbox, sandbox_session):
    sb = make_sandbox(send_total_count=False, send_link=False)
    answer = sandbox_session(sb).get(sb.base_url + "/users", params={"limit": 5})
    assert "X-Total-Count" not in answer.headers and "Link" not in answer.headers


def test_filter_single_and_two_predicates(read, sandbox):
    teachers = read("/enrollments", filter="role='teacher'", limit=1000).json()["enrollments"]
    d = sandbox.district
    assert len(teachers) == d.teacher_enrollment_count and {e["role"] for e in teachers} == {"teacher"}
    section = d.section_id(3)
    both = read("/enrollments", filter=f"class='{section}' AND role='teacher'").json()["enrollments"]
    assert len(both) == 2
    either = read("/users", filter=f"sourcedId='{ADMIN_ID}' OR role='teacher'").json()["users"]
    assert {u["role"] for u in either} == {"administrator", "teacher"}
    assert read("/users", filter="givenName~'zo'").json()["users"]
    assert {u["givenName"] for u in read("/users", filter="givenName~'zo'").json()["users"]} >= {"Zoë"}


def test_filter_by_date_last_modified_is_incremental(read):
    users = read("/users", limit=1000).json()["users"]
    stamps = sorted(u["dateLastModified"] for u in users)
    cut = stamps[len(stamps) // 2]
    after = read("/users", filter=f"dateLastModified>'{cut}'", limit=1000)
    expected = [u["sourcedId"] for u in users if u["dateLastModified"] > cut]
    assert [u["sourcedId"] for u in after.json()["users"]] == expected
    assert after.headers["X-Total-Count"] == str(len(expected))
    second_precision = cut[:19] + "Z"  # 2026-06-01T10:00:00Z compares as the same instant
    assert read("/users", filter=f"dateLastModified>='{second_precision}'", limit=1000).headers["X-Total-Count"] \
        == str(sum(u["dateLastModified"] >= cut[:19] for u in users))


@pytest.mark.parametrize("param,value,code", [
    ("filter", "nosuchfield='x'", "invalid_filter_field"),
    ("filter", "role='a' AND role='b' OR role='c'", "invalid_filter_field"),
    ("filter", "role=teacher", "invalid_filter_field"),
    ("sort", "nosuchfield", "invalid_sort_field"),
    ("fields", "sourcedId,nosuchfield", "invalid_selection_field"),
])
def test_bad_query_parameters_are_400_with_the_right_code(read, param, value, code):
    answer = read("/users", **{param: value})
    assert answer.status_code == 400 and _code_minor(answer) == code
    assert "nosuchfield" in answer.json()["statusInfoSet"][0]["imsx_description"] or param == "filter"


def test_sort_order_and_fields(read):
    descending = read("/users", sort="familyName", orderBy="desc", limit=1000).json()["users"]
    names = [u["familyName"] for u in descending]
    assert names == sorted(names, reverse=True)
    ascending = read("/classes", sort="title", limit=1000).json()["classes"]
    assert [c["title"] for c in ascending] == sorted(c["title"] for c in ascending)
    slim = read("/users", fields="sourcedId,role", limit=3).json()["users"]
    assert slim and all(set(u) == {"sourcedId", "role"} for u in slim)
    assert read("/users", orderBy="sideways", sort="role").status_code == 400


def test_later_pages_of_a_filtered_read_are_consistent(read):
    first = read("/enrollments", filter="role='student'", sort="dateLastModified", limit=40, offset=0)
    second = read("/enrollments", filter="role='student'", sort="dateLastModified", limit=40, offset=40)
    records = first.json()["enrollments"] + second.json()["enrollments"]
    assert len({e["sourcedId"] for e in records}) == 80
    stamps = [e["dateLastModified"] for e in records]
    assert stamps == sorted(stamps)


def test_unknown_method_on_a_read_only_path(sandbox, sandbox_session):
    session = sandbox_session(sandbox)
    assert session.put(sandbox.base_url + "/users/a9", json={"user": {}}).status_code == 405
    assert session.post(sandbox.base_url + "/lineItems", json={"lineItem": {}}).status_code == 405  # 1.2 only


def _read_every_enrollment(sb, session, page_size: int) -> list[str]:
    ids, offset, total = [], 0, None
    while total is None or offset < total:
        answer = session.get(sb.base_url + "/enrollments", params={"limit": page_size, "offset": offset})
        total = int(answer.headers["X-Total-Count"])
        ids += [e["sourcedId"] for e in answer.json()["enrollments"]]
        offset += page_size
    return ids


def test_medium_district_enrollments_in_50k_pages(make_sandbox, sandbox_session):
    sb = make_sandbox("medium")
    ids = _read_every_enrollment(sb, sandbox_session(sb), 50_000)
    assert len(ids) == len(set(ids)) == sb.district.enrollment_count
    assert sb.stats.requests == 2


@pytest.mark.soak
def test_large_district_serves_a_million_enrollments_in_bounded_memory(make_sandbox, sandbox_session):
    sb = make_sandbox("large")
    before = psutil.Process().memory_info().rss
    ids = _read_every_enrollment(sb, sandbox_session(sb), 50_000)
    assert len(ids) == len(set(ids)) == sb.district.enrollment_count >= 1_000_000
    assert psutil.Process().memory_info().rss - before < 800 * 1024 * 1024  # the client holds 1M ids itself


def test_filters_on_references_and_lists(read, sandbox):
    d = sandbox.district
    in_s2 = read("/classes", filter=f"terms='{calendar.S2_ID}'").json()["classes"]
    assert {c["sourcedId"] for c in in_s2} == {s.sourced_id for s in d.sections() if calendar.S2_ID in s.term_ids}
    not_s2 = read("/classes", filter=f"terms!='{calendar.S2_ID}'").json()["classes"]
    assert len(in_s2) + len(not_s2) == d.section_count
    section = d.section(5)
    mine = read("/enrollments", filter=f"class.sourcedId='{section.sourced_id}'").json()["enrollments"]
    assert len(mine) == len(section.student_ids) + len(section.teacher_ids)


def test_the_retired_school_is_listed_but_holds_nothing(read):
    retired = [o for o in read("/schools").json()["orgs"] if o["status"] == "tobedeleted"]
    assert len(retired) == 1
    school = retired[0]["sourcedId"]
    assert read(f"/schools/{school}/students").json() == {"users": []}
    assert read(f"/schools/{school}/classes").json() == {"classes": []}
