"""The source's streams: one declarative entry per OneRoster 1.1 collection over one base stream.

Reading the `COLLECTIONS` table is reading the source's whole API surface: the Airbyte stream
name, the OneRoster path, the nested per-school paths the school filter uses, and the fields that
carry OneRoster's string booleans. Everything the streams share (incremental filter, sorted paging
through the shared client, estimates, checkpoints, error translation) lives in `OneRosterStream`.

Wrapper keys are not declared: the client accepts whichever key a provider wraps a page in
(`users` for /schools/{id}/students, `academicSessions` for /terms, ...).
"""

from __future__ import annotations

import time
from datetime import timedelta
from dataclasses import dataclass
from typing import Any, Generator, Iterable, Iterator, List, Mapping, MutableMapping, Optional, Sequence

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

from campus_oneroster.client import OneRosterClient
from campus_oneroster.errors import NotFoundError, OneRosterError
from campus_oneroster.filters import where
from campus_oneroster.segments import path_segment
from source_campus_oneroster.booleans import normalise_booleans
from source_campus_oneroster.cursor import CURSOR_FIELD, DateLastModifiedCursor, format_instant
from source_campus_oneroster.failures import read_failure, school_not_found
from source_campus_oneroster.record_pages import page_message
from source_campus_oneroster.spec import SourceConfig

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

    `school_paths` are the nested OneRoster 1.1 routes (`{school}` stands for a school sourcedId)
    that serve the collection for one school; a collection without them ignores the school filter.
    """

    name: str
    path: str
    school_paths: tuple[str, ...] = ()
    boolean_fields: tuple[str, ...] = ()

    def paths(self, school_ids: Optional[Sequence[str]]) -> list[tuple[Optional[str], str]]:
        """(school, path) of each sequence one read covers: the collection, or its routes per selected school."""
        if not school_ids or not self.school_paths:
            return [(None, self.path)]
        return [(school, template.format(school=path_segment(school))) for school in school_ids
                for template in self.school_paths]


COLLECTIONS: tuple[Collection, ...] = (
    Collection("orgs", "/orgs"),
    Collection("academic_sessions", "/academicSessions"),
    Collection("courses", "/courses", school_paths=("/schools/{school}/courses",)),
    Collection("classes", "/classes", school_paths=("/schools/{school}/classes",)),
    Collection(
        "users",
        "/users",
        school_paths=("/schools/{school}/students", "/schools/{school}/teachers"),
        boolean_fields=("enabledUser",),
    ),
    Collection(
        "enrollments",
        "/enrollments",
        school_paths=("/schools/{school}/enrollments",),
        boolean_fields=("primary",),
    ),
    Collection("demographics", "/demographics", boolean_fields=DEMOGRAPHIC_FLAGS),
    Collection("categories", "/categories"),
    Collection("line_items", "/lineItems"),
    Collection("results", "/results"),
)


class OneRosterStream(Stream, CheckpointMixin):
    """A OneRoster collection read in `dateLastModified` order, full refresh or incremental.

    Records go out as ready-made Airbyte messages without per-record schema transformation: the
    only per-record work is the string-boolean normalisation the schemas promise. With
    `record_pages` a whole page is one `RecordPage` message (see `record_pages.py`). State is a
    `DateLastModifiedCursor`'s (see `cursor.py` for why it never skips a record); the CDK checkpoints
    it about once per page.
    """

    primary_key = "sourcedId"
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

    @property
    def name(self) -> str:
        return self.collection.name

    @property
    def state_checkpoint_interval(self) -> int:
        """Messages between checkpoints: every page (one message per page, or page_size records)."""
        return 1 if self._record_pages else self._config.page_size

    @property
    def state(self) -> MutableMapping[str, Any]:
        if self._cursor is not None:
            return self._cursor.state
        return {CURSOR_FIELD: self._saved} if self._saved else {}

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        saved = (value or {}).get(CURSOR_FIELD)
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
        paths = self.collection.paths(self._config.school_ids)
        requests_before, started = self._client.requests.total, time.monotonic()
        try:
            emitted = yield from self._read_paths(paths, cursor)
        except OneRosterError as error:
            raise read_failure(error, self.name) from error
        cursor.read_finished()
        self.logger.info(
            f"Read {emitted} {self.name} records in {self._client.requests.total - requests_before} requests "
            f"({time.monotonic() - started:.1f} s); state {cursor.state}"
        )

    def _read_paths(
        self, paths: Sequence[tuple[Optional[str], str]], cursor: DateLastModifiedCursor
    ) -> Generator[AirbyteMessage, None, int]:
        """Every page of every path, checkpointing mid-read only when there is a single sorted sequence.

        Returns how many records were emitted.
        """
        query_filter = where(CURSOR_FIELD, ">=", cursor.lower_bound) if cursor.lower_bound else None
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
        if self.collection.boolean_fields:
            normalise_booleans(records, self.collection.boolean_fields)
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


def build_streams(client: OneRosterClient, config: SourceConfig, *, record_pages: bool) -> list[OneRosterStream]:
    """One stream per collection, all sharing one client (one token, one connection pool)."""
    return [OneRosterStream(collection, client, config, record_pages=record_pages) for collection in COLLECTIONS]
