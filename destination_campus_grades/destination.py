"""The protocol edge of destination-campus-grades: spec, check, discover, and write with the state echo.

Everything else happens in `passback.Passback` (records → decide → plan → diff → write → settle)
with `ledger.py` deciding which states may be echoed, and `report.py`; this module turns input
lines into calls on it, and echoed states and the report back into messages.

Full refresh or incremental, the destination behaves the same, because Campus is the store and
the diff writes only what changed. We recommend a nightly *full refresh* of the Otus side: every
eligible record arrives every night, the diff turns them into the few writes that changed, a
regrade overwrites Campus, and a score Campus refused because its grading window was closed is
re-sent by itself once the window reopens. An incremental upstream only re-sends records Otus
changed, so such a refused score would wait until a teacher touches it again.

Only a full refresh that proves itself complete can show that an assessment disappeared from
Otus (`disappeared.py` lists the evidence: every assessments stream, by stream and namespace,
configured full refresh with COMPLETE as its last STREAM_STATUS, no unusable line that could be
an assessment, at least one valid assessment). Without it nothing is removed for disappearing.
"""

from __future__ import annotations

import argparse
import io
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import orjson
from airbyte_cdk.destinations import Destination
from airbyte_cdk.exception_handler import init_uncaught_exception_handler
from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteLogMessage,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateStats,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConnectorSpecification,
    ConnectorSpecificationSerializer,
    DestinationSyncMode,
    FailureType,
    Level,
    Status,
    SyncMode,
    Type,
)
from airbyte_cdk.sources.utils.schema_helpers import check_config_against_spec_or_exit
from airbyte_cdk.utils.airbyte_secrets_utils import get_secrets, update_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import ValidationError

from campus_oneroster.client import OneRosterClient
from campus_oneroster.diagnosis import config_problem, failure_type_of, read_protocol_file, rostering_check_message
from campus_oneroster.errors import OneRosterError
from campus_oneroster import expiry
from campus_oneroster.expiry import expired_message, expiry_warning, version_notice
from campus_oneroster.spec_schema import airbyte_spec
from destination_campus_grades.catalog import destination_catalog_line
from destination_campus_grades.disappeared import StreamKey
from destination_campus_grades.fingerprint import namespace_tag, recorded
from destination_campus_grades.input import (
    InputLine, InvalidLine, RecordLine, StateLine, StreamStatusLine, from_messages, read_lines,
)
from destination_campus_grades.ledger import DestinationStats
from destination_campus_grades.passback import Passback
from destination_campus_grades.routing import RoutingError, StreamRoutes, nothing_mapped
from destination_campus_grades.spec import DOCUMENTATION_URL, DestinationConfig

logger = logging.getLogger("airbyte")

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

    @staticmethod
    def read_config(config_path: str) -> Mapping[str, Any]:
        return read_protocol_file(Destination.read_config, config_path, "config")

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
        expired = expired_message(destination_config.credentials_expire_on, expiry.today())
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
            notice = version_notice(destination_config)
            return AirbyteConnectionStatus(status=Status.SUCCEEDED, message=fingerprint_check_message(
                client, destination_config.vendor_namespace) + (f" {notice}" if notice else ""))

    def write(self, config: Mapping[str, Any], configured_catalog: ConfiguredAirbyteCatalog,
              input_messages: Iterable[AirbyteMessage]) -> Iterable[AirbyteMessage]:
        """Library path (messages already parsed): states come back as the CDK's models, whose
        AirbyteStateStats has no rejectedRecordCount yet (the console script's states carry it).
        Without it the platform compares `recordCount` alone with the source's count, so here it
        is every record the state covers, accepted and rejected."""
        for message in self._passback(config, configured_catalog, from_messages(input_messages)):
            if isinstance(message, Echo):
                state = message.payload.state
                stats = AirbyteStateStats(recordCount=float(message.stats.record_count + message.stats.rejected_count))
                yield replace(message.payload, state=replace(state, destinationStats=stats))
            else:
                yield message

    def _run_write(self, config: Mapping[str, Any], configured_catalog_path: str,
                   input_stream: io.TextIOWrapper) -> Iterable[AirbyteMessage | Echo]:
        """Console path: the input read as bytes, line by line (`input.py` says why not the CDK's parser)."""
        catalog = ConfiguredAirbyteCatalogSerializer.load(orjson.loads(Path(configured_catalog_path).read_bytes()))
        yield from self._passback(config, catalog, read_lines(input_stream.buffer))

    def run(self, args: list[str]) -> None:
        """The CDK's verbs plus `discover --config`, which the CDK's Destination does not have; echoed
        states are printed by us: the CDK's models would drop rejectedRecordCount and anything else of
        the state they do not know."""
        init_uncaught_exception_handler(logger)
        if args[:1] == ["discover"]:
            parser = argparse.ArgumentParser(prog="destination-campus-grades discover")
            parser.add_argument("--config", required=True, help="path to the JSON configuration file")
            print(self.discover(self.read_config(config_path=parser.parse_args(args[1:]).config)))
            return
        for message in self.run_cmd(self.parse_args(args)):
            print(message.line() if isinstance(message, Echo) else
                  orjson.dumps(AirbyteMessageSerializer.dump(message)).decode())

    def _passback(self, config: Mapping[str, Any], catalog: ConfiguredAirbyteCatalog,
                  lines: Iterable[InputLine]) -> Iterator[AirbyteMessage | Echo]:
        try:
            destination_config = parse_config(config)
        except ValidationError as error:
            raise AirbyteTracedException(message=config_problem(error), failure_type=FailureType.config_error) from None
        routes = StreamRoutes.of(destination_config, catalog)
        try:
            routes.check_catalog()
        except RoutingError as error:
            raise AirbyteTracedException(message=str(error), failure_type=FailureType.config_error) from None
        expired = expired_message(destination_config.credentials_expire_on, expiry.today())
        if expired:
            raise AirbyteTracedException(message=expired, failure_type=FailureType.config_error)
        warning = expiry_warning(destination_config.credentials_expire_on, expiry.today())
        if warning:
            yield AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.WARN, message=warning))
        with OneRosterClient(destination_config) as client:
            run = Passback(destination_config, client, routes, assessments_streams=assessments_streams(catalog, routes))
            if warning:
                run.report.notices.append(warning)
            try:
                yield from run_passback(run, lines, report_file=destination_config.report_file)
            finally:
                run.close()


def assessments_streams(catalog: ConfiguredAirbyteCatalog, routes: StreamRoutes) -> dict[StreamKey, bool]:
    """The catalog's streams in the assessments role, by stream and namespace (the same name may be
    incremental in one namespace and full refresh in another) → configured full refresh."""
    return {(c.stream.name, c.stream.namespace or None): c.sync_mode == SyncMode.full_refresh
            for c in catalog.streams if routes.role_of(c.stream.name) == "assessments"}


def run_passback(run: Passback, lines: Iterable[InputLine], *,
                 report_file: str | None = None) -> Iterator[AirbyteMessage | Echo]:
    """Records in, flush on state or full batch, yield what the ledger releases; the report at the end
    (also written to `report_file` when set)."""
    try:
        for line in lines:
            if isinstance(line, RecordLine):
                run.record(line)
            elif isinstance(line, StateLine):
                run.state(line)
            elif isinstance(line, InvalidLine):
                run.invalid(line)
            elif isinstance(line, StreamStatusLine):
                run.stream_status(line)
            else:
                run.ignored(line)
            yield from _echo(run)
        for _ in run.finish():
            yield from _echo(run)
        if run.ledger.received and not run.ledger.mapped:
            raise RoutingError(nothing_mapped(run.streams_received, "The records received"))
    except RoutingError as error:
        yield from _report(run, report_file, partial=True, error=str(error))
        raise AirbyteTracedException(message=str(error), failure_type=FailureType.config_error) from None
    except OneRosterError as error:
        yield from _report(run, report_file, partial=True, error=str(error))
        raise AirbyteTracedException(
            message=f"Passback stopped before the end; states after the last echoed one were not confirmed: {error}",
            internal_message=f"{type(error).__name__}: {error}", failure_type=failure_type_of(error)) from None
    except Exception as error:
        yield from _report(run, report_file, partial=True, error=f"{type(error).__name__}: {error}")
        raise
    yield from _report(run, report_file, partial=False, error=None)


def _echo(run: Passback) -> Iterator[Echo]:
    """The states the ledger releases, with their stats."""
    for payload, stats in run.ledger.echoable():
        yield Echo(payload, stats)


@dataclass(frozen=True, slots=True)
class Echo:
    """A state to echo, with its destinationStats: our own type, printed by `run` (never a CDK model)."""

    payload: Any  # the state message as received: a JSON object (console) or an AirbyteMessage (library)
    stats: DestinationStats

    def line(self) -> str:
        """The state message as it arrived, plus destinationStats (numbers with a decimal point, as
        the protocol asks)."""
        state = {**self.payload["state"], "destinationStats": {
            "recordCount": float(self.stats.record_count), "rejectedRecordCount": float(self.stats.rejected_count)}}
        return orjson.dumps({**self.payload, "state": state}).decode()


def _report(run: Passback, report_file: str | None, *, partial: bool, error: str | None) -> Iterator[AirbyteMessage]:
    """The report as LOG messages, and in `report_file` (written whole, then moved into place, so a
    reader never sees half a report)."""
    level = Level.ERROR if partial else Level.INFO
    lines = run.report_lines(partial=partial, error=error)
    for line in lines:
        yield AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=level, message=line))
    if report_file:
        target = Path(report_file)
        written = target.with_name(f".{target.name}.partial")
        try:
            written.write_text("\n".join(lines) + "\n", encoding="utf-8")
            written.replace(target)
        except OSError as failure:
            yield AirbyteMessage(type=Type.LOG, log=AirbyteLogMessage(level=Level.WARN, message=(
                f"The report is in the log lines above only: report_file {report_file} could not be written "
                f"({failure.strerror}); check that its directory exists and is writable.")))
