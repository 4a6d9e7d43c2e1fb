"""Root pytest fixtures: Campus sandboxes on loopback, stopped by the test that started them.

- `district_cache(size, seed=7)`: session-wide memoised district generation (districts are
  read-only; the gradebook state lives in each server, never shared).
- `sandbox`: a fresh CampusSandbox on a tiny district for one test.
- `make_sandbox(size="tiny", *, seed=7, faults=None, **options)`: start as many as a test needs;
  all are stopped at teardown.
- `sandbox_session(sb, *, roster_only=False, vendor=True)`: a plain `requests.Session` holding a
  fresh OAuth 2 bearer token (and the vendor header) for tests that speak HTTP directly.

In parallel (pytest-xdist, `--dist loadgroup` in pytest.ini) every test is grouped with its module,
so a module's module-scoped sandboxes and fixtures start once, on one worker. A module may name a
wider group (`pytestmark = pytest.mark.xdist_group("airbyte-connectors")`): the modules whose
PyAirbyte runs install connectors into `<venv>/airbyte-connectors` share one worker, so two installs
never race. Everything else a test uses is its own: servers on free loopback ports, `tmp_path`
(per worker), subprocesses with their own working directories.
"""

from collections.abc import Callable, Iterator
from functools import lru_cache

import pytest
import requests

from campus_sandbox.district import District, generate
from campus_sandbox.options import Faults, SandboxOptions
from campus_sandbox.server import CampusSandbox


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


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


@pytest.fixture
def sandbox_session() -> Iterator[Callable[..., requests.Session]]:
    sessions: list[requests.Session] = []

    def open_session(sb: CampusSandbox, *, roster_only: bool = False, vendor: bool = True) -> requests.Session:
        c = sb.credentials
        pair = (c.roster_client_id, c.roster_client_secret) if roster_only else (c.client_id, c.client_secret)
        answer = requests.post(sb.token_url, data={"grant_type": "client_credentials"}, auth=pair, timeout=10)
        answer.raise_for_status()
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        if vendor:
            session.headers["x-vendor-authorization"] = f"{c.vendor_key}:{c.vendor_secret}"
        sessions.append(session)
        return session

    yield open_session
    for session in sessions:
        session.close()
