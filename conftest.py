"""Root pytest fixtures: Campus sandboxes on loopback, stopped by the test that started them.

- `district_cache(size, seed=7)`: session-wide memoised district generation (districts are
  read-only; the gradebook state lives in each server, never shared).
- `sandbox`: a fresh CampusSandbox on a tiny district for one test.
- `make_sandbox(size="tiny", *, seed=7, faults=None, **options)`: start as many as a test needs;
  all are stopped at teardown.
"""

from collections.abc import Callable, Iterator
from functools import lru_cache

import pytest

from campus_sandbox.district import District, generate
from campus_sandbox.options import Faults, SandboxOptions
from campus_sandbox.server import CampusSandbox


@lru_cache(maxsize=None)
def _district(size: str, seed: int) -> District:
    return generate(size, seed)


@pytest.fixture(scope="session")
def district_cache() -> Callable[..., District]:
    return lambda size="tiny", seed=7: _district(size, seed)


@pytest.fixture
def make_sandbox(district_cache) -> Iterator[Callable[..., CampusSandbox]]:
    started: list[CampusSandbox] = []

    def start(size: str = "tiny", *, seed: int = 7, faults: Faults | None = None, **options) -> CampusSandbox:
        sb = CampusSandbox(district_cache(size, seed), options=SandboxOptions(**options), faults=faults).start()
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.close()


@pytest.fixture
def sandbox(make_sandbox) -> CampusSandbox:
    return make_sandbox("tiny")
