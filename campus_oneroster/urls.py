"""Which host a URL really reaches (how an id becomes one segment of a resource path: `segments.py`).

One parser decides both what we check and where we connect: urllib3's `parse_url`, the one
requests itself uses to send a request. Python's `urlsplit` reads some strings differently
(`http://vm:P\\@127.0.0.1/` is a loopback URL to `urlsplit` and a plain-http URL to the host
`vm` for urllib3), so a URL the two read differently, or that carries anything a reader could
take two ways (backslashes, user info, spaces and control characters, a fragment), is refused
rather than guessed at.
"""

from __future__ import annotations

import ipaddress
from typing import Optional
from urllib.parse import urlsplit

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from campus_oneroster.errors import InsecureUrlError

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
CAMPUS_BASE_URL_EXAMPLE = "https://district.infinitecampus.org/campus/api/oneroster/v1p1/districtApp/ims/oneroster/v1p1"


def is_loopback_host(host: str) -> bool:
    """Loopback hosts may use plain http: the traffic never leaves the machine (sandbox, tests)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(url: str) -> str:
    """The host a request to `url` connects to, as the HTTP stack reads it (for messages)."""
    try:
        return parse_url(url).host or "an address without a host"
    except LocationParseError:
        return "an unreadable address"


def provider_url(url: str, setting: str, *, query_allowed: bool) -> str:
    """`url` if it is an unambiguous https URL (or http on loopback), else `InsecureUrlError`.

    The message names the setting and the rule, never the URL (its query may carry an app name
    or a key). `query_allowed`: Campus's token URL carries `?appName=`, a base URL has no query
    (resource paths are appended to it).
    """
    candidate = url.strip()
    problem = _ambiguity(candidate, query_allowed=query_allowed)
    if problem:
        raise InsecureUrlError(
            f"{setting} {problem}. Copy the address exactly as Campus shows it, e.g. {CAMPUS_BASE_URL_EXAMPLE}"
        )
    host = parse_url(candidate).host or ""
    if parse_url(candidate).scheme == "http" and not is_loopback_host(host):
        raise InsecureUrlError(
            f"{setting} uses http:// on {host}: student data and credentials must travel over "
            "https. Use the https:// address Campus shows (plain http is only allowed for 127.0.0.1, "
            "localhost and ::1)."
        )
    return candidate


def _ambiguity(url: str, *, query_allowed: bool) -> Optional[str]:
    """Why `url` could be read two ways (or is no URL at all); None when it is plain."""
    if any(ord(character) <= 0x20 or ord(character) >= 0x7F for character in url):
        return "contains spaces, control or non-ASCII characters"
    if "\\" in url:
        return "contains a backslash"
    split = urlsplit(url)
    if "%" in split.netloc:
        # Readers disagree on percent-encoding in a host (urllib3 normalises `%2f` to `%2F`).
        return "has a percent-encoded host"
    if "@" in split.netloc:
        return "contains a user name or password before the host (user@host): credentials belong in their own fields"
    try:
        parsed = parse_url(url)
    except LocationParseError:
        return "is not a URL the HTTP client can read"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "must be a full URL starting with https:// (got a value without a scheme or host)"
    if parsed.auth is not None:
        return "contains a user name or password before the host (user@host): credentials belong in their own fields"
    if parsed.fragment is not None or "#" in url:
        return "contains a fragment (#...)"
    if not query_allowed and (parsed.query is not None or "?" in url):
        return "contains a query (?...): resource paths are appended to it"
    if (split.hostname or "").lower() != parsed.host.strip("[]").lower():
        return "names its host ambiguously"
    return None
