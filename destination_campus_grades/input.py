"""The platform's input, line by line → records, states, or the reason a line is unusable.

We read stdin ourselves, as bytes, because the CDK's parser logs an unparseable line whole (a
student's record) and skips it, and stops the sync on an invalid UTF-8 byte. Here every line gets
its number and one of: a `RecordLine`, a `StateLine`, an `InvalidLine` with its own reason code
(never its content), a `StreamStatusLine` (the platform's STREAM_STATUS trace: did a stream
complete), or an `IgnoredLine` (a blank line, or a message type a destination does not act on,
such as LOG). Nothing a line holds is logged.

The same types come out of `from_messages` for library callers of `write` (the CDK's standard
tests, PyAirbyte in-process), whose messages are already parsed: message n is line n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable, Iterator, Union

import orjson
from airbyte_cdk.models import AirbyteMessage, AirbyteStateType, AirbyteStreamStatus, TraceType, Type

from destination_campus_grades.reasons import Reason

BOM = b"\xef\xbb\xbf"
StreamKey = tuple[str, str | None]  # (name, namespace)


@dataclass(frozen=True, slots=True)
class RecordLine:
    number: int
    stream: str
    namespace: str | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StateLine:
    """A state to echo once its records are settled. `stream` is None for GLOBAL and LEGACY states
    (they cover every stream); `payload` is what is echoed: the parsed JSON object on the console
    path, the CDK's AirbyteMessage on the library path."""

    number: int
    stream: StreamKey | None
    payload: Any


@dataclass(frozen=True, slots=True)
class InvalidLine:
    number: int
    reason: Reason
    stream: StreamKey | None = None  # when the line said which stream it belongs to


@dataclass(frozen=True, slots=True)
class StreamStatusLine:
    number: int
    stream: StreamKey  # (name, namespace or None; "" is none, as the platform takes it)
    complete: bool  # COMPLETE; any other status (STARTED, RUNNING, INCOMPLETE) is not


@dataclass(frozen=True, slots=True)
class IgnoredLine:
    number: int
    what: str  # "blank" or the message type


InputLine = Union[RecordLine, StateLine, InvalidLine, StreamStatusLine, IgnoredLine]


def read_lines(stream: BinaryIO) -> Iterator[InputLine]:
    """Every line of the platform's input, numbered from 1, in order."""
    for number, raw in enumerate(stream, start=1):
        yield parse_line(number, raw)


def parse_line(number: int, raw: bytes) -> InputLine:
    """One line of input (with or without its newline) → what it is."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]  # an encoding mark some writers put at the start of a file, not content
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        if not raw.strip():
            return IgnoredLine(number, "blank")
        return InvalidLine(number, _unparseable(raw))
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return InvalidLine(number, Reason.LINE_NOT_A_MESSAGE)
    kind = message["type"]
    if kind == "RECORD":
        return _record(number, message.get("record"))
    if kind == "STATE":
        state = message.get("state")
        if not isinstance(state, dict):
            return InvalidLine(number, Reason.STATE_MALFORMED)
        return StateLine(number, _state_stream(state), message)
    if kind == "TRACE":
        status = _stream_status(number, message.get("trace"))
        if status is not None:
            return status
    if kind in Type.__members__:
        return IgnoredLine(number, kind)
    return InvalidLine(number, Reason.LINE_NOT_A_MESSAGE)


def _stream_status(number: int, trace: Any) -> StreamStatusLine | None:
    if not isinstance(trace, dict) or trace.get("type") != "STREAM_STATUS":
        return None
    status = trace.get("stream_status")
    descriptor = status.get("stream_descriptor") if isinstance(status, dict) else None
    if not isinstance(descriptor, dict):
        return None
    name, namespace = descriptor.get("name"), descriptor.get("namespace")
    if not isinstance(name, str):
        return None
    return StreamStatusLine(number, (name, namespace if isinstance(namespace, str) and namespace else None),
                            status.get("status") == "COMPLETE")


def _unparseable(raw: bytes) -> Reason:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return Reason.LINE_NOT_UTF8
    if not raw.endswith(b"\n"):
        return Reason.LINE_TRUNCATED  # the last line, cut off before its end
    return Reason.LINE_NOT_JSON


def _record(number: int, record: Any) -> RecordLine | InvalidLine:
    if not isinstance(record, dict) or not isinstance(record.get("stream"), str):
        return InvalidLine(number, Reason.RECORD_MALFORMED)
    namespace = record.get("namespace") if isinstance(record.get("namespace"), str) else None
    data = record.get("data")
    if not isinstance(data, dict):
        return InvalidLine(number, Reason.RECORD_DATA_NOT_OBJECT, (record["stream"], namespace))
    return RecordLine(number, record["stream"], namespace, data)


def _state_stream(state: dict[str, Any]) -> StreamKey | None:
    """The stream a STREAM state belongs to; None when it covers every stream."""
    if state.get("type") != "STREAM":
        return None
    descriptor = (state.get("stream") or {}).get("stream_descriptor") or {}
    return (str(descriptor.get("name")), descriptor.get("namespace"))


def from_messages(messages: Iterable[AirbyteMessage]) -> Iterator[InputLine]:
    """The CDK's parsed messages as numbered input lines (the library path of `write`)."""
    for number, message in enumerate(messages, start=1):
        if message.type == Type.RECORD and message.record is not None:
            record = message.record
            if isinstance(record.data, dict):
                yield RecordLine(number, record.stream, record.namespace, record.data)
            else:
                yield InvalidLine(number, Reason.RECORD_DATA_NOT_OBJECT, (record.stream, record.namespace))
        elif message.type == Type.STATE and message.state is not None:
            state = message.state
            stream = None
            if state.type == AirbyteStateType.STREAM and state.stream is not None:
                descriptor = state.stream.stream_descriptor
                stream = (descriptor.name, descriptor.namespace)
            yield StateLine(number, stream, message)
        elif message.type == Type.TRACE and message.trace.type == TraceType.STREAM_STATUS:
            status = message.trace.stream_status
            descriptor = status.stream_descriptor
            yield StreamStatusLine(number, (descriptor.name, descriptor.namespace or None),
                                   status.status == AirbyteStreamStatus.COMPLETE)
        elif message.type in (Type.RECORD, Type.STATE):
            malformed = Reason.RECORD_MALFORMED if message.type == Type.RECORD else Reason.STATE_MALFORMED
            yield InvalidLine(number, malformed)
        else:
            yield IgnoredLine(number, message.type.value)
