"""The objects this destination writes, as the Airbyte platform maps source streams onto them.

Airbyte's data-activation protocol lets an API destination answer `discover` with a
DESTINATION_CATALOG: one operation per object (name, sync mode, the fields it takes, the fields
that identify a record). The user maps a source stream and its fields onto an object, and the
configured catalog then names the object in each stream's `destination_object_name`, which
`routing.StreamRoutes.role_of` routes by. The objects are the destination's roles (the three that
are written, and the optional teacher group that decides rule 4); their
fields are the input schemas the records are validated against, so the mapping and the
validation never disagree on a field or its type.

What the platform's mapping screen does with an operation (airbytehq/airbyte-platform,
airbyte-webapp/src/area/dataActivation/utils/useSetDefaultValuesForDestinationOperation.ts and
getRequiredFields.ts): every field in the schema's `required` becomes a mapping row whose source
field must be chosen before the connection saves; `matching_keys` is a list of alternatives, each
one composite key (a list of fields), and a single alternative is selected for the user, its
fields added to the required rows. So each object has one composite key, and its `required` list
is the input schema's plus every field the passback rules decide by (`DECIDING_FIELDS`): a
mapping that leaves one out is refused on the screen, not reported record by record after the
sync. The record validation itself keeps the input schema's shorter list, so a file or database
source that has no column for, say, `go_live_at` still passes back through `stream_roles`.

The CDK's `AirbyteMessage` has no `destination_catalog` field (its `Destination` has no discover
verb), so these messages are built from, and serialised with, the protocol's own dataclasses.
"""

from __future__ import annotations

from typing import Mapping

import orjson
from airbyte_cdk.models import ConfiguredAirbyteCatalog
from airbyte_protocol_dataclasses.models import airbyte_protocol as protocol
from serpyco_rs import Serializer

from destination_campus_grades.records import KEY_FIELDS, schema_of
from destination_campus_grades.spec import STREAM_ROLES

# The fields, beyond the input schema's `required`, that the rules (rules.py) decide by: left
# unmapped they read as null and every record would be skipped or decided wrongly (no start date:
# missing_required_field; no assigning user: assigned_by_non_sis_user; no graded_at: not graded;
# no status: an excluded score sent). Fields with a documented fallback (due_at: start + 7 days;
# category: Campus's placeholder) and pure text (description, comment) stay optional. The
# teacher_group object's member id is its key, which the input schema requires already.
DECIDING_FIELDS: dict[str, tuple[str, ...]] = {
    "assessments": ("assigned_by", "assigned_at", "go_live_at", "points_possible"),
    "scores": ("points", "percent", "graded_at", "status"),
    "grades": ("percent", "score", "graded_at"),
}


def object_schema(role: str) -> dict:
    """An object's fields as the mapping screen sees them: the input schema, with the fields the
    rules decide by required too."""
    schema = schema_of(role)
    return {**schema, "required": [*schema["required"], *(f for f in DECIDING_FIELDS.get(role, ())
                                                           if f not in schema["required"])]}


def destination_catalog() -> protocol.DestinationCatalog:
    """One `update` operation per role: a record creates or updates the Campus object it matches."""
    return protocol.DestinationCatalog(operations=[
        protocol.DestinationOperation(
            object_name=role,
            sync_mode=protocol.DestinationSyncMode.update,
            json_schema=object_schema(role),
            matching_keys=[list(KEY_FIELDS[role])],  # one composite key (records.KEY_FIELDS)
        )
        for role in STREAM_ROLES
    ])


def destination_catalog_line() -> str:
    """The DESTINATION_CATALOG message as the one JSON line `discover` prints. The serialiser is
    built here, not at import: building it costs ~0.1 s that `write` should not pay."""
    message = protocol.AirbyteMessage(type=protocol.Type.DESTINATION_CATALOG, destination_catalog=destination_catalog())
    return orjson.dumps(Serializer(protocol.AirbyteMessage, omit_none=True).dump(message)).decode()


def object_names(catalog: ConfiguredAirbyteCatalog) -> Mapping[str, str]:
    """Incoming stream name → the destination object the connection maps it onto, where it does."""
    return {entry.stream.name: entry.destination_object_name
            for entry in catalog.streams if entry.destination_object_name}
