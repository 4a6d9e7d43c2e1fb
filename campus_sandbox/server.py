"""CampusSandbox: a threaded HTTP/1.1 server on 127.0.0.1 that behaves like Campus's OneRoster
1.1 (default) or 1.2 (`SandboxOptions(oneroster_version="1.2")`).

Request path: faults (latency, dropped connection, 429, 500-before-write) → authentication
(Bearer token, or OAuth 1.0a on 1.1) → service root (1.2: a path under the wrong root is a 404)
→ scopes (1.2: 403 naming the scope needed) → route → gradebook rights (1.1: roster-only 403;
vendor header 401) → serve (collection page, one record, or a write under Campus's receiving
rules) → faults (500-after-write). Paths outside every OneRoster root get a web server's HTML
404, so a client can tell a wrong base URL from an unknown object. Errors take the shape
`SandboxOptions.errors` names.
"""

import dataclasses
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import orjson

from campus_sandbox.auth import ROSTER_ONLY, Authenticator, Grant, SandboxCredentials, unauthorized
from campus_sandbox.district import District
from campus_sandbox.errors import SandboxError, error_body, invalid_data, unknown_object
from campus_sandbox.gradebook import Gradebook
from campus_sandbox.options import Faults, SandboxOptions
from campus_sandbox.query import IndexCache, parse_query, project, select
from campus_sandbox.routes import CollectionRoute, Resolved, Router, service_of
from campus_sandbox.stats import RequestStats, ScopeRequest
from campus_sandbox.versions import GRADEBOOK, RESOURCES, ROSTERING, V1P2, lozenge, needed_scopes, version

TOKEN_PATH = "/campus/oauth2/token"
_NOT_FOUND_HTML = (b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
                   b"<p>The requested URL was not found on this server.</p></body></html>")


class _DroppedConnection(Exception):
    """The fault that closes a connection without any response."""


class CampusSandbox:
    """A local Infinite Campus OneRoster endpoint. Use as a context manager, or start()/close().

    `state` is the gradebook held (`state.line_items`, `state.results`, `state.categories`: dicts
    by sourcedId of what vendors wrote, users by their 1.1 ids); `stats` counts requests; `faults`
    switches failures on. `gradebook`: serve an existing `Gradebook` (of the same district), e.g.
    one a 1.1 sandbox was written into; `switch_version` does the same on a running sandbox.
    """

    def __init__(self, district: District, *, options: SandboxOptions | None = None,
                 faults: Faults | None = None, gradebook: Gradebook | None = None) -> None:
        self.district = district
        self.options = options or SandboxOptions()
        self.faults = faults or Faults()
        self.stats = RequestStats()
        if gradebook is not None and gradebook.district is not district:
            raise ValueError("the gradebook belongs to another district: serve it with its own district")
        self.state = gradebook or Gradebook(
            district, percent_key=self.options.percent_metadata_key,
            keep_vendor_metadata=self.options.keep_vendor_metadata, strict=self.options.strict,
            letter_key=self.options.letter_metadata_key)
        self.auth = Authenticator(SandboxCredentials.issue(self.options.app_name),
                                  token_lifetime=self.options.token_lifetime_seconds,
                                  oauth1_window=self.options.oauth1_timestamp_window_seconds)
        self._configure(fresh=gradebook is None)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def _configure(self, *, fresh: bool) -> None:
        """Everything that follows from the OneRoster version: roots, router, strictness."""
        self.version = version(self.options.oneroster_version)
        if not fresh:
            self.state.set_strict(self.options.strict)
        self._router = Router(self.district, self.state, strict=self.options.strict, v1p2=self.version is V1P2)
        self._cache = IndexCache()
        self._roots = self.version.roots(self.options.app_name)

    def switch_version(self, oneroster_version: str, *, strict: bool | None = None) -> None:
        """Serve the same district and the same gradebook as another OneRoster version, on the same
        port: what a district moving its connection to 1.2 sees. `strict` None: the version's
        default. Every access token is expired (a new connection); the credentials stay."""
        self.options = dataclasses.replace(self.options, oneroster_version=oneroster_version, strict=strict)
        self._configure(fresh=False)
        self.auth.expire_tokens()

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> "CampusSandbox":
        sandbox = self

        class Handler(_Handler):
            pass

        Handler.sandbox = sandbox
        server = ThreadingHTTPServer(("127.0.0.1", self.options.port), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.request_queue_size = 128
        server.allow_reuse_address = True
        server.server_bind()
        server.server_activate()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="campus-sandbox", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and close every open keep-alive connection."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._connections_lock:
            for conn in self._connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._connections.clear()
        self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> "CampusSandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- what clients and tests need ----------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running: use it as a context manager or call start()")
        return self._server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The rostering root (1.1: the one root), what a district copies from Campus."""
        return self.origin + self.version.root(self.options.app_name, ROSTERING)

    @property
    def gradebook_url(self) -> str:
        """The gradebook root (1.1: the same as `base_url`)."""
        return self.origin + self.version.root(self.options.app_name, GRADEBOOK)

    @property
    def resources_url(self) -> str:
        """The resources root (1.1: the same as `base_url`)."""
        return self.origin + self.version.root(self.options.app_name, RESOURCES)

    @property
    def oneroster_root(self) -> str:
        """`.../ims/oneroster`, the parent of the service roots."""
        return self.origin + self.version.oneroster_root(self.options.app_name)

    @property
    def token_url(self) -> str:
        return f"{self.origin}{TOKEN_PATH}?appName={self.options.app_name}"

    @property
    def credentials(self) -> SandboxCredentials:
        return self.auth.credentials

    def connection_config(self, auth: str = "oauth2", *, roster_only: bool = False, vendor: bool = True,
                          **overrides) -> dict:
        """A connection config in the connectors' keys (the connector docs' Configuration tables), pointing at this sandbox."""
        c = self.credentials
        if auth == "oauth2":
            credentials = {"auth_type": "oauth2_client_credentials", "token_url": self.token_url,
                           "client_id": c.roster_client_id if roster_only else c.client_id,
                           "client_secret": c.roster_client_secret if roster_only else c.client_secret}
        elif auth == "oauth1":
            credentials = {"auth_type": "oauth1_hmac_sha256", "consumer_key": c.consumer_key,
                           "consumer_secret": c.consumer_secret}
        else:
            raise ValueError(f"unknown auth {auth!r}: use 'oauth2' or 'oauth1'")
        config = {"base_url": self.base_url, "credentials": credentials}
        if self.version is V1P2:
            config["oneroster_version"] = self.version.name
        if vendor:
            config.update(vendor_key=c.vendor_key, vendor_secret=c.vendor_secret)
        config.update(overrides)
        return config

    def served(self, kind: str, sourced_id: str) -> dict | None:
        """A held "lineItem", "result" or "category" as this sandbox's version serves it (`state`
        holds users by 1.1 id; on 1.2 this names them by 1.2 id), or None."""
        router = self._router
        if kind == "lineItem":
            return self.state.line_item(sourced_id, router.present_line_item)
        if kind == "result":
            return self.state.result(sourced_id, router.present_result)
        if kind == "category":
            with self.state.lock:
                held = self.state.categories.get(sourced_id)
            return None if held is None else dict(held)
        raise ValueError(f"unknown kind {kind!r}: use lineItem, result or category")

    def renew_secret(self) -> str:
        """Campus's Renew Secret: a new OAuth 2 secret; the old one gets 401 invalid_client."""
        return self.auth.renew_secret()

    def expire_tokens(self) -> None:
        """Every access token issued so far stops working (401 until a new one is fetched)."""
        self.auth.expire_tokens()

    def set_grading_window(self, grading_period_or_task_id: str, open: bool) -> None:  # noqa: A002
        """Open or close the grading window of a grading period or a grading-task lineItem."""
        self.state.set_grading_window(grading_period_or_task_id, open)

    def edit_as_teacher(self, sourced_id: str, *, metadata_survives: bool = True, **changes) -> dict:
        """A teacher changes a result or lineItem in Campus (see `Gradebook.edit_as_teacher`)."""
        return self.state.edit_as_teacher(sourced_id, changes, metadata_survives=metadata_survives)

    def delete_as_teacher(self, result_id: str, *, soft: bool = True) -> None:
        """A teacher deletes a score in Campus (see `Gradebook.delete_as_teacher`)."""
        self.state.delete_as_teacher(result_id, soft=soft)

    # -- request handling -------------------------------------------------------------------

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(conn)

    def handle(self, h: "_Handler", method: str) -> None:
        parts = urlsplit(h.path)
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0)) if h.headers.get("Content-Length") else b""
        root = self._root_of(parts.path)
        if parts.path == TOKEN_PATH:
            self._handle_token(h, method, parts.query, body)
        elif root is not None:
            self._handle_api(h, method, parts, body, root)
        else:
            self.stats.record(method, 404, "(outside the OneRoster base)")
            _send(h, 404, _NOT_FOUND_HTML, {}, "text/html; charset=utf-8")

    def _root_of(self, path: str) -> tuple[str, frozenset[str]] | None:
        """(prefix, services) of the API root a path is under, or None."""
        for prefix, services in self._roots.items():
            if path == prefix or path.startswith(prefix + "/"):
                return prefix, services
        return None

    def _apply_faults(self, method: str) -> None:
        f = self.faults
        if f.latency_ms > 0:
            time.sleep(f.latency_ms / 1000)
        if f.roll(f.rate_drop):
            raise _DroppedConnection()
        if f.roll(f.rate_429):
            raise SandboxError(429, "server_busy", "Too many requests: slow down and retry after the "
                               "Retry-After interval", {"Retry-After": f.retry_after_header()})
        if f.roll(f.rate_503):
            raise SandboxError(503, "server_busy", "The service is busy: retry after the Retry-After interval",
                               {"Retry-After": f.retry_after_header()})
        if f.roll(f.rate_500_before_write):
            raise SandboxError(500, "internal_server_error",
                               f"Internal server error before the {method} was processed (injected fault)")

    def _handle_token(self, h: "_Handler", method: str, query: str, body: bytes) -> None:
        self.stats.record_token_request()
        try:
            if self.faults.include_token_endpoint:
                self._apply_faults(method)
        except _DroppedConnection:
            h.close_connection = True
            return
        except SandboxError as exc:
            _send(h, exc.status, exc.body(self.options.errors), exc.headers)
            return
        if method != "POST":
            _send(h, 405, orjson.dumps({"error": "invalid_request", "error_description": "use POST"}), {})
            return
        if dict(parse_qsl(query)).get("appName") != self.options.app_name:
            _send(h, 401, orjson.dumps({"error": "invalid_client",
                                        "error_description": "appName is not known to this Campus"}), {})
            return
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        status, answer = self.auth.issue_token(h.headers.get("Authorization"), form, scoped=self.version.scoped,
                                               reject_scope=self.options.reject_scope_parameter)
        self.stats.record_token_scopes(ScopeRequest(
            tuple(form["scope"].split()) if "scope" in form else None,
            tuple(answer["scope"].split()) if status == 200 else None, status))
        _send(h, status, orjson.dumps(answer), {"Cache-Control": "no-store"})

    def _handle_api(self, h: "_Handler", method: str, parts, body: bytes, root: tuple[str, frozenset[str]]) -> None:
        """Answer one API request; stats are counted before the answer leaves, so a client that
        has its response can already see it counted."""
        prefix, services = root
        resolved: Resolved | None = None
        headers: dict[str, str] = {}
        writing = method in ("PUT", "DELETE")
        if writing:
            self.stats.write_started()
        try:
            self._apply_faults(method)
            grant = self._authenticate(h, method, parts)
            if not self.options.connection_enabled:
                raise SandboxError(403, "forbidden", "The OneRoster connection for this key is disabled in Campus")
            segments = [unquote(s) for s in parts.path[len(prefix) + 1:].rstrip("/").split("/")]
            service = service_of(segments)
            if service not in services:
                raise SandboxError(404, "unknownobject", f"/{'/'.join(segments)} does not exist under this root: "
                                   f"OneRoster {self.version.name} serves it under "
                                   f"{self.version.root(self.options.app_name, service)}")
            if self.version.scoped and self.options.enforce_scopes:
                self._check_scopes(grant, method, service, segments)
            if segments[0] == "classes" and len(segments) > 1 and segments[1] in self.options.forbidden_sections:
                raise SandboxError(403, "forbidden", f"This connection does not include the school of class {segments[1]}")
            resolved = self._router.resolve(segments, method)
            if resolved.gradebook:
                self._check_gradebook_rights(h, grant)
            status, payload, headers = self._serve(method, resolved, parts, body, h)
            if method in ("PUT", "DELETE") and self.faults.roll(self.faults.rate_500_after_write):
                raise SandboxError(500, "internal_server_error",
                                   f"Internal server error after the {method} was applied (injected fault)")
        except _DroppedConnection:
            status, payload = 0, None
        except SandboxError as exc:
            status, payload, headers = exc.status, exc.body(self.options.errors), exc.headers
        except Exception:  # noqa: BLE001 - the server must answer; the trace goes to stderr
            traceback.print_exc(file=sys.stderr)
            status, payload = 500, error_body(self.options.errors, "internal_server_error", "Internal server error")
        finally:
            if writing:
                self.stats.write_ended()
        collection = resolved.collection if resolved else (parts.path[len(prefix) + 1:].split("/")[0] or "(base)")
        self.stats.record(method, status, collection)
        if payload is None:
            h.close_connection = True
        else:
            _send(h, status, payload, headers)

    def _authenticate(self, h: "_Handler", method: str, parts) -> Grant:
        header = h.headers.get("Authorization") or ""
        if header[:7].lower() == "bearer ":
            return self.auth.check_bearer(header[7:].strip(), self.faults.token_expiry_after_requests)
        if header[:6].lower() == "oauth " and self.version.scoped:
            raise unauthorized("OneRoster 1.2 accepts only OAuth 2 bearer tokens: fetch one from the token URL "
                               "(OAuth 1.0a signatures are 1.1 only)")
        if header[:6].lower() == "oauth ":
            url = f"http://{h.headers.get('Host') or f'127.0.0.1:{self.port}'}{parts.path}"
            return self.auth.check_oauth1(method, url, parts.query, header)
        raise unauthorized("Authorization is missing: send 'Authorization: Bearer <token>' (token from the "
                           "token URL) or an OAuth 1.0a signature")

    def _check_scopes(self, grant: Grant, method: str, service: str, segments: list[str]) -> None:
        """403 unless the token holds one of the scopes 1.2's table asks of this call."""
        needed = needed_scopes(method, service, segments[0], nested=len(segments) > 2)
        if grant.scopes.isdisjoint(needed):
            raise SandboxError(403, "forbidden",
                               f"The access token lacks the scope {method} /{'/'.join(segments)} needs: "
                               f"{' or '.join(needed)}; request it at the token URL, and ask the district to enable "
                               f"{lozenge(needed[0])} on the OneRoster connection if the key may not have it")

    def _check_gradebook_rights(self, h: "_Handler", grant: Grant) -> None:
        if grant.kind == ROSTER_ONLY and not self.version.scoped:
            raise SandboxError(403, "forbidden",
                               "This key belongs to a Roster Sync connection: gradebook endpoints need a Grade Book "
                               "Sync connection; ask the district to enable Grade Book on the OneRoster connection")
        if self.options.require_vendor_header:
            self.auth.check_vendor(h.headers.get("x-vendor-authorization"))

    def _serve(self, method: str, resolved: Resolved, parts, body: bytes, h: "_Handler") -> tuple[int, bytes, dict]:
        if method == "GET":
            target = resolved.target
            if isinstance(target, CollectionRoute):
                return self._serve_page(target, parts, h)
            return 200, orjson.dumps({target.singular: target.record}), {}
        if method == "DELETE":
            deleted = {"category": self.state.delete_category, "lineItem": self.state.delete_line_item,
                       "result": self.state.delete_result}[resolved.write_kind](resolved.write_id)
            if not deleted:
                raise unknown_object(f"{resolved.write_kind} {resolved.write_id}")
            return 204, b"", {}
        return self._serve_put(resolved.write_kind, resolved.write_id, body)

    def _serve_put(self, kind: str, sourced_id: str, body: bytes) -> tuple[int, bytes, dict]:
        try:
            envelope = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise invalid_data(f"{kind} {sourced_id}: the body is not JSON; send {{\"{kind}\": {{...}}}}") from None
        record = envelope.get(kind) if isinstance(envelope, dict) else None
        if not isinstance(record, dict):
            raise invalid_data(f"{kind} {sourced_id}: the body must be the singular envelope {{\"{kind}\": {{...}}}}")
        if self.version is V1P2 and not self.options.accept_learning_objectives and "learningObjectiveSet" in record:
            raise invalid_data(f"{kind} {sourced_id}: field 'learningObjectiveSet' is not accepted by this Campus "
                               "(standards do not pass back); leave it out")
        if record.get("sourcedId") not in (None, sourced_id):
            raise invalid_data(f"{kind} {sourced_id}: the body's sourcedId {record['sourcedId']!r} differs from "
                               "the path; PUT to /.../{sourcedId} of the record itself")
        put = {"category": self.state.put_category, "lineItem": self.state.put_line_item,
               "result": self.state.put_result}[kind]
        if self.version is V1P2:
            created, stored = put(sourced_id, record, v1p2=True)
            present = {"lineItem": self._router.present_line_item, "result": self._router.present_result}.get(kind)
            stored = present(stored) if present else stored
        else:
            created, stored = put(sourced_id, record)
        return (201 if created else 200), orjson.dumps({kind: stored}), {}

    def _serve_page(self, route: CollectionRoute, parts, h: "_Handler") -> tuple[int, bytes, dict]:
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        o = self.options
        q = parse_query(params, route.records.fields, default_limit=o.default_page_size, max_limit=o.max_page_size)
        indexes = route.base
        if q.predicates or q.sort:
            indexes = self._cache.get_or_build(route.cache_key + q.ordering_key(),
                                               lambda: select(route.records, route.base, q,
                                                              through_lists=self.version is V1P2))
        total = len(indexes)
        window = indexes[q.offset:q.offset + q.limit]
        headers = {}
        if o.send_total_count:
            headers["X-Total-Count"] = str(total)
        if o.send_link:
            headers["Link"] = _link_header(f"http://{h.headers.get('Host')}{parts.path}", params, q.offset,
                                           q.limit, total)
        if q.fields:
            body = orjson.dumps({route.records.wrapper: project(route.records.page(window), q.fields)})
        else:
            body = b'{"' + route.records.wrapper.encode() + b'":' + route.records.page_json(window) + b"}"
        return 200, body, headers


def _link_header(url: str, params: dict[str, str], offset: int, limit: int, total: int) -> str:
    def at(o: int) -> str:
        return f"<{url}?{urlencode({**params, 'limit': limit, 'offset': o})}>"

    links = []
    if offset + limit < total:
        links.append(f'{at(offset + limit)}; rel="next"')
    if offset > 0:
        links.append(f'{at(max(0, offset - limit))}; rel="prev"')
    links.append(f'{at(0)}; rel="first"')
    links.append(f'{at(max(0, (total - 1) // limit * limit))}; rel="last"')
    return ", ".join(links)


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str],
          content_type: str = "application/json") -> None:
    h.send_response(status)
    if status != 204:
        h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        h.send_header(name, value)
    h.end_headers()
    if body:
        h.wfile.write(body)


class _Handler(BaseHTTPRequestHandler):
    """Hands every request to the sandbox; HTTP/1.1 keep-alive, no access log."""

    protocol_version = "HTTP/1.1"
    sandbox: CampusSandbox

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without TCP_NODELAY the body of a small
        # answer waits for the client's delayed ACK (~40 ms per request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sandbox._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.sandbox._track(self.connection, False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - silence the access log
        return

    def do_GET(self) -> None:
        self.sandbox.handle(self, "GET")

    def do_POST(self) -> None:
        self.sandbox.handle(self, "POST")

    def do_PUT(self) -> None:
        self.sandbox.handle(self, "PUT")

    def do_DELETE(self) -> None:
        self.sandbox.handle(self, "DELETE")
