"""The protocol edge of the source: spec, check and the list of streams; the reading is in streams.py."""

from __future__ import annotations

import logging
from typing import Any, List, Mapping, MutableMapping, Optional, Tuple

from airbyte_cdk.models import (
    AirbyteConnectionStatus,
    AirbyteStateMessage,
    ConnectorSpecification,
    ConnectorSpecificationSerializer,
    FailureType,
    Status,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import ValidationError

from campus_oneroster.client import OneRosterClient
from campus_oneroster.diagnosis import config_problem, read_protocol_file, rostering_check_message
from campus_oneroster.errors import OneRosterError
from campus_oneroster import expiry
from campus_oneroster.expiry import expired_message, expiry_warning, version_notice
from source_campus_oneroster.failures import gradebook_check_message
from source_campus_oneroster.spec import parse_config, source_spec
from source_campus_oneroster.streams import build_streams

ROSTERING_PROBE = "/orgs"
GRADEBOOK_PROBE = "/categories"


class SourceCampusOneroster(AbstractSource):
    """Infinite Campus (OneRoster 1.1) rostering and gradebook objects, all HTTP through the shared client.

    `record_pages=True` (the console script) hands whole pages to `record_pages.PageWritingEntrypoint`
    instead of one message per record; anything else calling the source gets per-record messages.
    """

    @staticmethod
    def read_config(config_path: str) -> MutableMapping[str, Any]:
        return read_protocol_file(AbstractSource.read_config, config_path, "config")

    @classmethod
    def read_state(cls, state_path: str) -> List[AirbyteStateMessage]:
        return read_protocol_file(super().read_state, state_path, "state")

    def __init__(self, *, record_pages: bool = False) -> None:
        self._record_pages = record_pages

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecificationSerializer.load(source_spec())

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """`check_connection`'s verdict with its message as written (the CDK's default quotes it with repr)."""
        succeeded, message = self.check_connection(logger, config)
        if succeeded:
            return (AirbyteConnectionStatus(status=Status.SUCCEEDED, message=message) if message
                    else AirbyteConnectionStatus(status=Status.SUCCEEDED))
        return AirbyteConnectionStatus(status=Status.FAILED, message=message)

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> Tuple[bool, Optional[Any]]:
        """Read one org (rostering), then one category when a vendor pair is configured (gradebook).

        Each failure is named for what the admin must do: unreachable host, not a OneRoster endpoint,
        key/secret refused (Renew Secret), rostering not enabled, vendor pair refused, http:// host.
        """
        try:
            source_config = parse_config(config)
        except ValidationError as error:
            return False, config_problem(error)
        expired = expired_message(source_config.credentials_expire_on, expiry.today())
        if expired:
            return False, expired
        client = OneRosterClient(source_config)
        try:
            try:
                client.count(ROSTERING_PROBE)
            except OneRosterError as error:
                return False, rostering_check_message(error)
            if source_config.vendor_authorization():
                try:
                    client.count(GRADEBOOK_PROBE)
                except OneRosterError as error:
                    return False, gradebook_check_message(error)
        finally:
            client.close()
        return True, version_notice(source_config)

    def streams(self, config: Mapping[str, Any]) -> List[Stream]:
        """The streams of a read (or discover), after warning when the key expires within 30 days."""
        try:
            source_config = parse_config(config)
        except ValidationError as error:
            raise AirbyteTracedException(message=config_problem(error), failure_type=FailureType.config_error) from None
        for warning in (version_notice(source_config), expiry_warning(source_config.credentials_expire_on, expiry.today())):
            if warning:
                logging.getLogger("airbyte").warning(warning)
        return build_streams(OneRosterClient(source_config), source_config, record_pages=self._record_pages)



