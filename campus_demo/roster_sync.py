"""Step 2 of the demo: sync the Campus roster through the source connector with PyAirbyte.

PyAirbyte runs the installed `source-campus-oneroster` console script exactly as a user without an
Airbyte platform would, and lands the records in its default DuckDB cache. The cache, PyAirbyte's
logs and its project files all live in a directory the demo owns and deletes, so a demo run leaves
nothing behind in the user's working directory.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any, Mapping

SOURCE_NAME = "source-campus-oneroster"
QUOTE = "'"
ROSTER_STREAMS = ("orgs", "academic_sessions", "courses", "classes", "users", "enrollments")


def console_script(name: str) -> Path:
    """A console script of this installation: the one beside the running Python."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise FileNotFoundError(
            f"{name} is not installed next to {sys.executable}; run ./dev.sh demo (it installs the "
            "project) or `pip install -e .` in this environment."
        )
    return path


def use_private_pyairbyte_dirs(workdir: Path) -> None:
    """Point PyAirbyte's cache, logs and project files into `workdir`, offline and untracked.

    PyAirbyte reads these variables when it is imported, so this runs before the first import.
    """
    os.environ.update(
        {
            "AIRBYTE_OFFLINE_MODE": "1",
            "DO_NOT_TRACK": "1",
            "AIRBYTE_PROJECT_DIR": str(workdir),
            "AIRBYTE_CACHE_ROOT": str(workdir / "cache"),
            "AIRBYTE_LOGGING_ROOT": str(workdir / "logs"),
            "AIRBYTE_TEMP_DIR": str(workdir / "tmp"),
        }
    )
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)


class RosterSyncFailed(Exception):
    """The source's check or read failed; the message is the source's own explanation."""


def sync_roster(config: Mapping[str, Any], workdir: Path) -> dict[str, int]:
    """Read the roster streams into PyAirbyte's default DuckDB cache; return records per stream.

    The source's config check runs first, so a wrong base URL or an expired key stops here with the
    source's own explanation instead of a half-read cache.
    """
    use_private_pyairbyte_dirs(workdir)
    with warnings.catch_warnings():  # Google client libraries PyAirbyte imports warn about Python 3.11
        warnings.simplefilter("ignore", FutureWarning)
        import airbyte as ab  # imported late: the environment above must be in place first

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
