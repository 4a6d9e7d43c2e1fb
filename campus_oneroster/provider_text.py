"""A provider's words (or text Campus holds) made fit for one log line: pure, so the report can use it too.

Both the client's typed errors and the passback report quote what a provider sent. A description or
a metadata value may hold line breaks (forging lines of the readable report) or a megabyte of text:
`provider_words` escapes control characters and line separators and cuts what is left.
"""

from __future__ import annotations

import re

PROVIDER_TEXT_LIMIT = 300  # characters of a provider's words kept in a message or a report
_LINE_BREAKING = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]")


def provider_words(text: str, limit: int = PROVIDER_TEXT_LIMIT) -> str:
    """A provider's (or Campus-held) text fit for one log line: control characters and line
    separators escaped (a description cannot forge report lines), cut after `limit` characters."""
    escaped = _LINE_BREAKING.sub(lambda match: match.group().encode("unicode_escape").decode(), str(text))
    if len(escaped) <= limit:
        return escaped
    return f"{escaped[:limit]}... ({len(escaped) - limit} more characters)"
