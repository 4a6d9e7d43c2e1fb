"""The incremental cursor's rules (cursor.py): safe states, shared timestamps, unsorted providers."""

from datetime import timedelta

from source_campus_oneroster.typed_values import normalise_booleans
from source_campus_oneroster.cursor import DateLastModifiedCursor, is_ascending, later
from source_campus_oneroster.streams import COLLECTIONS


def page(*instants: str) -> list[dict]:
    return [{"sourcedId": f"r{i}", "dateLastModified": instant} for i, instant in enumerate(instants)]


T1, T2, T3 = "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:03.000Z"


def emit(cursor: DateLastModifiedCursor, records: list[dict], *, may_checkpoint: bool = True) -> None:
    cursor.page_read(records)
    cursor.page_emitted(may_checkpoint=may_checkpoint)


def test_lower_bound_is_the_later_of_start_date_and_saved_state() -> None:
    assert DateLastModifiedCursor(T2, "2026-01-01T00:00:01Z").lower_bound == T2
    assert DateLastModifiedCursor(T1, "2026-01-01T00:00:02.5Z").lower_bound == "2026-01-01T00:00:02.5Z"
    assert DateLastModifiedCursor(None, None).state == {}


def test_lookback_lowers_the_filter_but_never_the_state() -> None:
    cursor = DateLastModifiedCursor("2026-01-01T01:00:00Z", "2025-12-31T23:00:00Z", timedelta(minutes=30))
    assert cursor.lower_bound == "2026-01-01T00:30:00Z"
    assert cursor.state == {"dateLastModified": "2026-01-01T01:00:00Z"}
    emit(cursor, page("2026-01-01T00:40:00Z", "2026-01-01T00:50:00Z"))
    assert cursor.state == {"dateLastModified": "2026-01-01T01:00:00Z"}, "re-read records must not move the state back"
    cursor.read_finished()
    assert cursor.state == {"dateLastModified": "2026-01-01T01:00:00Z"}
    # the start date still wins over a lookback that reaches before it
    assert DateLastModifiedCursor("2026-01-01T00:10:00Z", "2026-01-01T00:00:00Z", timedelta(hours=1)).lower_bound == "2026-01-01T00:00:00Z"


def test_state_is_the_last_emitted_instant_even_when_the_next_page_shares_it() -> None:
    cursor = DateLastModifiedCursor(None, None)
    emit(cursor, page(T1, T2, T2), may_checkpoint=True)
    # the next page starts with T2 again: resuming with >= T2 re-reads it instead of skipping it
    assert cursor.state == {"dateLastModified": T2}
    emit(cursor, page(T2, T3), may_checkpoint=True)
    assert cursor.state == {"dateLastModified": T3}


def test_state_never_goes_below_the_saved_one() -> None:
    cursor = DateLastModifiedCursor(T3, None)
    cursor.read_finished()
    assert cursor.state == {"dateLastModified": T3}


def test_unsorted_provider_freezes_checkpoints_until_the_read_ends() -> None:
    cursor = DateLastModifiedCursor(T1, None)
    emit(cursor, page(T3, T2), may_checkpoint=True)
    assert cursor.state == {"dateLastModified": T1}
    emit(cursor, page(T1), may_checkpoint=True)
    assert cursor.state == {"dateLastModified": T1}
    cursor.read_finished()
    assert cursor.state == {"dateLastModified": T3}


def test_several_sequences_checkpoint_only_when_all_are_read() -> None:
    cursor = DateLastModifiedCursor(None, None)
    cursor.sequence_started()
    emit(cursor, page(T2, T3), may_checkpoint=False)
    cursor.sequence_started()
    emit(cursor, page(T1, T2), may_checkpoint=False)  # a new sequence may start earlier: not disorder
    assert cursor.state == {}
    cursor.read_finished()
    assert cursor.state == {"dateLastModified": T3}


def test_order_check_compares_instants_not_text() -> None:
    # "...00Z" sorts after "...00.500Z" as text but is the earlier instant
    assert is_ascending(page("2026-01-01T00:00:00Z", "2026-01-01T00:00:00.500Z"), None)
    assert not is_ascending(page(T2), T3)
    assert later("2026-01-01T00:00:00.500Z", "2026-01-01T00:00:00Z") == "2026-01-01T00:00:00.500Z"


def test_string_booleans_become_booleans_and_unknown_values_are_kept_as_text() -> None:
    records = [{"enabledUser": "true"}, {"enabledUser": "FALSE"}, {"enabledUser": True}, {"enabledUser": "maybe"}, {}]
    normalise_booleans(records, ["enabledUser"])
    assert [r.get("enabledUser") for r in records] == [True, False, True, None, None]
    assert records[3]["textValues"] == {"enabledUser": "maybe"}


def test_school_filter_uses_nested_routes_only_where_oneroster_has_them() -> None:
    by_name = {collection.name: collection for collection in COLLECTIONS["1.1"]}
    assert by_name["users"].paths(["s1", "s2"]) == [
        ("s1", "/schools/s1/students"), ("s1", "/schools/s1/teachers"),
        ("s2", "/schools/s2/students"), ("s2", "/schools/s2/teachers"),
    ]
    assert by_name["enrollments"].paths(["s1"]) == [("s1", "/schools/s1/enrollments")]
    assert by_name["results"].paths(["s1"]) == [(None, "/results")]
    assert by_name["classes"].paths(None) == [(None, "/classes")]


def test_a_page_read_but_not_yet_emitted_does_not_move_the_state() -> None:
    cursor = DateLastModifiedCursor(T1, None)
    cursor.page_read(page(T2, T3))
    assert cursor.state == {"dateLastModified": T1}
    cursor.page_emitted(may_checkpoint=True)
    assert cursor.state == {"dateLastModified": T3}
