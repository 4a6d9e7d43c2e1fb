"""What we last wrote, kept with the object in Campus: the fingerprint behind the three-way diff.

Campus is shared with teachers, so "Campus differs from Otus" alone cannot say who changed what.
Every lineItem and result the destination writes carries, in its `metadata`, a short digest of
each field it sent (as Otus said it at that write), plus the vendor namespace that wrote it and
the Otus id. No state outside Campus is needed: the next sync reads the object and compares, per
field, Otus now / Campus now / Otus at our last write (`diff.reconcile`).

Values are compared as Campus stores them (`canonical`): dates by the district's day (Campus may
answer a date-time in UTC, or a bare day), numbers numerically (to six decimals), references by
sourcedId, a missing or empty optional the same as null. A result's percent (in metadata) is
compared whether or not we send one, so a percent Otus dropped is cleared in Campus; the optional
texts (description, comment) likewise. The
digest is 8 hex characters of SHA-256 per field: small enough to sit in metadata, and a chance
collision (one in four billion per field) can only make a teacher's edit look unchanged.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

from destination_campus_grades.district_days import DistrictCalendar

FINGERPRINT_KEY = "passback"
VERSION = 1
DATE_FIELDS = frozenset({"assignDate", "dueDate", "scoreDate"})
NUMBER_FIELDS = frozenset({"resultValueMin", "resultValueMax", "score"})
REF_FIELDS = frozenset({"class", "category", "gradingPeriod", "lineItem", "student", "school", "scoreScale"})
NOT_COMPARED = frozenset({"sourcedId", "status", "dateLastModified", "metadata"})
OPTIONAL_TEXT = ("description", "comment")  # left out of a body when empty: compared even then
METADATA_PREFIX = "metadata."


def canonical(name: str, value: Any, calendar: DistrictCalendar) -> Any:
    """A field's value as Campus stores it, so equal values compare (and digest) equal."""
    if name in REF_FIELDS and isinstance(value, dict):
        value = value.get("sourcedId")
    if value is None or value == "":
        return None
    if name in DATE_FIELDS:
        day = calendar.held_day(value)
        return day.isoformat() if day else str(value)
    if name in NUMBER_FIELDS or name.startswith(METADATA_PREFIX):
        try:
            return repr(round(float(value), 6))
        except (TypeError, ValueError):
            return str(value).strip()
    return value


def field_values(body: Mapping[str, Any], names: list[str], calendar: DistrictCalendar) -> dict[str, Any]:
    """The canonical value of each named field of an object (`metadata.<key>` reads its metadata)."""
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    return {name: canonical(name, metadata.get(name[len(METADATA_PREFIX):]) if name.startswith(METADATA_PREFIX)
                            else body.get(name), calendar)
            for name in names}


def compared_fields(body: Mapping[str, Any], percent_key: str | None) -> list[str]:
    """The fields of a body we send and compare: every field but ids and stamps, the optional texts,
    a result's percent (`percent_key`), and any other metadata key but the fingerprint's own."""
    names = [name for name in body if name not in NOT_COMPARED]
    names += [name for name in OPTIONAL_TEXT if name not in body]
    keys = [key for key in (body.get("metadata") or {}) if key not in (FINGERPRINT_KEY, percent_key)]
    names += [METADATA_PREFIX + key for key in ([percent_key] if percent_key else []) + keys]
    return names


def digest(value: Any) -> str:
    """8 hex characters of SHA-256 of a canonical value (None, a string, or a JSON scalar)."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:8]


def namespace_tag(vendor_namespace: str) -> str:
    """Which vendor namespace wrote an object (lineItems of another namespace are never ours to remove)."""
    return digest(vendor_namespace)


def stamp(body: dict[str, Any], *, namespace: str, otus_id: str, calendar: DistrictCalendar,
          percent_key: str | None = None) -> dict[str, Any]:
    """The body with its fingerprint in `metadata[FINGERPRINT_KEY]` (other metadata kept);
    `percent_key` for results."""
    fields = field_values(body, compared_fields(body, percent_key), calendar)
    mark = {"v": VERSION, "ns": namespace_tag(namespace), "otus": otus_id,
            "fields": {name: digest(value) for name, value in fields.items()}}
    return {**body, "metadata": {**(body.get("metadata") or {}), FINGERPRINT_KEY: mark}}


def recorded(held: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The fingerprint Campus holds on an object, or None (none kept, or one this version cannot read)."""
    metadata = held.get("metadata") if held else None
    mark = metadata.get(FINGERPRINT_KEY) if isinstance(metadata, Mapping) else None
    if not isinstance(mark, Mapping) or mark.get("v") != VERSION or not isinstance(mark.get("fields"), Mapping):
        return None
    return mark
