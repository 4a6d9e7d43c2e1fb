"""The one object both connectors use to read and write a OneRoster provider.

`OneRosterClient` pages collections with limit/offset; once the first page tells the total, later
pages are fetched concurrently while earlier ones are consumed, with at most a few pages held in
memory. Every request goes through `transport.Transport` (auth, service roots, retries, typed
errors); what differs between OneRoster 1.1 and 1.2 is `version.py`'s, never this module's.
"""

from __future__ import annotations

import collections
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Deque, Iterable, Iterator, Mapping, Optional, TypeVar, Union

import requests

from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import NotOneRosterEndpointError
from campus_oneroster.filters import Filter, Predicate, filter_text
from campus_oneroster.provider_text import PROVIDER_TEXT_LIMIT
from campus_oneroster.paging import CollectionRead, Page, PageSignals, records_in, signals_of, single_object_in
from campus_oneroster.errors import parsed_body
from campus_oneroster.transport import Transport, json_body
from campus_oneroster.errors import UnconfirmedWriteError

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


class OneRosterClient:
    """GET pages, GET one, PUT, DELETE against one provider, with bounded concurrency and retries."""

    def __init__(self, config: ConnectionConfig, *, user_agent: Optional[str] = None) -> None:
        self.config = config
        self._transport = Transport(config, user_agent=user_agent)
        self._request = self._transport.request
        self.requests = self._transport.requests

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
        body = json_body(response, "GET", path)
        try:
            return single_object_in(body, path)
        except ValueError as error:
            raise NotOneRosterEndpointError(str(error), method="GET", path=path, status=response.status_code) from None

    # ----- writes ----------------------------------------------------------------------------

    def put(self, path: str, envelope_key: str, record: Mapping[str, Any]) -> WriteResult:
        """Upsert one object under a client-chosen sourcedId: 201 created, 200 updated."""
        response, attempts = self._request("PUT", path, body={envelope_key: record})
        body = _confirmed_write(response, "PUT", path, envelope_key)
        return WriteResult(
            status=response.status_code,
            created=response.status_code == 201,
            body=body if isinstance(body, dict) else None,
            attempts=attempts,
        )

    def delete(self, path: str) -> bool:
        """Delete one object; False when it was already gone (404), so repeating a delete is harmless."""
        response, _ = self._request("DELETE", path, allow_not_found=True)
        if response.status_code == 404:
            return False
        _confirmed_write(response, "DELETE", path, None)
        return True

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
        self._transport.close()

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
        body = json_body(response, "GET", path)
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


def _confirmed_write(response: requests.Response, method: str, path: str, envelope_key: str | None) -> Any:
    """The body of a write the provider answered as OneRoster does (the status is the version's to
    judge, `version.write_succeeded`; the body: none, or a JSON object whose envelope, if present,
    holds an object), else `UnconfirmedWriteError` with the provider's words: a 200 sign-in page is
    not a write Campus took."""
    body = parsed_body(response.content)
    if not response.content or (isinstance(body, dict) and (
            envelope_key is None or isinstance(body.get(envelope_key, {}), dict))):
        return body
    text = response.content[:PROVIDER_TEXT_LIMIT * 4].decode("utf-8", "replace").strip()
    raise UnconfirmedWriteError(
        f"the provider answered the write with HTTP {response.status_code} but not as OneRoster does "
        f"({response.headers.get('Content-Type') or 'no content type'}), so it is not counted as written",
        method=method, path=path, status=response.status_code, description=text or None)


def _outcome(future: Future, return_exceptions: bool) -> Any:
    if return_exceptions:
        error = future.exception()
        return error if error is not None else future.result()
    return future.result()
