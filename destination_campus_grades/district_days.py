"""The district's calendar: every day the rules or Campus see is a day in the district's time zone.

A teacher in Chicago who sets "due Thursday 11:59 PM" means Thursday, although the instant is
Friday in UTC. So an Otus instant becomes a day only here, in `district_time_zone`: rule 1's start
date comparisons, the due date, "start + 7 days", `scoreDate`, and the days the report shows.

Otus sends instants (ISO 8601 with `Z` or an offset; a naive timestamp is taken as UTC, as Otus
writes UTC) or bare dates (`2026-10-22`), which already are the district's day. What Campus gets:
- `assignDate` / `dueDate`: OneRoster 1.1 date-times, written with the district's UTC offset of
  that moment (`2026-10-22T23:59:00-05:00`), so the day in the text is the district's day and the
  instant is exact; a bare date goes out as the district's midnight of that day. With
  `line_item_date_format: date` they go out as the district's day (`2026-10-22`), for providers
  that want days.
- `scoreDate`: a 1.1 date, the district's day of the graded instant.
On OneRoster 1.2 `assignDate` / `dueDate` are UTC date-times (`2026-10-23T04:59:00Z`, the same
instant), whatever `line_item_date_format` says; `scoreDate` stays the district's day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Moment = Union[datetime, date]  # an Otus instant (aware, UTC) or a bare day
LineItemDateFormat = Literal["date-time", "date"]


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; ValueError naming the setting and examples when there is none."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"{name!r} is not an IANA time zone name: use the district's zone as the tz database spells it, "
            "e.g. America/Chicago, America/New_York, America/Denver, America/Los_Angeles, Pacific/Honolulu"
        ) from None


@dataclass(frozen=True)
class DistrictCalendar:
    """Days and date-times as the district lives them."""

    zone: ZoneInfo
    line_item_date_format: LineItemDateFormat = "date-time"

    def local(self, moment: Moment) -> datetime:
        """The moment on the district's wall clock (a bare day: its midnight there)."""
        if isinstance(moment, datetime):
            return moment.astimezone(self.zone)
        return datetime.combine(moment, time(), tzinfo=self.zone)

    def day_of(self, moment: Moment) -> date:
        """The district's calendar day of an instant; a bare day is already one."""
        if isinstance(moment, datetime):
            return moment.astimezone(self.zone).date()
        return moment

    def days_later(self, moment: Moment, days: int) -> Moment:
        """The same wall-clock time `days` district days later (a DST change keeps 11:59 PM at 11:59 PM)."""
        if isinstance(moment, datetime):
            local = self.local(moment) + timedelta(days=days)  # aware + timedelta is wall-clock arithmetic
            return local.replace(fold=0).astimezone(timezone.utc)
        return moment + timedelta(days=days)

    def line_item_date(self, moment: Moment) -> str:
        """`assignDate` / `dueDate` as the provider takes them (see the module docstring)."""
        if self.line_item_date_format == "date":
            return self.day_of(moment).isoformat()
        return self.local(moment).isoformat(timespec="seconds")

    def utc_date_time(self, moment: Moment) -> str:
        """`assignDate` / `dueDate` on OneRoster 1.2: a UTC date-time (a bare day: the district's midnight)."""
        return self.local(moment).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def score_date(self, moment: Moment) -> str:
        """`scoreDate`: a 1.1 date, the district's day."""
        return self.day_of(moment).isoformat()

    def held_day(self, value: object) -> date | None:
        """The district day of a date or date-time Campus answers with (it may answer in UTC)."""
        if not isinstance(value, str) or not value:
            return None
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            return None
        return self.day_of(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))


UTC_CALENDAR = DistrictCalendar(ZoneInfo("UTC"))
