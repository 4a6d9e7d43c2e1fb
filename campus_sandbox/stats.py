"""Thread-safe request counters, so tests and benchmarks can assert what reached the server."""

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class ScopeRequest:
    """One token request's scopes: `requested` is the `scope` parameter split on spaces (None
    without one), `granted` what the token got (None when no token was issued), `status` the
    token endpoint's answer."""

    requested: tuple[str, ...] | None
    granted: tuple[str, ...] | None
    status: int


class RequestStats:
    """Counts of requests by method, status and collection (the first path segment)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._by_method: Counter = Counter()
            self._by_status: Counter = Counter()
            self._by_collection: Counter = Counter()
            self._token_requests = 0
            self._scope_requests: list[ScopeRequest] = []
            self._writes_in_flight = 0
            self._peak_writes_in_flight = 0

    def write_started(self) -> None:
        """A PUT or DELETE arrived (paired with `write_ended`), for the peak of concurrent writes."""
        with self._lock:
            self._writes_in_flight += 1
            self._peak_writes_in_flight = max(self._peak_writes_in_flight, self._writes_in_flight)

    def write_ended(self) -> None:
        with self._lock:
            self._writes_in_flight -= 1

    @property
    def peak_concurrent_writes(self) -> int:
        """The most PUT/DELETE requests being served at once: how well a client batches its writes."""
        with self._lock:
            return self._peak_writes_in_flight

    def record(self, method: str, status: int, collection: str) -> None:
        with self._lock:
            self._by_method[method] += 1
            self._by_status[status] += 1
            self._by_collection[collection] += 1

    def record_token_request(self) -> None:
        with self._lock:
            self._token_requests += 1

    def record_token_scopes(self, request: ScopeRequest) -> None:
        with self._lock:
            self._scope_requests.append(request)

    @property
    def scope_requests(self) -> list[ScopeRequest]:
        """Every POST to the token endpoint that got an answer, in order: what it asked for and got."""
        with self._lock:
            return list(self._scope_requests)

    @property
    def requests(self) -> int:
        """API requests answered (the token endpoint is counted apart)."""
        with self._lock:
            return sum(self._by_method.values())

    @property
    def by_method(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_method)

    @property
    def by_status(self) -> dict[int, int]:
        with self._lock:
            return dict(self._by_status)

    @property
    def by_collection(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_collection)

    @property
    def puts(self) -> int:
        with self._lock:
            return self._by_method["PUT"]

    @property
    def deletes(self) -> int:
        with self._lock:
            return self._by_method["DELETE"]

    @property
    def token_requests(self) -> int:
        with self._lock:
            return self._token_requests

    def snapshot(self) -> dict:
        """All counters as one plain dict (JSON-friendly)."""
        with self._lock:
            return {"requests": sum(self._by_method.values()), "by_method": dict(self._by_method),
                    "by_status": {str(k): v for k, v in self._by_status.items()},
                    "by_collection": dict(self._by_collection), "token_requests": self._token_requests}
