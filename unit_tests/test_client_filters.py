"""Filter expressions come out exactly as OneRoster 1.1 writes them, or are refused with the reason."""

from datetime import date, datetime, timedelta, timezone

import pytest

from campus_oneroster.filters import Filter, Predicate, filter_text, where


@pytest.mark.parametrize("op", ["=", "!=", ">", ">=", "<", "<=", "~"])
def test_every_operator(op):
    assert str(where("status", op, "active")) == f"status{op}'active'"


def test_two_predicates_with_and_or():
    since = datetime(2026, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert str(where("dateLastModified", ">", since) & where("status", "=", "active")) == \
        "dateLastModified>'2026-05-01T17:30:00Z' AND status='active'"
    assert str(where("role", "=", "teacher") | where("role", "=", "aide")) == "role='teacher' OR role='aide'"


def test_values_are_written_as_oneroster_expects():
    assert str(where("enabledUser", "=", True)) == "enabledUser='true'"
    assert str(where("startDate", ">=", date(2026, 8, 1))) == "startDate>='2026-08-01'"
    assert str(where("familyName", "=", "O'Brien")) == "familyName='O''Brien'"


def test_quotes_are_refused_for_providers_without_an_escape():
    with pytest.raises(ValueError, match="single quote"):
        Predicate("familyName", "=", "O'Brien", escape_quotes=False)


@pytest.mark.parametrize("field", ["class.sourcedId", "1st", "name;drop", ""])
def test_field_names_outside_11_are_refused(field):
    with pytest.raises(ValueError, match="not a OneRoster field name"):
        where(field, "=", "x")


def test_unknown_operator_and_naive_datetime_are_refused():
    with pytest.raises(ValueError, match="operator"):
        where("status", "==", "active")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no time zone"):
        where("dateLastModified", ">", datetime(2026, 1, 1))


def test_a_half_built_two_predicate_filter_is_refused():
    with pytest.raises(ValueError, match="joiner"):
        Filter(where("status", "=", "active"), "AND")


def test_strings_pass_through_as_written():
    assert filter_text("status='active'") == "status='active'"
    assert filter_text(None) is None
