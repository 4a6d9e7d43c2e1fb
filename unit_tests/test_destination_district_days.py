"""The district's calendar over any instant and any zone (hypothesis), and the zone setting."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, strategies as st

from destination_campus_grades.district_days import DistrictCalendar, time_zone
from destination_campus_grades.spec import DestinationConfig

ZONES = sorted(available_timezones() - {"Factory", "localtime"})
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1),
                        timezones=st.just(timezone.utc))
calendars = st.sampled_from(ZONES).map(lambda name: DistrictCalendar(ZoneInfo(name)))


@given(moment=instants, calendar=calendars)
def test_an_instant_is_the_day_the_districts_wall_clock_shows(moment: datetime, calendar: DistrictCalendar) -> None:
    wall = moment.astimezone(calendar.zone)
    assert calendar.day_of(moment) == wall.date()
    sent = calendar.line_item_date(moment)
    assert date.fromisoformat(sent[:10]) == wall.date()  # the day in the text is the district's day
    assert datetime.fromisoformat(sent) == moment.replace(microsecond=0)  # and the instant is exact
    assert calendar.held_day(sent) == calendar.held_day(moment.isoformat()) == wall.date()
    assert calendar.score_date(moment) == wall.date().isoformat()
    assert replace_format(calendar).line_item_date(moment) == wall.date().isoformat()


@given(moment=instants, calendar=calendars, days=st.integers(0, 60))
def test_days_later_are_district_days_at_the_same_wall_clock_time(moment: datetime, calendar: DistrictCalendar,
                                                                   days: int) -> None:
    later = calendar.days_later(moment, days)
    assert calendar.day_of(later) == calendar.day_of(moment) + timedelta(days=days)
    before, after = moment.astimezone(calendar.zone), later.astimezone(calendar.zone)
    # 11:59 PM stays 11:59 PM across a DST change; only a time the change skips moves
    assert (after.hour, after.minute) == (before.hour, before.minute) or after.utcoffset() != before.utcoffset()


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 1, 1)), calendar=calendars)
def test_a_bare_date_is_already_the_districts_day(day: date, calendar: DistrictCalendar) -> None:
    assert calendar.day_of(day) == day
    assert calendar.days_later(day, 7) == day + timedelta(days=7)
    assert date.fromisoformat(calendar.line_item_date(day)[:10]) == day


def replace_format(calendar: DistrictCalendar) -> DistrictCalendar:
    return DistrictCalendar(calendar.zone, "date")


BASE = {"base_url": "https://campus.example.org/ims/oneroster/v1p1", "passback_start_date": "2026-09-01",
        "vendor_key": "vendor-key", "vendor_secret": "vendor-secret",
        "credentials": {"auth_type": "oauth2_client_credentials", "token_url": "https://campus.example.org/token",
                        "client_id": "key", "client_secret": "a-long-enough-secret"}}


@pytest.mark.parametrize("name", ["America/Chicago", " Europe/Berlin ", "Pacific/Honolulu", "UTC"])
def test_the_time_zone_setting_takes_iana_names(name: str) -> None:
    config = DestinationConfig.model_validate({**BASE, "district_time_zone": name})
    assert config.calendar.zone == ZoneInfo(name.strip())


@pytest.mark.parametrize("name", ["Chicago", "CST-ish", "../../etc/passwd", "", "America/Springfield"])
def test_a_wrong_time_zone_is_refused_with_examples(name: str) -> None:
    with pytest.raises(ValueError, match="district_time_zone|IANA|at least 1"):
        DestinationConfig.model_validate({**BASE, "district_time_zone": name})
    with pytest.raises(ValueError):
        time_zone(name)
