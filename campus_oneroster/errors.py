"""Every way a OneRoster provider can refuse us, as a typed error a district admin can act on.

Providers answer errors with a OneRoster status body: 1.1's `statusInfoSet: [...]`, or 1.2's one
`imsx_StatusInfo`, wrapped (`{"imsx_StatusInfo": {...}}`) or bare (`imsx_codeMajor` at the top);
`status_info` reads all three. This module turns the HTTP status, that body and what we know about
the request into one exception class, so
callers branch on types and users read the provider's own words plus what to do about it.
Messages carry the method and the resource path only: never a query string, header, token or secret;
a provider's description passes the one redactor (`redaction.REDACTOR`), since a hostile provider can
quote our own Authorization header back to us.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Optional

import orjson

from campus_oneroster.provider_text import provider_words
from campus_oneroster.redaction import REDACTOR
from campus_oneroster.version import lozenge_of

SCOPE_URI = re.compile(r"https://purl\.imsglobal\.org/spec/or/v1p[12]/scope/([A-Za-z.\-]+)")
# 1.2's codeMinor vocabulary beyond what the HTTP status already says.
TRANSIENT_CODE_MINORS = frozenset({"server_busy"})
INVALID_CODE_MINORS = frozenset({"invaliddata", "invalid_sort_field", "invalid_filter_field",
                                 "invalid_selection_field", "deletefailure"})


RENEW_SECRET_HINT = (
    "the key or secret is wrong or has expired: Campus keys expire after one year by default; "
    "use Renew Secret in Campus and enter the new pair"
)


class OneRosterError(Exception):
    """Base of all client errors. `transient` tells callers whether a later retry could succeed."""

    transient = False
    hint = ""

    def __init__(
        self,
        summary: str,
        *,
        method: Optional[str] = None,
        path: Optional[str] = None,
        status: Optional[int] = None,
        code_minor: Optional[str] = None,
        description: Optional[str] = None,
        transient: Optional[bool] = None,
        hint: Optional[str] = None,
    ) -> None:
        self.summary = summary
        if hint is not None:
            self.hint = hint
        self.method = method
        self.path = path
        self.status = status
        self.code_minor = code_minor
        self.description = provider_words(REDACTOR.redact(description)) if description else description
        if transient is not None:
            self.transient = transient
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.method} {self.path}" if self.method and self.path else (self.path or "")
        status = f" (HTTP {self.status}{', ' + self.code_minor if self.code_minor else ''})" if self.status else ""
        provider = f" Provider says: {self.description.rstrip('.')}." if self.description else ""
        hint = f" {self.hint}" if self.hint else ""
        lead = f"{where}{status}: " if where or status else ""
        return f"{lead}{self.summary.rstrip('.')}.{provider}{hint}"


class InsecureUrlError(OneRosterError, ValueError):
    """A URL that would send credentials or student data over plain http to a real host.

    Also a ValueError, so pydantic reports it as a validation error of the field it came from.
    """


class ConnectionFailedError(OneRosterError):
    """The host could not be reached at all: DNS, connection refused, TLS verification."""

    hint = "Check the host name in the Base URL and that this machine can reach it over https."


class CredentialsRejectedError(OneRosterError):
    """The token endpoint or the API refused the key/secret (or the OAuth 1 signature)."""

    hint = f"Fix: {RENEW_SECRET_HINT}."


class VendorAuthorizationError(OneRosterError):
    """A gradebook call was refused because the x-vendor-authorization header is missing or wrong."""

    hint = (
        "Gradebook endpoints (categories, lineItems, results) need the vendor key and secret from "
        "Infinite Campus's Digital Learning Partner program: enter them as Vendor key and Vendor secret."
    )


class ForbiddenError(OneRosterError):
    """The credentials are valid but not allowed here (scope, connection type, school limits)."""

    hint = (
        "The connection's type or scope does not allow this call: gradebook calls need a Grade Book "
        "Sync connection in Campus, not a roster-only one; ask the district to enable Grade Book on it."
    )
    roster_hint = (
        "The connection's scope does not cover this collection (for example demographics, or schools "
        "the connection is limited to); ask the district to extend the OneRoster connection in Campus."
    )


class ScopeNotGrantedError(ForbiddenError):
    """OneRoster 1.2: the token lacks the scope this call needs; the district grants it in Campus by
    enabling the matching option on the connection (Roster Sync, Grade Book Sync, Assessments)."""

    def __init__(self, scope: str, **details: Any) -> None:
        self.scope = scope.rsplit("/", 1)[-1]
        lozenge = lozenge_of(self.scope)
        super().__init__(
            f"the key has no {self.scope} scope", hint=(
                f"Ask the district to enable {lozenge} on the application's OneRoster 1.2 connection in Campus "
                f"(Digital Learning Applications Configuration), which grants {self.scope}."), **details)


class NotFoundError(OneRosterError):
    """The object or collection does not exist (OneRoster `unknownobject`)."""


class NotOneRosterEndpointError(NotFoundError):
    """The address answered, but not as a OneRoster 1.1 API: a wrong Base URL, not a missing object."""

    hint = (
        "This is not a OneRoster 1.1 endpoint: check the Base URL. It is the district's OneRoster (1.1) "
        "Base URL from Campus and usually ends in /ims/oneroster/v1p1 (a OneRoster 1.2 connection's ends in "
        "/ims/oneroster/rostering/v1p2, with oneroster_version 1.2)."
    )


class UnconfirmedWriteError(OneRosterError):
    """A write answered with a success status but not as OneRoster answers (an HTML sign-in page,
    a proxy's error page, JSON of another shape): nothing proves the provider took it, so it is
    not counted as written and the sync stops before the next state is confirmed."""

    transient = True  # a later sync may find the API itself; the client does not retry it
    hint = ("Something other than the OneRoster API answered (a sign-in page, a proxy or firewall): check "
            "that the Base URL reaches the API directly, then run the sync again.")


class RedirectRefusedError(OneRosterError):
    """The provider answered a redirect. A OneRoster API never redirects, so none is followed: the
    credentials and the data stay with the host configured."""

    hint = (
        "The address is probably wrong or the service moved: use the OneRoster (1.1) Base URL and Token URL "
        "exactly as Campus shows them now (https, the district's own host)."
    )


class ResponseTooLargeError(OneRosterError):
    """A response that inflated beyond the size allowed for what was asked (a compression bomb, or a
    provider sending far more than a page)."""

    hint = (
        "If the provider's records really are this large, raise Maximum response size (MiB); otherwise the "
        "provider is misbehaving and the read was stopped to keep memory bounded."
    )


class RunawayPagingError(OneRosterError):
    """A collection whose pages would never end or would repeat records: the provider ignores
    `offset`, or its `Link: next` / `X-Total-Count` cannot be believed."""

    hint = (
        "The provider's paging is broken; nothing was emitted twice. Report it to the provider with the "
        "collection named here; a smaller Page size sometimes avoids it."
    )


class InvalidDataError(OneRosterError):
    """The provider refused the request or body as invalid (400/422); `description` is its reason."""


class RetriesExhaustedError(OneRosterError):
    """A transient failure (dropped connection, timeout) outlived every retry."""

    transient = True
    hint = "The provider kept failing; the sync can be retried later."


class ThrottledError(RetriesExhaustedError):
    """The provider kept answering 429 Too Many Requests after every retry."""

    hint = "The provider is rate limiting: lower Maximum concurrent requests or sync off-peak."


class ServerError(RetriesExhaustedError):
    """The provider kept answering 5xx after every retry."""


def status_info(body: Any) -> tuple[Optional[str], Optional[str]]:
    """(codeMinor, description) of a OneRoster status body, tolerating every shape seen in the wild.

    1.1's `statusInfoSet: [...]` (Blackbaud sends bare entries, the MS demo nests codeMinor fields),
    1.2's wrapped `{"imsx_StatusInfo": {...}}` and its bare top-level `imsx_codeMajor`, ...; a
    missing part is None.
    """
    if not isinstance(body, dict):
        return None, None
    if "imsx_codeMajor" in body or "imsx_CodeMinor" in body or "imsx_codeMinor" in body:
        entries: Any = [body]
    else:
        entries = body.get("statusInfoSet") or body.get("imsx_StatusInfo") or body.get("imsx_statusInfo") or []
    if isinstance(entries, dict):
        entries = [entries]
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        description = entry.get("imsx_description") or None
        code_minor = None
        minor = entry.get("imsx_CodeMinor") or entry.get("imsx_codeMinor")
        fields = minor.get("imsx_codeMinorField") if isinstance(minor, dict) else None
        if isinstance(fields, dict):
            fields = [fields]
        for field in fields if isinstance(fields, list) else []:
            if isinstance(field, dict) and field.get("imsx_codeMinorFieldValue"):
                code_minor = str(field["imsx_codeMinorFieldValue"])
                break
        return code_minor, (str(description) if description else None)
    return None, None


class Call(Enum):
    """What a refused request was, as far as telling whose fault a 401 or 403 is."""

    ROSTER = "roster"  # not a gradebook path: a 401 is the key's, a 403 the roster scopes'
    GRADEBOOK = "gradebook"  # a gradebook path: a 401 is the vendor header's if Campus says so
    GRADEBOOK_VENDOR_SUSPECT = "gradebook_vendor_suspect"  # no vendor pair, or a 401 after a fresh token

    @classmethod
    def of(cls, gradebook_path: bool, *, vendor_configured: bool, token_was_renewed: bool) -> "Call":
        if not gradebook_path:
            return cls.ROSTER
        return cls.GRADEBOOK_VENDOR_SUSPECT if token_was_renewed or not vendor_configured else cls.GRADEBOOK


def parsed_body(content: bytes) -> Any:
    """A response body as JSON, or None (empty, HTML, or anything else that is not JSON)."""
    if not content:
        return None
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


def error_for_status(
    status: int, body: Any, *, method: str, path: str, call: Call, scope: Optional[str] = None
) -> OneRosterError:
    """The typed error for a final (non-retried) error response.

    A 401 on a gradebook path after a fresh token, or with no vendor pair configured, is the vendor
    header's fault; any other 401 means the key/secret (or signature) was refused. A 404 whose body is
    not OneRoster JSON means the Base URL points at something that is not a OneRoster API. `scope`
    (OneRoster 1.2 only) is the scope the call needs: a 403 becomes `ScopeNotGrantedError` naming it,
    or the one the provider's description names. `server_busy` is transient whatever the status.
    """
    code_minor, description = status_info(body)
    common = {"method": method, "path": path, "status": status, "code_minor": code_minor, "description": description}
    if code_minor in TRANSIENT_CODE_MINORS and status != 429 and status < 500:
        return ServerError("the provider is busy and kept saying so after every retry", **common)
    if status == 401:
        mentions_vendor = "vendor" in (description or "").lower()
        if call is Call.GRADEBOOK_VENDOR_SUSPECT or (call is Call.GRADEBOOK and mentions_vendor):
            return VendorAuthorizationError("the gradebook call was not authorized", **common)
        return CredentialsRejectedError("the provider refused the credentials", **common)
    if status == 403 and scope is not None:
        named = SCOPE_URI.search(description or "")
        return ScopeNotGrantedError(named.group(1) if named else scope, **common)
    if status == 403:
        hint = None if call is not Call.ROSTER else ForbiddenError.roster_hint
        return ForbiddenError("the credentials are not allowed to do this", hint=hint, **common)
    if status == 404:
        if not isinstance(body, dict):
            return NotOneRosterEndpointError("the address answered 404 without a OneRoster body", **common)
        return NotFoundError("no such object or collection", **common)
    if status in (400, 409, 422) or code_minor in INVALID_CODE_MINORS:
        return InvalidDataError("the provider refused the request as invalid", **common)
    if status == 429:
        return ThrottledError("still rate limited after every retry", **common)
    if status >= 500:
        return ServerError("the provider kept failing with a server error", **common)
    return OneRosterError(f"unexpected HTTP status {status}", **common)
