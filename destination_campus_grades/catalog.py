"""The objects this destination writes, as the Airbyte platform maps source streams onto them.

Airbyte's data-activation protocol lets an API destination answer `discover` with a
DESTINATION_CATALOG: one operation per object (name, sync mode, the fields it takes, the fields
that identify a record). The user maps a source stream and its fields onto an object, and the
configured catalog then names the object in each stream's `destination_object_name`, which
`routing.StreamRoutes.role_of` routes by. The objects are the destination's roles (the three that
are written, and the optional teacher group that decides rule 4); their
fields are the input schemas the records are validated against, so the mapping and the
validation can never disagree.

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


def destination_catalog() -> protocol.DestinationCatalog:
    """One `update` operation per role: a record creates or updates the Campus object it matches."""
    return protocol.DestinationCatalog(operations=[
        protocol.DestinationOperation(
            object_name=role,
            sync_mode=protocol.DestinationSyncMode.update,
            json_schema=schema_of(role),
            matching_keys=[[field] for field in KEY_FIELDS[role]],  # one field path per key field
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
