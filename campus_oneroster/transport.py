"""One logical HTTP request to a OneRoster provider: auth, service root, retries, limits, typed failures.

`Transport` owns the pooled keep-alive session, bounds the requests in flight across all threads to
`max_concurrent_requests` (Campus's consumer guideline: 1 to 5), sends each request to the service
root the version layer (`version.py`) names for its path, attaches the vendor header on the
gradebook root only, retries what `retry.py` says is transient, renews the token once after a 401,
and turns every final failure into a typed error from `errors.py`. Paging lives in `client.py`.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any, Optional
from urllib.parse import quote, urlencode, urljoin, urlsplit

import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from campus_oneroster.auth import auth_for, with_vendor_header
from campus_oneroster.config import RESPONSE_FLOOR_BYTES, ConnectionConfig, require_secure_url
from campus_oneroster.errors import (
    ConnectionFailedError,
    NotOneRosterEndpointError,
    OneRosterError,
    RedirectRefusedError,
    ResponseTooLargeError,
    RetriesExhaustedError,
    Call,
    error_for_status,
    parsed_body,
)
from campus_oneroster.redaction import REDACTOR
from campus_oneroster.retry import (
    RetryPolicy,
    is_connect_failure,
    is_name_resolution_failure,
    is_refused_connection,
    is_retryable_exception,
    retry_after_seconds,
)
from campus_oneroster.segments import InvalidPathSegmentError, leaves_its_base
from campus_oneroster.urls import host_of
from campus_oneroster.version import Service, required_scope

logger = logging.getLogger("campus_oneroster")

# RFC 3986 path characters: a sourcedId with a space or non-ASCII letters is escaped, while an
# already-escaped one (%XX) and Campus's role-prefixed user ids (s+123456) pass unchanged.
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
# What one read1 step may return once decompressed: small enough that the deadline and the size
# cap are checked often, large enough that a 20 MB page takes a few hundred steps.
BODY_STEP_BYTES = 1 << 16


class RequestCounter:
    """Requests actually sent, by HTTP method (retries and token requests included), for benchmarks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[str] = collections.Counter()

    def add(self, method: str) -> None:
        with self._lock:
            self._counts[method] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())


class Transport:
    """Send one request (retries included) and return its final response, or raise a typed error."""

    def __init__(self, config: ConnectionConfig, *, user_agent: Optional[str] = None) -> None:
        self.config = config
        self.version = config.version
        require_secure_url(config.base_url, "OneRoster (1.1) Base URL")
        for secret in config.secret_values():
            REDACTOR.add(secret)
        self._policy = RetryPolicy(max_retries=config.max_retries, base_seconds=config.retry_base_seconds,
                                   max_retry_after_seconds=config.max_retry_wait_seconds)
        self._timeout = config.request_timeout_seconds
        self._slots = threading.BoundedSemaphore(config.max_concurrent_requests)
        self.requests = RequestCounter()
        self._session = requests.Session()
        self._session.verify = True
        self._session.headers.update({"User-Agent": user_agent or self.version.user_agent, "Accept": "application/json"})
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=config.max_concurrent_requests + 1, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._auth = auth_for(config, self._post_token, self.version.token_scope(type(config).token_scopes))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[dict] = None,
        body: Optional[dict] = None,
        allow_not_found: bool = False,
    ) -> tuple[requests.Response, int]:
        """Send an API request with auth, vendor header, retries and one token renewal on 401.

        Returns the response and how many attempts it took (a PUT retried after a 5xx may have
        been applied by an earlier attempt: `WriteResult.attempts` tells the writer so)."""
        path = "/" + quote(path.lstrip("/"), safe=PATH_SAFE)
        if leaves_its_base(path):
            raise InvalidPathSegmentError(f"{path}: a segment is '.' or '..' (ids go through segments.path_segment)")
        route = self.version.route(path)
        url = route.url + (("?" + urlencode(params, quote_via=quote, safe="")) if params else "")
        gradebook = route.service is Service.GRADEBOOK
        limit = int(params["limit"]) if params and "limit" in params else None
        headers: dict[str, str] = {}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = orjson.dumps(body)
        renewed = False
        attempts = 0
        while True:
            auth = self._auth.current()
            response, tries = self._send_with_retries(
                method, url, path, auth=with_vendor_header(auth, self.config, gradebook), headers=headers,
                data=data, records=limit,
            )
            attempts += tries
            if response.status_code == 401 and self._auth.renewable and not renewed:
                logger.info("%s %s: 401, renewing the access token once", method, path)
                self._auth.renew(auth)
                renewed = True
                continue
            if self._accepted(method, response) or (allow_not_found and is_oneroster_not_found(response)):
                return response, attempts
            raise error_for_status(
                response.status_code,
                parsed_body(response.content),
                method=method,
                path=path,
                call=Call.of(gradebook, vendor_configured=self.config.vendor_authorization() is not None,
                             token_was_renewed=renewed),
                scope=required_scope(method, path) if self.version.scoped else None,
            )

    def _accepted(self, method: str, response: requests.Response) -> bool:
        if method in ("PUT", "DELETE", "POST"):
            return self.version.write_succeeded(response.status_code)
        return response.ok

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def _post_token(self, token_url: str, form: dict, basic: AuthBase) -> requests.Response:
        response, _ = self._send_with_retries("POST", token_url, "token URL", auth=basic, headers={}, data=form)
        return response

    def _send_with_retries(
        self,
        method: str,
        url: str,
        path: str,
        *,
        auth: AuthBase,
        headers: dict,
        data: Any,
        records: Optional[int] = None,
    ) -> tuple[requests.Response, int]:
        """One logical request: retried on transient failures, each attempt holding a concurrency slot.

        Redirects are never followed (a 3xx raises `RedirectRefusedError`), every attempt has a total
        deadline of `request_timeout_seconds`, and its body may inflate to at most
        `config.max_response_bytes(records)`. Returns the final response (whatever its status) and
        the number of attempts; raises a typed, transient error when a transient failure outlives
        the retries. Every wait is logged before it starts.
        """
        attempt = 0
        max_bytes = self.config.max_response_bytes(records)
        while True:
            attempt += 1
            try:
                with self._slots:
                    self.requests.add(method)
                    deadline = time.monotonic() + self._timeout
                    response = self._session.request(
                        method, url, auth=auth, headers=headers, data=data, timeout=self._timeout,
                        allow_redirects=False, stream=True,
                    )
                    _read_body(response, deadline, max_bytes, method, path)
            except requests.exceptions.RequestException as error:
                if not self._policy.retries_exception(error, attempt):
                    raise _transport_error(error, method, path, host_of(url), attempt) from error
                self._wait(attempt, f"{method} {path}: {_failure_kind(error)}", None)
                continue
            if response.is_redirect or 300 <= response.status_code < 400:
                raise _redirect_error(response, method, path, url)
            if not self._policy.retries_status(response.status_code, attempt):
                return response, attempt
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            self._wait(attempt, f"{method} {path}: HTTP {response.status_code}", asked)

    def _wait(self, attempt: int, what: str, asked: Optional[float]) -> None:
        """Log the coming wait (what failed, how long, which retry of how many), then sleep it."""
        seconds = self._policy.wait_seconds(attempt, asked)
        capped = f" (Retry-After asked {asked:.0f} s; capped at Maximum retry wait)" if asked and asked > seconds else ""
        logger.warning("%s, waiting %.2f s before retry %d of %d%s", what, seconds, attempt, self._policy.max_retries, capped)
        if seconds > 0:
            time.sleep(seconds)


def _read_body(response: requests.Response, deadline: float, max_bytes: int, method: str, path: str) -> None:
    """Read the body against the request's total deadline and the size cap, decompressing as it goes.

    requests' own `timeout` bounds each socket read, not the response: a provider trickling a byte
    at a time would hold a request for hours. So the body is read in small `read1` steps (each
    returns what has arrived, decompressed to at most one step), checking the deadline and the size
    between them; the bytes become `response.content` (set directly: requests has no public way).
    """
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise requests.exceptions.ReadTimeout("the response took longer than the request timeout in all")
            try:
                chunk = response.raw.read1(BODY_STEP_BYTES, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError:
                raise requests.exceptions.ReadTimeout("no byte arrived within the request timeout") from None
            except urllib3.exceptions.DecodeError:
                raise requests.exceptions.ContentDecodingError("the compressed body could not be decoded") from None
            except urllib3.exceptions.HTTPError as error:
                raise requests.exceptions.ChunkedEncodingError(f"the connection dropped mid-response ({type(error).__name__})") from None
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLargeError(
                    f"the response inflated beyond {max_bytes >> 20} MiB, the most allowed for "
                    + ("this page" if max_bytes > RESPONSE_FLOOR_BYTES else "one response")
                    + "; it was dropped", method=method, path=path, status=response.status_code,
                )
            chunks.append(chunk)
    except BaseException:
        response.close()
        raise
    response._content = b"".join(chunks)
    response._content_consumed = True


def _redirect_error(response: requests.Response, method: str, path: str, url: str) -> RedirectRefusedError:
    location = response.headers.get("Location")
    target = host_of(urljoin(url, location)) if location else "no address"
    scheme = urlsplit(urljoin(url, location)).scheme if location else ""
    response.close()
    return RedirectRefusedError(
        f"the provider answered HTTP {response.status_code}, redirecting to {target}"
        + (" over plain http" if scheme == "http" else "")
        + "; a OneRoster API never redirects, so it was not followed and nothing was sent there",
        method=method, path=path, status=response.status_code,
    )


def is_oneroster_not_found(response: requests.Response) -> bool:
    """A 404 the provider answered as OneRoster (JSON); an HTML 404 means a wrong Base URL instead."""
    return response.status_code == 404 and isinstance(parsed_body(response.content), dict)


def json_body(response: requests.Response, method: str, path: str) -> Any:
    """The parsed body of a successful response; HTML or other non-JSON means a wrong Base URL."""
    body = parsed_body(response.content)
    if body is None:
        raise NotOneRosterEndpointError(
            "the address answered, but not with OneRoster JSON",
            method=method,
            path=path,
            status=response.status_code,
        )
    return body


def _transport_error(
    error: requests.exceptions.RequestException, method: str, path: str, host: str, attempts: int
) -> OneRosterError:
    """A typed error for a request that never got a usable response; only the host name is shown,
    never the URL's query or any header."""
    tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
    if isinstance(error, requests.exceptions.SSLError):
        return ConnectionFailedError(
            f"TLS verification failed for {host}: its certificate is not trusted", method=method, path=path
        )
    if is_connect_failure(error):
        return ConnectionFailedError(
            f"could not connect to {host} ({_failure_kind(error)}, {tries})",
            method=method,
            path=path,
            transient=is_retryable_exception(error),
        )
    return RetriesExhaustedError(f"{_failure_kind(error)} on every try ({tries})", method=method, path=path)


def _failure_kind(error: requests.exceptions.RequestException) -> str:
    """What went wrong, in words, without the URL (which requests puts in its messages)."""
    if isinstance(error, requests.exceptions.Timeout):
        return "the request timed out"
    if is_name_resolution_failure(error):
        return "the host name does not resolve"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection dropped mid-response"
    if is_refused_connection(error):
        return "connection refused"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "the connection dropped"
    return f"the request failed ({type(error).__name__})"
