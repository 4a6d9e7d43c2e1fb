"""The `destination-campus-grades` console script: Airbyte's spec/check/discover/write verbs.

Three things around `DestinationCampusGrades().run`: stdout is line-buffered (each echoed state
reaches the platform as soon as it is printed; a pipe is block-buffered by default); a config in
an older shape is converted first (`config_migration.py`), written back to the config file and
emitted as a CONNECTOR_CONFIG control message so the platform stores it; and every other printed
line passes the one redactor (`campus_oneroster.redaction`), which learns the config's secrets in
every form before anything runs: the CDK's `Destination.run` prints messages unfiltered. The
control message is printed before the redactor is installed because it must carry the config as
it is, secrets included, as the CDK's own CONNECTOR_CONFIG messages do (the platform keeps what
it receives as the connection's config, secrets in its secret store).
"""

import logging
import sys
from typing import Any, Mapping

import orjson

from airbyte_cdk.config_observation import emit_configuration_as_airbyte_control_message
from airbyte_cdk.models import AirbyteLogMessage, AirbyteMessage, AirbyteMessageSerializer, Level, Type

from airbyte_cdk.exception_handler import init_uncaught_exception_handler

from campus_oneroster.redaction import REDACTOR, RedactedLines
from destination_campus_grades.config_migration import MIGRATED_IN, migrated
from destination_campus_grades.destination import DestinationCampusGrades


def run() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    destination = DestinationCampusGrades()
    init_uncaught_exception_handler(logging.getLogger("airbyte"))  # an unreadable config is a TRACE, not a traceback
    args = sys.argv[1:]
    config_path = args[args.index("--config") + 1] if "--config" in args[:-1] else None
    config, converted = _migrate(destination, config_path) if config_path else (None, False)
    sys.stdout = RedactedLines(sys.stdout)
    if config is not None:
        REDACTOR.learn_config(config, destination.spec(logging.getLogger("airbyte")).connectionSpecification)
    if converted:
        print(orjson.dumps(AirbyteMessageSerializer.dump(AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(
            level=Level.INFO, message=f"Settings converted to the {MIGRATED_IN} shape (stream_roles and category_map "
                                      "as lists of entries); the platform stores the converted settings.")))).decode())
    try:
        destination.run(args)
    except BaseException:
        REDACTOR.sync_with_cdk()  # the CDK replaced its secret list: the uncaught-exception hook filters with ours
        raise
    finally:
        sys.stdout.flush()


def _migrate(destination: DestinationCampusGrades, config_path: str) -> tuple[Mapping[str, Any], bool]:
    """The config in the current shape, and whether it was converted (then written back to its file
    and emitted as a CONNECTOR_CONFIG control message, on the raw stdout: see the module docstring)."""
    config = destination.read_config(config_path)
    converted = migrated(config)
    if converted is None:
        return config, False
    destination.write_config(converted, config_path)
    emit_configuration_as_airbyte_control_message(converted)
    return converted, True
