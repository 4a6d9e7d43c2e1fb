"""A 0.1.0 connection's settings through 0.2.0's console script: converted, stored, and working.

The first 0.1.0 images took `stream_roles` and `category_map` as objects; 0.2.0 takes lists. The
platform's side of the migration: a CONTROL message of type CONNECTOR_CONFIG from a destination is
handed to `ConnectorConfigUpdater.updateDestination`, which stores the config (airbytehq/airbyte-platform,
airbyte-container-orchestrator/src/main/kotlin/io/airbyte/container/orchestrator/bookkeeping/events/
AirbyteControlMessageEventListener.kt, during a sync), and `check` jobs do the same with the most
recent such message when it changed the config (the check connection worker's
`updateConfigFromControlMessage`, `WorkerUtils.getDidControlMessageChangeConfig`). So the message
must carry the whole converted config, secrets and unknown keys included, validate against the
protocol and the spec, and appear only when something changed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from airbyte_protocol.models import AirbyteMessage, OrchestratorType, Type
from jsonschema import Draft7Validator

from destination_campus_grades.config_migration import migrated

from integration_tests.destination_cli import (
    SCRIPT, DestinationRun, catalog, parse_messages, protocol_lines, run_verb,
)
from otus_export import bulk_export

START = {"passback_start_date": "2026-09-01", "district_time_zone": "America/Chicago"}
# keys a newer connector adds (OneRoster 1.2): the migration lets them through untouched
NEWER_KEYS = {"oneroster_version": "1.1"}


def _run(args: list[str], config_path: Path, stdin: str = "") -> DestinationRun:
    done = subprocess.run([str(SCRIPT), *args, "--config", str(config_path)], input=stdin, capture_output=True,
                          text=True, timeout=300)
    return DestinationRun(done.returncode, parse_messages(done.stdout), done.stderr)


def _control_configs(run: DestinationRun) -> list[dict]:
    controls = [AirbyteMessage.model_validate(m) for m in run.messages if m["type"] == "CONTROL"]
    assert all(c.type == Type.CONTROL and c.control.type == OrchestratorType.CONNECTOR_CONFIG for c in controls)
    return [c.control.connectorConfig.config for c in controls]


def test_a_0_1_0_config_is_converted_stored_and_checks(sandbox, tmp_path: Path) -> None:
    old = {**sandbox.connection_config(**START), **NEWER_KEYS,
           "stream_roles": {"passback_scores_v": "scores", "passback_assessments_v": "assessments"},
           "category_map": {"Quizzes": "c7001"}}
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(old))
    run = _run(["check"], config_path)
    assert run.returncode == 0, run.stderr
    (status,) = [m["connectionStatus"] for m in run.messages if m["type"] == "CONNECTION_STATUS"]
    assert status["status"] == "SUCCEEDED", status["message"]
    (stored,) = _control_configs(run)
    assert stored == {**old, "stream_roles": [{"stream": "passback_scores_v", "role": "scores"},
                                              {"stream": "passback_assessments_v", "role": "assessments"}],
                      "category_map": [{"otus_category": "Quizzes", "campus_category_id": "c7001"}]}
    assert stored["credentials"] == old["credentials"], "the platform stores what it receives: real secrets"
    spec = run_verb("spec", None, tmp_path).messages[0]["spec"]
    assert not list(Draft7Validator(spec["connectionSpecification"]).iter_errors(stored))
    assert json.loads(config_path.read_text()) == stored
    assert any("Settings converted to the 0.2.0 shape" in line for line in run.logs)
    again = _run(["check"], config_path)  # nothing left to convert: no message, the platform keeps its config
    assert again.returncode == 0 and _control_configs(again) == []


def test_a_0_1_0_config_writes_routed_by_its_converted_stream_roles(sandbox, tmp_path: Path) -> None:
    records = list(bulk_export(sandbox.district, sections=1, students_per_section=2, assessments_per_section=1))
    renamed = {"assessments": "passback_assessments_v", "scores": "passback_scores_v"}
    views = [(renamed[stream], data) for stream, data in records]
    config_path, catalog_path = tmp_path / "config.json", tmp_path / "catalog.json"
    config_path.write_text(json.dumps({**sandbox.connection_config(**START),
                                       "stream_roles": {view: role for role, view in renamed.items()}}))
    catalog_path.write_text(json.dumps(catalog(renamed.values())))
    run = _run(["write", "--catalog", str(catalog_path)], config_path, "\n".join(protocol_lines(views)) + "\n")
    assert run.returncode == 0, run.stderr[-2000:]
    (stored,) = _control_configs(run)
    assert stored["stream_roles"] == [{"stream": "passback_assessments_v", "role": "assessments"},
                                      {"stream": "passback_scores_v", "role": "scores"}]
    assert run.report["totals"]["created"] == 3 and len(sandbox.state.results) == 2


def test_the_oneroster_1_2_keys_pass_through_the_conversion() -> None:
    keys = {"oneroster_version": "1.2", "gradebook_base_url": "https://campus.example.org/ims/oneroster/gradebook/v1p2"}
    assert migrated({**keys, "category_map": {"Quizzes": "c7001"}}) == {
        **keys, "category_map": [{"otus_category": "Quizzes", "campus_category_id": "c7001"}]}


def test_a_0_2_0_config_is_left_alone(sandbox, tmp_path: Path) -> None:
    current = {**sandbox.connection_config(**START), "stream_roles": [{"stream": "v", "role": "scores"}],
               "category_map": []}
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(current))
    run = _run(["check"], config_path)
    assert run.returncode == 0 and _control_configs(run) == []
    assert json.loads(config_path.read_text()) == current
