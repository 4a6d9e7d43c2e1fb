"""`discover` and `destination_object_name`: the destination as Airbyte's data activation sees it.

The console script runs as the platform runs it; every message it prints, and every configured
catalog the test hands it, is validated against the Airbyte protocol's own models
(`airbyte_protocol`, the pydantic models the platform's Python tooling uses), not against our
picture of them. What the mapping screen makes of an operation is the webapp's rule
(airbytehq/airbyte-platform, airbyte-webapp/src/area/dataActivation/utils/
useSetDefaultValuesForDestinationOperation.ts, getRequiredFields.ts, and
components/ConnectionForm/SelectMatchingKeys.tsx): `matching_keys` is a list of alternative keys,
each a list of fields ("like a compound primary key"); one alternative is selected for the user;
the schema's `required` fields and the selected key's fields become mapping rows that need a
source field before the connection saves.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from airbyte_protocol.models import AirbyteMessage, ConfiguredAirbyteCatalog, DestinationSyncMode, Type

from destination_campus_grades.records import schema_of
from integration_tests.destination_cli import SCRIPT, DestinationRun, parse_messages, protocol_lines, run_verb, secrets_of
from otus_export import sample_export


def _validated(run: DestinationRun) -> list[AirbyteMessage]:
    return [AirbyteMessage.model_validate(message) for message in run.messages]


def test_discover_answers_the_objects_with_their_fields_and_matching_keys(sandbox, tmp_path: Path) -> None:
    config = sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago")
    run = run_verb("discover", config, tmp_path)
    assert run.returncode == 0, run.stderr
    (message,) = _validated(run)
    assert message.type == Type.DESTINATION_CATALOG
    operations = {operation.object_name: operation for operation in message.destination_catalog.operations}
    assert list(operations) == ["assessments", "scores", "grades", "teacher_group"]
    spec_modes = run_verb("spec", None, tmp_path).messages[0]["spec"]["supported_destination_sync_modes"]
    for name, operation in operations.items():
        # the fields the records are validated against, with their types
        assert operation.json_schema["properties"] == schema_of(name)["properties"]
        assert operation.sync_mode == DestinationSyncMode.update and "update" in spec_modes
        (key,) = operation.matching_keys  # one composite key: the screen selects it for the user
        assert key and set(key) <= set(operation.json_schema["required"]), "a matching key must be a required field"
    assert operations["scores"].matching_keys == [["assessment_id", "section_id", "student_id"]]
    assert operations["assessments"].matching_keys == [["assessment_id", "section_id"]]
    assert operations["teacher_group"].matching_keys == [["user_id"]]
    assert sandbox.stats.requests == 0, "discover needs nothing from Campus"


def mapping_rows(operation) -> set[str]:
    """The destination fields the mapping screen makes the user map (useSetDefaultValuesForDestinationOperation):
    the schema's `required`, plus the matching key's fields when there is a single alternative."""
    required = set(operation.json_schema.get("required") or [])
    return required | set(operation.matching_keys[0]) if len(operation.matching_keys or []) == 1 else required


def test_a_mapping_the_screen_accepts_gives_the_rules_every_field_they_decide_by(sandbox, district_cache,
                                                                                 tmp_path: Path) -> None:
    """A mapping of only the rows the screen forces passes back; without the start dates (a mapping
    the screen refuses) every assessment would come back missing_required_field."""
    config = sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago")
    (message,) = _validated(run_verb("discover", config, tmp_path))
    operations = {operation.object_name: operation for operation in message.destination_catalog.operations}
    rows = {name: mapping_rows(operation) for name, operation in operations.items()}
    assert {"assigned_at", "go_live_at", "assigned_by", "points_possible"} <= rows["assessments"]
    assert {"graded_at", "status", "points", "percent"} <= rows["scores"]
    export = sample_export(district_cache("tiny"))
    mapped = [(stream, {field: value for field, value in data.items() if field in rows[stream]})
              for stream, data in export.records if stream in ("assessments", "scores")]
    config = {**sandbox.connection_config(**export.config_values())}
    run = _write_mapped(config, mapped, tmp_path)
    assert run.returncode == 0, run.stderr
    # only the export's own cases of missing ids: the mapping gave the rules everything else
    planted = [c for c in export.cases.values() if c.expected == "missing_required_field" and c.subject[0] != "grades"]
    assert run.reason_count("missing_required_field") == len(planted) == 2
    assert run.report["by_role"]["assessments"].get("created", 0) >= 1
    unmapped = [(stream, {f: v for f, v in data.items() if f not in ("assigned_at", "go_live_at")})
                for stream, data in mapped if stream == "assessments"]
    refused = _write_mapped({**config, "dry_run": True}, unmapped, tmp_path)
    assert refused.returncode == 0 and refused.report["by_role"]["assessments"].get("created", 0) == 0
    assert refused.reason_count("missing_required_field") >= run.report["by_role"]["assessments"]["created"]


def _write_mapped(config: dict, records: list[tuple[str, dict]], tmp_path: Path) -> DestinationRun:
    """`write` with each stream mapped onto the object of its name through destination_object_name."""
    catalog = {"streams": [{
        "stream": {"name": f"otus_{name}", "json_schema": {"type": "object"}, "supported_sync_modes": ["full_refresh"]},
        "sync_mode": "full_refresh", "destination_sync_mode": "update", "destination_object_name": name,
    } for name in ("assessments", "scores")]}
    config_path, catalog_path = tmp_path / "config.json", tmp_path / "catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(catalog))
    lines = protocol_lines([(f"otus_{stream}", data) for stream, data in records])
    done = subprocess.run([str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
                          input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=300)
    return DestinationRun(done.returncode, parse_messages(done.stdout), done.stderr)


def test_discover_refuses_an_invalid_config_as_a_config_error_without_its_secrets(sandbox, tmp_path: Path) -> None:
    config = {key: value for key, value in sandbox.connection_config().items()}  # no passback_start_date
    run = run_verb("discover", config, tmp_path)
    assert run.returncode != 0
    (error,) = run.errors
    assert error["failure_type"] == "config_error" and "passback_start_date" in error["message"]
    everything = json.dumps(run.messages) + run.stderr
    assert not any(secret in everything for secret in secrets_of(config))
    _validated(run)


def test_write_routes_by_destination_object_name_before_stream_roles_and_names(sandbox, district_cache, tmp_path: Path) -> None:
    """Streams named after nothing we know are routed by the mapping the platform put in the
    catalog, even against a contrary stream_roles entry; a stream mapped onto an object this
    destination does not have is reported, not guessed."""
    export = sample_export(district_cache("tiny"))
    renamed = {"assessments": "otus_a", "scores": "otus_s", "grades": "otus_g"}
    records = [("otus_group", data) for _, data in export.group_records()] + \
        [(renamed[stream], data) for stream, data in export.records] + [("otus_notes", {"note": "x"})]
    objects = {"otus_a": "assessments", "otus_s": "scores", "otus_g": "grades", "otus_notes": "lineItems",
               "otus_group": "teacher_group"}
    catalog = {"streams": [{
        "stream": {"name": name, "json_schema": {"type": "object"}, "supported_sync_modes": ["full_refresh"]},
        "sync_mode": "full_refresh", "destination_sync_mode": "update", "destination_object_name": object_name,
    } for name, object_name in objects.items()]}
    ConfiguredAirbyteCatalog.model_validate(catalog)
    config = {**sandbox.connection_config(**export.config_values()),
              "stream_roles": [{"stream": "otus_s", "role": "grades"}]}  # the catalog's mapping wins
    config_path, catalog_path = tmp_path / "config.json", tmp_path / "catalog.json"
    config_path.write_text(json.dumps(config))
    catalog_path.write_text(json.dumps(catalog))
    done = subprocess.run([str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
                          input="\n".join(protocol_lines(records)) + "\n", capture_output=True, text=True, timeout=300)
    run = DestinationRun(done.returncode, parse_messages(done.stdout), done.stderr)
    assert run.returncode == 0, run.stderr
    _validated(run)
    by_role = run.report["by_role"]
    assert by_role["scores"].get("created", 0) >= 5 and by_role["assessments"].get("created", 0) >= 1
    assert set(by_role) == {"assessments", "scores", "grades", "teacher_group", "otus_notes"}
    assert by_role["teacher_group"] == {"used": len(export.teacher_group)}
    assert run.report["teacher_group"]["streams"] == ["otus_group"]  # the group, mapped as an object
    assert run.reason_count("stream_not_mapped") == 1
    (example,) = run.report["reasons"]["stream_not_mapped"]["examples"]
    assert "'lineItems'" in json.dumps(example)
    assert len(run.states) == 1
