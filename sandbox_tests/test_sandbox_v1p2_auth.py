"""The sandbox's OneRoster 1.2 token endpoint and per-call scopes, and its three error shapes.

Scopes per call as 1.2's REST binding assigns them (the reference's "scope per call (1.2)" table,
from 1EdTech's 1.2 OpenAPI files as LongsightGroup/oneroster encodes them); `invalid_scope` is
OAuth 2's error code for a scope the server does not know (RFC 6749 section 5.2).
"""

import pytest
import requests
from requests_oauthlib import OAuth1

from campus_sandbox.versions import ALL_SCOPES, ROSTER_KEY_SCOPES, scope


def token(sb, *, roster_only=False, scopes=None, basic=True) -> requests.Response:
    c = sb.credentials
    pair = (c.roster_client_id, c.roster_client_secret) if roster_only else (c.client_id, c.client_secret)
    form = {"grant_type": "client_credentials"}
    if scopes is not None:
        form["scope"] = " ".join(scopes)
    if basic:
        return requests.post(sb.token_url, data=form, auth=pair, timeout=10)
    return requests.post(sb.token_url, data={**form, "client_id": pair[0], "client_secret": pair[1]}, timeout=10)


def session(sb, answer: requests.Response) -> requests.Session:
    s = requests.Session()
    c = sb.credentials
    s.headers.update({"Authorization": f"Bearer {answer.json()['access_token']}",
                      "x-vendor-authorization": f"{c.vendor_key}:{c.vendor_secret}"})
    return s


def status_info(answer: requests.Response, shape: str = "wrapped") -> dict:
    body = answer.json()
    return {"statusInfoSet": lambda: body["statusInfoSet"][0], "wrapped": lambda: body["imsx_StatusInfo"],
            "bare": lambda: body}[shape]()


def code_minor(info: dict) -> str:
    return info["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


@pytest.fixture
def sb12(make_sandbox):
    return make_sandbox(oneroster_version="1.2")


def test_without_a_scope_parameter_each_key_gets_everything_it_may_have(sb12):
    for roster_only, allowed in ((False, ALL_SCOPES), (True, ROSTER_KEY_SCOPES)):
        answer = token(sb12, roster_only=roster_only)
        assert answer.status_code == 200 and set(answer.json()["scope"].split()) == set(allowed)
    assert [r.requested for r in sb12.stats.scope_requests] == [None, None]


def test_granted_is_what_was_asked_and_the_key_allows_by_basic_or_form(sb12):
    asked = [scope("roster.readonly"), scope("gradebook.readonly"), scope("gradebook.createput")]
    for basic in (True, False):
        full = token(sb12, scopes=asked, basic=basic)
        assert full.status_code == 200 and full.json()["scope"].split() == sorted(asked, key=ALL_SCOPES.index)
    roster = token(sb12, roster_only=True, scopes=asked)
    assert roster.status_code == 200 and roster.json()["scope"] == scope("roster.readonly")
    assert [(r.requested, r.status) for r in sb12.stats.scope_requests] == [(tuple(asked), 200)] * 3
    assert sb12.stats.scope_requests[-1].granted == (scope("roster.readonly"),)


def test_an_unknown_scope_is_invalid_scope(sb12):
    answer = token(sb12, scopes=[scope("roster.readonly"), "https://purl.imsglobal.org/spec/or/v1p1/scope/roster.readonly"])
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_scope"
    assert "v1p1/scope/roster.readonly" in answer.json()["error_description"]
    assert sb12.stats.scope_requests[-1].granted is None


def test_a_provider_without_scopes_refuses_any_scope_parameter(make_sandbox):
    sb = make_sandbox(oneroster_version="1.2", reject_scope_parameter=True)
    refused = token(sb, scopes=[scope("roster.readonly")])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    assert token(sb).status_code == 200
    assert [r.status for r in sb.stats.scope_requests] == [400, 200]


@pytest.mark.parametrize("method,root,path,granted,needed", [
    ("GET", "base_url", "/orgs", ["roster-core.readonly"], None),
    ("GET", "base_url", "/classes/100000", ["roster.readonly"], None),
    ("GET", "base_url", "/classes/100000/students", ["roster-core.readonly"], ["roster.readonly"]),
    ("GET", "base_url", "/schools/101/classes", ["roster.readonly"], None),
    ("GET", "base_url", "/demographics", ["roster.readonly"], ["roster-demographics.readonly"]),
    ("GET", "base_url", "/demographics", ["roster-demographics.readonly"], None),
    ("GET", "gradebook_url", "/lineItems", ["roster.readonly"], ["gradebook-core.readonly", "gradebook.readonly"]),
    ("GET", "gradebook_url", "/lineItems", ["gradebook-core.readonly"], None),
    ("GET", "gradebook_url", "/classes/100000/categories", ["gradebook-core.readonly"], ["gradebook.readonly"]),
    ("GET", "gradebook_url", "/assessmentResults", ["gradebook.readonly"], ["assessment.readonly"]),
    ("GET", "gradebook_url", "/assessmentLineItems", ["assessment.readonly"], None),
    ("GET", "resources_url", "/resources", ["resource-core.readonly"], None),
    ("PUT", "gradebook_url", "/categories/c-1", ["gradebook.readonly", "gradebook.delete"], ["gradebook.createput"]),
    ("DELETE", "gradebook_url", "/results/nope", ["gradebook.createput"], ["gradebook.delete"]),
])
def test_each_call_needs_its_scope(sb12, method, root, path, granted, needed):
    s = session(sb12, token(sb12, scopes=[scope(n) for n in granted]))
    body = {"category": {"sourcedId": "c-1", "status": "active", "dateLastModified": "2026-11-01T00:00:00Z",
                         "title": "Labs"}}
    answer = s.request(method, getattr(sb12, root) + path, json=body if method == "PUT" else None)
    if needed is None:
        assert answer.status_code in (200, 201), answer.text
        return
    assert answer.status_code == 403, answer.text
    info = status_info(answer)
    assert code_minor(info) == "forbidden"
    assert all(scope(n) in info["imsx_description"] for n in needed)


def test_the_session_fixture_asks_for_the_scopes_given(sb12, sandbox_session):
    s = sandbox_session(sb12, scopes=[scope("gradebook-core.readonly")])
    assert s.get(sb12.gradebook_url + "/lineItems").status_code == 200
    assert s.get(sb12.base_url + "/orgs").status_code == 403
    assert sb12.stats.scope_requests[-1].granted == (scope("gradebook-core.readonly"),)


def test_the_roster_only_key_is_refused_the_gradebook_naming_grade_book_sync(sb12):
    s = session(sb12, token(sb12, roster_only=True))
    assert s.get(sb12.base_url + "/classes/100000/students").status_code == 200
    refused = s.get(sb12.gradebook_url + "/classes/100000/lineItems")
    assert refused.status_code == 403
    description = status_info(refused)["imsx_description"]
    assert scope("gradebook.readonly") in description and "Grade Book Sync" in description


def test_a_provider_that_does_not_enforce_scopes_serves_any_token(make_sandbox):
    sb = make_sandbox(oneroster_version="1.2", enforce_scopes=False)
    s = session(sb, token(sb, roster_only=True))
    assert s.get(sb.gradebook_url + "/classes/100000/lineItems").status_code == 200


def test_oauth1_signatures_are_refused_on_1_2(sb12):
    c = sb12.credentials
    answer = requests.get(sb12.base_url + "/orgs", auth=OAuth1(c.consumer_key, c.consumer_secret,
                                                               signature_method="HMAC-SHA256"), timeout=10)
    assert answer.status_code == 401 and "OAuth 2" in status_info(answer)["imsx_description"]


@pytest.mark.parametrize("shape", ["statusInfoSet", "wrapped", "bare"])
def test_each_error_shape_carries_1_2_code_minors(make_sandbox, shape):
    sb = make_sandbox(oneroster_version="1.2", error_shape=shape)
    s = session(sb, token(sb))
    for answer, status, minor in ((s.get(sb.base_url + "/users/s100001"), 404, "unknownobject"),
                                  (requests.get(sb.base_url + "/orgs", timeout=10), 401, "unauthorisedrequest"),
                                  (s.get(sb.base_url + "/orgs", params={"sort": "nope"}), 400, "invalid_sort_field")):
        assert answer.status_code == status
        info = status_info(answer, shape)
        assert info["imsx_codeMajor"] == "failure" and code_minor(info) == minor
    sb.faults.set(rate_429=1.0, retry_after_seconds=0)
    busy = s.get(sb.base_url + "/orgs")
    assert busy.status_code == 429 and code_minor(status_info(busy, shape)) == "server_busy"
    sb.faults.set(rate_429=0.0, rate_503=1.0, retry_after_seconds=0)
    unavailable = s.get(sb.gradebook_url + "/lineItems")
    assert unavailable.status_code == 503 and code_minor(status_info(unavailable, shape)) == "server_busy"
    assert unavailable.headers["Retry-After"] == "0"


def test_1_1_keeps_status_info_set_and_ignores_scopes(sandbox):
    answer = token(sandbox, scopes=["anything at all"])
    assert answer.status_code == 200 and answer.json()["scope"] == "gradebook roster"
    missing = session(sandbox, answer).get(sandbox.base_url + "/users/nope")
    assert missing.status_code == 404 and code_minor(status_info(missing, "statusInfoSet")) == "unknownobject"
