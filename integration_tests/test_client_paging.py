"""Paged reads against the sandbox: capped pages, missing headers, wrapper keys, filter/sort/fields."""

from datetime import datetime, timezone

import pytest

from campus_oneroster.client import OneRosterClient
from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import InvalidDataError
from campus_oneroster.filters import where

FAST = {"retry_base_seconds": 0.01, "max_retries": 2}


def client_for(sandbox, **overrides) -> OneRosterClient:
    return OneRosterClient(ConnectionConfig.model_validate(sandbox.connection_config(auth="oauth2", **FAST, **overrides)))


def reference_enrollments(make_sandbox) -> list[str]:
    """Every enrollment id of the small district, read in uncapped pages."""
    with make_sandbox("small") as sandbox, client_for(sandbox, page_size=50_000) as client:
        ids = [e["sourcedId"] for e in client.iter_records("/enrollments")]
    assert len(ids) == len(set(ids)) > 2_000
    return ids


@pytest.mark.parametrize("total,link", [(True, True), (True, False), (False, True), (False, False)],
                         ids=["total+link", "total-only", "link-only", "neither"])
def test_capped_pages_yield_every_record_exactly_once(make_sandbox, total, link):
    """Server caps at 37 while 50,000 is asked: short pages must never end the read early."""
    reference = reference_enrollments(make_sandbox)
    with make_sandbox("small", max_page_size=37, send_total_count=total, send_link=link) as sandbox, \
            client_for(sandbox, page_size=50_000, max_concurrent_requests=3) as client:
        pages = list(client.iter_pages("/enrollments"))
    ids = [record["sourcedId"] for page in pages for record in page.records]
    assert ids == reference
    assert [page.offset for page in pages] == list(range(0, len(ids), 37))
    assert all(page.total == (len(ids) if total else None) for page in pages)
    expected_requests = -(-len(ids) // 37) + (0 if total or link else 1)  # + the empty page ending a bare read
    assert sandbox.stats.by_method["GET"] == expected_requests


def test_prefetched_pages_arrive_in_order_with_the_total(sandbox):
    with client_for(sandbox, page_size=40, max_concurrent_requests=4) as client:
        pages = list(client.iter_pages("/users"))
        assert client.count("/users") == pages[0].total == sum(len(p.records) for p in pages)
    assert [p.offset for p in pages] == [40 * i for i in range(len(pages))]


def test_students_and_terms_accept_their_base_type_wrapper_keys(sandbox):
    with client_for(sandbox) as client:
        students = list(client.iter_records("/students"))
        terms = list(client.iter_records("/terms"))
        grading_periods = list(client.iter_records("/gradingPeriods"))
        teachers_of_a_class = list(client.iter_records(
            f"/classes/{next(client.iter_records('/classes'))['sourcedId']}/teachers"))
    assert students and {s["role"] for s in students} == {"student"}
    assert terms and "gradingPeriod" not in {t["type"] for t in terms}
    assert grading_periods and {g["type"] for g in grading_periods} == {"gradingPeriod"}
    assert teachers_of_a_class and {t["role"] for t in teachers_of_a_class} == {"teacher"}


def test_get_unwraps_the_singular_envelope(sandbox):
    with client_for(sandbox) as client:
        section = next(client.iter_records("/classes"))
        assert client.get(f"/classes/{section['sourcedId']}") == section


def test_and_or_filters_and_quoted_values_select_exactly_the_matching_records(sandbox):
    with client_for(sandbox) as client:
        users = list(client.iter_records("/users"))
        obriens = list(client.iter_records("/users", filter=where("familyName", "=", "O'Brien")))
        teachers_or_admins = list(client.iter_records(
            "/users", filter=where("role", "=", "teacher") | where("role", "=", "administrator")))
        cutoff = sorted(u["dateLastModified"] for u in users)[len(users) // 2]
        since = datetime.fromisoformat(cutoff.replace("Z", "+00:00")).astimezone(timezone.utc)
        recent_students = list(client.iter_records(
            "/users", filter=where("dateLastModified", ">", since) & where("role", "=", "student")))
        containing = list(client.iter_records("/users", filter=where("familyName", "~", "ü")))
    assert obriens == [u for u in users if u["familyName"] == "O'Brien"] != []
    assert teachers_or_admins == [u for u in users if u["role"] in ("teacher", "administrator")]
    assert recent_students == [u for u in users if _after(u["dateLastModified"], since) and u["role"] == "student"] != []
    assert containing == [u for u in users if "ü" in u["familyName"]] != []


def test_sort_order_by_and_fields(sandbox):
    with client_for(sandbox, page_size=25, max_concurrent_requests=3) as client:
        descending = list(client.iter_records("/courses", sort="title", order_by="desc"))
        projected = list(client.iter_records("/courses", fields=["sourcedId", "title"]))
    titles = [c["title"] for c in descending]
    assert titles == sorted(titles, reverse=True)
    assert {tuple(sorted(c)) for c in projected} == {("sourcedId", "title")}


def test_a_filter_on_an_unknown_field_is_refused_in_the_providers_words(sandbox):
    with client_for(sandbox) as client:
        with pytest.raises(InvalidDataError) as caught:
            client.count("/users", filter=where("shoeSize", ">", 9))
    error = caught.value
    assert (error.method, error.path, error.status, error.code_minor) == ("GET", "/users", 400, "invalid_filter_field")
    assert "shoeSize" in error.description and "shoeSize" in str(error)


def _after(stamp: str, since: datetime) -> bool:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) > since


@pytest.mark.soak
def test_soak_large_district_enrollments_read_once_each_in_campus_sized_pages(make_sandbox):
    with make_sandbox("large") as sandbox, client_for(sandbox, page_size=50_000, max_concurrent_requests=5) as client:
        ids = [e["sourcedId"] for e in client.iter_records("/enrollments")]
        assert len(ids) == len(set(ids)) == client.count("/enrollments") > 1_000_000
