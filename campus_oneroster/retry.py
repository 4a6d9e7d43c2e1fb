"""Which failures are worth another try, and how long to wait before it: the whole retry policy.

OneRoster 1.1 has no POST: GET, PUT (upsert on a client-chosen sourcedId) and DELETE are all
idempotent, so every one of them may be repeated after a 429, a 5xx, a timeout or a dropped
connection. Waits grow exponentially with full jitter (`backoff`'s generators) so concurrent
workers do not retry in lockstep; a `Retry-After` from the provider always wins.
"""

from __future__ import annotations

import email.utils
import socket
import time
from dataclasses import dataclass
from typing import Iterator, Optional

import backoff
import requests
import urllib3

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

# Dropped or stalled connections; TLS and DNS failures are excluded by `is_retryable_exception`.
RETRYABLE_EXCEPTIONS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.Timeout,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries and how long between them; `base_seconds` is small in tests, ~1 s for real."""

    max_retries: int = 6
    base_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    max_retry_after_seconds: float = 600.0
    max_refused_retries: int = 2

    def retries_exception(self, error: BaseException, attempt: int) -> bool:
        """Whether attempt number `attempt` (1-based), which raised `error`, earns another try.

        A refused connection gets at most `max_refused_retries`: a host that refuses for several
        seconds is down or wrong, and `check` should say so promptly rather than after a minute.
        """
        if not is_retryable_exception(error) or attempt > self.max_retries:
            return False
        return not (is_connect_failure(error) and attempt > self.max_refused_retries)

    def retries_status(self, status: int, attempt: int) -> bool:
        """Whether a response with `status` on attempt `attempt` earns another try."""
        return is_retryable_status(status) and attempt <= self.max_retries

    def wait_seconds(self, retry_number: int, retry_after: Optional[float] = None) -> float:
        """Seconds to sleep before retry `retry_number` (1-based): Retry-After, else full-jitter expo."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_seconds)
        ceiling_seconds = min(self.max_backoff_seconds, self.max_retry_after_seconds)
        expo = backoff.expo(base=2, factor=self.base_seconds, max_value=ceiling_seconds)
        next(expo)  # prime the generator: backoff yields None before factor * base ** 0
        ceiling = 0.0
        for _ in range(retry_number):
            ceiling = next(expo)
        return backoff.full_jitter(ceiling)


def is_retryable_status(status: int) -> bool:
    """429, 408 and every 5xx: the provider may well answer differently a moment later."""
    return status in RETRYABLE_STATUSES or 500 <= status <= 599


def is_retryable_exception(error: BaseException) -> bool:
    """Dropped connections, refused connections and timeouts are retried; TLS and DNS failures are not.

    A certificate that fails verification or a host name that does not resolve will not fix itself
    in seconds, and retrying them only delays the message that tells the admin what is wrong.
    """
    if isinstance(error, requests.exceptions.SSLError):
        return False
    if isinstance(error, requests.exceptions.ConnectionError) and is_name_resolution_failure(error):
        return False
    return isinstance(error, RETRYABLE_EXCEPTIONS)


def is_connect_failure(error: BaseException) -> bool:
    """True when no connection was ever established (as opposed to one dropped mid-response)."""
    if isinstance(error, (requests.exceptions.SSLError, requests.exceptions.ConnectTimeout)):
        return True
    return isinstance(error, requests.exceptions.ConnectionError) and any(
        isinstance(cause, (urllib3.exceptions.NewConnectionError, socket.gaierror, ConnectionRefusedError))
        for cause in causes_of(error)
    )


def is_name_resolution_failure(error: BaseException) -> bool:
    """The host name did not resolve (a typo in the Base URL, or no DNS from this network)."""
    return any(isinstance(cause, (urllib3.exceptions.NameResolutionError, socket.gaierror)) for cause in causes_of(error))


def is_refused_connection(error: BaseException) -> bool:
    """A connection attempt the host answered with a refusal (nothing listens there)."""
    return not is_name_resolution_failure(error) and is_connect_failure(error) and not isinstance(
        error, (requests.exceptions.SSLError, requests.exceptions.ConnectTimeout))


def causes_of(error: BaseException) -> Iterator[BaseException]:
    """`error` and every exception under it, by type: requests wraps urllib3's `MaxRetryError`, whose
    `reason` is the typed failure (`NewConnectionError`, `NameResolutionError`, ...), which in turn
    chains the socket error. Walking types replaces reading `repr` text, which changes between versions."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        pending.extend(item for item in linked if isinstance(item, BaseException))


def retry_after_seconds(value: Optional[str]) -> Optional[float]:
    """Parse a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
