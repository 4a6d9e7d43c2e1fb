"""Each fault switch over real HTTP: what the client sees and whether a write was applied."""

import time

import pytest
import requests

from campus_sandbox.options import Faults


def _category(sb, session, sourced_id: str) -> requests.Response:
    return session.put(f"{sb.base_url}/categories/{sourced_id}", json={"category": {"title": "Quizzes"}})


def _elapsed(session, url: str) -> float:
    start = time.perf_counter()
    assert session.get(url).status_code == 200
    return time.perf_counter() - start


def test_latency_is_added_to_every_api_request(sandbox, sandbox_session):
    session = sandbox_session(sandbox)
    url = sandbox.base_url + "/orgs"
    quick = min(_elapsed(session, url) for _ in range(3))
    sandbox.faults.latency_ms = 150
    slow = min(_elapsed(session, url) for _ in range(3))
    assert slow >= 0.15 and slow - quick >= 0.12


@pytest.mark.parametrize("seconds,header", [(0, "0"), (1, "1"), (0.05, "0.05")])
def test_429_carries_retry_after(sandbox, sandbox_session, seconds, header):
    session = sandbox_session(sandbox)
    sandbox.faults.set(rate_429=1.0, retry_after_seconds=seconds)
    answer = session.get(sandbox.base_url + "/orgs")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == header
    info = answer.json()["statusInfoSet"][0]
    assert info["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "server_busy"
    sandbox.faults.clear()
    assert session.get(sandbox.base_url + "/orgs").status_code == 200


def test_500_before_write_leaves_nothing_applied(sandbox, sandbox_session):
    session = sandbox_session(sandbox)
    sandbox.faults.rate_500_before_write = 1.0
    assert _category(sandbox, session, "cat-1").status_code == 500
    assert "cat-1" not in sandbox.state.categories
    assert session.get(sandbox.base_url + "/orgs").status_code == 500  # reads fail the same way


def test_500_after_write_applies_the_write_first(sandbox, sandbox_session):
    session = sandbox_session(sandbox)
    sandbox.faults.rate_500_after_write = 1.0
    assert session.get(sandbox.base_url + "/orgs").status_code == 200  # reads are untouched
    assert _category(sandbox, session, "cat-2").status_code == 500
    assert sandbox.state.categories["cat-2"]["title"] == "Quizzes"
    sandbox.faults.clear()
    assert _category(sandbox, session, "cat-2").status_code == 200  # the retry is an update


def test_dropped_connection_has_no_response_and_applies_nothing(sandbox, sandbox_session):
    session = sandbox_session(sandbox)
    sandbox.faults.rate_drop = 1.0
    with pytest.raises(requests.ConnectionError):
        _category(sandbox, session, "cat-3")
    assert "cat-3" not in sandbox.state.categories
    sandbox.faults.clear()
    assert session.get(sandbox.base_url + "/orgs").status_code == 200  # a new connection works


def test_token_expires_after_n_requests_until_a_new_one_is_fetched(sandbox, sandbox_session):
    sandbox.faults.token_expiry_after_requests = 3
    session = sandbox_session(sandbox)
    statuses = [session.get(sandbox.base_url + "/orgs").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 401]
    fresh = sandbox_session(sandbox)
    assert fresh.get(sandbox.base_url + "/orgs").status_code == 200


def test_faults_are_reproducible_for_a_seed(make_sandbox, sandbox_session):
    def statuses(seed: int) -> list[int]:
        sb = make_sandbox(faults=Faults(rate_429=0.5, retry_after_seconds=0, seed=seed))
        session = sandbox_session(sb)
        return [session.get(sb.base_url + "/orgs").status_code for _ in range(24)]

    first = statuses(11)
    assert first == statuses(11)
    assert {200, 429} == set(first)
    assert first != statuses(12)


def test_token_endpoint_is_spared_unless_included(sandbox):
    c = sandbox.credentials
    sandbox.faults.set(rate_429=1.0, retry_after_seconds=0)

    def token_status() -> int:
        return requests.post(sandbox.token_url, data={"grant_type": "client_credentials"},
                             auth=(c.client_id, c.client_secret)).status_code

    assert token_status() == 200
    sandbox.faults.include_token_endpoint = True
    assert token_status() == 429


def test_stats_count_by_method_status_and_collection(sandbox, sandbox_session):
    session = sandbox_session(sandbox)
    session.get(sandbox.base_url + "/users")
    session.get(sandbox.base_url + "/users/nobody")
    _category(sandbox, session, "cat-4")
    session.delete(sandbox.base_url + "/categories/cat-4")
    stats = sandbox.stats
    assert stats.requests == 4 and stats.puts == 1 and stats.deletes == 1
    assert stats.by_status == {200: 1, 404: 1, 201: 1, 204: 1}
    assert stats.by_collection == {"users": 2, "categories": 2}
    assert stats.token_requests == 1
    stats.reset()
    assert stats.requests == 0


def test_unknown_fault_switch_is_refused(sandbox):
    with pytest.raises(ValueError, match="rate_blue"):
        sandbox.faults.set(rate_blue=1)
