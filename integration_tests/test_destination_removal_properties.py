"""Property: under removal_policy delete, nothing is removed without the evidence, and with it exactly what Otus removed.

Each example passes four assessments of one section back under a namespace of its own, then
sends a second sync generated at random: some assessments left out (removed in Otus without a
trace), some sent `deleted` (sometimes followed, after a STATE, by a newer `assigned` copy),
unusable lines that could be assessments, a missing or contrary stream status, the assessments
stream incremental, and the whole input cut at a random byte. It runs through the destination's
own loop (`run_passback` over the bytes of each line, as the console script reads them) against
one sandbox, with small batches so removals asked for early wait across batches and states.

The expectation is computed from what actually arrived: the lineItems removed are the ones whose
last arriving copy says `deleted`, plus, only when the evidence is complete (full refresh, a
COMPLETE status as the stream's last word, no unusable line, a valid assessment), the ones no
arriving record mentioned. The caps are lifted here (`unit_tests/test_destination_disappeared.py`
holds them).
"""

from __future__ import annotations

import json
import uuid

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campus_oneroster.client import OneRosterClient
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.destination import assessments_streams, run_passback
from destination_campus_grades.input import parse_line
from destination_campus_grades.passback import Passback
from destination_campus_grades.plan import line_item_id, namespace_of
from destination_campus_grades.reasons import Outcome
from destination_campus_grades.routing import StreamRoutes
from destination_campus_grades.spec import DestinationConfig
from integration_tests.destination_cli import catalog
from otus_export import bulk_export

ASSESSMENTS = 4
COULD_BE_ASSESSMENTS = [  # unusable lines that might have carried an assessment
    b'{"type": "RECORD", "record": {"stream": "assessments", "data": {"points_possible": NaN}}}',
    b'{"type": "RECORD", "record": {"stream": "assessments", "data": null}}',
    b'{"type": "RECORD", "record": {"data": {"assessment_id": "x"}}}',
    b'{"type": "RECORD", "record": {"stream": "otus_assessments_v", "data": {"assessment_id": "x"}}}',
    b'\xff{"type": "RECORD"}',
]


@pytest.fixture(scope="module")
def campus(district_cache):
    with CampusSandbox(district_cache("tiny")) as sb:
        yield sb


def record_line(stream: str, data: dict) -> bytes:
    return json.dumps({"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 0}}).encode()


def state_line(n: int) -> bytes:
    return json.dumps({"type": "STATE", "state": {"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "assessments"}, "stream_state": {"n": n}}}}).encode()


def status_line(value: str) -> bytes:
    return json.dumps({"type": "TRACE", "trace": {"type": "STREAM_STATUS", "emitted_at": 0, "stream_status": {
        "stream_descriptor": {"name": "assessments"}, "status": value}}}).encode()


def sync(campus: CampusSandbox, config: DestinationConfig, lines: list[bytes], mode: str) -> Passback:
    """One sync through `run_passback`: each line's bytes, the last one without its newline if it was cut."""
    configured = ConfiguredAirbyteCatalogSerializer.load(catalog(("assessments", "scores"), mode))
    routes = StreamRoutes.of(config, configured)
    with OneRosterClient(config) as client:
        run = Passback(config, client, routes, assessments_streams=assessments_streams(configured, routes), batch_size=3)
        try:
            for _ in run_passback(run, (parse_line(n, raw) for n, raw in enumerate(lines, start=1))):
                pass
        except AirbyteTracedException:
            assert not run.ledger.mapped, "only a sync whose records map to nothing fails here"
        finally:
            run.close()
    return run


def split_lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(kept=st.lists(st.booleans(), min_size=ASSESSMENTS, max_size=ASSESSMENTS),
       deleted=st.lists(st.sampled_from(["no", "deleted", "deleted_then_assigned"]), min_size=ASSESSMENTS,
                        max_size=ASSESSMENTS),
       unusable=st.lists(st.tuples(st.integers(0, 20), st.integers(0, len(COULD_BE_ASSESSMENTS) - 1)), max_size=2),
       statuses=st.sampled_from(["complete", "none", "incomplete_after", "complete_after_incomplete"]),
       mode=st.sampled_from(["full_refresh", "full_refresh", "incremental"]),
       cut=st.one_of(st.none(), st.floats(0.0, 1.0)))
def test_removals_rest_on_evidence(campus, kept, deleted, unusable, statuses, mode, cut) -> None:
    records = list(bulk_export(campus.district, sections=1, students_per_section=1, assessments_per_section=ASSESSMENTS))
    namespace = uuid.uuid4()  # a gradebook of its own, even when hypothesis replays an example
    tag = namespace.hex[:8]
    records = [(s, {**r, "title": f"{r['title']} {tag}"} if s == "assessments" else r) for s, r in records]
    config = DestinationConfig.model_validate(campus.connection_config(
        passback_start_date="2026-09-01", district_time_zone="America/Chicago", vendor_namespace=str(namespace),
        removal_policy="delete", max_removals_percent=100, max_removals_per_sync=1000, max_concurrent_requests=2))
    first = sync(campus, config, [record_line(s, r) + b"\n" for s, r in records] +
                 [state_line(0) + b"\n", status_line("COMPLETE") + b"\n"], "full_refresh")
    assert first.report.totals[Outcome.CREATED] == ASSESSMENTS * 2
    section = records[0][1]["section_id"]
    ids = [line_item_id(namespace_of(str(namespace)), f"bulk-{k}", section) for k in range(ASSESSMENTS)]

    # the second sync: (line bytes, what it says: ("assessment", k, state) or None)
    body: list[tuple[bytes, tuple | None]] = []
    for k in range(ASSESSMENTS):
        assessment = next(r for s, r in records if s == "assessments" and r["assessment_id"] == f"bulk-{k}")
        score = next(r for s, r in records if s == "scores" and r["assessment_id"] == f"bulk-{k}")
        if deleted[k] != "no":
            body.append((record_line("assessments", {**assessment, "state": "deleted"}), ("assessment", k, "deleted")))
            body.append((state_line(len(body)), None))
        if kept[k] or deleted[k] == "deleted_then_assigned":
            body.append((record_line("assessments", assessment), ("assessment", k, "assigned")))
            body.append((record_line("scores", score), None))
    for at, which in sorted(unusable, reverse=True):
        body.insert(min(at, len(body)), (COULD_BE_ASSESSMENTS[which], ("unusable",)))
    body.append((state_line(len(body)), None))
    trailer = {"complete": ["STARTED", "COMPLETE"], "none": [], "incomplete_after": ["COMPLETE", "INCOMPLETE"],
               "complete_after_incomplete": ["INCOMPLETE", "COMPLETE"]}[statuses]
    body += [(status_line(value), ("status", value)) for value in trailer]
    data = b"".join(raw + b"\n" for raw, _ in body)
    end = len(data) if cut is None else int(cut * len(data))
    arrived_lines = split_lines(data[:end])
    truncated = bool(arrived_lines) and not arrived_lines[-1].endswith(b"\n")
    whole = len(arrived_lines) - truncated
    meanings = [meaning for _, meaning in body][:whole]

    second = sync(campus, config, arrived_lines, mode)

    last_state: dict[int, str] = {}
    for meaning in meanings:
        if meaning and meaning[0] == "assessment":
            last_state[meaning[1]] = meaning[2]
    status_words = [m[1] for m in meanings if m and m[0] == "status"]
    evidence = (mode == "full_refresh" and bool(status_words) and status_words[-1] == "COMPLETE" and not truncated
                and not any(m and m[0] == "unusable" for m in meanings)
                and any(state == "assigned" or state == "deleted" for state in last_state.values()))
    removed = {ids[k] for k, state in last_state.items() if state == "deleted"}
    if evidence:
        removed |= {ids[k] for k in range(ASSESSMENTS) if k not in last_state}
    with campus.state.lock:
        held = {i for i in ids if i in campus.state.line_items}
    assert held == set(ids) - removed, (evidence, last_state)
    assert second.report.totals[Outcome.DELETED] == len(removed)
    if not evidence and mode == "full_refresh":
        assert any(reason.value.startswith("removal_") for reason in second.report.by_reason)
