"""A config that is not JSON, or a saved state that is not Airbyte state: a config error naming the file, for both console scripts.

The CDK reads these files itself and, when they are broken, ends in a traceback reported as
"Something went wrong" (airbytehq/airbyte-python-cdk, airbyte_cdk/connector.py `_read_json_file`,
airbyte_cdk/sources/source.py `read_state`). The file's content is never repeated: a config
holds secrets.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from integration_tests.source_cli import SCRIPT as SOURCE
from integration_tests.destination_cli import SCRIPT as DESTINATION, parse_messages

SECRETISH = '{"client_secret": "s3cr3t-value", '  # cut off: not JSON


def error_of(done: subprocess.CompletedProcess) -> dict:
    (error,) = [m["trace"]["error"] for m in parse_messages(done.stdout) if m["type"] == "TRACE"]
    return error


@pytest.mark.parametrize("script", [SOURCE, DESTINATION], ids=["source", "destination"])
def test_a_config_that_is_not_json_is_a_config_error(script: Path, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(SECRETISH)
    done = subprocess.run([str(script), "check", "--config", str(tmp_path / "config.json")],
                          capture_output=True, text=True, timeout=60)
    error = error_of(done)
    assert error["failure_type"] == "config_error" and "configuration (config.json)" in error["message"]
    assert "s3cr3t-value" not in done.stdout + done.stderr


def test_a_corrupt_saved_state_is_a_config_error(tmp_path: Path) -> None:
    config = json.loads((Path(__file__).parent / "source_sandbox_config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps({"streams": [{
        "stream": {"name": "orgs", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
        "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}))
    (tmp_path / "state.json").write_text('[{"type": "STREAM", "stream": 5}]')
    done = subprocess.run([str(SOURCE), "read", "--config", str(tmp_path / "config.json"), "--catalog",
                           str(tmp_path / "catalog.json"), "--state", str(tmp_path / "state.json")],
                          capture_output=True, text=True, timeout=60)
    error = error_of(done)
    assert error["failure_type"] == "config_error" and "saved state (state.json)" in error["message"]
