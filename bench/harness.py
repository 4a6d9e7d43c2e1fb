"""Helpers for benchmark scripts: a sandbox in a subprocess, wall time and peak memory, a table.

The sandbox runs in its own process so its CPU and memory never count against the client being
measured. Peak RSS is sampled with psutil (`PeakRss(pid)` for any process, `measure` for a
callable in this one).
"""

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psutil

from campus_sandbox.processes import stop


@dataclass
class SandboxProcess:
    """A running `python -m campus_sandbox --json` child and what it printed."""

    process: subprocess.Popen
    info: dict

    @property
    def base_url(self) -> str:
        return self.info["base_url"]

    @property
    def config(self) -> dict:
        return self.info["config"]

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def sandbox_process(size: str = "small", *, seed: int = 7, latency_ms: float = 0.0,
                    extra_args: tuple[str, ...] = (), startup_timeout: float = 120.0) -> Iterator[SandboxProcess]:
    """Start the sandbox CLI in a subprocess, yield once it prints its JSON line, stop it after."""
    cmd = [sys.executable, "-m", "campus_sandbox", "--size", size, "--seed", str(seed), "--json",
           "--latency-ms", str(latency_ms), *extra_args]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        line = _read_line(process, startup_timeout)
        yield SandboxProcess(process, json.loads(line))
    finally:
        stop(process)


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not box or not box[0].strip():
        process.kill()
        raise RuntimeError(f"the sandbox did not start within {timeout:g}s: {process.stderr.read()[-2000:]}")
    return box[0]


class PeakRss:
    """Samples the resident set size of a process (and its children) in a thread; `.peak` in bytes."""

    def __init__(self, pid: int | None = None, interval: float = 0.02, children: bool = False) -> None:
        self._process = psutil.Process(pid or os.getpid())
        self._interval = interval
        self._children = children
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        try:
            rss = self._process.memory_info().rss
            if self._children:
                rss += sum(c.memory_info().rss for c in self._process.children(recursive=True))
            return rss
        except psutil.Error:
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._interval)

    def __enter__(self) -> "PeakRss":
        self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


@dataclass
class Measurement:
    """What one benchmarked run cost."""

    name: str
    seconds: float
    peak_rss_bytes: int
    result: Any = None


def measure(name: str, fn: Callable[[], Any], *, pid: int | None = None) -> Measurement:
    """Run `fn` here, timing it and sampling peak RSS of this process (or of `pid`)."""
    with PeakRss(pid) as rss:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return Measurement(name, seconds, rss.peak, result)


def mib(n_bytes: float) -> float:
    return n_bytes / (1024 * 1024)


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    """A plain aligned table of dict rows (same keys), numbers formatted readably."""
    if not rows:
        print(f"{title}: no rows")
        return
    columns = list(rows[0])

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    cells = [[cell(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(v.rjust(w) if v[:1].isdigit() or v[:1] == "-" else v.ljust(w) for v, w in zip(row, widths)))
