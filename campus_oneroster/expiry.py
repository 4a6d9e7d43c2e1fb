"""Campus keys that expire: warn in time, and fail `check` before Campus starts refusing the key.

Campus's Grading Services keys expire one year after issue by default (the connection's "Token
Expiration Date"). `credentials_expire_on` is that date, entered by the admin (optional, both
connectors). Within `WARNING_DAYS` of it every sync logs a warning, and the destination's
passback report opens with it; on or after it `check` fails naming the date, and so does the
destination's `write` (before any request). Both compare it with the same day (`today`, UTC). The fix is the same
every time: Renew Secret in Campus, then enter the new pair and the new expiration date.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from campus_oneroster.config import ConnectionConfig

WARNING_DAYS = 30
RENEW_SECRET = (
    "In Campus, open the district's OneRoster connection (Grading Services), use Renew Secret, then enter the "
    "new key and secret in both connectors and the new Token Expiration Date in credentials_expire_on."
)


def today() -> date:
    """The day both connectors compare the expiration date with: UTC's, so the source (which knows no
    district time zone) and the destination agree on the day itself."""
    return datetime.now(timezone.utc).date()


def days_left(expire_on: date, today: date) -> int:
    """Whole days from `today` until the key stops working (0 on the day itself)."""
    return (expire_on - today).days


def expiry_warning(expire_on: date | None, today: date) -> str | None:
    """What every sync logs from WARNING_DAYS before the date on (None when there is time, or no date)."""
    if expire_on is None or days_left(expire_on, today) > WARNING_DAYS:
        return None
    left = days_left(expire_on, today)
    if left <= 0:
        return f"The Campus key expired on {expire_on} (credentials_expire_on): Campus refuses it from that day. {RENEW_SECRET}"
    return (f"The Campus key expires on {expire_on} (credentials_expire_on): {left} day{'' if left == 1 else 's'} "
            f"left. {RENEW_SECRET}")


def expired_message(expire_on: date | None, today: date) -> str | None:
    """What `check` fails with on or after the expiration date (None before it)."""
    if expire_on is None or days_left(expire_on, today) > 0:
        return None
    return (f"The Campus key expires on {expire_on} (credentials_expire_on), so Campus refuses it from that day. "
            f"{RENEW_SECRET}")


def version_notice(config: "ConnectionConfig") -> str | None:
    """A notice when an expiration date is set on a connection whose version does not expire in Campus
    (1.2: Campus's troubleshooting page says only 1.1 connections expire after a year); the date
    is still honoured, since a district may have set its own."""
    if config.credentials_expire_on is None or config.version.expires:
        return None
    return (f"OneRoster {config.oneroster_version} connections do not expire in Campus, so credentials_expire_on "
            f"({config.credentials_expire_on}) is not needed; it is still honoured: remove it if the district "
            "set no expiration of its own.")
