"""`paging.CollectionRead` on its own: where a collection ends, and that a broken provider's read ends too.

The pages are played on it directly, as the client hands them over (`accept` before a page is
yielded, `ends_after` to decide whether to ask for the next); the same rules against a live
hostile provider are `integration_tests/test_client_hostile_paging.py`.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campus_oneroster.errors import RunawayPagingError
from campus_oneroster.paging import PROMISE_FACTOR, SLACK_PAGES, CollectionRead, PageSignals

GET_USERS = ("GET", "/users")


def page(offset: int, size: int) -> list[dict]:
    return [{"sourcedId": f"u{offset + n}"} for n in range(size)]


def signals(total: int | None = None, *, link: bool = False, next_page: bool = False, raw: str | None = None) -> PageSignals:
    return PageSignals(total=total, link_sent=link, has_next=next_page, raw_total=raw if raw else
                       (str(total) if total is not None else None))


@given(total=st.integers(1, 300), limit=st.integers(1, 50), cap=st.integers(1, 50),
       headers=st.sampled_from(["total", "link", "both"]))
def test_an_honest_provider_is_read_to_its_last_record_whatever_it_caps_pages_at(total, limit, cap, headers) -> None:
    """A short page (the provider capped it below `limit`) never ends the read; the end signal does."""
    read, offset, pages = CollectionRead(GET_USERS, limit), 0, 0
    while True:
        size = min(limit, cap, total - offset)
        more = offset + size < total
        sent = signals(total if headers != "link" else None, link=headers != "total", next_page=more)
        read.accept(page(offset, size), offset, sent)
        pages += 1
        if read.ends_after(sent, offset, size):
            break
        offset += size
        assert pages <= total + 1, "the read did not end"
    assert read.records_read == total


def test_without_either_header_only_an_empty_page_ends_the_read() -> None:
    read = CollectionRead(GET_USERS, 10)
    assert not read.ends_after(signals(), 0, 3), "a short page says nothing about the end"
    assert read.ends_after(signals(), 3, 0)


def test_when_total_and_link_disagree_the_read_follows_the_one_that_reads_more(caplog) -> None:
    read = CollectionRead(GET_USERS, 10)
    with caplog.at_level(logging.WARNING, logger="campus_oneroster"):
        assert not read.ends_after(signals(10, link=True, next_page=True), 0, 10), "Link offers more than the total"
        assert not read.ends_after(signals(100, link=True, next_page=False), 10, 10), "the total promises more"
    assert len([r for r in caplog.records if "disagree" in r.getMessage()]) == 1, "said once per read"


def test_a_page_repeating_the_previous_one_is_refused_before_it_is_emitted() -> None:
    read = CollectionRead(GET_USERS, 5)
    read.accept(page(0, 5), 0, signals())
    with pytest.raises(RunawayPagingError, match=r"GET /users.*page at offset 5 repeats the page at offset 0"):
        read.accept(page(0, 5), 5, signals())  # the provider ignored offset=5
    assert read.records_read == 5


def test_more_records_than_the_promised_total_allows_end_the_read() -> None:
    limit, promised = 5, 10
    read = CollectionRead(GET_USERS, limit)
    bound = PROMISE_FACTOR * promised + SLACK_PAGES * limit
    offset = 0
    with pytest.raises(RunawayPagingError, match="X-Total-Count promised 10"):
        while offset <= bound:
            read.accept(page(offset, limit), offset, signals(promised, link=True, next_page=True))
            offset += limit
    assert read.bound == bound and offset == bound  # the page that went past the bound was refused


def test_a_total_that_is_no_count_or_below_what_was_served_bounds_nothing(caplog) -> None:
    unreadable = CollectionRead(GET_USERS, 5)
    with caplog.at_level(logging.WARNING, logger="campus_oneroster"):
        unreadable.accept(page(0, 5), 0, signals(raw="lots"))
        disproved = CollectionRead(GET_USERS, 5)
        disproved.accept(page(0, 5), 0, signals(2))
    assert unreadable.bound is None and disproved.bound is None
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "'lots' is not a count" in messages and "below the 5 records already served" in messages
