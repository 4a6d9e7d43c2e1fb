"""The sandbox's OneRoster 1.2 mode over HTTP: three service roots (a path under the wrong one is a
404), every 1.2 collection and nested read, users as 1.2 serves them, and the CLI.

The roots and which serves what follow 1EdTech's 1.2 REST bindings as the reference table states
them (LongsightGroup/oneroster's 81-operation table; docs/architecture.md, "campus_sandbox").
"""

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests

from campus_sandbox import CampusSandbox, SandboxOptions, generate
from campus_sandbox.district import ADMIN_ID
from campus_sandbox.hostile import HostileProvider

ROSTERING = [("/orgs", "orgs"), ("/schools", "orgs"), ("/academicSessions", "academicSessions"),
             ("/terms", "academicSessions"), ("/gradingPeriods", "academicSessions"), ("/courses", "courses"),
             ("/classes", "classes"), ("/users", "users"), ("/students", "users"), ("/teachers", "users"),
             ("/enrollments", "enrollments"), ("/demographics", "demographics")]
GRADEBOOK = [("/categories", "categories"), ("/lineItems", "lineItems"), ("/results", "results"),
             ("/scoreScales", "scoreScales"), ("/assessmentLineItems", "assessmentLineItems"),
             ("/assessmentResults", "assessmentResults")]
RESOURCES = [("/resources", "resources")]


def info(answer: requests.Response) -> dict:
    """The wrapped imsx_StatusInfo of a 1.2 error (the 1.2 mode's default shape)."""
    return answer.json()["imsx_StatusInfo"]


def code_minor(answer: requests.Response) -> str:
    return info(answer)["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


@pytest.fixture(scope="module")
def sb12():
    """One 1.2 sandbox for every read in this module (nothing here writes)."""
    with CampusSandbox(generate("tiny"), options=SandboxOptions(oneroster_version="1.2")) as sb:
        yield sb


@pytest.fixture(scope="module")
def http(sb12):
    c = sb12.credentials
    token = requests.post(sb12.token_url, data={"grant_type": "client_credentials"},
                          auth=(c.client_id, c.client_secret), timeout=10).json()["access_token"]
    with requests.Session() as session:
        session.headers.update({"Authorization": f"Bearer {token}",
                                "x-vendor-authorization": f"{c.vendor_key}:{c.vendor_secret}"})
        yield session


def test_urls_name_the_three_roots_and_the_config_the_version(sb12):
    prefix = f"{sb12.origin}/campus/api/oneroster/v1p2/sandbox/ims/oneroster"
    assert sb12.oneroster_root == prefix
    assert sb12.base_url == prefix + "/rostering/v1p2"
    assert sb12.gradebook_url == prefix + "/gradebook/v1p2"
    assert sb12.resources_url == prefix + "/resources/v1p2"
    assert sb12.token_url == f"{sb12.origin}/campus/oauth2/token?appName=sandbox"
    config = sb12.connection_config()
    assert config["base_url"] == sb12.base_url and config["oneroster_version"] == "1.2"


def test_urls_on_1_1_are_one_root(sandbox):
    assert sandbox.gradebook_url == sandbox.base_url == sandbox.resources_url
    assert sandbox.base_url == sandbox.oneroster_root + "/v1p1"
    assert "oneroster_version" not in sandbox.connection_config()


@pytest.mark.parametrize("root,path,wrapper", [("base_url", p, w) for p, w in ROSTERING]
                         + [("gradebook_url", p, w) for p, w in GRADEBOOK]
                         + [("resources_url", p, w) for p, w in RESOURCES])
def test_every_collection_is_served_under_its_root_only(sb12, http, root, path, wrapper):
    answer = http.get(getattr(sb12, root) + path, params={"limit": 5})
    assert answer.status_code == 200, answer.text
    assert list(answer.json()) == [wrapper]
    assert int(answer.headers["X-Total-Count"]) >= len(answer.json()[wrapper])
    for other in {"base_url", "gradebook_url", "resources_url"} - {root}:
        wrong = http.get(getattr(sb12, other) + path)
        assert wrong.status_code == 404 and code_minor(wrong) == "unknownobject"
        assert getattr(sb12, root).removeprefix(sb12.origin) in info(wrong)["imsx_description"]


def test_outside_every_root_is_a_web_servers_404(sb12, http):
    for url in (sb12.oneroster_root + "/v1p2/orgs", sb12.oneroster_root + "/orgs",
                sb12.origin + "/campus/api/oneroster/v1p1/sandbox/ims/oneroster/v1p1/orgs"):
        answer = http.get(url)
        assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("text/html")


def test_nested_reads_on_both_roots(sb12, http):
    d = sb12.district
    section = d.section(3)
    class_id, school = section.sourced_id, section.school_id
    students = [d.user_id_12(s) for s in section.student_ids]
    teachers = [d.user_id_12(t) for t in section.teacher_ids]

    def ids(root: str, path: str, wrapper: str) -> list[str]:
        answer = http.get(root + path, params={"limit": 1000})
        assert answer.status_code == 200, (path, answer.text)
        return [r["sourcedId"] for r in answer.json()[wrapper]]

    r, g = sb12.base_url, sb12.gradebook_url
    assert sorted(ids(r, f"/classes/{class_id}/students", "users")) == sorted(students)
    assert ids(r, f"/classes/{class_id}/teachers", "users") == teachers
    assert class_id in ids(r, f"/students/{students[0]}/classes", "classes")
    assert class_id in ids(r, f"/teachers/{teachers[0]}/classes", "classes")
    assert class_id in ids(r, f"/schools/{school}/classes", "classes")
    assert len(ids(r, f"/schools/{school}/classes/{class_id}/enrollments", "enrollments")) == \
        len(students) + len(teachers)
    assert ids(g, f"/classes/{class_id}/lineItems", "lineItems") == list(section.grading_task_ids)
    assert ids(g, f"/classes/{class_id}/categories", "categories") == \
        [c.sourced_id for c in d.class_categories(class_id)]
    assert ids(g, f"/classes/{class_id}/scoreScales", "scoreScales") == [d.class_score_scale(class_id).sourced_id]
    assert set(section.grading_task_ids) <= set(ids(g, f"/schools/{school}/lineItems", "lineItems"))
    assert len(ids(g, f"/schools/{school}/scoreScales", "scoreScales")) == d.section_count
    assert ids(g, f"/classes/{class_id}/results", "results") == []
    assert ids(g, f"/classes/{class_id}/lineItems/{section.grading_task_ids[0]}/results", "results") == []
    assert ids(g, f"/classes/{class_id}/students/{students[0]}/results", "results") == []
    for path, singular in ((f"/categories/{d.class_categories(class_id)[0].sourced_id}", "category"),
                           (f"/scoreScales/{class_id}-scale", "scoreScale"),
                           ("/assessmentLineItems/benchmark-fall", "assessmentLineItem"),
                           (f"/assessmentResults/benchmark-fall-{d.user_id_12(d.student_id(0))}", "assessmentResult"),
                           (f"/lineItems/{section.grading_task_ids[0]}", "lineItem")):
        answer = http.get(g + path)
        assert answer.status_code == 200 and list(answer.json()) == [singular], (path, answer.text)
    # a nested gradebook read under the rostering root is a 404, as its collection is
    assert http.get(r + f"/classes/{class_id}/lineItems").status_code == 404
    assert http.get(g + f"/classes/{class_id}/students").status_code == 404
    # 1.1's ids are no 1.2 users
    assert http.get(r + f"/users/{section.student_ids[0]}").status_code == 404


@pytest.mark.parametrize("path,wrapper", [
    ("/schools/101/courses", "courses"), ("/schools/101/enrollments", "enrollments"), ("/schools/101/students", "users"),
    ("/schools/101/teachers", "users"), ("/schools/101/terms", "academicSessions"), ("/courses/20000/classes", "classes"),
    ("/terms/7001/classes", "classes"), ("/terms/7001/gradingPeriods", "academicSessions"),
    ("/users/2001/classes", "classes"), ("/schools/101/classes/100000/students", "users"),
    ("/schools/101/classes/100000/teachers", "users"), ("/classes/100000/resources", "resources"),
])
def test_every_nested_rostering_read_answers(sb12, http, path, wrapper):
    root = sb12.resources_url if path.endswith("/resources") else sb12.base_url
    answer = http.get(root + path, params={"limit": 5})
    assert answer.status_code == 200 and list(answer.json()) == [wrapper], answer.text
    assert wrapper == "resources" or answer.json()[wrapper]


def test_users_are_one_record_per_person_with_roles(sb12, http):
    d = sb12.district
    users = http.get(sb12.base_url + "/users", params={"limit": 1000}).json()["users"]
    assert len(users) == d.user_count
    by_id = {u["sourcedId"]: u for u in users}
    assert len(by_id) == d.user_count
    for u in users:
        assert "role" not in u and "orgs" not in u
        assert u["metadata"]["ic"]["legacysourceId"] == u["sourcedId"] and u["sourcedId"].isdigit()
        assert u["primaryOrg"]["type"] == "org" and u["roles"][0]["roleType"] == "primary"
        assert u["roles"][0]["org"] == u["primaryOrg"]
        assert u["enabledUser"] == ("false" if u["status"] == "tobedeleted" else "true")
        assert u["userProfiles"][0]["credentials"][0]["username"] == u["username"]
        assert None not in u.values() and "" not in u.values()  # 1.2 mode is strict by default
    assert by_id[d.user_id_12(ADMIN_ID)]["roles"] == [
        {"roleType": "primary", "role": "districtAdministrator", "org": {"href": "/orgs/100", "sourcedId": "100",
                                                                         "type": "org"}}]
    first_teacher = by_id[d.user_id_12(d.teacher_id(0))]
    assert [r["role"] for r in first_teacher["roles"]] == ["teacher", "siteAdministrator"]
    assert first_teacher["roles"][1]["roleType"] == "secondary"
    assert any("preferredFirstName" in u for u in users)
    students = http.get(sb12.base_url + "/students", params={"limit": 1000}).json()["users"]
    teachers = http.get(sb12.base_url + "/teachers").json()["users"]
    assert {u["roles"][0]["role"] for u in students} == {"student"} and len(students) == d.student_count
    assert {u["roles"][0]["role"] for u in teachers} == {"teacher"} and len(teachers) == d.teacher_count


def test_references_to_users_carry_1_2_ids_and_enrollment_ids_stay(sb12, http, district_cache):
    d = sb12.district
    for k in (0, 7, d.student_count - 1):
        id_11 = d.student_id(k)
        assert d.user_id_11(d.user_id_12(id_11)) == id_11
    assert (d.user_id_12("s100001"), d.user_id_12("t2001"), d.user_id_12(ADMIN_ID)) == ("100001", "2001", "9")
    assert d.user_id_11("s100001") is None and d.user_id_11("0100001") is None
    enrollments = http.get(sb12.base_url + "/enrollments", params={"limit": 5000}).json()["enrollments"]
    assert {e["user"]["sourcedId"] for e in enrollments} <= {d.user_id_12(d.user_id(u)) for u in range(d.user_count)}
    assert enrollments[0]["sourcedId"] == "s5000000" and enrollments[0]["user"] == {
        "href": f"/users/{d.user_id_12(d.section(0).student_ids[0])}", "sourcedId": d.user_id_12(d.section(0).student_ids[0]),
        "type": "user"}
    demographics = http.get(sb12.base_url + f"/demographics/{d.user_id_12(d.student_id(0))}")
    assert demographics.status_code == 200
    one = http.get(sb12.base_url + "/enrollments", params={"filter": f"user.sourcedId='{d.user_id_12(d.teacher_id(0))}'"})
    assert one.status_code == 200 and one.json()["enrollments"]


def test_cli_serves_1_2_with_the_roots_in_its_json_line():
    process = subprocess.Popen([sys.executable, "-m", "campus_sandbox", "--size", "tiny", "--json", "--oneroster", "1.2",
                                "--error-shape", "bare"], stdout=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        line = json.loads(process.stdout.readline())
        config = line["config"]
        assert config["oneroster_version"] == "1.2" and line["gradebook_url"].endswith("/gradebook/v1p2")
        creds = config["credentials"]
        token = requests.post(creds["token_url"], data={"grant_type": "client_credentials"},
                              auth=(creds["client_id"], creds["client_secret"]), timeout=10).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}",
                   "x-vendor-authorization": f"{config['vendor_key']}:{config['vendor_secret']}"}
        assert requests.get(line["gradebook_url"] + "/lineItems", headers=headers, timeout=10).json()["lineItems"]
        wrong = requests.get(config["base_url"] + "/lineItems", headers=headers, timeout=10)
        assert wrong.status_code == 404 and wrong.json()["imsx_codeMajor"] == "failure"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_the_hostile_provider_stands_in_front_of_both_roots(sb12):
    with HostileProvider(sb12) as hostile:
        config = hostile.connection_config(gradebook_base_url=sb12.gradebook_url)
        assert config["base_url"] == hostile.base_url and config["oneroster_version"] == "1.2"
        assert config["gradebook_base_url"] == hostile.gradebook_url
        assert hostile.gradebook_url.startswith(hostile.origin) and hostile.gradebook_url.endswith("/gradebook/v1p2")
        creds = config["credentials"]
        token = requests.post(creds["token_url"], data={"grant_type": "client_credentials"},
                              auth=(creds["client_id"], creds["client_secret"]), timeout=10).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}",
                   "x-vendor-authorization": f"{config['vendor_key']}:{config['vendor_secret']}"}
        hostile.set(explicit_nulls=True, total_count=-1)
        for url, wrapper in ((hostile.base_url + "/orgs", "orgs"), (hostile.gradebook_url + "/lineItems", "lineItems"),
                             (hostile.resources_url + "/resources", "resources")):
            page = requests.get(url, params={"limit": 2}, headers=headers, timeout=10)
            assert page.status_code == 200 and page.headers["X-Total-Count"] == "-1"
            assert all(r["nullProbe"] is None for r in page.json()[wrapper])
        assert requests.get(hostile.base_url + "/lineItems", headers=headers, timeout=10).status_code == 404
        hostile.set(echo_authorization=True)
        echoed = requests.get(hostile.gradebook_url + "/lineItems", headers=headers, timeout=10)
        assert echoed.status_code == 400 and token in echoed.json()["imsx_StatusInfo"]["imsx_description"]
        assert {urlsplit(r.target).path for r in hostile.received} >= {
            urlsplit(hostile.gradebook_url + "/lineItems").path, urlsplit(hostile.base_url + "/orgs").path}


def test_filters_walk_lists_along_a_dotted_path(sb12, http):
    d = sb12.district
    site_admins = http.get(sb12.base_url + "/users", params={"filter": "roles.role='siteAdministrator'"}).json()["users"]
    assert [u["sourcedId"] for u in site_admins] == [d.user_id_12(d.teacher_id(0))]
    at_school = http.get(sb12.base_url + "/teachers", params={"filter": "roles.org.sourcedId='101'"})
    assert len(at_school.json()["users"]) == d.teacher_count


def _walk(value, path=""):
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield from _walk(inner, f"{path}.{key}")


def test_every_record_is_what_a_strict_1_2_reader_accepts(sb12, http):
    """No null or "" at any depth, every date-time UTC, every GUIDRef whole (1.2 mode is strict)."""
    for root, path, _ in [("base_url", p, w) for p, w in ROSTERING] + [("gradebook_url", p, w) for p, w in GRADEBOOK]:
        (records,) = http.get(getattr(sb12, root) + path, params={"limit": 5000}).json().values()
        for record in records:
            for where, value in _walk(record):
                assert value is not None and value != "", f"{path} {record['sourcedId']}{where} is empty"
                if where.rsplit(".", 1)[-1] in ("dateLastModified", "assignDate", "dueDate"):
                    assert value.endswith("Z"), f"{path}{where} = {value!r}"
                if isinstance(value, dict) and "sourcedId" in value and where:
                    assert value.keys() >= {"href", "sourcedId", "type"}, f"{path}{where}"


def test_lenient_1_2_keeps_campus_s_empty_values(make_sandbox, sandbox_session):
    sb = make_sandbox(oneroster_version="1.2", strict=False)
    http = sandbox_session(sb)
    user = http.get(sb.base_url + "/users", params={"limit": 1}).json()["users"][0]
    assert (user["middleName"], user["sms"], user["roles"][0]["role"]) == ("", "", "districtAdministrator")
    assert http.get(sb.base_url + "/orgs", params={"limit": 1}).json()["orgs"][0]["parent"] is None
