"""The CDK's standard source tests (airbyte_cdk.test.standard_tests) against a Campus sandbox.

Scenarios come from the repository's acceptance-test-config.yml; the sandbox config there is bound
to a tiny-district sandbox (with a few vendor results, so every stream has records) started once
for the pytest session (in-process, on loopback, closed when the interpreter exits). Image tests need a Docker engine and are deselected by pytest.ini.
"""

from __future__ import annotations

import atexit
from functools import lru_cache

from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401  (parametrizes scenarios)

from campus_sandbox.district import generate
from campus_sandbox.server import CampusSandbox
from integration_tests.source_cli import seed_gradebook
from source_campus_oneroster.source import SourceCampusOneroster

SANDBOX_CONFIG = "source_sandbox_config.json"


@lru_cache(maxsize=1)
def session_sandbox() -> CampusSandbox:
    sandbox = CampusSandbox(generate("tiny")).start()
    atexit.register(sandbox.close)
    seed_gradebook(sandbox)
    return sandbox


class TestSourceCampusOnerosterStandard(SourceTestSuiteBase):
    connector = SourceCampusOneroster

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        """The file's scenarios, with the sandbox config bound to the session's sandbox."""
        scenarios = []
        for scenario in super().get_scenarios():
            if scenario.config_path is not None and scenario.config_path.name == SANDBOX_CONFIG:
                file_config = scenario.get_config_dict(connector_root=cls.get_connector_root_dir(), empty_if_missing=False)
                bound = {**file_config, **session_sandbox().connection_config()}
                scenario = scenario.model_copy(update={"config_dict": bound})
            scenarios.append(scenario)
        return scenarios
