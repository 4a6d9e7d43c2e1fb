"""The connection settings both connectors share, as a district administrator enters them.

`ConnectionConfig` is the one place that knows what a OneRoster 1.1 connection needs; the source and
the destination subclass it and add their own keys, so the spec Airbyte renders and the values the
client reads cannot drift apart. Secrets are `SecretStr`, so printing a config never shows them.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import Annotated, ClassVar, Literal, Optional, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator

from campus_oneroster.urls import CAMPUS_BASE_URL_EXAMPLE, host_of, provider_url
from campus_oneroster.version import V1P1, V1P2, OneRosterVersion, VersionName, mismatch, oneroster_root

CAMPUS_TOKEN_URL_EXAMPLE = "https://district.infinitecampus.org/campus/oauth2/token?appName=districtApp"
CAMPUS_V1P2_GRADEBOOK_URL_EXAMPLE = (
    "https://district.infinitecampus.org/campus/api/oneroster/v1p2/districtApp/ims/oneroster/gradebook/v1p2"
)
WHERE_IN_CAMPUS = (
    "In Campus: System Administration > Campus Learning > OneRoster / Grading Services, "
    "the district's OneRoster 1.1 connection."
)


def require_secure_url(url: str, setting: str, *, query_allowed: bool = False) -> str:
    """Refuse anything but an unambiguous https URL (or http on loopback), naming the setting and the fix.

    Credentials and student records travel on this URL; `urls.provider_url` reads it with the
    parser the HTTP stack uses, so the host checked is the host contacted.
    """
    return provider_url(url, setting, query_allowed=query_allowed)


HeaderValue = TypeVar("HeaderValue", str, SecretStr)


def header_safe(value: Optional[HeaderValue], setting: str) -> Optional[HeaderValue]:
    """Refuse a value bound for an HTTP header that holds CR, LF, another control character or
    non-ASCII text: http.client would refuse it later, quoting the value in its error. The message
    names the setting, never the value (a trailing newline is the usual cause: a pasted secret)."""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if text is not None and any(not 0x20 <= ord(character) < 0x7F for character in text):
        raise ValueError(
            f"{setting} contains a line break, tab or other control or non-ASCII character (often a newline "
            "pasted with the value); re-enter it exactly as Campus shows it"
        )
    return value


def _secret_text(value: Optional[SecretStr]) -> Optional[str]:
    return None if value is None else value.get_secret_value()


RESPONSE_FLOOR_BYTES = 16 << 20
RESPONSE_BYTES_PER_RECORD = 8 << 10


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
        return require_secure_url(value, "Token URL", query_allowed=True)

    @field_validator("client_id", "client_secret")
    @classmethod
    def _fits_a_header(cls, value: HeaderValue, info: ValidationInfo) -> HeaderValue:
        return header_safe(value, cls.model_fields[info.field_name].title)


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

    @field_validator("consumer_key", "consumer_secret")
    @classmethod
    def _fits_a_header(cls, value: HeaderValue, info: ValidationInfo) -> HeaderValue:
        return header_safe(value, cls.model_fields[info.field_name].title)


Credentials = Annotated[Union[OAuth2ClientCredentials, OAuth1HmacSha256], Field(discriminator="auth_type")]


class ConnectionConfig(BaseModel):
    """Where the district's OneRoster endpoint is, which version it speaks and how to authenticate;
    both connectors extend it.

    `token_scopes`: the 1.2 scopes (without their prefix) the connector asks the token endpoint for;
    1.1 token requests carry none, as they always did.
    """

    token_scopes: ClassVar[tuple[str, ...]] = ("roster.readonly",)

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
        description=(
            "How long one request may take in all: connecting, waiting for Campus and reading the whole "
            "response (a 50,000-record page can take a while to build). A slower response is dropped and retried."
        ),
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
    max_retry_wait_seconds: float = Field(
        default=120.0,
        ge=0,
        le=600,  # Campus asks for seconds; a provider asking for more is waited on ten minutes, then retried
        title="Maximum retry wait (seconds)",
        description=(
            "The longest wait before one retry, whatever the provider's Retry-After asks (a provider "
            "asking for a day is waited on this long, then retried). Every wait is logged before it starts."
        ),
        json_schema_extra={"order": 40, "airbyte_hidden": True},
    )
    max_response_megabytes: Optional[int] = Field(
        default=None,
        ge=1,
        le=512,  # a full 50,000-record page is well under this (the default allows ~416 MiB for it)
        title="Maximum response size (MiB)",
        description=(
            "The most one response may hold once decompressed; a larger one is dropped with an error. Leave "
            "empty for 16 MiB plus 8 KiB per record the request asks for (about 96 MiB for a 10,000-record page)."
        ),
        json_schema_extra={"order": 41, "airbyte_hidden": True},
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

    oneroster_version: VersionName = Field(
        default=V1P1,
        title="OneRoster version",
        description=(
            "The version of the district's OneRoster connection in Campus: 1.1 (including \"1.1 with OAuth "
            "2.0\") or 1.2. Under 1.2 the Base URL is the rostering root (ending in "
            "/ims/oneroster/rostering/v1p2) or the /ims/oneroster root; the gradebook root is derived from it."
        ),
        json_schema_extra={"order": 38},
    )
    gradebook_base_url: Optional[str] = Field(
        default=None,
        title="Gradebook base URL (1.2, optional)",
        description=(
            "OneRoster 1.2 only: the gradebook service root, when it is not the sibling of the rostering "
            "root (…/ims/oneroster/gradebook/v1p2). Leave empty to derive it from the Base URL."
        ),
        examples=[CAMPUS_V1P2_GRADEBOOK_URL_EXAMPLE],
        json_schema_extra={"order": 39},
    )

    @field_validator("base_url")
    @classmethod
    def _base_url_is_secure(cls, value: str) -> str:
        return require_secure_url(value, "OneRoster (1.1) Base URL")

    @field_validator("gradebook_base_url")
    @classmethod
    def _gradebook_url_is_secure(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None or not value.strip() else require_secure_url(value, "Gradebook base URL")

    @model_validator(mode="after")
    def _fits_its_version(self) -> "ConnectionConfig":
        """The URLs belong to the version chosen, and 1.2 is OAuth 2 only (the 1.2 specification)."""
        name = self.oneroster_version
        for setting, url in (("base_url", self.base_url), ("gradebook_base_url", self.gradebook_base_url)):
            problem = mismatch(name, url, setting) if url else None
            if problem:
                raise ValueError(problem)
        if name == V1P1 and self.gradebook_base_url:
            raise ValueError("gradebook_base_url applies to oneroster_version 1.2 only: 1.1 serves the gradebook "
                             "from base_url; remove it or set oneroster_version to 1.2")
        if name == V1P2:
            oneroster_root(self.base_url)
            if not isinstance(self.credentials, OAuth2ClientCredentials):
                raise ValueError("OneRoster 1.2 takes OAuth 2.0 client credentials only: choose OAuth 2.0 client "
                                 "credentials in credentials, or set oneroster_version to 1.1")
            if self.gradebook_base_url and host_of(self.gradebook_base_url) != host_of(self.base_url):
                raise ValueError("gradebook_base_url is on another host than base_url: the vendor secret travels to "
                                 "the gradebook root, so both must be the district's own Campus host")
        return self

    @cached_property
    def version(self) -> OneRosterVersion:
        """The version layer for this connection (service roots, scopes, write statuses)."""
        return OneRosterVersion.of(self.oneroster_version, self.base_url, self.gradebook_base_url)

    @field_validator("vendor_key", "vendor_secret")
    @classmethod
    def _fits_a_header(cls, value: Optional[HeaderValue], info: ValidationInfo) -> Optional[HeaderValue]:
        return header_safe(value, cls.model_fields[info.field_name].title)

    def max_response_bytes(self, records: Optional[int]) -> int:
        """The most one response may inflate to: the setting, else a floor plus a generous size per
        record asked for (a OneRoster record is well under 2 KiB of JSON; Campus's largest page,
        50,000 enrollments, is ~18 MB)."""
        if self.max_response_megabytes is not None:
            return self.max_response_megabytes << 20
        return RESPONSE_FLOOR_BYTES + (records or 0) * RESPONSE_BYTES_PER_RECORD

    def secret_values(self) -> list[str]:
        """Every secret this config holds, as the redactor must know them (the vendor header too)."""
        credentials = self.credentials
        secret = credentials.client_secret if isinstance(credentials, OAuth2ClientCredentials) else credentials.consumer_secret
        values = [secret.get_secret_value(), _secret_text(self.vendor_secret), self.vendor_authorization()]
        return [value for value in values if value]

    def vendor_authorization(self) -> Optional[str]:
        """The `x-vendor-authorization` value, or None when no vendor pair is configured."""
        if not self.vendor_key or self.vendor_secret is None:
            return None
        return f"{self.vendor_key}:{self.vendor_secret.get_secret_value()}"
