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


def _configs(sb: CampusSandbox) -> dict[str, dict]:
    keys = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}
    wrong_secret = sb.connection_config(**keys)
    wrong_secret["credentials"]["client_secret"] = "not-the-secret"
    return {
        "config": sb.connection_config(**keys),
        "roster_only_config": sb.connection_config(roster_only=True, **keys),
        "no_vendor_config": sb.connection_config(vendor=False, **keys),
        "invalid_config": wrong_secret,
    }


class TestDestinationCampusGradesStandard(DestinationTestSuiteBase):
    connector = DestinationCampusGrades

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return Path(destination_campus_grades.__file__).parent

    @classmethod
    def get_scenarios(cls) -> list[ConnectorTestScenario]:
        configs = _configs(_sandbox())
        return [scenario.model_copy(update={"config_dict": configs[scenario.config_path.stem]})
                for scenario in super().get_scenarios()]
