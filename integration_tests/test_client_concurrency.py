"""The in-flight bound, measured by latency arithmetic on the sandbox, and map_concurrent's outcomes."""

import time

import pytest

from campus_oneroster.client import OneRosterClient
from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import NotFoundError

LATENCY_SECONDS = 0.15
REQUESTS = 12


def client_for(sandbox, **overrides) -> OneRosterClient:
    raw = sandbox.connection_config(auth="oauth1", retry_base_seconds=0.01, **overrides)
    return OneRosterClient(ConnectionConfig.model_validate(raw))


@pytest.mark.parametrize("bound", [1, 2, 5])
def test_never_more_than_the_bound_in_flight(sandbox, bound):
    """k requests of latency L with at most n in flight take at least ceil(k/n)·L, and near it when
    the client does use its n slots; more in flight would finish sooner than that floor."""
    with client_for(sandbox, max_concurrent_requests=bound) as client:
        user_ids = [u["sourcedId"] for u in client.iter_records("/users", page_size=REQUESTS)][:REQUESTS]
        sandbox.faults.set(latency_ms=LATENCY_SECONDS * 1000)
        started = time.monotonic()
        fetched = list(client.map_concurrent(lambda sid: client.get(f"/users/{sid}"), user_ids))
        elapsed = time.monotonic() - started
        sandbox.faults.clear()
    floor = -(-REQUESTS // bound) * LATENCY_SECONDS
    assert [u["sourcedId"] for u in fetched] == user_ids
    assert floor <= elapsed < floor + REQUESTS * LATENCY_SECONDS / (bound + 1)


def test_prefetching_pages_respects_the_bound_and_overlaps_requests(sandbox):
    with client_for(sandbox, max_concurrent_requests=3, page_size=4) as client:
        total = client.count("/users")
        sandbox.faults.set(latency_ms=LATENCY_SECONDS * 1000)
        started = time.monotonic()
        pages = list(client.iter_pages("/users"))
        elapsed = time.monotonic() - started
        sandbox.faults.clear()
    later_pages = len(pages) - 1
    floor = (1 + -(-later_pages // 3)) * LATENCY_SECONDS
    sequential = len(pages) * LATENCY_SECONDS
    assert sum(len(p.records) for p in pages) == total and len(pages) >= 12
    assert floor <= elapsed < sequential * 2 / 3


def test_map_concurrent_returns_exceptions_in_place_when_asked(sandbox):
    with client_for(sandbox, max_concurrent_requests=3) as client:
        real = [c["sourcedId"] for c in client.iter_records("/classes", page_size=4)][:4]
        wanted = [real[0], "no-such-class", real[1], real[2], "also-missing", real[3]]
        outcomes = list(client.map_concurrent(lambda sid: client.get(f"/classes/{sid}")["sourcedId"], wanted,
                                              return_exceptions=True))
        with pytest.raises(NotFoundError, match="/classes/no-such-class"):
            list(client.map_concurrent(lambda sid: client.get(f"/classes/{sid}"), wanted))
    assert [o if isinstance(o, str) else type(o).__name__ for o in outcomes] == \
        [real[0], "NotFoundError", real[1], real[2], "NotFoundError", real[3]]


def test_map_concurrent_reads_its_items_lazily(sandbox):
    pulled = []

    def items():
        for n in range(1_000_000):
            pulled.append(n)
            yield n

    with client_for(sandbox, max_concurrent_requests=2) as client:
        first = next(client.map_concurrent(lambda n: n * 2, items()))
    assert first == 0 and len(pulled) <= 8


def test_prefetch_runs_at_most_the_bound_ahead_of_the_consumer(sandbox):
    """Memory stays bounded: while the consumer sits on page one, only `bound` more pages are fetched;
    leaving the read early leaves the client usable."""
    with client_for(sandbox, max_concurrent_requests=2, page_size=4) as client:
        pages = client.iter_pages("/users")
        first = next(pages)
        time.sleep(0.3)
        fetched_while_waiting = sandbox.stats.by_method["GET"]
        second = next(pages)
        pages.close()
        assert client.count("/users") == first.total
    assert first.total > 20 and second.offset == 4
    assert fetched_while_waiting == 1 + 2
