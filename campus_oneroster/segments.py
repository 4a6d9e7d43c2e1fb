"""How an id becomes one segment of a resource path, and which paths would walk out of their base URL.

Plain string rules (the standard library only), so the input validation of both connectors can
use them without importing the HTTP stack.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

# Not valid in a path segment once decoded: they would walk the path up or stand for the segment itself.
DOT_SEGMENTS = frozenset({".", ".."})


class InvalidPathSegmentError(ValueError):
    """An id that cannot be one segment of a resource path (empty, `.` or `..`)."""


def path_segment(value: str) -> str:
    """`value` percent-encoded as exactly one path segment (`/`, `%`, `?` and `#` included).

    Raises `InvalidPathSegmentError` for an empty id, `.` or `..`, also written `%2e%2e`: no
    encoding makes those one segment (servers decode `%2E` back to `.`, some decode twice), so
    such an id is invalid input, not an address.
    """
    if unquote(value) in DOT_SEGMENTS or value in DOT_SEGMENTS or not value:
        raise InvalidPathSegmentError(
            "is empty, '.' or '..' (or those percent-encoded), which cannot be one segment of a Campus address"
        )
    return quote(value, safe="")


def is_path_segment(value: str) -> bool:
    """Whether `value` can be an id in a resource path (see `path_segment`)."""
    try:
        path_segment(value)
    except InvalidPathSegmentError:
        return False
    return True


def leaves_its_base(path: str) -> bool:
    """True when a resource path holds a segment that decodes to `.` or `..` (it would walk out of the base URL)."""
    return any(unquote(segment) in DOT_SEGMENTS for segment in path.split("?", 1)[0].split("/"))
