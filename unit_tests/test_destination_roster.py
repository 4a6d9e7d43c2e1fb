"""`roster.py` against a sandbox on loopback: a batch's snapshot reads what the batch needs, once.

The sandbox is shared by the module's tests: they only read (what a settled batch wrote reaches
the reader's cache through `apply`, never Campus).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

import pytest

from campus_oneroster.client import OneRosterClient
from campus_sandbox.district import generate
from campus_sandbox.server import CampusSandbox
from destination_campus_grades.roster import RosterReader
from destination_campus_grades.snapshot import RosterNeeds, Written
from destination_campus_grades.spec import DestinationConfig
from otus_export.sample import sample_export


@pytest.fixture(scope="module")
def campus() -> Iterator[CampusSandbox]:
    with CampusSandbox(generate("tiny")) as sandbox:
        yield sandbox


@pytest.fixture
def client(campus: CampusSandbox) -> Iterator[OneRosterClient]:
    export = sample_export(campus.state.district)
    with OneRosterClient(DestinationConfig.model_validate(campus.connection_config(**export.config_values()))) as c:
        yield c


def reads(campus: CampusSandbox, before: dict[str, int]) -> Counter:
    """Requests the sandbox served since `before`, by collection."""
    return Counter(campus.stats.by_collection) - Counter(before)


def test_a_snapshot_reads_the_sections_it_needs_once_and_results_only_on_held_line_items(campus, client) -> None:
    section = campus.state.district.section_id(0)
    reader = RosterReader(client)
    before = dict(campus.stats.by_collection)
    first = reader.snapshot(RosterNeeds(frozenset({section}), users=True, sessions=True))
    assert first.section_known(section) and not first.section_forbidden(section)
    assert first.holdings(section).results is None, "no held lineItem was asked about: no results read"
    assert first.sessions and first.users
    read_once = reads(campus, before)
    task = next(iter(first.holdings(section).line_items))  # a Campus grading task it holds
    second = reader.snapshot(RosterNeeds(frozenset({section}), {section: frozenset({task})}, users=True, sessions=True))
    assert reads(campus, before) - read_once == Counter({"classes": 1}), \
        "one request, /classes/{id}/results: the section, users and sessions are cached"
    assert second.holdings(section).results is not None and second.has_grading_task(section, task)


def test_a_section_campus_does_not_know_is_unknown_and_one_not_loaded_is_a_key_error(campus, client) -> None:
    snapshot = RosterReader(client).snapshot(RosterNeeds(frozenset({"999999"})))
    assert not snapshot.section_known("999999") and snapshot.holdings("999999") is None
    with pytest.raises(KeyError):
        snapshot.section_known(campus.state.district.section_id(0))


def test_what_a_settled_batch_wrote_reaches_the_next_snapshot_without_a_read(campus, client) -> None:
    section = campus.state.district.section_id(1)
    reader = RosterReader(client)
    reader.snapshot(RosterNeeds(frozenset({section})))
    body = {"sourcedId": "li-ours", "title": "Quiz 1", "status": "active"}
    reader.apply([Written(section, "lineItems", "li-ours", body)])
    before = dict(campus.stats.by_collection)
    after = reader.snapshot(RosterNeeds(frozenset({section})))
    assert after.held_line_item(section, "li-ours") == body and after.holdings(section).titles["quiz 1"] == "li-ours"
    assert reads(campus, before) == Counter()
    reader.apply([Written(section, "lineItems", "li-ours", None)])
    assert reader.snapshot(RosterNeeds(frozenset({section}))).held_line_item(section, "li-ours") is None


def test_beyond_max_sections_the_least_recently_used_section_is_dropped_and_read_again(campus, client) -> None:
    first, second = campus.state.district.section_id(2), campus.state.district.section_id(3)
    reader = RosterReader(client, max_sections=1)
    reader.snapshot(RosterNeeds(frozenset({first})))
    reader.snapshot(RosterNeeds(frozenset({second})))
    before = dict(campus.stats.by_collection)
    reader.snapshot(RosterNeeds(frozenset({second})))
    assert reads(campus, before) == Counter(), "the section still cached is not read again"
    reader.snapshot(RosterNeeds(frozenset({first})))
    assert reads(campus, before)["classes"] >= 1, "the dropped section is read again"
