"""Root pytest fixtures: Campus sandboxes on loopback, stopped by the test that started them.

- `district_cache(size, seed=7)`: session-wide memoised district generation (districts are
  read-only; the gradebook state lives in each server, never shared).
- `sandbox`: a fresh CampusSandbox on a tiny district for one test.
- `make_sandbox(size="tiny", *, seed=7, faults=None, gradebook=None, **options)`: start as many as a
  test needs (`oneroster_version="1.2"` for a 1.2 sandbox; `gradebook=sb.state` serves another
  sandbox's gradebook, e.g. one passed back on 1.1); all are stopped at teardown.
- `sandbox_session(sb, *, roster_only=False, vendor=True, scopes=None)`: a plain `requests.Session`
  holding a fresh OAuth 2 bearer token (and the vendor header) for tests that speak HTTP directly;
  `scopes` (1.2): the token requests exactly these scope URIs (None: no `scope` parameter, so every
  scope the key allows).

In parallel (pytest-xdist, `-n auto --dist loadfile` in pytest.ini) a module's tests run on one
worker, so its module-scoped sandboxes and fixtures start once. Everything else a test uses is its
own: servers on free loopback ports, `tmp_path` (per worker), subprocesses with their own working
directories; PyAirbyte's connector installs into `<venv>/airbyte-connectors` take a lock
(`campus_demo.connectors.connector_install_lock`).
"""

from collections.abc import Callable, Iterator
from functools import lru_cache

import pytest
import requests

from campus_sandbox.district import District, generate
from campus_sandbox.gradebook import Gradebook
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

    def start(size: str = "tiny", *, seed: int = 7, faults: Faults | None = None, gradebook: Gradebook | None = None,
              **options) -> CampusSandbox:
        sb = CampusSandbox(district_cache(size, seed), options=SandboxOptions(**options), faults=faults,
                           gradebook=gradebook).start()
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

    def open_session(sb: CampusSandbox, *, roster_only: bool = False, vendor: bool = True,
                     scopes: list[str] | None = None) -> requests.Session:
        c = sb.credentials
        pair = (c.roster_client_id, c.roster_client_secret) if roster_only else (c.client_id, c.client_secret)
        form = {"grant_type": "client_credentials"}
        if scopes is not None:
            form["scope"] = " ".join(scopes)
        answer = requests.post(sb.token_url, data=form, auth=pair, timeout=10)
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
