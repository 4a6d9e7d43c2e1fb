"""The version layer: which root serves a path, what a 1.2 config must look like, how 1.2 errors read.

The 1.2 facts (sibling service roots, which root serves which path, the scope per call, the write
statuses) are 1EdTech's OneRoster 1.2 OpenAPI files as LongsightGroup/oneroster's generated
operation table lists them (`docs/rest-operations.md`: service base paths, path, success status
and OAuth scopes of every operation); the three status-body shapes are docs/architecture.md's.
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import (
    Call,
    ForbiddenError,
    InvalidDataError,
    ScopeNotGrantedError,
    ServerError,
    ThrottledError,
    error_for_status,
    status_info,
)
from campus_oneroster.retry import is_connect_failure, is_name_resolution_failure, is_refused_connection
from campus_oneroster.version import OneRosterVersion, Service, lozenge_of, required_scope, service_of

ORIGIN = "https://district.infinitecampus.org/campus/api/oneroster/v1p2/app"
ROSTERING = ORIGIN + "/ims/oneroster/rostering/v1p2"
GRADEBOOK = ORIGIN + "/ims/oneroster/gradebook/v1p2"
OAUTH2 = {"auth_type": "oauth2_client_credentials", "token_url": "https://district.infinitecampus.org/campus/oauth2/token",
          "client_id": "key", "client_secret": "secret"}


def config(**values) -> ConnectionConfig:
    return ConnectionConfig.model_validate({"credentials": OAUTH2, **values})


@pytest.mark.parametrize(("path", "service"), [
    ("/orgs", Service.ROSTERING), ("/users/u1", Service.ROSTERING), ("/classes/c1/students", Service.ROSTERING),
    ("/demographics", Service.ROSTERING), ("/lineItems", Service.GRADEBOOK), ("/results/r1", Service.GRADEBOOK),
    ("/classes/c1/lineItems", Service.GRADEBOOK), ("/classes/c1/categories", Service.GRADEBOOK),
    ("/schools/s1/scoreScales", Service.GRADEBOOK), ("/lineItems/l1/results", Service.GRADEBOOK),
    ("/assessmentResults", Service.GRADEBOOK), ("/resources", Service.RESOURCES),
    ("/classes/c1/academicSessions/a1/results", Service.GRADEBOOK),
    ("/schools/s1/classes/c1/students", Service.ROSTERING), ("/users/u1/classes", Service.ROSTERING),
    ("/classes/c1/resources", Service.RESOURCES),
    # an id that spells a gradebook collection is an id, not a collection
    ("/classes/results", Service.ROSTERING), ("/users/lineItems/classes", Service.ROSTERING),
])
def test_a_path_belongs_to_its_service_by_its_segments(path: str, service: Service) -> None:
    assert service_of(path) is service


@pytest.mark.parametrize("base_url", [ROSTERING, ORIGIN + "/ims/oneroster", ORIGIN + "/ims/oneroster/"])
def test_1_2_roots_are_derived_from_either_url_campus_shows(base_url: str) -> None:
    version = config(base_url=base_url, oneroster_version="1.2").version
    assert version.route("/orgs").url == ROSTERING + "/orgs"
    assert version.route("/classes/c1/results").url == GRADEBOOK + "/classes/c1/results"
    assert version.route("/resources").url == ORIGIN + "/ims/oneroster/resources/v1p2/resources"


def test_gradebook_base_url_overrides_the_derived_root_on_the_same_host_only() -> None:
    other = "https://district.infinitecampus.org/elsewhere/ims/oneroster/gradebook/v1p2"
    version = config(base_url=ROSTERING, oneroster_version="1.2", gradebook_base_url=other).version
    assert version.route("/lineItems").url == other + "/lineItems"
    with pytest.raises(ValidationError, match="another host"):
        config(base_url=ROSTERING, oneroster_version="1.2",
               gradebook_base_url="https://attacker.example/ims/oneroster/gradebook/v1p2")


def test_1_1_serves_every_path_from_the_base_url_and_asks_no_scope() -> None:
    base = "https://district.infinitecampus.org/campus/api/oneroster/v1p1/app/ims/oneroster/v1p1"
    version = config(base_url=base).version
    assert {version.route(p).root for p in ("/orgs", "/lineItems", "/resources")} == {base}
    assert version.token_scope(("roster.readonly",)) is None and version.state_marker == {}
    assert version.write_succeeded(202) and version.expires


def test_1_2_asks_prefixed_scopes_and_accepts_its_write_statuses_only() -> None:
    version = config(base_url=ROSTERING, oneroster_version="1.2").version
    assert version.token_scope(("roster.readonly", "gradebook.readonly")) == (
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly "
        "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.readonly")
    assert [s for s in (200, 201, 202, 204, 206) if version.write_succeeded(s)] == [200, 201, 204]
    assert version.state_marker == {"oneroster_version": "1.2"} and not version.expires
    assert version.state_fits({"dateLastModified": "x", "oneroster_version": "1.2"})
    assert not version.state_fits({"dateLastModified": "x"}), "a state without a version is a 1.1 state"


@pytest.mark.parametrize(("values", "named"), [
    ({"base_url": ROSTERING}, ("base_url", "/v1p2", "oneroster_version is 1.1")),
    ({"base_url": "https://h.example/campus/api/oneroster/v1p1/app/ims/oneroster/v1p1", "oneroster_version": "1.2"},
     ("base_url", "/v1p1", "oneroster_version is 1.2")),
    ({"base_url": ORIGIN + "/somewhere", "oneroster_version": "1.2"}, ("base_url", "rostering/v1p2")),
    ({"base_url": "https://h.example/ims/oneroster/v1p1", "gradebook_base_url": "https://h.example/gradebook"},
     ("gradebook_base_url", "1.2 only")),
])
def test_a_url_of_the_other_version_is_refused_naming_both_fields(values: dict, named: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        config(**values)
    for words in named:
        assert words in str(caught.value)


def test_oauth_1_is_refused_under_1_2() -> None:
    with pytest.raises(ValidationError, match="OAuth 2.0 client credentials only"):
        ConnectionConfig.model_validate({"base_url": ROSTERING, "oneroster_version": "1.2", "credentials": {
            "auth_type": "oauth1_hmac_sha256", "consumer_key": "k", "consumer_secret": "s"}})


STATUS = {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": "No such result",
          "imsx_CodeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem",
                                                      "imsx_codeMinorFieldValue": "unknownobject"}]}}


@pytest.mark.parametrize("body", [{"statusInfoSet": [STATUS]}, {"imsx_StatusInfo": STATUS}, STATUS],
                         ids=["statusInfoSet", "wrapped", "bare"])
def test_every_status_body_shape_reads_the_same(body: dict) -> None:
    assert status_info(body) == ("unknownobject", "No such result")


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["statusInfoSet", "imsx_StatusInfo", "imsx_codeMajor", "imsx_CodeMinor",
                                         "imsx_codeMinorField", "imsx_codeMinorFieldValue", "imsx_description"]),
                        inner, max_size=4), max_leaves=12))
def test_any_body_a_provider_sends_reads_without_raising(body: object) -> None:
    code_minor, description = status_info(body)
    assert code_minor is None or isinstance(code_minor, str)
    assert description is None or isinstance(description, str)


def _error(status: int, code_minor: str, *, description: str = "refused", scope: str | None = None):
    body = {"imsx_StatusInfo": {**STATUS, "imsx_description": description, "imsx_CodeMinor": {
        "imsx_codeMinorField": [{"imsx_codeMinorFieldName": "x", "imsx_codeMinorFieldValue": code_minor}]}}}
    return error_for_status(status, body, method="GET", path="/lineItems", call=Call.GRADEBOOK,
                            scope=scope)


def test_a_403_on_1_2_names_the_scope_and_what_the_district_enables() -> None:
    error = _error(403, "forbidden", scope=required_scope("GET", "/classes/c1/lineItems"))
    assert isinstance(error, ScopeNotGrantedError) and isinstance(error, ForbiddenError)
    assert "gradebook.readonly" in str(error) and "Grade Book Sync" in str(error)
    named = _error(403, "forbidden", scope="gradebook.readonly",
                   description="Missing scope https://purl.imsglobal.org/spec/or/v1p2/scope/assessment.readonly")
    assert named.scope == "assessment.readonly" and "Assessments" in str(named)
    assert not isinstance(_error(403, "forbidden"), ScopeNotGrantedError), "1.1 has no scopes to name"


def test_1_2_code_minors_type_the_error() -> None:
    assert _error(400, "server_busy").transient and isinstance(_error(400, "server_busy"), ServerError)
    assert isinstance(_error(429, "server_busy"), ThrottledError)
    assert isinstance(_error(418, "invalid_sort_field"), InvalidDataError)


@pytest.mark.parametrize(("method", "path", "scope"), [
    ("GET", "/orgs", "roster.readonly"), ("GET", "/demographics", "roster-demographics.readonly"),
    ("GET", "/assessmentResults", "assessment.readonly"), ("PUT", "/lineItems/l1", "gradebook.createput"),
    ("DELETE", "/results/r1", "gradebook.delete"), ("GET", "/scoreScales", "gradebook.readonly"),
])
def test_the_scope_each_call_needs(method: str, path: str, scope: str) -> None:
    assert required_scope(method, path) == scope


def test_lozenges() -> None:
    assert [lozenge_of(s) for s in ("roster.readonly", "roster-demographics.readonly", "gradebook.createput",
                                    "https://purl.imsglobal.org/spec/or/v1p2/scope/assessment.readonly")] == [
        "Roster Sync", "Roster Sync", "Grade Book Sync", "Assessments"]


def _failure(url: str) -> requests.exceptions.RequestException:
    with pytest.raises(requests.exceptions.RequestException) as caught:
        requests.get(url, timeout=5)
    return caught.value


def test_connection_failures_are_classified_by_type() -> None:
    refused = _failure("http://127.0.0.1:9/")
    assert is_connect_failure(refused) and is_refused_connection(refused) and not is_name_resolution_failure(refused)
    unresolved = _failure("http://no-such-host.invalid/")
    assert is_connect_failure(unresolved) and is_name_resolution_failure(unresolved)
    assert not is_refused_connection(unresolved)
    assert not is_connect_failure(requests.exceptions.ChunkedEncodingError("dropped"))


def test_oneroster_version_routes_nothing_by_path_text() -> None:
    version = OneRosterVersion.of("1.2", ROSTERING)
    assert version.route("/classes/lineItems-of-math/students").service is Service.ROSTERING
