"""The connection settings both connectors share, as a district administrator enters them.

`ConnectionConfig` is the one place that knows what a OneRoster 1.1 connection needs; the source and
the destination subclass it and add their own keys, so the spec Airbyte renders and the values the
client reads cannot drift apart. Secrets are `SecretStr`, so printing a config never shows them.
"""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Annotated, Literal, Optional, Union
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from campus_oneroster.errors import InsecureUrlError

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

CAMPUS_BASE_URL_EXAMPLE = "https://district.infinitecampus.org/campus/api/oneroster/v1p1/districtApp/ims/oneroster/v1p1"
CAMPUS_TOKEN_URL_EXAMPLE = "https://district.infinitecampus.org/campus/oauth2/token?appName=districtApp"
WHERE_IN_CAMPUS = (
    "In Campus: System Administration > Campus Learning > OneRoster / Grading Services, "
    "the district's OneRoster 1.1 connection."
)


def is_loopback_host(host: str) -> bool:
    """Loopback hosts may use plain http: the traffic never leaves the machine (sandbox, tests)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secure_url(url: str, setting: str) -> str:
    """Refuse anything but https (or http on loopback), naming the setting and the fix.

    Credentials and student records travel on this URL, so plain http to a real host is never
    acceptable; the error never echoes query strings, which could hold an app name or key.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InsecureUrlError(
            f"{setting} must be a full URL starting with https:// (got a value without a scheme or host); "
            f"copy it from Campus, e.g. {CAMPUS_BASE_URL_EXAMPLE}"
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureUrlError(
            f"{setting} uses http:// on {parts.hostname}: student data and credentials must travel over "
            "https. Use the https:// address Campus shows (plain http is only allowed for 127.0.0.1, "
            "localhost and ::1)."
        )
    return url.strip()


class OAuth2ClientCredentials(BaseModel):
    """Infinite Campus's method for OneRoster 1.1: a token URL, a key (client id) and a secret."""

    model_config = ConfigDict(
        title="OAuth 2.0 client credentials (Infinite Campus)", extra="ignore", hide_input_in_errors=True
    )

    auth_type: Literal["oauth2_client_credentials"] = Field(
        title="Authentication method", json_schema_extra={"order": 0}
    )
    token_url: str = Field(
        title="Token URL",
        description=(
            "The OAuth 2 token URL of the district's OneRoster connection. " + WHERE_IN_CAMPUS
            + " It usually ends in /campus/oauth2/token?appName=<appName>."
        ),
        examples=[CAMPUS_TOKEN_URL_EXAMPLE],
        json_schema_extra={"order": 1},
    )
    client_id: str = Field(
        title="Client key",
        description="The connection's Key (the OAuth 2 client id). " + WHERE_IN_CAMPUS,
        min_length=1,
        json_schema_extra={"order": 2},
    )
    client_secret: SecretStr = Field(
        title="Client secret",
        description=(
            "The connection's Secret. Campus secrets expire after one year by default; after "
            "Renew Secret in Campus, enter the new key and secret here."
        ),
        min_length=1,
        json_schema_extra={"order": 3, "airbyte_secret": True},
    )

    @field_validator("token_url")
    @classmethod
    def _token_url_is_secure(cls, value: str) -> str:
        return require_secure_url(value, "Token URL")


class OAuth1HmacSha256(BaseModel):
    """The request signing the OneRoster 1.1 specification mandates; other 1.1 providers still use it."""

    model_config = ConfigDict(title="OAuth 1.0a HMAC-SHA256 signing", extra="ignore", hide_input_in_errors=True)

    auth_type: Literal["oauth1_hmac_sha256"] = Field(title="Authentication method", json_schema_extra={"order": 0})
    consumer_key: str = Field(
        title="Consumer key",
        description="The OneRoster consumer key your provider issued.",
        min_length=1,
        json_schema_extra={"order": 1},
    )
    consumer_secret: SecretStr = Field(
        title="Consumer secret",
        description="The OneRoster consumer secret your provider issued.",
        min_length=1,
        json_schema_extra={"order": 2, "airbyte_secret": True},
    )


Credentials = Annotated[Union[OAuth2ClientCredentials, OAuth1HmacSha256], Field(discriminator="auth_type")]


class ConnectionConfig(BaseModel):
    """Where the district's OneRoster 1.1 endpoint is and how to authenticate; both connectors extend it."""

    # hide_input_in_errors: pydantic would otherwise print the whole credentials dict, secret
    # included, in the message of a missing field or an unknown auth_type (subclasses inherit it).
    model_config = ConfigDict(
        title="Infinite Campus OneRoster 1.1 connection", extra="ignore", hide_input_in_errors=True
    )

    base_url: str = Field(
        title="OneRoster (1.1) Base URL",
        description=(
            "The district's OneRoster (1.1) Base URL, exactly as Campus shows it; resource paths such "
            "as /classes are appended to it. " + WHERE_IN_CAMPUS
        ),
        examples=[CAMPUS_BASE_URL_EXAMPLE],
        json_schema_extra={"order": 0},
    )
    credentials: Credentials = Field(
        title="Authentication",
        description=(
            "Infinite Campus uses OAuth 2.0 client credentials. Choose OAuth 1.0a only for another "
            "OneRoster 1.1 provider that signs requests."
        ),
        json_schema_extra={"order": 1},
    )
    vendor_key: Optional[str] = Field(
        default=None,
        title="Vendor key (gradebook)",
        description=(
            "Campus's gradebook endpoints (categories, lineItems, results) need the Digital Learning "
            "Partner vendor key and secret, sent as the x-vendor-authorization header. Leave empty for "
            "roster-only use."
        ),
        json_schema_extra={"order": 2},
    )
    vendor_secret: Optional[SecretStr] = Field(
        default=None,
        title="Vendor secret (gradebook)",
        description="The vendor secret that goes with the vendor key.",
        json_schema_extra={"order": 3, "airbyte_secret": True},
    )
    page_size: int = Field(
        default=10_000,
        ge=1,
        le=50_000,
        title="Page size",
        description="Records asked for per request (limit). Campus serves at most 50,000 per page.",
        json_schema_extra={"order": 4},
    )
    max_concurrent_requests: int = Field(
        default=2,
        ge=1,
        le=5,
        title="Maximum concurrent requests",
        description=(
            "Requests in flight at once. Campus's consumer guidelines: 1 (serial) during school hours, "
            "at most 5 off-peak."
        ),
        json_schema_extra={"order": 5},
    )
    request_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        le=3600,
        title="Request timeout (seconds)",
        description="How long to wait for one response; a 50,000-record page can take a while to build.",
        json_schema_extra={"order": 6},
    )
    max_retries: int = Field(
        default=6,
        ge=0,
        le=20,
        title="Maximum retries",
        description="Retries of a throttled (429), failed (5xx), timed-out or dropped request before giving up.",
        json_schema_extra={"order": 7},
    )
    retry_base_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        title="Retry base delay (seconds)",
        description="First backoff delay; it doubles per retry, with full jitter. Retry-After always wins.",
        json_schema_extra={"order": 8, "airbyte_hidden": True},
    )

    credentials_expire_on: Optional[date] = Field(
        default=None,
        title="Credentials expire on",
        description=(
            "The key's Token Expiration Date as Campus shows it (Grading Services; one year after issue by "
            "default). From 30 days before it every sync logs a warning; on and after it the connection "
            "check fails, before Campus starts refusing the key. After Renew Secret, enter the new date."
        ),
        examples=["2027-08-15"],
        json_schema_extra={"order": 9},
    )

    @field_validator("base_url")
    @classmethod
    def _base_url_is_secure(cls, value: str) -> str:
        return require_secure_url(value, "OneRoster (1.1) Base URL")

    def vendor_authorization(self) -> Optional[str]:
        """The `x-vendor-authorization` value, or None when no vendor pair is configured."""
        if not self.vendor_key or self.vendor_secret is None:
            return None
        return f"{self.vendor_key}:{self.vendor_secret.get_secret_value()}"
