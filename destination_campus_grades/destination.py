"""The protocol edge of destination-campus-grades: spec, check, discover, and write with the state echo.

Everything else happens in `batches.PassbackRun` (validate → decide → plan → diff → write) and
`report.py`; this module turns Airbyte messages into calls on it and back.

Full refresh or incremental, the destination behaves the same, because Campus is the store and
the diff writes only what changed. We recommend a nightly *full refresh* of the Otus side: every
eligible record arrives every night, the diff turns them into the few writes that changed, a
regrade overwrites Campus, and a score Campus refused because its grading window was closed is
re-sent by itself once the window reopens. An incremental upstream only re-sends records Otus
changed, so such a refused score would wait until a teacher touches it again.
"""

from __future__ import annotations

import argparse
import logging
from collections import deque
from typing import Any, Iterable, Iterator, Mapping

from airbyte_cdk.destinations import Destination
from airbyte_cdk.exception_handler import init_uncaught_exception_handler
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteLogMessage,
    AirbyteMessage,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    ConnectorSpecificationSerializer,
    DestinationSyncMode,
    FailureType,
    Level,
    Status,
    Type,
)
from airbyte_cdk.sources.utils.schema_helpers import check_config_against_spec_or_exit
from airbyte_cdk.utils.airbyte_secrets_utils import get_secrets, update_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import ValidationError

from campus_oneroster.client import OneRosterClient
from campus_oneroster.diagnosis import config_problem, failure_type_of, rostering_check_message
from campus_oneroster.errors import OneRosterError
from campus_oneroster.spec_schema import airbyte_spec
from destination_campus_grades.batches import PassbackRun
from destination_campus_grades.catalog import destination_catalog_line, object_names
from destination_campus_grades.spec import DOCUMENTATION_URL, DestinationConfig

ROSTERING_PROBE = "/classes"
GRADEBOOK_PROBES = ("/lineItems", "/results")


def parse_config(config: Mapping[str, Any]) -> DestinationConfig:
    """The validated config; raises pydantic's ValidationError (reported without values)."""
    return DestinationConfig.model_validate(dict(config))


def gradebook_check_message(error: OneRosterError) -> str:
    """What `check` says when the roster reads but the gradebook endpoints refuse the key."""
    return ("Rostering works, but the gradebook endpoints (lineItems, results) refused the key, so grades "
            f"cannot be passed back: {error}")


class DestinationCampusGrades(Destination):
    """Otus assessments, scores and grades → the Infinite Campus gradebook (OneRoster 1.1)."""

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecificationSerializer.load(airbyte_spec(
            DestinationConfig, DOCUMENTATION_URL,
            supported_destination_sync_modes=[DestinationSyncMode.overwrite.value, DestinationSyncMode.append.value,
                                              DestinationSyncMode.append_dedup.value, DestinationSyncMode.update.value]))

    def run(self, args: list[str]) -> None:
        """The CDK's verbs, plus `discover --config`, which the CDK's Destination does not have."""
        if args[:1] != ["discover"]:
            super().run(args)
            return
        init_uncaught_exception_handler(logging.getLogger("airbyte"))
        parser = argparse.ArgumentParser(prog="destination-campus-grades discover")
        parser.add_argument("--config", required=True, help="path to the JSON configuration file")
        config = self.read_config(config_path=parser.parse_args(args[1:]).config)
        print(self.discover(config))

    def discover(self, config: Mapping[str, Any]) -> str:
        """The DESTINATION_CATALOG line: the three objects, their fields and matching keys. The
        objects do not depend on the district, but the config is validated as for every verb, so
        a connection is never set up on settings `write` would refuse."""
        spec = self.spec(logging.getLogger("airbyte"))
        update_secrets(get_secrets(spec.connectionSpecification, config))
        check_config_against_spec_or_exit(config, spec)
        try:
            parse_config(config)
        except ValidationError as error:
            raise AirbyteTracedException(message=config_problem(error), failure_type=FailureType.config_error) from None
        return destination_catalog_line()

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """Read the roster, then the gradebook endpoints (vendor header included), writing nothing."""
        try:
            destination_config = parse_config(config)
        except ValidationError as error:
            return AirbyteConnectionStatus(status=Status.FAILED, message=config_problem(error))
        with OneRosterClient(destination_config) as client:
            try:
                client.count(ROSTERING_PROBE)
            except OneRosterError as error:
                return AirbyteConnectionStatus(status=Status.FAILED, message=rostering_check_message(error))
            try:
                for probe in GRADEBOOK_PROBES:
                    client.count(probe)
            except OneRosterError as error:
                return AirbyteConnectionStatus(status=Status.FAILED, message=gradebook_check_message(error))
        return AirbyteConnectionStatus(status=Status.SUCCEEDED)

    def write(self, config: Mapping[str, Any], configured_catalog: ConfiguredAirbyteCatalog,
              input_messages: Iterable[AirbyteMessage]) -> Iterable[AirbyteMessage]:
        """Pass records back in batches; echo each state once everything before it is written or decided."""
        try:
            destination_config = parse_config(config)
        except ValidationError as error:
            raise AirbyteTracedException(message=config_problem(error), failure_type=FailureType.config_error) from None
        with OneRosterClient(destination_config) as client:
            run = PassbackRun(destination_config, client, object_names=object_names(configured_catalog))
            try:
                yield from self._run(run, input_messages)
            finally:
                run.close()

    def _run(self, run: PassbackRun, input_messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        held: deque[tuple[int, AirbyteMessage]] = deque()
        try:
            for message in input_messages:
                if message.type == Type.RECORD:
                    run.add(message.record.stream, message.record.data)
                    if run.full:
                        run.flush()
                        yield from _release(held, run)
                elif message.type == Type.STATE:
                    run.flush()
                    held.append((run.position, message))
                    yield from _release(held, run)
            run.finish()
        except OneRosterError as error:
            yield from _report(run, partial=True, error=str(error))
            raise AirbyteTracedException(
                message=f"Passback stopped before the end; states after the last echoed one were not confirmed: {error}",
                internal_message=f"{type(error).__name__}: {error}", failure_type=failure_type_of(error)) from None
        except Exception as error:
            yield from _report(run, partial=True, error=f"{type(error).__name__}: {error}")
            raise
        yield from (message for _, message in held)
        yield from _report(run, partial=False, error=None)


def _release(held: deque[tuple[int, AirbyteMessage]], run: PassbackRun) -> Iterator[AirbyteMessage]:
    """Echo held states, in order, whose records are all written or decided."""
    settled = run.settled_before()
    while held and held[0][0] <= settled:
        yield held.popleft()[1]


def _report(run: PassbackRun, *, partial: bool, error: str | None) -> Iterator[AirbyteMessage]:
    level = Level.ERROR if partial else Level.INFO
    for line in run.report_lines(partial=partial, error=error):
        yield AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=level, message=line))

