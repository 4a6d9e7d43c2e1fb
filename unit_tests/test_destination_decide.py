"""`decide.py`: one batch's decisions, pure (a batch, a roster snapshot, what earlier batches decided)."""

from __future__ import annotations

import subprocess
import sys

IO_MODULES = ("requests", "urllib3", "http.client", "socket", "campus_oneroster.client", "destination_campus_grades.roster",
              "destination_campus_grades.writer")


def test_the_decision_step_imports_nothing_that_reaches_io() -> None:
    """A pure step imports nothing that reaches I/O: the data types it takes and makes live apart
    from the modules that read and write (`snapshot.py`, `work.py`). Checked in a fresh interpreter,
    since pytest itself has loaded the HTTP stack by now."""
    probe = ("import sys, destination_campus_grades.decide; "
             f"print(' '.join(m for m in {IO_MODULES!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []
