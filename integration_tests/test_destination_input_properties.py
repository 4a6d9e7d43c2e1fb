"""Property: over generated input streams, every line is accounted for, the last copy of a record
wins, and no state is echoed before the records it covers are settled.

Streams mix valid assessments and scores (with duplicates whose points differ), unusable lines of
every kind, invalid records that supersede valid copies, unmapped streams, ignored lines and
STREAM or GLOBAL states anywhere, in any order (scores before their assessment included). They
run through the destination's own loop (`run_passback`, the console script's path from the bytes
of each line) against one sandbox, with small batches and a small waiting cap so batches in
flight, waiting and spilled scores all occur. Each example writes under its own vendor namespace,
so it starts from an empty gradebook. What Campus holds is checked at every echoed state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from campus_oneroster.client import OneRosterClient
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.destination import Echo, run_passback
from destination_campus_grades.input import parse_line
from destination_campus_grades.passback import Passback
from destination_campus_grades.plan import namespace_of, score_result_id
from destination_campus_grades.routing import StreamRoutes
from destination_campus_grades.spec import DestinationConfig
from otus_export import bulk_export

ASSESSMENTS, STUDENTS = 2, 3
UNUSABLE = [b'{"type": "RECORD", "record": {"stream": "scores", "data": {"points": NaN}}}', b"\xff\xfe",
            b'[1, 2]', b'"text"', b'{"type": "RECORD", "record": {"stream": "scores", "data": null}}',
            b'{"type": "RECORD"}', b'{"type": "STATE"}', b'{"type": "RECORD", "record": {"stream": "sc']
IGNORED = [b"", b'{"type": "LOG", "log": {"level": "INFO", "message": "hello"}}']


@pytest.fixture(scope="module")
def campus(district_cache):
    with CampusSandbox(district_cache("tiny")) as sb:
        yield sb


@dataclass(frozen=True)
class Element:
    kind: str  # assessment | score | bad_score | unusable | unmapped | ignored | state
    assessment: int = 0
    student: int = 0
    value: int = 0  # points, title variant, or which unusable/ignored line


elements = st.one_of(
    st.builds(Element, st.just("assessment"), st.integers(0, ASSESSMENTS - 1), st.just(0), st.integers(0, 2)),
    st.builds(Element, st.just("score"), st.integers(0, ASSESSMENTS - 1), st.integers(0, STUDENTS - 1),
              st.integers(0, 20)),
    st.builds(Element, st.just("bad_score"), st.integers(0, ASSESSMENTS - 1), st.integers(0, STUDENTS - 1)),
    st.builds(Element, st.just("unusable"), value=st.integers(0, len(UNUSABLE) - 1)),
    st.builds(Element, st.just("ignored"), value=st.integers(0, len(IGNORED) - 1)),
    st.builds(Element, st.just("unmapped")),
    st.builds(Element, st.just("state"), value=st.integers(0, 2)),
)


def _line(element: Element, n: int, base: dict, example: str) -> bytes:
    def record(stream: str, data: dict) -> bytes:
        return json.dumps({"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 0}}).encode()

    if element.kind == "assessment":
        data = base["assessments"][element.assessment]
        # a title of its own per example: Campus refuses a second lineItem of a section with the same title
        return record("assessments", {**data, "title": f"{data['title']} {example} v{element.value}"})
    if element.kind in ("score", "bad_score"):
        data = base["scores"][(element.assessment, element.student)]
        return record("scores", {**data, "points": element.value if element.kind == "score" else "ten"})
    if element.kind == "unmapped":
        return record("otus_unmapped_view", {"anything": n})
    if element.kind == "unusable":
        return UNUSABLE[element.value]
    if element.kind == "ignored":
        return IGNORED[element.value]
    state = ({"type": "GLOBAL", "global": {"shared_state": {"n": n}, "stream_states": []}} if element.value == 0 else
             {"type": "STREAM", "stream": {"stream_descriptor": {"name": ("scores", "assessments")[element.value - 1]},
                                           "stream_state": {"n": n}}})
    return json.dumps({"type": "STATE", "state": state}).encode()


def _state_number(state: dict) -> int:
    """The element index a generated state carries."""
    return (state["global"]["shared_state"] if state["type"] == "GLOBAL" else state["stream"]["stream_state"])["n"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(stream=st.lists(elements, max_size=40), batch_size=st.integers(1, 6), waiting=st.integers(1, 4),
       namespace=st.uuids())
def test_every_line_is_accounted_for_and_no_state_overtakes_its_records(campus, stream, batch_size, waiting,
                                                                         namespace) -> None:
    assume(any(e.kind in ("assessment", "score", "bad_score") for e in stream))  # else: a config error
    records = list(bulk_export(campus.district, sections=1, students_per_section=STUDENTS,
                               assessments_per_section=ASSESSMENTS))
    base = {"assessments": [d for s, d in records if s == "assessments"],
            "scores": {(int(d["assessment_id"].split("-")[1]), m % STUDENTS): d
                       for m, (s, d) in enumerate((r for r in records if r[0] == "scores"))}}
    stream = [*stream, Element("state")]  # a final GLOBAL state: every count lands on some state
    raw = [_line(element, n, base, namespace.hex[:8]) for n, element in enumerate(stream)]
    config = DestinationConfig.model_validate(campus.connection_config(
        passback_start_date="2026-09-01", district_time_zone="America/Chicago", vendor_namespace=str(namespace),
        max_concurrent_requests=3))
    plan_namespace = namespace_of(str(namespace))

    def result_of(assessment: int, student: int) -> dict | None:
        data = base["scores"][(assessment, student)]
        with campus.state.lock:
            return campus.state.results.get(score_result_id(plan_namespace, data["assessment_id"], data["section_id"],
                                                            data["student_id"]))

    last_copy = {}
    for n, element in enumerate(stream):
        if element.kind in ("score", "bad_score"):
            last_copy[(element.assessment, element.student)] = (n, element)
    has_assessment = {e.assessment for e in stream if e.kind == "assessment"}
    counted = [e.kind not in ("state", "ignored") for e in stream]
    echoed: list[tuple[int, Echo]] = []
    with OneRosterClient(config) as client:
        run = Passback(config, client, StreamRoutes.of(config), batch_size=batch_size, waiting_in_memory=waiting)
        try:
            for message in run_passback(run, (parse_line(n + 1, line + b"\n") for n, line in enumerate(raw))):
                if not isinstance(message, Echo):
                    continue
                n = _state_number(message.payload["state"])
                echoed.append((n, message))
                # every record or unusable line before this state has its outcome
                assert sum(run.report.totals.values()) >= sum(counted[:n]), n
                # and the last copy of each score before it is what Campus holds
                for (k, m), (copy_at, copy) in last_copy.items():
                    if copy_at < n and copy.kind == "score" and k in has_assessment:
                        assert (result_of(k, m) or {}).get("score") == copy.value, (k, m)
        finally:
            run.close()
    report = run.report.as_dict()
    assert report["input"]["lines"] == len(raw)
    assert sum(report["totals"].values()) == report["input"]["records"] + report["input"]["invalid"] == sum(counted)
    states = [n for n, e in enumerate(stream) if e.kind == "state"]
    assert [n for n, _ in echoed] == states, "every state is echoed once, in order"
    assert sum(e.stats.record_count + e.stats.rejected_count for _, e in echoed) == sum(counted)
    assert sum(e.stats.rejected_count for _, e in echoed) == \
        report["totals"]["invalid_input"] + report["totals"]["refused_by_campus"]
    for (k, m), (_, copy) in last_copy.items():
        if copy.kind == "score" and k in has_assessment:
            assert result_of(k, m)["score"] == copy.value
