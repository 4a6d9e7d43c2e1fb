"""A hostile or broken OneRoster provider for tests and benchmarks: a proxy in front of a sandbox.

`HostileProvider(upstream)` is a real HTTP server on a loopback address that forwards every
request to a `CampusSandbox` and misbehaves on the way, one switch per misbehaviour
(`Misbehaviour`, settable live): redirects (to another host, or from https-looking paths to
http), a body trickled byte by byte, a lying or negative `X-Total-Count`, a `Link: next` that
never ends, `offset` ignored, page sizes that vary from request to request, a gzip bomb, the
request's own `Authorization` and `x-vendor-authorization` echoed in an error description, and a
huge `Retry-After`. Without an upstream it is a *catcher*: it answers every request with an empty
OneRoster collection, so a client that followed a redirect to it would see success.

Every server records what it received (`received`: method, path with query, headers, body), so a
test proves which requests, and which secrets, reached which host. In front of a OneRoster 1.2
sandbox it serves every root of the upstream (`base_url`, `gradebook_url`, `resources_url`,
`oneroster_root`) and answers its own errors in the upstream's error shape. Servers bind to the loopback
address given (127.0.0.2 stands in for "another host" on Linux), pick a free port, and are
stopped by `close()` (or the context manager).
"""

from __future__ import annotations

import gzip
import http.client
import itertools
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

from campus_sandbox.errors import error_body
from campus_sandbox.server import TOKEN_PATH, CampusSandbox

BOMB_MEMBER_BYTES = 16 << 20
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "host"})


@dataclass
class Misbehaviour:
    """What the provider does wrong; every switch off by default (then it is a faithful proxy).

    `redirect_to`: an origin (``http://127.0.0.2:PORT``); matching requests get `redirect_status`
    with `Location` = that origin + the same path and query. `redirect_methods` limits which
    methods are redirected (PUT only, to let reads through); `redirect_token` also redirects the
    token endpoint. `trickle_seconds`: the body of every API response is sent one byte at a time
    with this pause between bytes. `total_count`: the `X-Total-Count` sent on every page instead
    of the real one (zero or negative); `total_scale`: the real one times this (0.34: a third). `endless_next`: every page carries `Link: <...>;
    rel="next"`. `ignore_offset`: every page is served from offset 0. `page_sizes`: successive
    collection requests are capped at these sizes in turn (10, 7, 10, ...). `gzip_bomb_bytes`:
    collection GETs answer a gzip body that inflates to this many spaces. `echo_authorization`:
    API requests answer 400 quoting the request's `Authorization` and `x-vendor-authorization`
    headers in the description; `echo_token_authorization`: the token endpoint answers 401
    quoting the Basic `Authorization` header. `retry_after`: API requests answer 429 with this
    `Retry-After` value. `explicit_nulls`: every record of a page gains a top-level `null` field
    (`nullProbe`) and a nested one (`metadata.nullProbe`), as providers that write out absent
    optional fields do. `html_writes`: every PUT and DELETE is answered 200 with an HTML sign-in
    page (`HTML_LOGIN_PAGE`, holding a line that looks like a report line) and never reaches the
    sandbox, as an SSO or proxy page in front of the API does. `ignore_limit`: collection pages are
    served with `limit` raised to 50,000 (a provider that ignores it).
    """

    redirect_to: Optional[str] = None
    redirect_status: int = 307
    redirect_methods: frozenset[str] = frozenset({"GET", "PUT", "DELETE", "POST"})
    redirect_token: bool = False
    trickle_seconds: float = 0.0
    total_count: Optional[int] = None
    total_scale: Optional[float] = None
    endless_next: bool = False
    ignore_offset: bool = False
    page_sizes: tuple[int, ...] = ()
    gzip_bomb_bytes: int = 0
    echo_authorization: bool = False
    echo_token_authorization: bool = False
    retry_after: Optional[str] = None
    explicit_nulls: bool = False
    html_writes: bool = False
    ignore_limit: bool = False


HTML_LOGIN_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><h1>Single sign-on</h1>\n"
                   b"  created: 999\n<form method=post action=/login>Your session has expired.</form></body></html>\n")


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as this server read it off the wire."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        """Everything the request carried, for secret scans."""
        return "\n".join([f"{self.method} {self.target}", *(f"{k}: {v}" for k, v in self.headers.items()),
                          self.body.decode("latin-1")])


class HostileProvider:
    """A misbehaving OneRoster provider in front of `upstream` (or a catcher without one)."""

    def __init__(self, upstream: Optional[CampusSandbox] = None, *, host: str = "127.0.0.1",
                 misbehaviour: Optional[Misbehaviour] = None) -> None:
        self.upstream = upstream
        self.host = host
        self.misbehaviour = misbehaviour or Misbehaviour()
        self.received: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._pages = itertools.count()
        self._bombs: dict[int, bytes] = {}
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> "HostileProvider":
        provider = self

        class Handler(_Handler):
            pass

        Handler.provider = provider
        server = ThreadingHTTPServer((self.host, 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="hostile-provider", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "HostileProvider":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- addresses --------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        assert self._server is not None, "start() the provider first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.origin + self._upstream_path(self.upstream.base_url if self.upstream else "/ims/oneroster/v1p1")

    @property
    def gradebook_url(self) -> str:
        return self.origin + self._upstream_path(self.upstream.gradebook_url) if self.upstream else self.base_url

    @property
    def resources_url(self) -> str:
        return self.origin + self._upstream_path(self.upstream.resources_url) if self.upstream else self.base_url

    @property
    def oneroster_root(self) -> str:
        return self.origin + self._upstream_path(self.upstream.oneroster_root if self.upstream else "/ims/oneroster")

    @property
    def token_url(self) -> str:
        return self.origin + self._upstream_path(self.upstream.token_url if self.upstream else TOKEN_PATH)

    def connection_config(self, auth: str = "oauth2", **options) -> dict:
        """The upstream sandbox's connection config, pointed at this provider."""
        assert self.upstream is not None, "a catcher has no connection config"
        config = self.upstream.connection_config(auth, **options)
        config["base_url"] = self.base_url
        if "gradebook_base_url" in config:
            config["gradebook_base_url"] = self.origin + self._upstream_path(config["gradebook_base_url"])
        if auth == "oauth2":
            config["credentials"]["token_url"] = self.token_url
        return config

    def set(self, **switches) -> None:
        """Replace the misbehaviour (all other switches off)."""
        self.misbehaviour = Misbehaviour(**switches)

    def received_text(self) -> str:
        with self._lock:
            return "\n".join(request.text() for request in self.received)

    @staticmethod
    def _upstream_path(url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    # -- serving ----------------------------------------------------------------------------

    def handle(self, h: "_Handler", method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        headers = {name: value for name, value in h.headers.items()}
        with self._lock:
            self.received.append(ReceivedRequest(method, h.path, headers, body))
        m = self.misbehaviour
        is_token = urlsplit(h.path).path == TOKEN_PATH
        if m.redirect_to and method in m.redirect_methods and (m.redirect_token or not is_token):
            return _send(h, m.redirect_status, b"", {"Location": m.redirect_to + h.path})
        if self.upstream is None:
            return self._catch(h, is_token)
        if is_token:
            if m.echo_token_authorization:
                description = f"invalid client: Authorization {headers.get('Authorization')}"
                return _send(h, 401, orjson.dumps({"error": "invalid_request", "error_description": description}), {})
            return self._forward(h, method, h.path, headers, body, collection=False)
        shape = self.upstream.options.errors
        if m.html_writes and method in ("PUT", "DELETE"):
            return _send(h, 200, HTML_LOGIN_PAGE, {"Content-Type": "text/html; charset=utf-8"})
        if m.retry_after is not None:
            return _send(h, 429, error_body(shape, "server_busy", "slow down"), {"Retry-After": m.retry_after})
        if m.echo_authorization:
            description = (f"malformed request: Authorization {headers.get('Authorization')} "
                           f"x-vendor-authorization {headers.get('x-vendor-authorization')}")
            return _send(h, 400, error_body(shape, "invalid_selection_field", description), {})
        target, collection = self._rewritten_target(method, h.path)
        if collection and m.gzip_bomb_bytes:
            return _send(h, 200, self._gzip_bomb(m.gzip_bomb_bytes), {"Content-Encoding": "gzip"})
        return self._forward(h, method, target, headers, body, collection=collection)

    def _rewritten_target(self, method: str, target: str) -> tuple[str, bool]:
        """The upstream target after offset/limit tampering; whether it is a collection page."""
        parts = urlsplit(target)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        collection = method == "GET" and "limit" in params
        if not collection:
            return target, False
        m = self.misbehaviour
        if m.ignore_offset:
            params["offset"] = "0"
        if m.ignore_limit:
            params["limit"] = "50000"
        if m.page_sizes:
            size = m.page_sizes[next(self._pages) % len(m.page_sizes)]
            params["limit"] = str(min(int(params["limit"]), size))
        return f"{parts.path}?{urlencode(params)}", True

    def _forward(self, h: "_Handler", method: str, target: str, headers: dict[str, str], body: bytes,
                 *, collection: bool) -> None:
        assert self.upstream is not None
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream.port, timeout=60)
        try:
            forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(method, target, body=body or None, headers=forwarded)
            answer = upstream.getresponse()
            content = answer.read()
            reply = {k: v for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP}
        finally:
            upstream.close()
        m = self.misbehaviour
        if collection and m.explicit_nulls and answer.status == 200:
            content = _with_nulls(content)
        if collection and m.total_count is not None:
            reply["X-Total-Count"] = str(m.total_count)
        if collection and m.total_scale is not None and "X-Total-Count" in reply:
            reply["X-Total-Count"] = str(int(int(reply["X-Total-Count"]) * m.total_scale))
        if collection and m.endless_next:
            reply["Link"] = f'<{self.origin}{target}>; rel="next"'
        _send(h, answer.status, content, reply, trickle=m.trickle_seconds if not target.startswith(TOKEN_PATH) else 0.0)

    def _catch(self, h: "_Handler", is_token: bool) -> None:
        if is_token:
            return _send(h, 200, orjson.dumps({"access_token": "caught", "token_type": "bearer", "expires_in": 3600}), {})
        _send(h, 200, b'{"orgs": []}', {"X-Total-Count": "0"})

    def _gzip_bomb(self, size: int) -> bytes:
        """`size` spaces as concatenated gzip members of 16 MiB each (a valid gzip body, built in
        milliseconds: one member is compressed once and repeated)."""
        if size not in self._bombs:
            member = gzip.compress(b" " * BOMB_MEMBER_BYTES, compresslevel=9)
            whole, rest = divmod(size, BOMB_MEMBER_BYTES)
            self._bombs[size] = member * whole + (gzip.compress(b" " * rest) if rest else b"")
        return self._bombs[size]


def _with_nulls(content: bytes) -> bytes:
    page = orjson.loads(content)
    for records in page.values():
        for record in records if isinstance(records, list) else []:
            record["nullProbe"] = None
            record["metadata"] = {**(record.get("metadata") or {}), "nullProbe": None}
    return orjson.dumps(page)


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str], *, trickle: float = 0.0) -> None:
    h.send_response(status)
    if "Content-Type" not in headers and status != 204:
        h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        h.send_header(name, value)
    h.end_headers()
    if not trickle:
        h.wfile.write(body)
        return
    try:
        for byte in body:
            h.wfile.write(bytes((byte,)))
            h.wfile.flush()
            time.sleep(trickle)
    except OSError:
        return  # the client gave up: what a trickle is for


class _Handler(BaseHTTPRequestHandler):
    provider: HostileProvider
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - silence the access log
        return

    def do_GET(self) -> None:
        self.provider.handle(self, "GET")

    def do_POST(self) -> None:
        self.provider.handle(self, "POST")

    def do_PUT(self) -> None:
        self.provider.handle(self, "PUT")

    def do_DELETE(self) -> None:
        self.provider.handle(self, "DELETE")
