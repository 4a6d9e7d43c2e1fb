"""Whole pages through the CDK as one message each, written to stdout as ready-made JSON lines.

Why: profiling a 1,000,000-enrollment read showed the CDK spending about twice as long per record
as parsing the page and serialising the record (~19 µs against ~9 µs): every record became an
`AirbyteMessage`, walked five generator layers, got counted, checked against the memory monitor,
serialised by serpyco and orjson and printed through a locked buffer. Here a page of records
travels through the CDK's read loop as one `RecordPage` message (so stream status, checkpointing
and error handling stay the CDK's), and `PageWritingEntrypoint` writes its records as standard
RECORD lines with one `orjson.dumps` each. The bytes on stdout are the protocol's, line for line.

The contract, each part tested:
- `RecordPage` is its own type, not an `AirbyteRecordMessage`: the CDK's serialiser, reached by
  mistake (the stock `launch`), fails loudly on it instead of printing one `"data":{}` record.
- Ownership: the stream hands the page's `records` list over with the message; the page writer
  owns it from then on and clears it once written (the client counted it before yielding it).
- The same records as the CDK's per-record path, byte for byte: the CDK's serialiser omits a
  record's top-level null fields, so `page_lines` omits them too (nested nulls stay, as there).
- The CDK's memory monitor still runs: it counts messages (one per 5,000), so the page writer
  asks its own `MemoryMonitor` once per page, i.e. at least as often as per 5,000 records.
- Every line that is not a record passes the one redactor (`campus_oneroster.redaction`), which
  also learns the config's secrets in every form when the CDK sets up its own secret filter.

Only the console script uses it (`run.py`); a source built without `record_pages=True` (the CDK's
standard tests, in-process callers) yields ordinary per-record messages. One visible difference:
the CDK's own "Read N records from <stream> stream" log line counts pages here; the stream's
preceding "Read N <stream> records in M requests" line has the record count.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, DefaultDict, Iterable, List, Mapping, Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER
from airbyte_cdk.models import AirbyteMessage, Type
from airbyte_cdk.sources import Source
from airbyte_cdk.sources.connector_state_manager import HashableStreamDescriptor
from airbyte_cdk.utils.memory_monitor import MemoryMonitor

from campus_oneroster.redaction import REDACTOR

RECORD_LINE_PREFIX = '{"type":"RECORD"'


@dataclass
class RecordPage:
    """A page of one stream's records, standing in for that many RECORD messages.

    Not an `AirbyteRecordMessage`, and `data` raises: a page must be written by
    `PageWritingEntrypoint`, never serialised as if it were one record.
    """

    stream: str
    records: List[dict]
    emitted_at: int
    namespace: Optional[str] = None

    @property
    def data(self) -> Mapping[str, Any]:
        raise TypeError(
            f"a RecordPage of {len(self.records)} {self.stream} records reached a serialiser that expects one "
            "record: run the source through record_pages.launch_with_pages"
        )


def page_message(stream: str, records: List[dict], emitted_at: int) -> AirbyteMessage:
    """A RECORD message carrying a whole page; `records` is handed over with it (see the contract above)."""
    return AirbyteMessage(type=Type.RECORD, record=RecordPage(stream=stream, records=records, emitted_at=emitted_at))


def page_lines(page: RecordPage) -> bytes:
    """The page as RECORD lines, byte-identical to what the CDK prints for each record."""
    head = b'{"type":"RECORD","record":{"stream":' + orjson.dumps(page.stream) + b',"data":'
    tail = b',"emitted_at":' + str(page.emitted_at).encode() + b"}}\n"
    dumps = orjson.dumps
    return b"".join([
        head + dumps(record if None not in record.values() else {k: v for k, v in record.items() if v is not None})
        + tail
        for record in page.records
    ])


class PageWritingEntrypoint(AirbyteEntrypoint):
    """The CDK entrypoint, except that `RecordPage` messages are written straight to stdout."""

    def __init__(self, source: Source) -> None:
        super().__init__(source)
        self._page_memory = MemoryMonitor(check_interval=1)

    def read(self, source_spec: Any, config: Any, catalog: Any, state: list[Any]) -> Iterable[AirbyteMessage]:
        for message in super().read(source_spec, config, catalog, state):
            if message.type == Type.RECORD and isinstance(message.record, RecordPage):
                write_page(message.record)
                # Written: the page writer owns the list; free its dicts now, not when the next page replaces it.
                message.record.records.clear()
                self._page_memory.check_memory_usage()
            else:
                yield message

    @staticmethod
    def handle_record_counts(
        message: AirbyteMessage, stream_message_count: DefaultDict[HashableStreamDescriptor, float]
    ) -> AirbyteMessage:
        """A page counts as its records, so each STATE's sourceStats.recordCount stays exact."""
        if message.type == Type.RECORD and isinstance(message.record, RecordPage):
            descriptor = HashableStreamDescriptor(name=message.record.stream, namespace=message.record.namespace)
            stream_message_count[descriptor] += float(len(message.record.records))
            return message
        return AirbyteEntrypoint.handle_record_counts(message, stream_message_count)

    @staticmethod
    def set_up_secret_filter(config: Any, connection_specification: Mapping[str, Any]) -> None:
        """The CDK's filter, then the one redactor learns the config (every form) and refills it."""
        AirbyteEntrypoint.set_up_secret_filter(config, connection_specification)
        REDACTOR.learn_config(config, connection_specification)
        REDACTOR.sync_with_cdk()


def write_page(page: RecordPage) -> None:
    """Flush what the CDK printed before this page, then append the page's lines in order."""
    sys.stdout.flush()
    out = sys.__stdout__
    out.flush()
    out.buffer.write(page_lines(page))
    out.buffer.flush()


def launch_with_pages(source: Source, args: list[str]) -> None:
    """`airbyte_cdk.entrypoint.launch`, with the page-writing entrypoint and the redactor on every other line."""
    entrypoint = PageWritingEntrypoint(source)
    parsed_args = entrypoint.parse_args(args)
    with PRINT_BUFFER:
        for message in entrypoint.run(parsed_args):
            line = message if message.startswith(RECORD_LINE_PREFIX) else REDACTOR.redact_line(message)
            print(f"{line}\n", end="")
