"""The Airbyte CDK's standard destination tests (spec, check, config-vs-spec), against the sandbox.

The scenarios come from destination_campus_grades/acceptance-test-config.yml; each config_path is
replaced by a config for a sandbox started for this module, chosen by the file's name, so the
suite runs offline. Image tests (Docker) are deselected by the project's pytest settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import DestinationTestSuiteBase
from airbyte_cdk.test.standard_tests.pytest_hooks import pytest_generate_tests  # noqa: F401  (parametrizes `scenario`)

import destination_campus_grades
from campus_sandbox.district import generate
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.destination import DestinationCampusGrades

_SANDBOX: list[CampusSandbox] = []


def _sandbox() -> CampusSandbox:
    """One sandbox for the module, started when the scenarios are collected (they need its URL)."""
    if not _SANDBOX:
        _SANDBOX.append(CampusSandbox(generate("tiny")).start())
    return _SANDBOX[0]


@pytest.fixture(scope="module", autouse=True)
def _stop_sandbox() -> Iterator[None]:
    yield
    while _SANDBOX:
        _SANDBOX.pop().close()


def _bound(name: str, file_config: dict, sb: CampusSandbox) -> dict:
    """A scenario's config file bound to the sandbox: its connection (and the key the scenario
    names) is the sandbox's, its passback settings are the file's; invalid_config keeps its
    wrong secret."""
    connection = {
        "sandbox_config": sb.connection_config(),
        "roster_only_config": sb.connection_config(roster_only=True),
        "no_vendor_config": sb.connection_config(vendor=False),
        "invalid_config": sb.connection_config(),
    }[name]
    bound = {**file_config, **connection}
    if name == "invalid_config":
        bound["credentials"] = {**connection["credentials"], "client_secret": file_config["credentials"]["client_secret"]}
    return bound


class TestDestinationCampusGradesStandard(DestinationTestSuiteBase):
    connector = DestinationCampusGrades

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return Path(destination_campus_grades.__file__).parent

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        root = cls.get_connector_root_dir()
        return [scenario.model_copy(update={"config_dict": _bound(
                    scenario.config_path.stem, scenario.get_config_dict(connector_root=root, empty_if_missing=False), _sandbox())})
                for scenario in super().get_scenarios()]
