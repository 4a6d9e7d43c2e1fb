"""The shared client's paged reads against a broken provider: every record exactly once, and always an end.

The provider is `campus_sandbox.hostile.HostileProvider` in front of a tiny sandbox; hypothesis picks
the page-size pattern, the lie in X-Total-Count and whether `Link: next` ever ends. The consumer
clears each page's list as soon as it has it, as the source's page writer does: the list is the
consumer's once yielded (`paging.Page`), so the client must have counted it before.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campus_oneroster.client import OneRosterClient
from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import RunawayPagingError
from campus_sandbox.district import generate
from campus_sandbox.hostile import HostileProvider
from campus_sandbox.server import CampusSandbox


@pytest.fixture(scope="module")
def provider() -> Iterator[HostileProvider]:
    with CampusSandbox(generate("tiny")) as sandbox, HostileProvider(sandbox) as hostile:
        yield hostile


def read_ids(provider: HostileProvider, path: str, **config) -> list[str]:
    client = OneRosterClient(ConnectionConfig.model_validate(provider.connection_config(retry_base_seconds=0.0, **config)))
    ids: list[str] = []
    try:
        for page in client.iter_pages(path):
            ids += [record["sourcedId"] for record in page.records]
            page.records.clear()
    finally:
        client.close()
    return ids


@pytest.fixture(scope="module")
def reference(provider: HostileProvider) -> dict[str, list[str]]:
    provider.set()
    return {path: read_ids(provider, path, page_size=50_000) for path in ("/users", "/enrollments")}


PAGE_PATTERNS = given(
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=5),
    page_size=st.integers(2, 12),
    concurrency=st.integers(1, 4),
    total_scale=st.sampled_from([None, 0.34, 0.5, 1.5, 3.0]),
    endless_next=st.booleans(),
    path=st.sampled_from(["/users", "/enrollments"]),
)
ONE_SERVER = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def reads_every_record_once(provider, reference, sizes, page_size, concurrency, total_scale, endless_next, path) -> None:
    provider.set(page_sizes=tuple(sizes), total_scale=total_scale, endless_next=endless_next)
    ids = read_ids(provider, path, page_size=page_size, max_concurrent_requests=concurrency)
    assert len(ids) == len(set(ids)), "a record arrived twice"
    assert sorted(ids) == sorted(reference[path])


@settings(max_examples=10, **ONE_SERVER)
@PAGE_PATTERNS
def test_any_page_pattern_and_lying_end_signal_reads_every_record_once(provider, reference, **case) -> None:
    """Ten patterns by default (hypothesis shrinks what fails); the soak run tries a hundred."""
    reads_every_record_once(provider, reference, **case)


@pytest.mark.soak
@settings(max_examples=100, **ONE_SERVER)
@PAGE_PATTERNS
def test_soak_a_hundred_page_patterns_read_every_record_once(provider, reference, **case) -> None:
    reads_every_record_once(provider, reference, **case)


def ids_before_refusal(provider: HostileProvider, match: str, **misbehaviour) -> list[str]:
    """The sourcedIds yielded before the client refuses the provider's paging (with `match`)."""
    provider.set(**misbehaviour)
    client = OneRosterClient(ConnectionConfig.model_validate(provider.connection_config(page_size=10)))
    seen: list[str] = []
    with pytest.raises(RunawayPagingError, match=match):
        for page in client.iter_pages("/users"):
            seen += [record["sourcedId"] for record in page.records]
    client.close()
    return seen


@pytest.mark.parametrize("endless_next", [False, True])
def test_a_provider_ignoring_offset_fails_naming_the_collection_before_any_duplicate(provider, endless_next) -> None:
    seen = ids_before_refusal(provider, r"GET /users.*ignores offset", ignore_offset=True, endless_next=endless_next)
    assert len(seen) == len(set(seen)) == 10


def test_a_page_longer_than_the_limit_asked_fails_before_any_of_it_is_yielded(provider) -> None:
    assert ids_before_refusal(provider, r"GET /users.*more than the limit of 10 asked", ignore_limit=True) == []
