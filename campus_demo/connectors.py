"""Where the demo's connectors come from, and PyAirbyte's environment for running them.

The two Campus connectors are this installation's console scripts. The Otus side is Airbyte's
SFTP Bulk source, which PyAirbyte installs from PyPI into its own virtual environment (its
`pip_url`), kept beside this Python (`<venv>/airbyte-connectors`) so it is installed once. Neither
needs Airbyte's connector registry: with AIRBYTE_OFFLINE_MODE=1 PyAirbyte never fetches it (nor
sends telemetry); only the first install of the SFTP source reaches PyPI. Installs take a lock
(`connector_install_lock`): neither uv nor pip locks the venv it installs into, and two demos, or
two parallel test workers, share `<venv>/airbyte-connectors`.
"""

from __future__ import annotations

import fcntl
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Iterator

from otus_export.file_source import SFTP_BULK_NAME, SFTP_BULK_PACKAGE

CONNECTORS_DIR = Path(sys.prefix) / "airbyte-connectors"
INSTALL_LOCK = CONNECTORS_DIR / ".install-lock"


@contextmanager
def connector_install_lock() -> Iterator[None]:
    """Hold the one lock on connector installs into CONNECTORS_DIR, across processes (flock: it is
    released when the holder exits, however it exits)."""
    CONNECTORS_DIR.mkdir(parents=True, exist_ok=True)
    with INSTALL_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


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
    """Point PyAirbyte's cache, logs and project files into `workdir`, offline and untracked;
    connectors it installs go to CONNECTORS_DIR, and the `uv` it builds their venvs with (installed
    with it, beside this Python) is on PATH. PyAirbyte reads these when it is imported, so this
    runs before the first import. Every process started from here on gets `workdir/tmp` as its
    TMPDIR, because uv leaves lock files there on a first install and a connector killed before
    the CDK cleans up leaves its config (secrets included) there: the caller deletes `workdir`."""
    os.environ.update(
        {
            "AIRBYTE_OFFLINE_MODE": "1",
            "DO_NOT_TRACK": "1",
            "AIRBYTE_PROJECT_DIR": str(workdir),
            "AIRBYTE_CACHE_ROOT": str(workdir / "cache"),
            "AIRBYTE_LOGGING_ROOT": str(workdir / "logs"),
            "AIRBYTE_TEMP_DIR": str(workdir / "tmp"),
            "TMPDIR": str(workdir / "tmp"),
            "AIRBYTE_INSTALL_DIR": str(CONNECTORS_DIR),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        }
    )
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)


def import_pyairbyte() -> ModuleType:
    """PyAirbyte, imported after `use_private_pyairbyte_dirs` (Google client libraries it imports
    warn about Python 3.11 on import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import airbyte

    return airbyte


class ConnectorInstallFailed(RuntimeError):
    """PyAirbyte could not install a connector; the message is its own (pip's or uv's words)."""


def install_sftp_bulk(workdir: Path) -> Path:
    """The SFTP Bulk source's executable, installed by PyAirbyte from PyPI if it is not there yet."""
    return install_from_pypi(SFTP_BULK_NAME, SFTP_BULK_PACKAGE, workdir)


def install_from_pypi(name: str, package: str, workdir: Path) -> Path:
    """A connector's executable, installed by PyAirbyte from PyPI (`package`, its pip_url) under
    the install lock if it is not there yet."""
    use_private_pyairbyte_dirs(workdir)
    ab = import_pyairbyte()
    from airbyte.exceptions import PyAirbyteError

    try:
        with connector_install_lock():
            ab.get_source(name, pip_url=package, install_root=CONNECTORS_DIR, install_if_missing=True)
    except PyAirbyteError as error:
        raise ConnectorInstallFailed(f"installing {package} from PyPI failed: {error.get_message()}") from None
    executable = CONNECTORS_DIR / f".venv-{name}" / "bin" / name  # PyAirbyte's venv layout
    if not executable.exists():
        raise ConnectorInstallFailed(f"PyAirbyte installed {package}, but {executable} is missing")
    return executable
