"""Client errors as the Airbyte platform and a district admin see them, for both connectors.

One place decides, per error type, whether a failure is the configuration's fault (the admin must
change something: `config_error`), passing (`transient_error`: the platform's retry may succeed) or
ours (`system_error`), and what `check` says when the roster cannot be read. Messages come from the
client's typed errors, which name the method, the resource path, the provider's own description and
the fix, and never a secret or a query string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TypeVar

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from pydantic import ValidationError

from campus_oneroster.errors import (
    ConnectionFailedError,
    CredentialsRejectedError,
    ForbiddenError,
    InsecureUrlError,
    InvalidDataError,
    NotFoundError,
    NotOneRosterEndpointError,
    OneRosterError,
    RedirectRefusedError,
    ResponseTooLargeError,
    VendorAuthorizationError,
)

CONFIG_ERRORS = (
    CredentialsRejectedError,
    VendorAuthorizationError,
    ForbiddenError,
    InsecureUrlError,
    NotFoundError,
    RedirectRefusedError,
    ResponseTooLargeError,
)

ROSTERING_REFUSED = (
    "The key and secret were accepted, but Campus refused to serve rostering data: the OneRoster "
    "connection is not enabled for this key, or is limited to other schools. In Campus, open the "
    "district's OneRoster 1.1 connection and make sure it is enabled (Roster Sync or Grade Book Sync)."
)

NOT_ONEROSTER = (
    "The Base URL answered, but not as a OneRoster 1.1 endpoint. Use the district's OneRoster (1.1) "
    "Base URL exactly as Campus shows it; it usually ends in /ims/oneroster/v1p1 (a OneRoster 1.2 connection's "
    "ends in /ims/oneroster/rostering/v1p2, with oneroster_version 1.2)."
)


def failure_type_of(error: OneRosterError) -> FailureType:
    """config_error when the admin must fix something, transient_error when a retry may succeed."""
    if isinstance(error, CONFIG_ERRORS):
        return FailureType.config_error
    if error.transient or isinstance(error, ConnectionFailedError):
        return FailureType.transient_error
    return FailureType.system_error


def rostering_check_message(error: OneRosterError) -> str:
    """What `check` says when the rostering probe fails, naming which of the usual causes it is."""
    if isinstance(error, ConnectionFailedError):
        return f"Cannot reach the OneRoster host (network, DNS or TLS): {error}"
    if isinstance(error, RedirectRefusedError):
        return f"The OneRoster host redirected the request elsewhere (not followed): {error}"
    if isinstance(error, CredentialsRejectedError):
        return f"Campus refused the key and secret: {error}"
    if isinstance(error, ForbiddenError):
        return f"{ROSTERING_REFUSED} Details: {error}"
    if isinstance(error, NotOneRosterEndpointError):
        return f"The Base URL is not a OneRoster 1.1 endpoint: {error}"
    if isinstance(error, (NotFoundError, InvalidDataError)):
        return f"{NOT_ONEROSTER} Details: {error}"
    return f"The OneRoster endpoint could not be read: {error}"


def config_problem(error: ValidationError) -> str:
    """A validation failure as the settings and rules it broke, never the values entered (they may be secrets)."""
    problems = []
    for issue in error.errors():
        setting = ".".join(str(part) for part in issue["loc"] if not isinstance(part, int)) or "config"
        problems.append(f"{setting}: {issue['msg'].removeprefix('Value error, ')}")
    return "The configuration is invalid. " + "; ".join(problems)


Read = TypeVar("Read")
UNREADABLE = {
    "config": ("The configuration ({name}) is not a JSON object of settings, so no setting can be read. Save the "
               "connector's settings again (or fix the file: it must be one JSON object)."),
    "state": ("The saved state ({name}) is not Airbyte state (a JSON list of state messages), so where the last sync "
              "stopped cannot be read. Reset the connection's streams (or fix the state in the connection's "
              "settings), then sync again."),
}


def read_protocol_file(read: Callable[[str], Read], path: str, what: str) -> Read:
    """The CDK's reading of a config or state file; a file that is not what it must be becomes a
    config error naming it (`what`: config | state), never a traceback: its content is not repeated
    (a config holds secrets, a state the cursors)."""
    try:
        return read(path)
    except Exception:  # noqa: BLE001 - json, type and the protocol serialiser's errors alike
        raise AirbyteTracedException(message=UNREADABLE[what].format(name=Path(path).name),
                                     failure_type=FailureType.config_error) from None
