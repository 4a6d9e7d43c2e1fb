"""The protocol edge of destination-campus-grades: spec, check, discover, and write with the state echo.

Everything else happens in `batches.PassbackRun` (validate → decide → plan → diff → write) and
`report.py`; this module turns Airbyte messages into calls on it and back.

Full refresh or incremental, the destination behaves the same, because Campus is the store and
the diff writes only what changed. We recommend a nightly *full refresh* of the Otus side: every
eligible record arrives every night, the diff turns them into the few writes that changed, a
regrade overwrites Campus, and a score Campus refused because its grading window was closed is
re-sent by itself once the window reopens. An incremental upstream only re-sends records Otus
changed, so such a refused score would wait until a teacher touches it again.

Only a full refresh can show that an assessment disappeared from Otus (`disappeared.py`): when
every stream in the assessments role is configured full_refresh and the input ends normally,
the run looks for them, unless the platform said such a stream did not complete (a
STREAM_STATUS trace other than COMPLETE as its last word; platforms that send no statuses are
taken at the end of their input).
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
    AirbyteStreamStatus,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    ConnectorSpecificationSerializer,
    DestinationSyncMode,
    FailureType,
    Level,
    Status,
    SyncMode,
    TraceType,
    Type,
)
from airbyte_cdk.sources.utils.schema_helpers import check_config_against_spec_or_exit
from airbyte_cdk.utils.airbyte_secrets_utils import get_secrets, update_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import ValidationError

from campus_oneroster.client import OneRosterClient
from campus_oneroster.diagnosis import config_problem, failure_type_of, rostering_check_message
from campus_oneroster.errors import OneRosterError
from campus_oneroster.expiry import expired_message, expiry_warning
from campus_oneroster.spec_schema import airbyte_spec
from destination_campus_grades.batches import PassbackRun
from destination_campus_grades.catalog import destination_catalog_line, object_names
from destination_campus_grades.fingerprint import namespace_tag, recorded
from destination_campus_grades.spec import DOCUMENTATION_URL, DestinationConfig

ROSTERING_PROBE = "/classes"
GRADEBOOK_PROBES = ("/lineItems", "/results")
FINGERPRINT_PROBE_SIZE = 100  # the most recently changed lineItems, where our latest writes are


def parse_config(config: Mapping[str, Any]) -> DestinationConfig:
    """The validated config; raises pydantic's ValidationError (reported without values)."""
    return DestinationConfig.model_validate(dict(config))


def gradebook_check_message(error: OneRosterError) -> str:
    """What `check` says when the roster reads but the gradebook endpoints refuse the key."""
    return ("Rostering works, but the gradebook endpoints (lineItems, results) refused the key, so grades "
            f"cannot be passed back: {error}")


def fingerprint_check_message(client: OneRosterClient, vendor_namespace: str) -> str:
    """Whether Campus keeps the passback fingerprint, read from the latest lineItems (`fingerprint.py`)."""
    try:
        page = next(client.iter_pages(GRADEBOOK_PROBES[0], sort="dateLastModified", order_by="desc",
                                      page_size=FINGERPRINT_PROBE_SIZE), None)
    except OneRosterError as error:  # the gradebook reads (counted above); only this sorted probe failed
        return f"Could not tell whether Campus keeps the passback fingerprint (reading the latest lineItems failed: {error})."
    tag = namespace_tag(vendor_namespace)
    if any((recorded(held) or {}).get("ns") == tag for held in (page.records if page else ())):
        return ("Campus keeps the passback fingerprint in lineItem metadata: a score or assignment a teacher "
                "changes in Campus is recognised and handled by the campus_edits setting.")
    return ("No recent lineItem in Campus carries this connector's passback fingerprint yet. After the first sync "
            "it should; if it still does not, this provider does not keep metadata, and every sync compares "
            "Otus with Campus two-way: a value a teacher changes in Campus is overwritten by Otus's.")


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
        expired = expired_message(destination_config.credentials_expire_on, destination_config.today())
        if expired:
            return AirbyteConnectionStatus(status=Status.FAILED, message=expired)
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
            return AirbyteConnectionStatus(status=Status.SUCCEEDED, message=fingerprint_check_message(
                client, destination_config.vendor_namespace))

    def write(self, config: Mapping[str, Any], configured_catalog: ConfiguredAirbyteCatalog,
              input_messages: Iterable[AirbyteMessage]) -> Iterable[AirbyteMessage]:
        """Pass records back in batches; echo each state once everything before it is written or decided."""
        try:
            destination_config = parse_config(config)
        except ValidationError as error:
            raise AirbyteTracedException(message=config_problem(error), failure_type=FailureType.config_error) from None
        warning = expiry_warning(destination_config.credentials_expire_on, destination_config.today())
        if warning:
            yield AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.WARN, message=warning))
        with OneRosterClient(destination_config) as client:
            run = PassbackRun(destination_config, client, object_names=object_names(configured_catalog))
            assessment_streams = {c.stream.name: c.sync_mode for c in configured_catalog.streams
                                  if destination_config.role_of(c.stream.name, c.destination_object_name) == "assessments"}
            full_refresh = frozenset(name for name, mode in assessment_streams.items() if mode == SyncMode.full_refresh)
            if warning:
                run.report.notices.append(warning)
            try:
                yield from self._run(run, input_messages,
                                     full_refresh if assessment_streams and len(full_refresh) == len(assessment_streams)
                                     else None)
            finally:
                run.close()

    def _run(self, run: PassbackRun, input_messages: Iterable[AirbyteMessage],
             full_refresh: frozenset[str] | None) -> Iterator[AirbyteMessage]:
        """`full_refresh`: the assessments streams when all are full refresh (else None: no removals)."""
        held: deque[tuple[int, AirbyteMessage]] = deque()
        incomplete: set[str] = set()
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
                elif message.type == Type.TRACE and message.trace.type == TraceType.STREAM_STATUS:
                    status = message.trace.stream_status
                    name = status.stream_descriptor.name
                    (incomplete.discard if status.status == AirbyteStreamStatus.COMPLETE else incomplete.add)(name)
            run.finish(full_refresh_complete=None if full_refresh is None else not (incomplete & full_refresh))
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

