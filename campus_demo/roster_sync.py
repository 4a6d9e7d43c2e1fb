"""Step 2 of the demo: sync the Campus roster through the source connector with PyAirbyte.

PyAirbyte runs the installed `source-campus-oneroster` console script exactly as a user without an
Airbyte platform would, and lands the records in its default DuckDB cache. The cache, PyAirbyte's
logs and its project files all live in a directory the demo owns and deletes, so a demo run leaves
nothing behind in the user's working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from campus_demo.connectors import console_script, import_pyairbyte, use_private_pyairbyte_dirs

SOURCE_NAME = "source-campus-oneroster"
QUOTE = "'"
ROSTER_STREAMS = ("orgs", "academic_sessions", "courses", "classes", "users", "enrollments")


class RosterSyncFailed(Exception):
    """The source's check or read failed; the message is the source's own explanation."""


def sync_roster(config: Mapping[str, Any], workdir: Path) -> dict[str, int]:
    """Read the roster streams into PyAirbyte's default DuckDB cache; return records per stream.

    The source's config check runs first, so a wrong base URL or an expired key stops here with the
    source's own explanation instead of a half-read cache.
    """
    use_private_pyairbyte_dirs(workdir)
    ab = import_pyairbyte()
    from airbyte.exceptions import PyAirbyteError

    source = ab.get_source(
        SOURCE_NAME,
        config=dict(config),
        streams=list(ROSTER_STREAMS),
        local_executable=console_script(SOURCE_NAME),
    )
    try:
        source.check()
        result = source.read(cache=ab.get_default_cache())
    except PyAirbyteError as error:
        reason = (error.context or {}).get("failure_reason")  # the source's own words, quoted
        detail = f" {str(reason).strip(QUOTE)}" if reason else ""
        raise RosterSyncFailed(error.get_message() + detail) from None
    return {stream: len(result[stream]) for stream in ROSTER_STREAMS}
