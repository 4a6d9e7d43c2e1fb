"""The sandbox's OneRoster 1.2 gradebook over HTTP: Campus's categories and score scales per class,
1.2's write rules (school, a real category, UTC date-times, no null, textScore and the flags),
201/200/204, and one gradebook passed back on 1.1 then served on 1.2.

1.2's required fields and formats are those of 1EdTech's 1.2 gradebook OpenAPI file as strict 1.2
write codecs hold to them (LongsightGroup/oneroster); Campus's own 1.2 rule (a real category,
never the placeholder) is from the Infinite Campus knowledge base (docs/architecture.md,
"campus_sandbox").
"""

import pytest
import requests

from campus_sandbox import CampusSandbox
from campus_sandbox.district import CATEGORY_TITLES, SCORE_GROUPS
from campus_sandbox.receiving import NOT_IN_SCORE_GROUP, PLACEHOLDER_CATEGORY_ID


def ref(type_: str, collection: str, sourced_id: str) -> dict:
    return {"href": f"/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": type_}


def info(answer: requests.Response) -> dict:
    return answer.json()["imsx_StatusInfo"]


def refusal(answer: requests.Response, status: int = 400) -> str:
    assert answer.status_code == status, answer.text
    found = info(answer)
    assert found["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invaliddata"
    return found["imsx_description"]


class Gradebook12:
    """Writes and reads against one 1.2 sandbox, with 1.2 bodies for section 0 (letters A-F)."""

    def __init__(self, sb: CampusSandbox) -> None:
        self.sb = sb
        self.d = sb.district
        self.section = self.d.section(0)
        c = sb.credentials
        token = requests.post(sb.token_url, data={"grant_type": "client_credentials"},
                              auth=(c.client_id, c.client_secret), timeout=10).json()["access_token"]
        self.http = requests.Session()
        self.http.headers.update({"Authorization": f"Bearer {token}",
                                  "x-vendor-authorization": f"{c.vendor_key}:{c.vendor_secret}"})

    def put(self, collection: str, envelope: str, body: dict) -> requests.Response:
        return self.http.put(f"{self.sb.gradebook_url}/{collection}/{body['sourcedId']}", json={envelope: body})

    def get(self, path: str, **params) -> requests.Response:
        return self.http.get(self.sb.gradebook_url + path, params=params)

    def line_item(self, sourced_id: str = "li-1", **overrides) -> dict:
        s = self.section
        return {"sourcedId": sourced_id, "status": "active", "dateLastModified": "2026-11-01T12:00:00Z",
                "title": f"Fractions quiz {sourced_id}", "assignDate": "2026-11-02T14:00:00Z",
                "dueDate": "2026-11-09T23:59:00Z", "class": ref("class", "classes", s.sourced_id),
                "school": ref("org", "orgs", s.school_id),
                "category": ref("category", "categories", self.d.class_categories(s.sourced_id)[0].sourced_id),
                "resultValueMin": 0.0, "resultValueMax": 20.0, **overrides}

    def result(self, line_item_id: str, sourced_id: str = "r-1", **overrides) -> dict:
        student = self.d.user_id_12(self.section.student_ids[0])
        return {"sourcedId": sourced_id, "status": "active", "dateLastModified": "2026-11-10T12:00:00Z",
                "lineItem": ref("lineItem", "lineItems", line_item_id), "student": ref("user", "users", student),
                "scoreStatus": "fully graded", "score": 18.0, "scoreDate": "2026-11-10", **overrides}


@pytest.fixture
def gb(make_sandbox) -> Gradebook12:
    return Gradebook12(make_sandbox(oneroster_version="1.2"))


def test_categories_per_class_vary_and_match_the_district(gb):
    seen = {}
    for section in gb.d.sections():
        served = gb.get(f"/classes/{section.sourced_id}/categories").json()["categories"]
        expected = gb.d.class_categories(section.sourced_id)
        assert [(c["sourcedId"], c["title"], c["weight"]) for c in served] == \
            [(c.sourced_id, c.title, c.weight) for c in expected]
        seen[section.sourced_id] = {c["title"] for c in served}
    assert set().union(*seen.values()) == set(CATEGORY_TITLES)
    assert any(titles != set(CATEGORY_TITLES) for titles in seen.values())  # some classes lack a title
    every = {c["sourcedId"] for c in gb.get("/categories", limit=1000).json()["categories"]}
    assert PLACEHOLDER_CATEGORY_ID not in every
    assert {c.sourced_id for s in gb.d.sections() for c in gb.d.class_categories(s.sourced_id)} <= every


def test_score_scales_carry_each_class_s_score_group(gb):
    for i in (0, 1):
        class_id = gb.d.section_id(i)
        scale, = gb.get(f"/classes/{class_id}/scoreScales").json()["scoreScales"]
        assert scale["class"]["sourcedId"] == class_id
        assert [v["itemValueLHS"] for v in scale["scoreScaleValue"]] == [g["score"] for g in SCORE_GROUPS[i % 2]]
    task = gb.get(f"/lineItems/{gb.section.grading_task_ids[1]}").json()["lineItem"]
    assert task["scoreScale"]["sourcedId"] == f"{gb.section.sourced_id}-scale"
    assert task["school"]["sourcedId"] == gb.section.school_id and task["assignDate"].endswith("Z")


def test_line_item_put_201_then_200_with_1_2_fields_stored_and_served(gb):
    objectives = [{"source": "case", "learningObjectiveIds": ["MATH.5.NF.1"]}]
    body = gb.line_item(scoreScale=ref("scoreScale", "scoreScales", f"{gb.section.sourced_id}-scale"),
                        learningObjectiveSet=objectives)
    created = gb.put("lineItems", "lineItem", body)
    assert created.status_code == 201, created.text
    assert gb.put("lineItems", "lineItem", {**body, "title": "Renamed"}).status_code == 200
    served = gb.get("/lineItems/li-1").json()["lineItem"]
    assert served["title"] == "Renamed" and served["learningObjectiveSet"] == objectives
    assert served["school"] == body["school"] and served["scoreScale"] == body["scoreScale"]
    assert gb.http.delete(gb.sb.gradebook_url + "/lineItems/li-1").status_code == 204
    assert gb.get("/lineItems/li-1").status_code == 404


@pytest.mark.parametrize("change,field,status", [
    ({"category": None}, "category", 400),
    ({"category": ref("category", "categories", PLACEHOLDER_CATEGORY_ID)}, "category", 400),
    ({"school": None}, "school", 400),
    ({"dueDate": "2026-11-09T23:59:00-06:00"}, "dueDate", 400),
    ({"assignDate": "2026-11-02"}, "assignDate", 400),
    ({"description": None}, "description", 400),
    ({"metadata": {"otus": None}}, "metadata.otus", 400),
    ({"class": {"sourcedId": "100000"}}, "class", 400),
    ({"learningObjectiveSet": [{"source": "case", "learningObjectiveIds": []}]}, "learningObjectiveSet", 400),
    ({"category": ref("category", "categories", "100001-cat0")}, "category", 422),
    ({"school": ref("org", "orgs", "100")}, "school", 422),
])
def test_line_item_refusals_name_the_field(gb, change, field, status):
    body = gb.line_item()
    for name, value in change.items():
        if value is None and name in ("category", "school"):
            body.pop(name)  # left out: required on 1.2
        else:
            body[name] = value
    assert f"'{field}'" in refusal(gb.put("lineItems", "lineItem", body), status)


def test_a_campus_without_standards_refuses_learning_objectives(make_sandbox):
    gb = Gradebook12(make_sandbox(oneroster_version="1.2", accept_learning_objectives=False))
    body = gb.line_item(learningObjectiveSet=[{"source": "case", "learningObjectiveIds": ["MATH.5.NF.1"]}])
    assert "'learningObjectiveSet'" in refusal(gb.put("lineItems", "lineItem", body), 422)
    body.pop("learningObjectiveSet")
    assert gb.put("lineItems", "lineItem", body).status_code == 201


def test_the_placeholder_and_missing_fields_are_refused_even_when_lenient(make_sandbox):
    gb = Gradebook12(make_sandbox(oneroster_version="1.2", strict=False))
    body = gb.line_item(category=ref("category", "categories", PLACEHOLDER_CATEGORY_ID))
    assert "placeholder" in refusal(gb.put("lineItems", "lineItem", body))
    body.pop("school")
    assert "'school'" in refusal(gb.put("lineItems", "lineItem", body))


def test_results_store_and_serve_text_score_flags_and_objectives(gb):
    assert gb.put("lineItems", "lineItem", gb.line_item()).status_code == 201
    objectives = [{"source": "case", "learningObjectiveResults": [{"learningObjectiveId": "MATH.5.NF.1", "score": 3.0}]}]
    body = gb.result("li-1", textScore="18/20", late="true", missing="false", inProgress="false", incomplete="false",
                     learningObjectiveSet=objectives, comment="Shown work")
    created = gb.put("results", "result", body)
    assert created.status_code == 201, created.text
    assert created.json()["result"]["student"]["sourcedId"] == body["student"]["sourcedId"]
    assert gb.put("results", "result", {**body, "score": 19.0}).status_code == 200
    served, = gb.get(f"/classes/{gb.section.sourced_id}/results").json()["results"]
    assert (served["score"], served["textScore"], served["late"], served["missing"]) == (19.0, "18/20", "true", "false")
    assert served["learningObjectiveSet"] == objectives and served["student"] == body["student"]
    student = body["student"]["sourcedId"]
    assert gb.get(f"/classes/{gb.section.sourced_id}/students/{student}/results").json()["results"] == [served]
    assert gb.get("/results", filter=f"student.sourcedId='{student}'").json()["results"] == [served]


@pytest.mark.parametrize("change,field", [
    ({"scoreDate": "2026-11-10T00:00:00Z"}, "scoreDate"), ({"score": "18"}, "score"), ({"late": True}, "late"),
    ({"textScore": None}, "textScore"), ({"dateLastModified": "2026-11-10T12:00:00+01:00"}, "dateLastModified"),
    ({"scoreStatus": "late"}, "scoreStatus"),
])
def test_result_refusals_name_the_field(gb, change, field):
    assert gb.put("lineItems", "lineItem", gb.line_item()).status_code == 201
    assert f"'{field}'" in refusal(gb.put("results", "result", gb.result("li-1", **change)))


def test_results_name_students_by_their_1_2_id(gb):
    assert gb.put("lineItems", "lineItem", gb.line_item()).status_code == 201
    body = gb.result("li-1", student=ref("user", "users", gb.section.student_ids[0]))  # the 1.1 id
    assert "does not exist" in refusal(gb.put("results", "result", body), 422)
    other_class = gb.result("li-1", **{"class": ref("class", "classes", "100001")})
    assert "'class'" in refusal(gb.put("results", "result", other_class), 422)
    other_scale = gb.result("li-1", scoreScale=ref("scoreScale", "scoreScales", "100001-scale"))
    assert "'scoreScale'" in refusal(gb.put("results", "result", other_scale), 422)
    assert gb.put("results", "result", gb.result("li-1", scoreStatus="ext:excused")).status_code == 201


def test_grading_task_letters_travel_in_text_score(gb):
    task = gb.section.grading_task_ids[1]  # Q2, open
    letter = gb.result(task, textScore="B")
    letter.pop("score")
    stored = gb.put("results", "result", letter)
    assert stored.status_code == 201 and stored.json()["result"]["textScore"] == "B"
    percent_only = gb.result(task, "r-2", metadata={"percent": 91.0})
    percent_only.pop("score")
    assert gb.put("results", "result", percent_only).json()["result"]["textScore"] == "A"
    assert NOT_IN_SCORE_GROUP in refusal(gb.put("results", "result", gb.result(task, "r-3", textScore="4")), 422)


def test_one_gradebook_written_on_1_1_is_served_on_1_2(make_sandbox, sandbox_session):
    sb = make_sandbox()
    d = sb.district
    section = d.section(0)
    http = sandbox_session(sb)
    assert http.put(f"{sb.base_url}/lineItems/li-1", json={"lineItem": {
        "title": "Quiz", "assignDate": "2026-11-02", "dueDate": "2026-11-09", "class": {"sourcedId": section.sourced_id},
        "resultValueMin": 0, "resultValueMax": 20}}).status_code == 201
    student = section.student_ids[0]
    assert http.put(f"{sb.base_url}/results/r-1", json={"result": {
        "lineItem": {"sourcedId": "li-1"}, "student": {"sourcedId": student}, "scoreStatus": "fully graded",
        "score": 17, "scoreDate": "2026-11-10"}}).status_code == 201
    on_1_1 = http.get(f"{sb.base_url}/results/r-1").json()["result"]

    sb.switch_version("1.2")
    assert sb.base_url.endswith("/rostering/v1p2") and sb.options.strict is True
    assert http.get(f"{sb.gradebook_url}/results").status_code == 401  # tokens of the 1.1 connection are gone
    gb = Gradebook12(sb)
    result = gb.get("/results/r-1").json()["result"]
    assert result["student"] == ref("user", "users", d.user_id_12(student)) and result["score"] == 17
    assert result["lineItem"] == on_1_1["lineItem"] and sb.served("result", "r-1") == result
    assert sb.state.results["r-1"]["student"]["sourcedId"] == student  # held by the 1.1 id
    assert None not in result.values() and None not in result["metadata"].values()  # held null percent not served
    item = gb.get(f"/classes/{section.sourced_id}/lineItems").json()["lineItems"][-1]
    assert item["sourcedId"] == "li-1" and item["school"]["sourcedId"] == section.school_id
    assert (item["assignDate"], item["dueDate"]) == ("2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z")  # held as days
    assert item["category"]["sourcedId"] == PLACEHOLDER_CATEGORY_ID  # as stored on 1.1: what a 1.2 passback repairs
    assert gb.put("results", "result", gb.result("li-1", score=19.0)).status_code == 200  # the same result, updated

    back_on_1_1 = make_sandbox(gradebook=sb.state)  # another sandbox, on 1.1, over the same gradebook
    again = sandbox_session(back_on_1_1).get(f"{back_on_1_1.base_url}/results/r-1").json()["result"]
    assert again["student"]["sourcedId"] == student and again["score"] == 19.0


def test_campus_categories_cannot_be_overwritten_but_vendor_ones_are_listed(gb):
    campus = gb.d.class_categories(gb.section.sourced_id)[0].sourced_id
    body = {"sourcedId": campus, "status": "active", "dateLastModified": "2026-11-01T00:00:00Z", "title": "Mine"}
    assert "Campus category" in refusal(gb.put("categories", "category", body), 422)
    assert gb.put("categories", "category", {**body, "sourcedId": "otus-labs", "weight": 0.1}).status_code == 201
    listed = {c["sourcedId"]: c for c in gb.get("/categories", limit=1000).json()["categories"]}
    assert listed[campus]["title"] != "Mine" and listed["otus-labs"]["weight"] == 0.1
    assert gb.put("lineItems", "lineItem", gb.line_item(category=ref("category", "categories", "otus-labs"))).status_code == 201
