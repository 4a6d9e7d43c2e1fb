"""How each request proves who we are: OAuth 2 bearer tokens, OAuth 1.0a signatures, the vendor header.

The CDK's `Oauth2Authenticator` was considered and not used: it posts with bare `requests` (no pool,
no timeout), backs off for up to 300 s on an unreachable token URL (so `check` would hang instead of
saying "host unreachable"), raises Airbyte trace exceptions rather than our typed errors, and cannot
renew ~60 s early. The token logic here is small: one cached token shared by all threads, fetched
under a lock before a request takes its concurrency slot (so a token fetch never waits on a slot held
by a thread that waits on the token), renewed early and once after a 401.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Optional, Protocol

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER
from requests.auth import AuthBase, HTTPBasicAuth
from requests_oauthlib import OAuth1

from campus_oneroster.config import ConnectionConfig, OAuth1HmacSha256, OAuth2ClientCredentials
from campus_oneroster.errors import Call, CredentialsRejectedError, OneRosterError, error_for_status, parsed_body
from campus_oneroster.redaction import REDACTOR

logger = logging.getLogger("campus_oneroster")

VENDOR_HEADER = "x-vendor-authorization"
RENEW_EARLY_SECONDS = 60.0
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600.0

TokenPoster = Callable[[str, dict, AuthBase], requests.Response]


class RequestAuth(Protocol):
    """What the client needs from an authentication method."""

    renewable: bool

    def current(self) -> AuthBase:
        """The requests auth to attach to the next request (may fetch a token: call outside a slot)."""

    def renew(self, rejected: AuthBase) -> None:
        """Replace credentials the API just refused with a 401 (no-op where nothing can be renewed)."""


class BearerToken(AuthBase):
    """A fixed bearer token; the `OAuth2ClientCredentialsAuth` hands out one per token lifetime."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerToken(<redacted>)"


class OAuth2ClientCredentialsAuth:
    """OAuth 2 client credentials: key and secret in HTTP Basic, as Infinite Campus's token URL takes them.

    `scope` (OneRoster 1.2: space-separated scope URIs) goes in the token request's form. A provider
    that answers `invalid_scope` is asked once more without any scope, and from then on never with
    one: it then grants what the connection allows, and a call outside that gets a 403 naming the scope.
    """

    renewable = True

    def __init__(self, credentials: OAuth2ClientCredentials, post_token: TokenPoster,
                 scope: Optional[str] = None) -> None:
        self._scope = scope
        self._token_url = credentials.token_url
        self._basic = HTTPBasicAuth(credentials.client_id, credentials.client_secret.get_secret_value())
        REDACTOR.add_basic(credentials.client_id, credentials.client_secret.get_secret_value())
        self._post_token = post_token
        self._lock = threading.Lock()
        self._bearer: Optional[BearerToken] = None
        self._renew_at = 0.0

    def current(self) -> AuthBase:
        with self._lock:
            if self._bearer is None or time.monotonic() >= self._renew_at:
                self._bearer = self._fetch()
            return self._bearer

    def renew(self, rejected: AuthBase) -> None:
        with self._lock:
            if self._bearer is rejected or self._bearer is None:
                self._bearer = self._fetch()

    def _fetch(self) -> BearerToken:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        response = self._post_token(self._token_url, form, self._basic)
        body = parsed_body(response.content)
        oauth_error = body if isinstance(body, dict) else {}
        if self._scope and response.status_code in (400, 401, 403) and oauth_error.get("error") == "invalid_scope":
            logger.warning("The token URL refused the requested scopes (invalid_scope); asking once more without "
                           "scopes, so the token carries what the connection allows in Campus")
            self._scope = None
            return self._fetch()
        refusal = {
            "method": "POST",
            "path": "token URL",
            "status": response.status_code,
            "code_minor": oauth_error.get("error"),
            "description": oauth_error.get("error_description"),
        }
        if response.status_code in (400, 401, 403) and _is_client_refusal(response.status_code, body):
            raise CredentialsRejectedError("the token URL refused the client key and secret", **refusal)
        if response.status_code in (429,) or response.status_code >= 500:
            raise error_for_status(response.status_code, body, method="POST", path="token URL", call=Call.ROSTER)
        token = oauth_error.get("access_token") if response.ok else None
        if not isinstance(token, str) or not token:
            raise OneRosterError(
                "the token URL did not answer with an access token; check that Token URL is the OAuth 2 token URL "
                "of the district's OneRoster connection (it usually ends in /campus/oauth2/token?appName=<appName>)",
                **refusal,
            )
        REDACTOR.add(token)  # a provider may echo it back in an error description
        lifetime = _expires_in(oauth_error)
        self._renew_at = time.monotonic() + max(lifetime - RENEW_EARLY_SECONDS, lifetime / 2)
        return BearerToken(token)


class OAuth1SigningAuth:
    """OAuth 1.0a HMAC-SHA256 in the Authorization header; oauthlib signs the query parameters too."""

    renewable = False

    def __init__(self, credentials: OAuth1HmacSha256) -> None:
        self._oauth1 = OAuth1(
            credentials.consumer_key,
            client_secret=credentials.consumer_secret.get_secret_value(),
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
        )

    def current(self) -> AuthBase:
        return self._oauth1

    def renew(self, rejected: AuthBase) -> None:
        return None


def auth_for(config: ConnectionConfig, post_token: TokenPoster, scope: Optional[str] = None) -> RequestAuth:
    """The auth method the config chose; `post_token` sends the token request (retries included),
    `scope` the token request's scopes (None: none asked, as on 1.1)."""
    credentials = config.credentials
    if isinstance(credentials, OAuth2ClientCredentials):
        return OAuth2ClientCredentialsAuth(credentials, post_token, scope)
    return OAuth1SigningAuth(credentials)


class WithVendorHeader(AuthBase):
    """Adds `x-vendor-authorization` after the inner auth has run.

    requests-oauthlib logs every header it signs at DEBUG level, so the vendor secret must be
    attached after signing, never before; the header is not part of an OAuth 1 signature anyway.
    """

    def __init__(self, inner: AuthBase, value: str) -> None:
        self.inner = inner
        self._value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request = self.inner(request)
        request.headers[VENDOR_HEADER] = self._value
        return request

    def __repr__(self) -> str:
        return f"WithVendorHeader({self.inner!r}, <redacted>)"


def with_vendor_header(auth: AuthBase, config: ConnectionConfig, gradebook: bool) -> AuthBase:
    """Campus's `x-vendor-authorization: key:secret`, on requests to the gradebook service root only
    (`version.Route.service`; the root's host is the Base URL's), when configured."""
    value = config.vendor_authorization()
    if value is None or not gradebook:
        return auth
    return WithVendorHeader(auth, value)


def _is_client_refusal(status: int, body: Any) -> bool:
    """401 always; 400/403 when the OAuth error says the client or grant was refused."""
    if status == 401:
        return True
    error = body.get("error") if isinstance(body, dict) else None
    return error in ("invalid_client", "unauthorized_client", "invalid_grant", "access_denied")


def _expires_in(body: dict) -> float:
    try:
        value = float(body.get("expires_in", DEFAULT_TOKEN_LIFETIME_SECONDS))
    except (TypeError, ValueError):
        return DEFAULT_TOKEN_LIFETIME_SECONDS
    return value if value > 0 else DEFAULT_TOKEN_LIFETIME_SECONDS
