"""Which role (assessments, scores, grades, teacher_group) an incoming stream plays: the one place that says so.

A stream's role is the destination object the configured catalog maps it onto
(`destination_object_name`), else its `stream_roles` entry, else its own name when that is a role
(`StreamRoutes.role_of`, asked for every record). The checks
that a sync can be passed back at all also live here, because they are questions about routing:
a sync where nothing maps to a role, and scores without their assessments in the same connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from airbyte_cdk.models import ConfiguredAirbyteCatalog, SyncMode

from destination_campus_grades.catalog import object_names
from destination_campus_grades.spec import GROUP_ROLE, STREAM_ROLES, DestinationConfig

MAPPING_HELP = ("Map each Otus stream to assessments, scores, grades or teacher_group: onto a destination object "
                "in the connection's mapping, or in the destination's stream_roles setting (streams named "
                "after a role need no entry).")


class RoutingError(ValueError):
    """The streams of this sync cannot be passed back as configured (a configuration error)."""


@dataclass(frozen=True)
class StreamRoutes:
    """Incoming stream name → role, from the config's stream_roles and the configured catalog."""

    stream_roles: Mapping[str, str]  # stream → role, the config's stream_roles entries
    object_names: Mapping[str, str]  # stream → destination_object_name, where the catalog maps one
    catalog_streams: tuple[str, ...] = ()
    incremental_streams: frozenset[str] = frozenset()

    @classmethod
    def of(cls, config: DestinationConfig, catalog: ConfiguredAirbyteCatalog | None = None) -> "StreamRoutes":
        roles = {entry.stream: entry.role for entry in config.stream_roles}
        if catalog is None:
            return cls(roles, {})
        return cls(roles, object_names(catalog), tuple(s.stream.name for s in catalog.streams),
                   frozenset(s.stream.name for s in catalog.streams if s.sync_mode == SyncMode.incremental))

    def role_of(self, stream: str) -> str | None:
        """The destination object the connection maps the stream onto (None if that is no role of
        ours), else its stream_roles entry, else its own name if that is a role; None for a stream the
        configured catalog does not hold (the platform sends only configured streams, so such records
        are not the connection's: never passed back by name)."""
        if self.catalog_streams and stream not in self.catalog_streams:
            return None
        object_name = self.object_names.get(stream)
        if object_name is not None:
            return object_name if object_name in STREAM_ROLES else None
        return self.stream_roles.get(stream, stream if stream in STREAM_ROLES else None)

    def unmapped_detail(self, stream: str) -> str:
        """Why a stream's records are not passed back, for the report."""
        if self.catalog_streams and stream not in self.catalog_streams:
            return f"stream {stream!r} is not in the connection's configured catalog"
        object_name = self.object_names.get(stream)
        if object_name:
            return f"stream {stream!r} is mapped onto {object_name!r}, which is not one of this destination's objects"
        return f"stream {stream!r} is not mapped in stream_roles"

    def check_catalog(self) -> None:
        """Refuse a configured catalog that maps nothing, or sends scores without assessments."""
        if not self.catalog_streams:
            return
        roles = {self.role_of(s) for s in self.catalog_streams} - {None}
        if not roles:
            raise RoutingError(nothing_mapped(self.catalog_streams, "The connection's streams"))
        partial = sorted(s for s in self.incremental_streams if self.role_of(s) == GROUP_ROLE)
        if partial:
            raise RoutingError(
                f"Stream(s) {', '.join(partial)} carry the teacher group but are configured incremental: an "
                "incremental sync sends only the members that changed, so the group would miss everyone else and "
                "their assessments would stop passing back. Configure the teacher_group stream as full refresh "
                "(each sync then carries the whole group, and a member removed in Otus stops passing back).")
        if "scores" in roles and "assessments" not in roles:
            scores = [s for s in self.catalog_streams if self.role_of(s) == "scores"]
            raise RoutingError(
                f"Stream(s) {', '.join(scores)} carry scores, but no stream of this connection maps to "
                "assessments. Scores are decided with their assessment (whether it is assigned, counts in the "
                "final grade, its points possible): without it a score would be passed back against an "
                "assessment a teacher may have since unticked or removed. Send the assessments in the same "
                "connection: a multi-stream file source (S3, SFTP, GCS, Azure Blob) or a database source "
                "with both views, each stream with its own sync mode. " + MAPPING_HELP)


def nothing_mapped(streams: Iterable[str], where: str) -> str:
    """The configuration error of a sync whose streams map to no role."""
    names = ", ".join(sorted(set(streams))) or "(none)"
    return (f"{where} map to none of assessments, scores, grades or teacher_group, so nothing can be passed back. "
            f"Streams received: {names}. " + MAPPING_HELP)
