"""Who may call the sandbox: OAuth 2 client credentials, OAuth 1.0a signatures, vendor header.

Infinite Campus issues OAuth 2 tokens at `/campus/oauth2/token?appName=...`; a renewed secret
locks the old one out (token endpoint 401 `invalid_client`). OAuth 1.0a is verified the way the
1.1 spec describes (and the Microsoft reference provider implements): HMAC-SHA256 or -SHA1 over
method, normalized URL and all query + oauth parameters, a timestamp window, no nonce reuse.

On OneRoster 1.2 (`scoped=True`) a token request may carry `scope` (space-separated 1.2 scope
URIs): the token is granted the requested scopes the key allows (every 1.2 scope for the full
key, `ROSTER_KEY_SCOPES` for the roster-only key), an unknown scope is 400 `invalid_scope`, and a
request without `scope` (or with a blank one) is granted every scope the key allows (assumed:
what Campus grants then is unverified). The answer's `scope` lists what was granted.
"""

import base64
import binascii
import hmac
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from urllib.parse import unquote

from oauthlib.oauth1.rfc5849 import signature
from oauthlib.oauth1.rfc5849.errors import OAuth1Error

from campus_sandbox.errors import SandboxError
from campus_sandbox.versions import ALL_SCOPES, ROSTER_KEY_SCOPES

GRADEBOOK = "gradebook"
ROSTER_ONLY = "roster"


@dataclass
class SandboxCredentials:
    """Every key pair the sandbox accepts (secrets are long random strings, as Campus issues)."""

    client_id: str
    client_secret: str
    roster_client_id: str
    roster_client_secret: str
    consumer_key: str
    consumer_secret: str
    vendor_key: str
    vendor_secret: str

    @classmethod
    def issue(cls, app_name: str) -> "SandboxCredentials":
        tag = secrets.token_hex(4)
        return cls(
            client_id=f"InfiniteCampus_{app_name}_gradebook_{tag}", client_secret=secrets.token_urlsafe(40),
            roster_client_id=f"InfiniteCampus_{app_name}_roster_{tag}", roster_client_secret=secrets.token_urlsafe(40),
            consumer_key=f"{tag}_InfiniteCampus_{app_name}", consumer_secret=secrets.token_urlsafe(40),
            vendor_key=f"otus-{secrets.token_hex(8)}", vendor_secret=secrets.token_urlsafe(32),
        )

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def unauthorized(description: str) -> SandboxError:
    return SandboxError(401, "unauthorisedrequest", description)


@dataclass(frozen=True)
class Grant:
    """What a caller may do: `kind` (GRADEBOOK or ROSTER_ONLY: which key) and, on 1.2, `scopes`."""

    kind: str
    scopes: frozenset[str]


@dataclass
class _Token:
    grant: Grant
    client_id: str
    expires_at: float
    uses: int = 0


class Authenticator:
    """Issues and checks OAuth 2 tokens, verifies OAuth 1.0a signatures and the vendor header."""

    def __init__(self, credentials: SandboxCredentials, *, token_lifetime: int, oauth1_window: int) -> None:
        self.credentials = credentials
        self._token_lifetime = token_lifetime
        self._oauth1_window = oauth1_window
        self._tokens: dict[str, _Token] = {}
        self._nonces: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    # -- OAuth 2 ---------------------------------------------------------------------------

    def _client_kind(self, client_id: str, client_secret: str) -> str | None:
        c = self.credentials
        if hmac.compare_digest(client_id, c.client_id) and hmac.compare_digest(client_secret, c.client_secret):
            return GRADEBOOK
        if hmac.compare_digest(client_id, c.roster_client_id) and hmac.compare_digest(
                client_secret, c.roster_client_secret):
            return ROSTER_ONLY
        return None

    def issue_token(self, authorization: str | None, form: dict[str, str], *, scoped: bool = False,
                    reject_scope: bool = False) -> tuple[int, dict]:
        """The token endpoint: (status, JSON body) in OAuth 2's own error vocabulary.

        `scoped`: grant 1.2 scopes (see the module); `reject_scope`: a provider without scopes,
        which answers `invalid_scope` to any request naming one.
        """
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
                client_id, _, client_secret = decoded.partition(":")
                client_id, client_secret = unquote(client_id), unquote(client_secret)
            except (binascii.Error, UnicodeDecodeError):
                return 401, {"error": "invalid_client", "error_description": "Basic credentials are not valid base64"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type",
                         "error_description": "use grant_type=client_credentials"}
        if not client_id or not client_secret:
            return 401, {"error": "invalid_client",
                         "error_description": "client credentials missing: send them as HTTP Basic or form fields"}
        kind = self._client_kind(client_id, client_secret)
        if kind is None:
            return 401, {"error": "invalid_client",
                         "error_description": "client authentication failed: the key or secret is wrong, "
                                              "expired or was renewed"}
        if reject_scope and "scope" in form:
            return 400, {"error": "invalid_scope",
                         "error_description": "this provider does not support the scope parameter: request a "
                                              "token without it"}
        requested = form.get("scope", "").split() if scoped else []
        unknown = [s for s in requested if s not in ALL_SCOPES]
        if unknown:
            return 400, {"error": "invalid_scope",
                         "error_description": f"unknown scope {' '.join(unknown)}: OneRoster 1.2 scopes look like "
                                              f"{ALL_SCOPES[0]}"}
        allowed = ALL_SCOPES if kind == GRADEBOOK else ROSTER_KEY_SCOPES
        granted = tuple(s for s in allowed if not requested or s in requested) if scoped else ()
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = _Token(Grant(kind, frozenset(granted)), client_id,
                                         time.monotonic() + self._token_lifetime)
        if scoped:
            described = " ".join(granted)
        else:
            described = "gradebook roster" if kind == GRADEBOOK else "roster"
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": self._token_lifetime,
                     "scope": described}

    def check_bearer(self, token: str, max_uses: int | None) -> Grant:
        """The grant of a valid bearer token; 401 when unknown, expired or used up."""
        with self._lock:
            held = self._tokens.get(token)
            if held is None:
                raise unauthorized("The access token is not valid: fetch a new token from the token URL")
            if time.monotonic() >= held.expires_at:
                del self._tokens[token]
                raise unauthorized("The access token has expired: fetch a new token from the token URL")
            held.uses += 1
            if max_uses is not None and held.uses > max_uses:
                raise unauthorized("The access token has expired: fetch a new token from the token URL")
            return held.grant

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def renew_secret(self) -> str:
        """A new OAuth 2 secret for the gradebook key; the old one and its tokens stop working."""
        with self._lock:
            old_id = self.credentials.client_id
            self.credentials.client_secret = secrets.token_urlsafe(40)
            self._tokens = {t: v for t, v in self._tokens.items() if v.client_id != old_id}
            return self.credentials.client_secret

    # -- OAuth 1.0a --------------------------------------------------------------------------

    def check_oauth1(self, method: str, url: str, query: str, authorization: str) -> Grant:
        """Verify an OAuth 1.0a signed request; returns its grant (the full key) or raises 400/401."""
        try:
            params = signature.collect_parameters(uri_query=query, headers={"Authorization": authorization},
                                                  exclude_oauth_signature=False, with_realm=False)
        except (OAuth1Error, ValueError) as exc:
            raise SandboxError(400, "invaliddata", f"OAuth 1.0a Authorization header is malformed: {exc}") from None
        oauth = {}
        for k, v in params:
            if k.startswith("oauth_"):
                if k in oauth:
                    raise SandboxError(400, "invaliddata", f"OAuth 1.0a parameter {k} appears twice")
                oauth[k] = v
        missing = [k for k in ("oauth_consumer_key", "oauth_nonce", "oauth_timestamp", "oauth_signature_method",
                               "oauth_signature") if k not in oauth]
        if missing:
            raise SandboxError(400, "invaliddata", f"OAuth 1.0a parameters missing: {', '.join(missing)}")
        method_name = oauth["oauth_signature_method"]
        if method_name not in ("HMAC-SHA256", "HMAC-SHA1"):
            raise SandboxError(400, "invaliddata",
                               f"OAuth 1.0a signature method {method_name} is not supported: use HMAC-SHA256")
        c = self.credentials
        if not hmac.compare_digest(oauth["oauth_consumer_key"], c.consumer_key):
            raise unauthorized("The OAuth 1.0a consumer key is not known: check the key, or renew it in Campus")
        base = signature.signature_base_string(
            method.upper(), signature.base_string_uri(url),
            signature.normalize_parameters([(k, v) for k, v in params if k != "oauth_signature"]))
        sign = signature.sign_hmac_sha256 if method_name == "HMAC-SHA256" else signature.sign_hmac_sha1
        expected = sign(base, c.consumer_secret, "")
        if not hmac.compare_digest(expected, oauth["oauth_signature"]):
            raise unauthorized("The OAuth 1.0a signature does not match: the secret is wrong, or the URL and "
                               "query parameters were not all signed")
        try:
            stamp = int(oauth["oauth_timestamp"])
        except ValueError:
            raise unauthorized("The OAuth 1.0a timestamp is not a number of seconds") from None
        now = time.time()
        if abs(now - stamp) > self._oauth1_window:
            raise unauthorized(f"The OAuth 1.0a timestamp is outside the accepted window of "
                               f"{self._oauth1_window} seconds: check the client's clock")
        key = (oauth["oauth_consumer_key"], oauth["oauth_nonce"])
        with self._lock:
            if key in self._nonces:
                raise unauthorized("The OAuth 1.0a nonce was already used: send a fresh nonce with every request")
            self._nonces[key] = now
            if len(self._nonces) > 10_000:
                horizon = now - 2 * self._oauth1_window
                self._nonces = {k: t for k, t in self._nonces.items() if t >= horizon}
        return Grant(GRADEBOOK, frozenset())

    # -- vendor header -------------------------------------------------------------------------

    def check_vendor(self, header: str | None) -> None:
        """Campus requires `x-vendor-authorization: key:secret` on gradebook paths."""
        if not header:
            raise unauthorized("The x-vendor-authorization header is missing: gradebook requests need "
                               "'x-vendor-authorization: <vendor key>:<vendor secret>'")
        key, _, secret = header.partition(":")
        c = self.credentials
        if not (hmac.compare_digest(key.strip(), c.vendor_key) and hmac.compare_digest(secret.strip(), c.vendor_secret)):
            raise unauthorized("The x-vendor-authorization header is wrong: check the vendor key and secret "
                               "issued by Infinite Campus's partner program")
