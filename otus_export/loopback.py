"""What the export's servers share: a free port on 127.0.0.1, and a server process that is
listening when the block starts and stopped when it ends.

`sftp_server` (OpenSSH) and `s3_server` (moto's S3 server) are other programs started as
subprocesses; `server_process` waits until one accepts a connection, or says why it never did.
"""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from campus_sandbox.processes import stop

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 15.0


class ServerUnavailable(RuntimeError):
    """A server of the export is not installed or did not start; the message says how to fix it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


@contextmanager
def server_process(command: list[str], port: int, log: Path, name: str,
                   error: type[ServerUnavailable] = ServerUnavailable) -> Iterator[subprocess.Popen]:
    """Run `command`, a server for 127.0.0.1:`port` whose output goes to `log`, until the block
    ends; then stop it (killed if it lingers)."""
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_listening(port, process, log, name, error)
            yield process
        finally:
            stop(process)


def _wait_until_listening(port: int, process: subprocess.Popen, log: Path, name: str,
                          error: type[ServerUnavailable]) -> None:
    """Until `process` accepts a TCP connection on 127.0.0.1:`port`; `error` naming `name` (with
    its log) when it exits first or stays silent past the timeout."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise error(f"{name} exited with status {process.returncode}: {log.read_text().strip()}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise error(f"{name} did not listen on {LOOPBACK}:{port} within {START_TIMEOUT_SECONDS:.0f} s")
