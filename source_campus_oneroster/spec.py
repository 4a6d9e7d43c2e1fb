"""The source's settings: the shared OneRoster connection plus where incremental syncs start and which schools to read.

The pydantic model is the single definition: Airbyte's UI renders the spec from it
(`campus_oneroster.spec_schema.airbyte_spec`) and the source reads the config through it, so the two
cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar, Mapping, Optional

from pydantic import Field, field_validator

from campus_oneroster.config import ConnectionConfig
from campus_oneroster.spec_schema import airbyte_spec
from campus_oneroster.segments import is_path_segment

DOCUMENTATION_URL = "https://docs.airbyte.com/integrations/sources/campus-oneroster"


class SourceConfig(ConnectionConfig):
    """What a district admin enters to sync the Campus roster and gradebook objects."""

    # OneRoster 1.2 token scopes: every stream's read (demographics and the assessment-results profile
    # included; the provider grants what the connection allows, and a stream it refuses says so).
    token_scopes: ClassVar[tuple[str, ...]] = ("roster.readonly", "roster-demographics.readonly",
                                               "gradebook.readonly", "assessment.readonly")

    start_date: Optional[datetime] = Field(
        default=None,
        title="Start date",
        description=(
            "Incremental syncs begin with records Campus changed at or after this moment (UTC, e.g. "
            "2026-08-01T00:00:00Z). Leave empty to read everything on the first sync. Full refresh "
            "syncs always read everything."
        ),
        examples=["2026-08-01T00:00:00Z"],
        json_schema_extra={"order": 10},
    )
    school_ids: Optional[list[str]] = Field(
        default=None,
        title="Schools (sourcedIds)",
        description=(
            "Limit the sync to these schools: their OneRoster sourcedIds (the id of each school in the "
            "orgs stream). Applies to courses, classes, users (the schools' students and teachers) and "
            "enrollments; orgs, academic sessions, demographics and the gradebook streams are read for "
            "the whole connection. Leave empty to sync every school the connection can see."
        ),
        examples=[["a1b2c3d4-0000-0000-0000-000000000001"]],
        json_schema_extra={"order": 11},
    )

    lookback_window_minutes: int = Field(
        default=60,
        ge=0,
        le=1440,
        title="Lookback window (minutes)",
        description=(
            "Incremental syncs also re-read records Campus changed this many minutes before the last "
            "saved cursor. Campus serves rostering data from a cache that refreshes hourly, so a change "
            "can show up after records stamped later than it; re-reading the last hour catches it. The "
            "repeats are absorbed by the sourcedId primary key. 0 turns the lookback off."
        ),
        json_schema_extra={"order": 12},
    )

    @field_validator("start_date")
    @classmethod
    def _start_date_is_an_instant(cls, value: Optional[datetime]) -> Optional[datetime]:
        """A start date without a zone means UTC, like every OneRoster timestamp."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value

    @field_validator("school_ids")
    @classmethod
    def _school_ids_are_ids(cls, value: Optional[list[str]]) -> Optional[list[str]]:
        """Blank entries are dropped (a trailing empty row in the UI); duplicates read once; an id that
        cannot be one segment of a Campus address ('.', '..') is refused, never sent."""
        if value is None:
            return None
        cleaned = list(dict.fromkeys(school.strip() for school in value if school.strip()))
        for position, school in enumerate(cleaned, start=1):
            if not is_path_segment(school):
                raise ValueError(f"entry {position} is '.' or '..' (or those percent-encoded), not a school sourcedId")
        return cleaned or None


def source_spec() -> dict[str, Any]:
    """The spec Airbyte's UI renders for this source."""
    return airbyte_spec(SourceConfig, DOCUMENTATION_URL)


def parse_config(config: Mapping[str, Any]) -> SourceConfig:
    """The platform's config dict as a validated SourceConfig (raises pydantic.ValidationError)."""
    return SourceConfig.model_validate(dict(config))
