"""Incoming Otus records → validated, typed, immutable records (or the reason they are unusable).

Each stream has a JSON schema in `schemas/` (the contract of the destination page's "Input"
section). A record that breaks it becomes an `InvalidRecord` naming the record, the field and the
reason code, so one bad row is reported and never stops the sync. Ids arrive as strings or
integers (database views often use integers) and are normalised to strings; timestamps are parsed
leniently: an ISO 8601 instant (with `Z` or an offset; without one it is UTC, as Otus writes) is
kept as an aware UTC datetime, a bare date (`2026-10-22`) as that day. Which calendar day an
instant falls on is the district's business (`district_days.py`), never decided here.

Typed sources bend values on the way (a CSV or pandas reader turns an id column with one empty
cell into floats, PyAirbyte's cache hands decimals as text), so before validation a value is read
as its field's type where that is unambiguous: an integral number or a decimal string of an
integer is the same id (`100000.0`, `"100000.000000000"` → `"100000"`), numeric text is a number
where a number belongs, `"true"`/`"false"` a boolean where a boolean belongs, and empty text is
null for either. Anything else (`"ten"`) is left for the schema to refuse. The fields read so are
returned with the record, so the report can say so.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping, Union

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from campus_oneroster.segments import is_path_segment
from destination_campus_grades.district_days import Moment
from destination_campus_grades.reasons import Reason

AssessmentKey = tuple[str, str]  # (assessment_id, section_id): one assessment in one section


@dataclass(frozen=True, slots=True)
class Assessment:
    """One Otus assessment in one section (becomes one Campus lineItem)."""

    assessment_id: str
    section_id: str
    title: str
    description: str | None
    assigned_by: str | None
    assigned_at: Moment | None
    go_live_at: Moment | None
    due_at: Moment | None
    points_possible: float | None
    include_in_final_grade: bool
    grading_type: str
    category: str | None
    grading_period_id: str | None
    state: str
    standards: tuple[str, ...] = ()  # CASE ids of the standards it assesses (optional input)

    @property
    def key(self) -> AssessmentKey:
        return (self.assessment_id, self.section_id)

    @property
    def otus_id(self) -> str:
        return named_by_keys("assessments", self)

    @property
    def start(self) -> Moment | None:
        """Rule 2: the lineItem's start (assignDate) is go_live_at if set, else assigned_at."""
        return self.go_live_at or self.assigned_at

    @property
    def assigned(self) -> Moment | None:
        """Rule 1's "assigned" date: assigned_at; go_live_at only when Otus sent no assigned_at."""
        return self.assigned_at or self.go_live_at


ASSESSMENT_ID_PREFIX, SECTION_ID_SEPARATOR = "assessment_id=", " section_id="


def assessment_ids(otus_id: str) -> tuple[str, str] | None:
    """The (assessment_id, section_id) an `Assessment.otus_id` was made of, or None. Ids holding
    the separator read ambiguously; the removal rule checks the pair against the lineItem's
    sourcedId, so a wrong reading can only fail to prove ownership."""
    if not otus_id.startswith(ASSESSMENT_ID_PREFIX) or SECTION_ID_SEPARATOR not in otus_id:
        return None
    assessment_id, _, section_id = otus_id[len(ASSESSMENT_ID_PREFIX):].rpartition(SECTION_ID_SEPARATOR)
    return (assessment_id, section_id) if assessment_id and section_id else None


@dataclass(frozen=True, slots=True)
class Score:
    """One student's score on one assessment in one section (becomes one Campus result)."""

    assessment_id: str
    section_id: str
    student_id: str
    points: float | None
    percent: float | None
    graded_at: Moment | None
    status: str | None
    comment: str | None
    standard_scores: tuple["StandardScore", ...] = ()  # the student's score per standard (optional input)

    @property
    def assessment_key(self) -> AssessmentKey:
        return (self.assessment_id, self.section_id)

    @property
    def otus_id(self) -> str:
        return named_by_keys("scores", self)


@dataclass(frozen=True, slots=True)
class StandardScore:
    """A student's result on one standard of an assessment (sent on 1.2 with `standards` on)."""

    standard_id: str
    score: float | None = None
    text_score: str | None = None


@dataclass(frozen=True, slots=True)
class Grade:
    """A grading-task grade (becomes a result on Campus's grading-task lineItem)."""

    section_id: str
    student_id: str
    grading_task_id: str
    percent: float | None
    score: str | float | None
    graded_at: Moment | None
    posted_by: str | None

    @property
    def otus_id(self) -> str:
        return named_by_keys("grades", self)


@dataclass(frozen=True, slots=True)
class GroupMember:
    """One member of Otus's Gradebook Passback Teacher Group (rule 4): who may pass grades back."""

    user_id: str  # the member's Campus user sourcedId
    otus_user_id: str | None
    name: str | None  # kept for the record's identity only: never reported or logged

    @property
    def otus_id(self) -> str:
        return named_by_keys("teacher_group", self)


@dataclass(frozen=True, slots=True)
class InvalidRecord:
    """A record that cannot be passed back as it stands: which one, which field, which rule."""

    role: str
    record_id: str
    reason: Reason
    field: str | None
    detail: str
    assessment_key: AssessmentKey | None = None  # so the scores of a bad assessment share its reason
    key: tuple[str, ...] | None = None  # its `record_key`, when its ids could be read


ParsedRecord = Union[Assessment, Score, Grade, GroupMember, InvalidRecord]
# The one key table: the fields that identify one record of each role. Within a sync the last
# record per key wins (`record_key`), the report names a record by them (`otus_id`, `record_id`),
# and the destination catalog offers them as the matching keys (`catalog.py`). The Campus
# sourcedIds are derived from them (`plan.py`; a grading task belongs to one section, so a grade's
# result id needs no section). A teacher group member is keyed by its Campus user id.
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "assessments": ("assessment_id", "section_id"),
    "scores": ("assessment_id", "section_id", "student_id"),
    "grades": ("grading_task_id", "section_id", "student_id"),
    "teacher_group": ("user_id",),  # a member; nothing is written for it (it gates rule 4)
}
ROLES_OF_TYPES = {Assessment: "assessments", Score: "scores", Grade: "grades", GroupMember: "teacher_group"}
INTEGRAL_TEXT = re.compile(r"-?[0-9]+\.0+")


def role_of_record(record: ParsedRecord) -> str:
    """The role (input stream kind) a parsed record came in as."""
    return record.role if isinstance(record, InvalidRecord) else ROLES_OF_TYPES[type(record)]


def record_key(record: ParsedRecord) -> tuple[str, ...] | None:
    """The primary key within a sync: the last record for it wins (None: an invalid record without ids)."""
    if isinstance(record, InvalidRecord):
        return record.key
    role = ROLES_OF_TYPES[type(record)]
    return (role, *(getattr(record, name) for name in KEY_FIELDS[role]))


def named_by_keys(role: str, record: object) -> str:
    """A typed record's identity for the report: its key fields and their values."""
    return " ".join(f"{name}={getattr(record, name)}" for name in KEY_FIELDS[role])


@lru_cache(maxsize=None)
def schema_of(role: str) -> dict:
    """The JSON schema of a role's stream, as shipped in the package."""
    text = resources.files("destination_campus_grades").joinpath("schemas", f"{role}.json").read_text()
    return json.loads(text)


@lru_cache(maxsize=None)
def _validator(role: str) -> Draft7Validator:
    return Draft7Validator(schema_of(role))


@lru_cache(maxsize=None)
def _field_kinds(role: str) -> dict[str, str]:
    """Fields whose values may be read leniently: "id" (string or integer), "number", "boolean"."""
    kinds = {}
    for name, prop in schema_of(role)["properties"].items():
        types = prop.get("type", [])
        types = [types] if isinstance(types, str) else types
        if "integer" in types and "string" in types:
            kinds[name] = "id"
        elif "number" in types and "string" not in types:
            kinds[name] = "number"
        elif "boolean" in types:
            kinds[name] = "boolean"
    return kinds


_UNCHANGED = object()


def _lenient_value(kind: str, value: Any) -> Any:
    """`value` read as its field's kind, or _UNCHANGED when it already is one (or cannot be)."""
    if kind == "id":
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        if isinstance(value, str) and INTEGRAL_TEXT.fullmatch(value):
            return value.split(".")[0]
        return _UNCHANGED
    if not isinstance(value, str):
        return _UNCHANGED
    text = value.strip()
    if not text:
        return None
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), _UNCHANGED)
    try:
        number = float(text)
    except ValueError:
        return _UNCHANGED
    return number if math.isfinite(number) else _UNCHANGED


def read_leniently(role: str, data: Mapping[str, Any]) -> tuple[Mapping[str, Any], tuple[str, ...]]:
    """The record with values read as their fields' types where unambiguous, and those fields."""
    kinds = _field_kinds(role)
    changed: dict[str, Any] = {}
    for name, value in data.items():
        kind = kinds.get(name)
        if kind is not None and value is not None:
            read = _lenient_value(kind, value)
            if read is not _UNCHANGED:
                changed[name] = read
    if not changed:
        return data, ()
    return {**data, **changed}, tuple(changed)


def record_id(role: str, data: Mapping[str, Any]) -> str:
    """A readable identity of a record for the report, built from whatever ids it carries."""
    keys = KEY_FIELDS.get(role, ())
    parts = [f"{k}={'(missing)' if data.get(k) is None else data[k]}" for k in keys] if isinstance(data, Mapping) else []
    return " ".join(parts) or "<record without ids>"


def parse_record(role: str, data: Mapping[str, Any]) -> tuple[ParsedRecord, tuple[str, ...]]:
    """Validate one record of a role's stream and build its typed record, or say why not; with
    the fields that were read leniently."""
    data, lenient = read_leniently(role, data)
    validator = _validator(role)
    if not validator.is_valid(data):
        error = min(validator.iter_errors(data), key=lambda e: (len(e.path), str(e.path)))
        return _with_keys(role, data, _classify(role, data, error)), lenient
    if "section_id" in data and not is_path_segment(str(data["section_id"])):
        invalid = InvalidRecord(role, record_id(role, data), Reason.INVALID_ID, "section_id",
                                "section_id cannot be one segment of a Campus address")
        return _with_keys(role, data, invalid), lenient
    try:
        return _BUILDERS[role](data), lenient
    except _BadDate as bad:
        invalid = InvalidRecord(role, record_id(role, data), Reason.INVALID_FIELD_VALUE, bad.field,
                                f"{bad.field} is not an ISO 8601 date or instant")
        return _with_keys(role, data, invalid), lenient


def _with_keys(role: str, data: Mapping[str, Any], invalid: InvalidRecord) -> InvalidRecord:
    """An invalid record keeps the keys its ids give: a later copy supersedes it (or it an earlier
    one), and the scores of a bad assessment share its reason."""
    ids = [data.get(name) for name in KEY_FIELDS[role]]
    if not all(isinstance(v, (str, int)) and not isinstance(v, bool) and str(v) for v in ids):
        return invalid
    ids = [str(v) for v in ids]
    return replace(invalid, key=(role, *ids), assessment_key=tuple(ids) if role == "assessments" else None)


def _classify(role: str, data: Mapping[str, Any], error: ValidationError) -> InvalidRecord:
    rid = record_id(role, data)
    if error.validator == "required":
        field = error.message.split("'")[1] if "'" in error.message else None
        return InvalidRecord(role, rid, Reason.MISSING_REQUIRED_FIELD, field, f"{field} is required")
    field = ".".join(str(p) for p in error.path) or None
    value = error.instance
    if error.validator == "type":
        if value is None:
            return InvalidRecord(role, rid, Reason.MISSING_REQUIRED_FIELD, field, f"{field} is required")
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return InvalidRecord(role, rid, Reason.WRONG_FIELD_TYPE, field,
                             f"{field} must be {expected}, got {type(value).__name__}")
    if error.validator == "minLength":
        return InvalidRecord(role, rid, Reason.MISSING_REQUIRED_FIELD, field, f"{field} is empty")
    return InvalidRecord(role, rid, Reason.INVALID_FIELD_VALUE, field, f"{field}: {error.message}")


class _BadDate(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _instant(data: Mapping[str, Any], field: str) -> Moment | None:
    """A timestamp field as an aware UTC instant, or a bare date as that (district) day."""
    raw = data.get(field)
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise _BadDate(field) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _text(data: Mapping[str, Any], field: str) -> str | None:
    value = data.get(field)
    return None if value is None else str(value)


def _number(data: Mapping[str, Any], field: str) -> float | None:
    value = data.get(field)
    return None if value is None else float(value)


def _assessment(data: Mapping[str, Any]) -> Assessment:
    return Assessment(
        assessment_id=str(data["assessment_id"]),
        section_id=str(data["section_id"]),
        title=data["title"],
        description=data.get("description"),
        assigned_by=_text(data, "assigned_by"),
        assigned_at=_instant(data, "assigned_at"),
        go_live_at=_instant(data, "go_live_at"),
        due_at=_instant(data, "due_at"),
        points_possible=_number(data, "points_possible"),
        include_in_final_grade=data["include_in_final_grade"],
        grading_type=data["grading_type"],
        category=data.get("category"),
        grading_period_id=_text(data, "grading_period_id"),
        state=data["state"],
        standards=tuple(sorted({str(s) for s in data.get("standards") or ()})),
    )


def _score(data: Mapping[str, Any]) -> Score:
    return Score(
        assessment_id=str(data["assessment_id"]),
        section_id=str(data["section_id"]),
        student_id=str(data["student_id"]),
        points=_number(data, "points"),
        percent=_number(data, "percent"),
        graded_at=_instant(data, "graded_at"),
        status=data.get("status"),
        comment=data.get("comment"),
        standard_scores=tuple(StandardScore(str(entry["standard_id"]), _number(entry, "score"), _text(entry, "text_score"))
                              for entry in data.get("standard_scores") or ()),
    )


def _grade(data: Mapping[str, Any]) -> Grade:
    return Grade(
        section_id=str(data["section_id"]),
        student_id=str(data["student_id"]),
        grading_task_id=str(data["grading_task_id"]),
        percent=_number(data, "percent"),
        score=data.get("score"),
        graded_at=_instant(data, "graded_at"),
        posted_by=_text(data, "posted_by"),
    )


def _member(data: Mapping[str, Any]) -> GroupMember:
    return GroupMember(user_id=str(data["user_id"]), otus_user_id=_text(data, "otus_user_id"), name=data.get("name"))


_BUILDERS = {"assessments": _assessment, "scores": _score, "grades": _grade, "teacher_group": _member}

