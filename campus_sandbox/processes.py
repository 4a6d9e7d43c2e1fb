"""Stopping a child process that the tools start (the sandbox CLI in the benches, sshd and moto for the Otus export)."""

from __future__ import annotations

import subprocess

GRACE_SECONDS = 10.0


def stop(process: subprocess.Popen, grace_seconds: float = GRACE_SECONDS) -> None:
    """SIGTERM, then SIGKILL if it has not exited within the grace period; reaped either way, so no
    zombie or open pipe outlives the caller."""
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
