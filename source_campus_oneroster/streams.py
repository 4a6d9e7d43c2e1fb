"""The source's streams: one declarative entry per OneRoster collection over one base stream.

Reading the `COLLECTIONS` table is reading the source's whole API surface per OneRoster version:
the Airbyte stream name, the OneRoster path, the nested per-school paths the school filter uses,
the fields providers send in more than one type (string booleans, letter scores;
`typed_values.py`), and the JSON schema. 1.2 keeps every 1.1
stream name (with 1.2's schema where the objects changed) and adds score scales, the categories of
each class, and the assessment-results profile. Which root serves a path is the version layer's
business (`campus_oneroster.version`), not this module's. Everything the streams share
(incremental filter, sorted paging through the shared client, estimates, checkpoints, the version
in the state, error translation) lives in `OneRosterStream`.

Wrapper keys are not declared: the client accepts whichever key a provider wraps a page in
(`users` for /schools/{id}/students, `academicSessions` for /terms, ...).
"""

from __future__ import annotations

import time
from datetime import timedelta
from dataclasses import dataclass, replace
from typing import Any, Generator, Iterable, Iterator, List, Mapping, MutableMapping, Optional, Sequence, Union

from airbyte_cdk.models import (
    AirbyteEstimateTraceMessage,
    AirbyteMessage,
    AirbyteRecordMessage,
    AirbyteTraceMessage,
    EstimateType,
    SyncMode,
    TraceType,
    Type,
)
from airbyte_cdk.sources.streams.core import CheckpointMixin, Stream
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader

from campus_oneroster.client import OneRosterClient
from campus_oneroster.errors import ForbiddenError, NotFoundError, OneRosterError
from campus_oneroster.version import V1P1, V1P2, VersionName
from campus_oneroster.filters import where
from campus_oneroster.segments import path_segment
from source_campus_oneroster.cursor import CURSOR_FIELD, DateLastModifiedCursor, format_instant
from source_campus_oneroster.failures import read_failure, school_not_found
from source_campus_oneroster.record_pages import page_message
from source_campus_oneroster.spec import SourceConfig
from source_campus_oneroster.typed_values import typed

DEMOGRAPHIC_FLAGS = (
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
)


@dataclass(frozen=True)
class Collection:
    """One OneRoster collection as an Airbyte stream.

    `school_paths` are the nested OneRoster routes (`{school}` stands for a school sourcedId)
    that serve the collection for one school; a collection without them ignores the school filter.
    `schema` names the file under `schemas/`. `per_class`: `path` holds `{class}` and is read once
    per class of the connection (the school filter applies to which classes), each record carrying
    the class it was read for in `classSourcedId`. `profile`: the Campus option a 403 for this
    stream means is off (the stream is then skipped with a message, not failed).
    """

    name: str
    path: str
    school_paths: tuple[str, ...] = ()
    boolean_fields: tuple[str, ...] = ()
    schema: str = ""
    per_class: bool = False
    profile: Optional[str] = None
    letter_scores: bool = False  # `score` may be text: a number, with the text in `textScore`

    def paths(self, school_ids: Optional[Sequence[str]]) -> list[tuple[Optional[str], str]]:
        """(school, path) of each sequence one read covers: the collection, or its routes per selected school."""
        if not school_ids or not self.school_paths:
            return [(None, self.path)]
        return [(school, template.format(school=path_segment(school))) for school in school_ids
                for template in self.school_paths]

    @property
    def primary_key(self) -> Union[str, list[str]]:
        return ["classSourcedId", "sourcedId"] if self.per_class else "sourcedId"


ORGS = Collection("orgs", "/orgs")
ACADEMIC_SESSIONS = Collection("academic_sessions", "/academicSessions")
COURSES = Collection("courses", "/courses", school_paths=("/schools/{school}/courses",))
CLASSES = Collection("classes", "/classes", school_paths=("/schools/{school}/classes",))
USERS = Collection("users", "/users", school_paths=("/schools/{school}/students", "/schools/{school}/teachers"),
                   boolean_fields=("enabledUser",))
ENROLLMENTS = Collection("enrollments", "/enrollments", school_paths=("/schools/{school}/enrollments",),
                         boolean_fields=("primary",))
DEMOGRAPHICS = Collection("demographics", "/demographics", boolean_fields=DEMOGRAPHIC_FLAGS)
RESULT_FLAGS = ("inProgress", "incomplete", "late", "missing")
V1P2_SCHEMAS = "v1p2/"

COLLECTIONS: dict[VersionName, tuple[Collection, ...]] = {
    V1P1: (
        ORGS, ACADEMIC_SESSIONS, COURSES, CLASSES, USERS, ENROLLMENTS, DEMOGRAPHICS,
        Collection("categories", "/categories"),
        Collection("line_items", "/lineItems"),
        Collection("results", "/results", letter_scores=True),
    ),
    # orgs, academic sessions, courses and classes keep their 1.1 shape (and schema) on 1.2.
    V1P2: (
        ORGS, ACADEMIC_SESSIONS, COURSES, CLASSES,
        replace(USERS, schema=V1P2_SCHEMAS + "users"),
        replace(ENROLLMENTS, schema=V1P2_SCHEMAS + "enrollments"),
        replace(DEMOGRAPHICS, schema=V1P2_SCHEMAS + "demographics"),
        Collection("categories", "/categories", schema=V1P2_SCHEMAS + "categories"),
        Collection("class_categories", "/classes/{class}/categories", schema=V1P2_SCHEMAS + "class_categories",
                   per_class=True),
        Collection("score_scales", "/scoreScales", schema=V1P2_SCHEMAS + "score_scales"),
        Collection("line_items", "/lineItems", schema=V1P2_SCHEMAS + "line_items"),
        Collection("results", "/results", boolean_fields=RESULT_FLAGS, schema=V1P2_SCHEMAS + "results"),
        Collection("assessment_line_items", "/assessmentLineItems", schema=V1P2_SCHEMAS + "assessment_line_items",
                   profile="Assessments"),
        Collection("assessment_results", "/assessmentResults", boolean_fields=RESULT_FLAGS,
                   schema=V1P2_SCHEMAS + "assessment_results", profile="Assessments"),
    ),
}
CLASS_ID = "classSourcedId"


class OneRosterStream(Stream, CheckpointMixin):
    """A OneRoster collection read in `dateLastModified` order, full refresh or incremental.

    Records go out as ready-made Airbyte messages without per-record schema transformation: the
    only per-record work is reading values into their field's one type (`typed_values.py`). With
    `record_pages` a whole page is one `RecordPage` message (see `record_pages.py`). State is a
    `DateLastModifiedCursor`'s (see `cursor.py` for why it never skips a record), plus the version
    it was read under on 1.2; the CDK checkpoints it about once per page. A saved state of the other
    version is dropped with a warning, so the stream reads everything again: user ids (and with
    them every reference to a user) change between 1.1 and 1.2.
    """

    cursor_field = CURSOR_FIELD

    def __init__(
        self, collection: Collection, client: OneRosterClient, config: SourceConfig, *, record_pages: bool = False
    ) -> None:
        self.collection = collection
        self._client = client
        self._config = config
        self._record_pages = record_pages
        self._saved: Optional[str] = None
        self._cursor: Optional[DateLastModifiedCursor] = None
        self._version = config.version
        self._marker = config.version.state_marker
        self._state_of: tuple[Optional[dict], dict] = (None, {})

    @property
    def name(self) -> str:
        return self.collection.name

    @property
    def primary_key(self) -> Union[str, list[str]]:
        return self.collection.primary_key

    def get_json_schema(self) -> Mapping[str, Any]:
        """The schema of this stream under the connection's version (`Collection.schema`)."""
        return ResourceSchemaLoader(__package__).get_schema(self.collection.schema or self.name)

    @property
    def state_checkpoint_interval(self) -> int:
        """Messages between checkpoints: every page (one message per page, or page_size records)."""
        return 1 if self._record_pages else self._config.page_size

    @property
    def state(self) -> MutableMapping[str, Any]:
        cursor_state = self._cursor.state if self._cursor is not None else (
            {CURSOR_FIELD: self._saved} if self._saved else {})
        if not self._marker or not cursor_state:
            return cursor_state
        if self._state_of[0] is not cursor_state:  # the CDK reads the state after every record
            self._state_of = (cursor_state, {**cursor_state, **self._marker})
        return self._state_of[1]

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        saved = (value or {}).get(CURSOR_FIELD)
        if saved and not self._version.state_fits(value):
            self.logger.warning(
                f"The {self.name} stream's saved state was read under another OneRoster version than the "
                f"{self._version.name} now configured (oneroster_version); user ids differ between versions, so this "
                "sync reads the whole stream again (a full refresh) and starts a new cursor")
            saved = None
        self._saved = str(saved) if saved else None
        self._cursor = None

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[List[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[AirbyteMessage]:
        incremental = sync_mode == SyncMode.incremental
        start_date = format_instant(self._config.start_date) if incremental and self._config.start_date else None
        cursor = DateLastModifiedCursor(self._saved if incremental else None, start_date,
                                        timedelta(minutes=self._config.lookback_window_minutes))
        self._cursor = cursor
        requests_before, started = self._client.requests.total, time.monotonic()
        try:
            if self.collection.per_class:
                emitted = yield from self._read_classes(cursor)
            else:
                emitted = yield from self._read_paths(self.collection.paths(self._config.school_ids), cursor)
        except ForbiddenError as error:
            if self.collection.profile is None:
                raise read_failure(error, self.name) from error
            self.logger.warning(
                f"Skipped the {self.name} stream: this connection may not read the assessment-results profile "
                f"({error}). Ask the district to enable {self.collection.profile} on the OneRoster connection in "
                "Campus to sync it; the other streams are not affected.")
            return
        except OneRosterError as error:
            raise read_failure(error, self.name) from error
        cursor.read_finished()
        self.logger.info(
            f"Read {emitted} {self.name} records in {self._client.requests.total - requests_before} requests "
            f"({time.monotonic() - started:.1f} s); state {cursor.state}"
        )

    def _read_classes(self, cursor: DateLastModifiedCursor) -> Generator[AirbyteMessage, None, int]:
        """Every class's records (`Collection.per_class`), read on `max_concurrent_requests` threads and
        emitted class by class, each tagged with its class; one sequence per class, so the state moves
        only once all are read. Returns how many records were emitted."""
        query_filter = _since(cursor)
        class_ids = list(dict.fromkeys(record["sourcedId"] for _, path in CLASSES.paths(self._config.school_ids)
                                       for record in self._client.iter_records(path, fields=["sourcedId"])))

        def read(class_id: str) -> list[dict]:
            path = self.collection.path.format(**{"class": path_segment(class_id)})
            return list(self._client.iter_records(path, filter=query_filter, sort=CURSOR_FIELD, order_by="asc"))

        emitted = 0
        for class_id, records in zip(class_ids, self._client.map_concurrent(read, class_ids)):
            cursor.sequence_started()
            cursor.page_read(records)
            for record in records:
                record[CLASS_ID] = class_id
            emitted += len(records)
            yield from self._records(records)
            cursor.page_emitted(may_checkpoint=False)
        return emitted

    def _read_paths(
        self, paths: Sequence[tuple[Optional[str], str]], cursor: DateLastModifiedCursor
    ) -> Generator[AirbyteMessage, None, int]:
        """Every page of every path, checkpointing mid-read only when there is a single sorted sequence.

        Returns how many records were emitted.
        """
        query_filter = _since(cursor)
        single_sequence = len(paths) == 1
        estimated = emitted = 0
        for school, path in paths:
            cursor.sequence_started()
            first_page = True
            try:
                for page in self._client.iter_pages(path, filter=query_filter, sort=CURSOR_FIELD, order_by="asc"):
                    if first_page and page.total is not None:
                        estimated += page.total
                        yield self._estimate(estimated)
                    first_page = False
                    cursor.page_read(page.records)
                    emitted += len(page.records)
                    yield from self._records(page.records)
                    cursor.page_emitted(may_checkpoint=single_sequence)
            except NotFoundError as error:
                if school is None:
                    raise
                raise school_not_found(error, school, self.name) from error
        return emitted

    def _records(self, records: list[dict]) -> Iterator[AirbyteMessage]:
        typed(records, self.collection.boolean_fields, self.collection.letter_scores)
        stream, emitted_at = self.name, int(time.time() * 1000)
        if self._record_pages:
            if records:
                yield page_message(stream, records, emitted_at)
            return
        record_type = Type.RECORD
        for record in records:
            yield AirbyteMessage(
                type=record_type, record=AirbyteRecordMessage(stream=stream, data=record, emitted_at=emitted_at)
            )

    def _estimate(self, rows: int) -> AirbyteMessage:
        """The platform's progress bar: rows the provider says this read will return (X-Total-Count)."""
        return AirbyteMessage(
            type=Type.TRACE,
            trace=AirbyteTraceMessage(
                type=TraceType.ESTIMATE,
                emitted_at=time.time() * 1000,
                estimate=AirbyteEstimateTraceMessage(name=self.name, type=EstimateType.STREAM, row_estimate=rows),
            ),
        )


def _since(cursor: DateLastModifiedCursor) -> Optional[Any]:
    """The incremental filter (`dateLastModified>='<lower bound>'`), or None on a first or full read."""
    return where(CURSOR_FIELD, ">=", cursor.lower_bound) if cursor.lower_bound else None


def build_streams(client: OneRosterClient, config: SourceConfig, *, record_pages: bool) -> list[OneRosterStream]:
    """One stream per collection of the configured version, all sharing one client (one token, one pool)."""
    return [OneRosterStream(collection, client, config, record_pages=record_pages)
            for collection in COLLECTIONS[config.oneroster_version]]
