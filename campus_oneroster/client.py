"""The one object that talks HTTP to a OneRoster 1.1 provider, for both connectors.

`OneRosterClient` owns a pooled keep-alive session, bounds the requests in flight across all
threads to `max_concurrent_requests` (Campus's consumer guideline: 1 to 5), retries what
`retry.py` says is transient, and turns every final failure into a typed error from `errors.py`.
Reads page with limit/offset; once the first page tells the total, later pages are fetched
concurrently while earlier ones are consumed, with at most a few pages held in memory.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Deque, Iterable, Iterator, Mapping, Optional, TypeVar, Union
from urllib.parse import quote, urlencode, urljoin, urlsplit

import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from campus_oneroster.auth import auth_for, is_gradebook_path, with_vendor_header
from campus_oneroster.config import RESPONSE_FLOOR_BYTES, ConnectionConfig, require_secure_url
from campus_oneroster.errors import (
    Call,
    ConnectionFailedError,
    NotOneRosterEndpointError,
    OneRosterError,
    RedirectRefusedError,
    ResponseTooLargeError,
    RetriesExhaustedError,
    error_for_status,
    parsed_body,
)
from campus_oneroster.filters import Filter, Predicate, filter_text
from campus_oneroster.paging import CollectionRead, Page, PageSignals, records_in, signals_of, single_object_in
from campus_oneroster.redaction import REDACTOR
from campus_oneroster.retry import (
    RetryPolicy,
    is_connect_failure,
    is_name_resolution_failure,
    is_retryable_exception,
    retry_after_seconds,
)
from campus_oneroster.segments import InvalidPathSegmentError, leaves_its_base
from campus_oneroster.urls import host_of

logger = logging.getLogger("campus_oneroster")

DEFAULT_USER_AGENT = "campus-passback/0.1 (OneRoster 1.1 client)"
# RFC 3986 path characters: a sourcedId with a space or non-ASCII letters is escaped, while an
# already-escaped one (%XX) and Campus's role-prefixed user ids (s+123456) pass unchanged.
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
# What one read1 step may return once decompressed: small enough that the deadline and the size
# cap are checked often, large enough that a 20 MB page takes a few hundred steps.
BODY_STEP_BYTES = 1 << 16

FilterLike = Union[Filter, Predicate, str, None]
Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class WriteResult:
    """Outcome of a PUT: 201 means created, 200 updated. `attempts` > 1 means a retry happened, so a
    200 may follow a create the provider applied before failing (PUT is an upsert, the state is right)."""

    status: int
    created: bool
    body: Optional[dict]
    attempts: int = 1


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


class OneRosterClient:
    """GET pages, GET one, PUT, DELETE against one provider, with bounded concurrency and retries."""

    def __init__(self, config: ConnectionConfig, *, user_agent: str = DEFAULT_USER_AGENT) -> None:
        self.config = config
        self._base_url = require_secure_url(config.base_url, "OneRoster (1.1) Base URL").rstrip("/")
        for secret in config.secret_values():
            REDACTOR.add(secret)
        self._policy = RetryPolicy(max_retries=config.max_retries, base_seconds=config.retry_base_seconds,
                                   max_retry_after_seconds=config.max_retry_wait_seconds)
        self._timeout = config.request_timeout_seconds
        self._slots = threading.BoundedSemaphore(config.max_concurrent_requests)
        self.requests = RequestCounter()
        self._session = requests.Session()
        self._session.verify = True
        self._session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=config.max_concurrent_requests + 1, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._auth = auth_for(config, self._post_token)

    # ----- reads -----------------------------------------------------------------------------

    def iter_pages(
        self,
        path: str,
        *,
        filter: FilterLike = None,
        sort: Optional[str] = None,
        order_by: Optional[str] = None,
        fields: Optional[Iterable[str]] = None,
        page_size: Optional[int] = None,
    ) -> Iterator[Page]:
        """Pages of a collection in offset order, until `paging.CollectionRead` says it ended.

        With a known total, the stride is what the provider actually returned on the first page
        (its cap), and up to `max_concurrent_requests` later pages are fetched ahead. A prefetched
        page that comes back short leaves a gap, which is read before moving on, so every record
        arrives exactly once whatever page sizes the provider serves. A yielded page's `records`
        belongs to the consumer (see `Page`): every count is taken before the page is handed over.
        """
        limit = page_size or self.config.page_size
        query = _query(filter=filter, sort=sort, order_by=order_by, fields=fields)
        read = CollectionRead(("GET", path), limit)
        first, signals = self._read_page(path, query, offset=0, limit=limit)
        received = len(first.records)
        read.accept(first.records, 0, signals)
        ended = read.ends_after(signals, 0, received)
        if not ended and signals.total is not None and signals.total > received:
            prefetched = self._prefetched_pages(path, query, first, signals.total, read)
            del first  # a 50,000-record page is ~90 MB of dicts: hold none the consumer is done with
            yield from prefetched
            return
        if received:
            yield first
        del first
        if not ended:
            yield from self._sequential_pages(path, query, received, limit, read)

    def iter_records(self, path: str, **options: Any) -> Iterator[dict]:
        """Every record of a collection, in page order; same options as `iter_pages`."""
        for page in self.iter_pages(path, **options):
            records = page.records
            del page
            yield from records
            del records  # released before the next page is decoded, not after

    def count(self, path: str, *, filter: FilterLike = None) -> Optional[int]:
        """The provider's X-Total-Count for a collection (a limit=1 read), or None if it sends none."""
        _, signals = self._read_page(path, _query(filter=filter), offset=0, limit=1)
        return signals.total

    def get(self, path: str) -> dict:
        """One object, unwrapped from its singular envelope (`{"class": {...}}` → `{...}`)."""
        response, _ = self._request("GET", path)
        body = _json_body(response, "GET", path)
        try:
            return single_object_in(body, path)
        except ValueError as error:
            raise NotOneRosterEndpointError(str(error), method="GET", path=path, status=response.status_code) from None

    # ----- writes ----------------------------------------------------------------------------

    def put(self, path: str, envelope_key: str, record: Mapping[str, Any]) -> WriteResult:
        """Upsert one object under a client-chosen sourcedId: 201 created, 200 updated."""
        response, attempts = self._request("PUT", path, body={envelope_key: record})
        body = parsed_body(response.content)
        return WriteResult(
            status=response.status_code,
            created=response.status_code == 201,
            body=body if isinstance(body, dict) else None,
            attempts=attempts,
        )

    def delete(self, path: str) -> bool:
        """Delete one object; False when it was already gone (404), so repeating a delete is harmless."""
        response, _ = self._request("DELETE", path, allow_not_found=True)
        return response.status_code != 404

    # ----- concurrency -----------------------------------------------------------------------

    def map_concurrent(
        self,
        fn: Callable[[Item], Result],
        items: Iterable[Item],
        *,
        return_exceptions: bool = False,
    ) -> Iterator[Union[Result, BaseException]]:
        """`fn(item)` for every item on `max_concurrent_requests` threads; results in input order.

        Items are consumed lazily (a window of twice the concurrency), so a generator of a million
        writes never sits in memory. With `return_exceptions=True` a failing item yields its
        exception in its place and the rest carry on (the destination writer records each outcome);
        otherwise the first failure, in input order, is raised and pending work is cancelled.
        """
        workers = self.config.max_concurrent_requests
        window: Deque[Future] = collections.deque()
        source = iter(items)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="oneroster-map") as pool:
            try:
                for item in source:
                    window.append(pool.submit(fn, item))
                    if len(window) >= 2 * workers:
                        yield _outcome(window.popleft(), return_exceptions)
                while window:
                    yield _outcome(window.popleft(), return_exceptions)
            finally:
                for future in window:
                    future.cancel()

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> "OneRosterClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----- paging internals ------------------------------------------------------------------

    def _read_page(self, path: str, query: dict, *, offset: int, limit: int) -> tuple[Page, PageSignals]:
        return self._decode_page(self._fetch_page(path, query, offset=offset, limit=limit), path, offset)

    def _fetch_page(self, path: str, query: dict, *, offset: int, limit: int) -> requests.Response:
        """The undecoded response: prefetched pages wait as bytes, several times smaller than dicts."""
        response, _ = self._request("GET", path, params={**query, "limit": str(limit), "offset": str(offset)})
        return response

    def _decode_page(self, response: requests.Response, path: str, offset: int) -> tuple[Page, PageSignals]:
        body = _json_body(response, "GET", path)
        try:
            records = records_in(body, path)
        except ValueError as error:
            raise NotOneRosterEndpointError(str(error), method="GET", path=path, status=response.status_code) from None
        signals = signals_of(response)
        return Page(records=records, offset=offset, total=signals.total), signals

    def _sequential_pages(self, path: str, query: dict, offset: int, limit: int, read: CollectionRead) -> Iterator[Page]:
        while True:
            page, signals = self._read_page(path, query, offset=offset, limit=limit)
            received = len(page.records)
            read.accept(page.records, offset, signals)
            ended = read.ends_after(signals, offset, received)
            if received:
                yield page
            del page
            if ended:
                return
            offset += received

    def _prefetched_pages(self, path: str, query: dict, first: Page, total: int, read: CollectionRead) -> Iterator[Page]:
        """`first`, then the pages up to `total`, fetched ahead by a bounded window, yielded in order;
        then on sequentially while the end signals say more follows.

        The window is filled before `first` is handed over, so fetching overlaps the consumer's work
        from the start. Workers only fetch; pages are decoded here, one at a time as the consumer
        asks, so memory holds at most `max_concurrent_requests` pages of JSON bytes plus the page
        being consumed.
        """
        ahead = self.config.max_concurrent_requests
        stride = len(first.records)
        offsets = iter(range(stride, total, stride))
        window: Deque[tuple[int, Future]] = collections.deque()
        pool = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="oneroster-page")

        def submit_next() -> None:
            offset = next(offsets, None)
            if offset is not None:
                window.append((offset, pool.submit(self._fetch_page, path, query, offset=offset, limit=stride)))

        try:
            for _ in range(ahead):
                submit_next()
            yield first
            del first
            expected = stride
            while window:
                offset, fetched = window.popleft()
                response = fetched.result()
                del fetched  # the future would keep the response's bytes alive through the next page
                submit_next()
                page, signals = self._decode_page(response, path, offset)
                del response
                if offset > expected:
                    yield from self._gap_pages(path, query, expected, offset, read)
                received = len(page.records)
                read.accept(page.records, offset, signals)
                ended = read.ends_after(signals, offset, received)
                expected = offset + received
                if received:
                    yield page
                del page
                if ended:
                    return
        finally:
            for _, future in window:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        yield from self._sequential_pages(path, query, expected, stride, read)

    def _gap_pages(self, path: str, query: dict, start: int, end: int, read: CollectionRead) -> Iterator[Page]:
        """Records a short prefetched page left out, between `start` and the next page's offset `end`."""
        offset = start
        while offset < end:
            page, signals = self._read_page(path, query, offset=offset, limit=end - offset)
            received = len(page.records)
            read.accept(page.records, offset, signals)
            if not received:
                return
            yield page
            del page
            offset += received

    # ----- the request loop ------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[dict] = None,
        body: Optional[dict] = None,
        allow_not_found: bool = False,
    ) -> tuple[requests.Response, int]:
        """Send an API request with auth, vendor header, retries and one token renewal on 401.

        Returns the response and how many attempts it took (`WriteResult.attempts`)."""
        path = "/" + quote(path.lstrip("/"), safe=PATH_SAFE)
        if leaves_its_base(path):
            raise InvalidPathSegmentError(f"{path}: a segment is '.' or '..' (ids go through segments.path_segment)")
        url = self._base_url + path + (("?" + urlencode(params, quote_via=quote, safe="")) if params else "")
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
                method, url, path, auth=with_vendor_header(auth, self.config, path), headers=headers, data=data,
                records=limit,
            )
            attempts += tries
            if response.status_code == 401 and self._auth.renewable and not renewed:
                logger.info("%s %s: 401, renewing the access token once", method, path)
                self._auth.renew(auth)
                renewed = True
                continue
            if response.ok or (allow_not_found and _is_oneroster_not_found(response)):
                return response, attempts
            raise error_for_status(
                response.status_code,
                parsed_body(response.content),
                method=method,
                path=path,
                call=Call.of(is_gradebook_path(path), vendor_configured=self.config.vendor_authorization() is not None,
                             token_was_renewed=renewed),
            )

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


def _query(
    *,
    filter: FilterLike = None,
    sort: Optional[str] = None,
    order_by: Optional[str] = None,
    fields: Optional[Iterable[str]] = None,
) -> dict:
    query: dict[str, str] = {}
    text = filter_text(filter)
    if text:
        query["filter"] = text
    if sort:
        query["sort"] = sort
    if order_by:
        if order_by not in ("asc", "desc"):
            raise ValueError(f"orderBy must be 'asc' or 'desc', not {order_by!r}")
        query["orderBy"] = order_by
    if fields:
        query["fields"] = ",".join(fields)
    return query


def _is_oneroster_not_found(response: requests.Response) -> bool:
    """A 404 the provider answered as OneRoster (JSON); an HTML 404 means a wrong Base URL instead."""
    return response.status_code == 404 and isinstance(parsed_body(response.content), dict)


def _json_body(response: requests.Response, method: str, path: str) -> Any:
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
    if "NewConnectionError" in repr(error):
        return "connection refused"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "the connection dropped"
    return f"the request failed ({type(error).__name__})"


def _outcome(future: Future, return_exceptions: bool) -> Any:
    if return_exceptions:
        error = future.exception()
        return error if error is not None else future.result()
    return future.result()
