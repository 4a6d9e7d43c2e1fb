"""The counts the platform checks on every echoed state: accepted + rejected = what the source sent.

The rule, as the platform states it (airbytehq/airbyte-platform,
airbyte-container-orchestrator/src/main/kotlin/io/airbyte/container/orchestrator/bookkeeping/
StateCheckSumCountEventHandler.kt, `validateStateChecksum`): for a STREAM or GLOBAL state coming
back from the destination, `destinationTotalCount = stats.recordCount + (stats.rejectedRecordCount
?: 0.0)`, and when the state carries `sourceStats`, `sourceStats.recordCount` must equal it
(otherwise "checksum mismatch", and an `InvalidChecksumException` where failing on a mismatch is
enabled). Its test (.../src/test/kotlin/.../bookkeeping/StateCheckSumCountEventHandlerTest.kt)
passes source 6 against destination 5 accepted + 1 rejected.

The property runs generated mixes of accepted, skipped, refused (a section the key may not see)
and invalid records, under STREAM or GLOBAL states that carry the source's `sourceStats` as the
CDK counts them (per stream since that stream's previous state; every record for a global one),
through the destination's own loop from the bytes of each line (the console script's path). The
console test runs `destination-campus-grades write` once on such a mix; the library path (the CDK's
models, which lack rejectedRecordCount) puts both in recordCount, which the handler then compares alone.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, ConfiguredAirbyteCatalogSerializer, Type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campus_oneroster.client import OneRosterClient
from campus_sandbox.options import SandboxOptions
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.destination import DestinationCampusGrades, Echo, run_passback
from destination_campus_grades.input import parse_line
from destination_campus_grades.passback import Passback
from destination_campus_grades.routing import StreamRoutes
from destination_campus_grades.spec import DestinationConfig
from integration_tests.destination_cli import SCRIPT, catalog, parse_messages, write_files
from otus_export import bulk_export

STUDENTS = 2
KINDS = ("accepted", "skipped", "invalid", "refused")


@dataclass(frozen=True)
class District:
    """A sandbox whose key may not see the first section, and the records of both sections."""

    sandbox: CampusSandbox
    allowed: list[tuple[str, dict]]
    forbidden: list[tuple[str, dict]]


@pytest.fixture(scope="module")
def district(district_cache):
    records = list(bulk_export(district_cache("tiny"), sections=2, students_per_section=STUDENTS,
                               assessments_per_section=1))
    per_section = len(records) // 2
    forbidden, allowed = records[:per_section], records[per_section:]
    options = SandboxOptions(forbidden_sections=frozenset({forbidden[0][1]["section_id"]}))
    with CampusSandbox(district_cache("tiny"), options=options) as sb:
        yield District(sb, allowed, forbidden)


@dataclass(frozen=True)
class Element:
    kind: str  # accepted | skipped | invalid | refused (scores), assessment, state
    student: int = 0
    value: int = 0  # points; for a state: which stream (0 scores, 1 assessments)


elements = st.one_of(
    st.builds(Element, st.sampled_from(KINDS), st.integers(0, STUDENTS - 1), st.integers(0, 20)),
    st.builds(Element, st.just("assessment"), value=st.integers(0, 1)),  # 1: the forbidden section's
    st.builds(Element, st.just("state"), value=st.integers(0, 1)),
)


def protocol(district: District, elements: list[Element], global_states: bool, title: str) -> list[dict]:
    """The messages a source would send: each state with `sourceStats.recordCount` as the CDK counts it."""
    allowed_scores = [d for s, d in district.allowed if s == "scores"]
    forbidden_scores = [d for s, d in district.forbidden if s == "scores"]
    since: Counter = Counter()
    messages = []
    for n, element in enumerate(elements):
        if element.kind == "state":
            stream = ("scores", "assessments")[element.value]
            count = sum(since.values()) if global_states else since[stream]
            state = ({"type": "GLOBAL", "global": {"shared_state": {"n": n}, "stream_states": []}} if global_states
                     else {"type": "STREAM", "stream": {"stream_descriptor": {"name": stream},
                                                        "stream_state": {"n": n}}})
            messages.append({"type": "STATE", "state": {**state, "sourceStats": {"recordCount": float(count)}}})
            if global_states:
                since.clear()
            else:
                del since[stream]
            continue
        if element.kind == "assessment":
            data = (district.allowed, district.forbidden)[element.value][0][1]
            stream, data = "assessments", {**data, "title": f"{data['title']} {title}"}
        else:
            data = (forbidden_scores if element.kind == "refused" else allowed_scores)[element.student]
            stream, data = "scores", {**data, "points": element.value}
            if element.kind == "skipped":
                data["status"] = "excluded"
            elif element.kind == "invalid":
                data["points"] = "ten"
        since[stream] += 1
        messages.append({"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 0}})
    return messages


def assert_platform_counts(state: dict, stats: dict) -> None:
    """StateCheckSumCountEventHandler's comparison, on one echoed state."""
    destination_total = stats["recordCount"] + stats.get("rejectedRecordCount", 0.0)
    assert destination_total == state["sourceStats"]["recordCount"], (state, stats)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(body=st.lists(elements, min_size=1, max_size=24), global_states=st.booleans(),
       batch_size=st.integers(1, 5), namespace=st.uuids())
def test_accepted_plus_rejected_is_the_sources_count_on_every_state(district, body, global_states, batch_size,
                                                                      namespace) -> None:
    # an assessment first (else nothing may map and the sync is a config error), a state of each stream last
    elements = [Element("assessment"), *body, Element("state", value=0), Element("state", value=1)]
    messages = protocol(district, elements, global_states, namespace.hex[:8])
    config = DestinationConfig.model_validate(district.sandbox.connection_config(
        passback_start_date="2026-09-01", district_time_zone="America/Chicago", vendor_namespace=str(namespace)))
    echoed = []
    with OneRosterClient(config) as client:
        run = Passback(config, client, StreamRoutes.of(config), batch_size=batch_size, waiting_in_memory=2)
        try:
            lines = (parse_line(n, json.dumps(m).encode() + b"\n") for n, m in enumerate(messages, start=1))
            echoed = [m for m in run_passback(run, lines) if isinstance(m, Echo)]
        finally:
            run.close()
    assert len(echoed) == sum(m["type"] == "STATE" for m in messages)
    for echo in echoed:
        assert_platform_counts(echo.payload["state"], {"recordCount": float(echo.stats.record_count),
                                                       "rejectedRecordCount": float(echo.stats.rejected_count)})
    totals = run.report.totals
    rejected = sum(echo.stats.rejected_count for echo in echoed)
    assert rejected == sum(v for k, v in totals.items() if k.value in ("invalid_input", "refused_by_campus"))


def test_the_console_script_echoes_counts_the_platform_accepts(district, tmp_path: Path) -> None:
    elements = [Element("assessment"), Element("assessment", value=1), Element("accepted", 0, 12),
                Element("skipped", 1), Element("state", value=0), Element("invalid", 0), Element("refused", 1, 3),
                Element("accepted", 1, 9), Element("state", value=0), Element("state", value=1)]
    messages = protocol(district, elements, False, "console")
    config_path, catalog_path = write_files(tmp_path, district.sandbox.connection_config(
        passback_start_date="2026-09-01", district_time_zone="America/Chicago",
        vendor_namespace="9f6c4c8e-1d0a-4a55-9d4e-6a1b2c3d4e5f"))
    done = subprocess.run([str(SCRIPT), "write", "--config", str(config_path), "--catalog", str(catalog_path)],
                          input="".join(json.dumps(m) + "\n" for m in messages), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    states = [m["state"] for m in parse_messages(done.stdout) if m["type"] == "STATE"]
    assert [s["destinationStats"] for s in states] == [
        {"recordCount": 2.0, "rejectedRecordCount": 0.0},  # an accepted score and a skipped one
        {"recordCount": 1.0, "rejectedRecordCount": 2.0},  # invalid, refused, accepted
        {"recordCount": 1.0, "rejectedRecordCount": 1.0},  # the forbidden section's assessment is refused
    ]
    for state in states:
        assert_platform_counts(state, state["destinationStats"])


def test_the_library_path_counts_every_record_in_record_count(district) -> None:
    """The CDK's models have no rejectedRecordCount; the platform then takes it as 0 and compares
    recordCount alone with the source's count, so there recordCount holds both."""
    elements = [Element("assessment"), Element("accepted", 0, 5), Element("invalid", 1), Element("refused", 0, 2),
                Element("state", value=0), Element("state", value=1)]
    messages = [AirbyteMessageSerializer.load(m) for m in protocol(district, elements, False, "library")]
    config = district.sandbox.connection_config(passback_start_date="2026-09-01", district_time_zone="America/Chicago",
                                                vendor_namespace="0b7c6d3e-2f41-4c58-8a9e-1d2c3b4a5f60")
    output = DestinationCampusGrades().write(config, ConfiguredAirbyteCatalogSerializer.load(catalog()), iter(messages))
    states = [m.state for m in output if m.type == Type.STATE]
    assert [(s.destinationStats.recordCount, s.sourceStats.recordCount) for s in states] == [(3.0, 3.0), (1.0, 1.0)]
