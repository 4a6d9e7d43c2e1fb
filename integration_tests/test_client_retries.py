"""Every sandbox fault switch: reads come back exactly as a fault-free read, writes end in the right state."""

import time

import pytest

from campus_oneroster.client import OneRosterClient
from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import NotFoundError, RetriesExhaustedError, ServerError, ThrottledError

FAST = {"retry_base_seconds": 0.01}


def client_for(sandbox, **overrides) -> OneRosterClient:
    settings = {**FAST, "max_retries": 8, **overrides}
    return OneRosterClient(ConnectionConfig.model_validate(sandbox.connection_config(auth="oauth2", **settings)))


def read_ids(sandbox, path: str, **overrides) -> list[str]:
    with client_for(sandbox, **overrides) as client:
        return [record["sourcedId"] for record in client.iter_records(path)]


@pytest.fixture()
def fault_free_users(sandbox):
    sandbox.faults.clear()
    return read_ids(sandbox, "/users", page_size=50_000)


@pytest.mark.parametrize("switches", [
    {"rate_500_before_write": 0.3},
    {"rate_drop": 0.3},
    {"token_expiry_after_requests": 4},
    {"rate_429": 0.3, "retry_after_seconds": 0.02},
], ids=["500", "dropped-connections", "token-expiry", "429"])
def test_reads_under_each_fault_equal_the_fault_free_read(sandbox, fault_free_users, switches):
    sandbox.faults.set(**switches)
    ids = read_ids(sandbox, "/users", page_size=11, max_concurrent_requests=3)
    sandbox.faults.clear()
    assert ids == fault_free_users
    assert sandbox.stats.requests > len(ids) // 11 + 1  # faults really happened and were retried


def test_retry_after_is_honoured(sandbox, fault_free_users):
    """With one request in flight, the read takes at least Retry-After per 429 the server sent."""
    sandbox.faults.set(rate_429=0.4, retry_after_seconds=0.25)
    started = time.monotonic()
    ids = read_ids(sandbox, "/users", page_size=50, max_concurrent_requests=1)
    elapsed = time.monotonic() - started
    throttled = sandbox.stats.by_status.get(429, 0)
    sandbox.faults.clear()
    assert ids == fault_free_users
    assert throttled >= 2
    assert elapsed >= throttled * 0.25


def test_puts_are_idempotent_through_500s_before_and_after_the_write(sandbox):
    categories = [{"sourcedId": f"retry-category-{n}", "status": "active", "title": f"Retry category {n}",
                   "dateLastModified": "2026-09-01T00:00:00Z"} for n in range(12)]
    sandbox.faults.set(rate_500_before_write=0.25, rate_500_after_write=0.25)
    with client_for(sandbox, max_concurrent_requests=3) as client:
        results = list(client.map_concurrent(
            lambda category: client.put(f"/categories/{category['sourcedId']}", "category", category), categories))
        sandbox.faults.clear()
        stored = [client.get(f"/categories/{category['sourcedId']}") for category in categories]
    assert {result.status for result in results} <= {200, 201}
    assert any(result.attempts > 1 for result in results)
    assert [category["title"] for category in stored] == [category["title"] for category in categories]
    assert sandbox.stats.by_status.get(500, 0) > 0


def test_deletes_are_idempotent_through_500s_after_the_write(sandbox):
    """The first DELETE is applied but answered 500; the retry finds nothing left, which is success."""
    category = {"sourcedId": "retry-delete-me", "status": "active", "title": "Delete me",
                "dateLastModified": "2026-09-01T00:00:00Z"}
    with client_for(sandbox) as client:
        assert client.put("/categories/retry-delete-me", "category", category).created is True
        sandbox.faults.set(rate_500_after_write=1.0)
        assert client.delete("/categories/retry-delete-me") is False  # gone by the time the retry asked
        sandbox.faults.clear()
        with pytest.raises(NotFoundError):
            client.get("/categories/retry-delete-me")
    assert sandbox.stats.by_status[500] == 1 and sandbox.stats.by_status[404] == 2


def test_throttling_that_outlives_the_retries_is_a_transient_error(sandbox):
    sandbox.faults.set(rate_429=1.0, retry_after_seconds=0.01)
    with client_for(sandbox, max_retries=2) as client, pytest.raises(ThrottledError) as caught:
        client.count("/orgs")
    sandbox.faults.clear()
    error = caught.value
    assert error.transient and (error.method, error.path, error.status) == ("GET", "/orgs", 429)
    assert sandbox.stats.by_status.get(429) == 3  # the first try and two retries


def test_server_errors_that_outlive_the_retries_carry_the_providers_words(sandbox):
    sandbox.faults.set(rate_500_before_write=1.0)
    with client_for(sandbox, max_retries=1) as client:
        with pytest.raises(ServerError) as caught:
            client.put("/categories/retry-500", "category", {"sourcedId": "retry-500", "title": "never stored"})
        sandbox.faults.clear()
        with pytest.raises(NotFoundError):
            client.get("/categories/retry-500")
    error = caught.value
    assert error.transient and (error.method, error.path, error.status) == ("PUT", "/categories/retry-500", 500)
    assert "before the PUT was processed" in error.description and error.description in str(error)
    assert sandbox.stats.by_status.get(500) == 2


def test_dropped_connections_that_outlive_the_retries_are_a_transient_error(sandbox):
    sandbox.faults.set(rate_drop=1.0)
    with client_for(sandbox, max_retries=2) as client, pytest.raises(RetriesExhaustedError) as caught:
        client.count("/orgs")
    sandbox.faults.clear()
    assert caught.value.transient and "the connection dropped on every try (3 attempts)" in str(caught.value)
    assert caught.value.__cause__ is not None


@pytest.mark.soak
def test_soak_medium_district_enrollments_under_all_faults(make_sandbox):
    with make_sandbox("medium") as sandbox:
        clean = read_ids(sandbox, "/enrollments", page_size=50_000)
        sandbox.faults.set(rate_429=0.1, retry_after_seconds=0.05, rate_500_before_write=0.1, rate_drop=0.1,
                           token_expiry_after_requests=25)
        assert read_ids(sandbox, "/enrollments", page_size=997, max_concurrent_requests=5, max_retries=12) == clean


def test_a_busy_1_2_provider_is_waited_on_then_reported_as_transient(make_sandbox):
    """OneRoster 1.2's `server_busy` (a 503 with Retry-After) is retried like any busy answer; once it
    outlives the retries, the error is transient and carries the codeMinor read from 1.2's wrapped
    `imsx_StatusInfo` body."""
    sandbox = make_sandbox("tiny", oneroster_version="1.2")
    sandbox.faults.set(rate_503=0.5, retry_after_seconds=0.01)
    with client_for(sandbox, max_retries=6) as client:
        assert client.count("/enrollments") and client.count("/orgs") == 3
    assert sandbox.stats.by_status.get(503)
    sandbox.faults.set(rate_503=1.0, retry_after_seconds=0.01)
    with client_for(sandbox, max_retries=1) as client, pytest.raises(ServerError) as caught:
        client.count("/orgs")
    assert caught.value.transient and (caught.value.status, caught.value.code_minor) == (503, "server_busy")
