"""How a failed read or gradebook probe of the source reads to the platform and a district admin.

The shared decisions (which error is the configuration's fault, what `check` says when the roster
cannot be read) live in `campus_oneroster.diagnosis`, used by both connectors; what is here is the
source's own wording around them.
"""

from __future__ import annotations

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from campus_oneroster.diagnosis import failure_type_of
from campus_oneroster.errors import NotFoundError, OneRosterError


def read_failure(error: OneRosterError, stream_name: str) -> AirbyteTracedException:
    """The traced exception that ends a read of `stream_name` with a message the admin can act on."""
    return AirbyteTracedException(
        message=f"Reading the {stream_name} stream failed: {error}",
        internal_message=f"{type(error).__name__}: {error}",
        failure_type=failure_type_of(error),
    )


def school_not_found(error: NotFoundError, school: str, stream_name: str) -> AirbyteTracedException:
    """A school of the Schools setting that Campus does not know (or this connection cannot see)."""
    return AirbyteTracedException(
        message=(
            f"Reading the {stream_name} stream failed: the school {school!r} in the Schools setting was not found "
            f"({error}). Use the sourcedId of a school from the orgs stream (type school) that this connection "
            "can see, or remove it from Schools."
        ),
        internal_message=f"{type(error).__name__}: {error}",
        failure_type=FailureType.config_error,
    )


def gradebook_check_message(error: OneRosterError) -> str:
    """What `check` says when rostering works but the gradebook probe (vendor pair configured) fails."""
    return (
        "Rostering works, but the gradebook endpoints (categories, lineItems, results) were refused, so "
        f"the categories, line_items and results streams cannot be read: {error}"
    )
