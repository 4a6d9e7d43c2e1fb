"""`credentials_expire_on`, through both console scripts against the sandbox: a warning on every
sync within 30 days of the date (the passback report opens with it), and `check` failing on and
after it, while Campus still takes the key."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from campus_oneroster.expiry import expired_message, expiry_warning
from integration_tests.source_cli import catalog, configured_catalog, run_source  # noqa: F401 (catalog is a fixture)
from integration_tests.destination_cli import connection_status, run_destination, run_verb
from otus_export.sample import sample_export


def utc_today() -> date:
    """The day both connectors compare credentials_expire_on with (`campus_oneroster.expiry.today`)."""
    return datetime.now(timezone.utc).date()


def test_expiry_boundaries() -> None:
    today = date(2027, 7, 16)
    assert expiry_warning(None, today) is None and expired_message(None, today) is None
    assert expiry_warning(today + timedelta(days=31), today) is None
    assert "30 days left" in expiry_warning(today + timedelta(days=30), today)
    assert "1 day left" in expiry_warning(today + timedelta(days=1), today)
    assert expired_message(today + timedelta(days=1), today) is None
    for expired in (today, today - timedelta(days=3)):
        assert "Renew Secret" in expiry_warning(expired, today)
        assert str(expired) in expired_message(expired, today)


def test_source_check_fails_on_the_date_and_read_warns_before_it(sandbox, catalog, tmp_path: Path) -> None:
    expired = sandbox.connection_config(credentials_expire_on=utc_today().isoformat())
    check = run_source("check", tmp_path, config=expired)
    status = check.of_type("CONNECTION_STATUS")[0]["connectionStatus"]
    assert status["status"] == "FAILED"
    assert utc_today().isoformat() in status["message"] and "Renew Secret" in status["message"]

    soon = sandbox.connection_config(credentials_expire_on=(utc_today() + timedelta(days=12)).isoformat())
    read = run_source("read", tmp_path, config=soon, catalog=configured_catalog(catalog, {"orgs": "full_refresh"}))
    assert read.returncode == 0, read.stderr[-2000:]
    warnings = [m["log"]["message"] for m in read.of_type("LOG") if m["log"]["level"] == "WARN"]
    assert any("12 days left" in w and "Renew Secret" in w for w in warnings), warnings
    assert read.records_of("orgs")


@pytest.mark.soak
def test_source_check_passes_before_the_date_and_read_is_quiet_beyond_30_days(sandbox, catalog, tmp_path: Path) -> None:
    """Variants of the boundaries `test_expiry_boundaries` pins, through the console script."""
    soon = sandbox.connection_config(credentials_expire_on=(utc_today() + timedelta(days=12)).isoformat())
    assert run_source("check", tmp_path, config=soon).of_type("CONNECTION_STATUS")[0]["connectionStatus"] == \
        {"status": "SUCCEEDED"}
    later = sandbox.connection_config(credentials_expire_on=(utc_today() + timedelta(days=45)).isoformat())
    quiet = run_source("read", tmp_path, config=later, catalog=configured_catalog(catalog, {"orgs": "full_refresh"}))
    assert not [m for m in quiet.of_type("LOG") if "credentials_expire_on" in m["log"]["message"]]


def test_destination_check_and_write_fail_on_the_date_itself_and_the_report_opens_with_the_days_left(
        sandbox, district_cache, tmp_path: Path) -> None:
    """The same day as the source's (UTC), so both connectors stop on the day itself; `write` too."""
    export = sample_export(district_cache("tiny"))
    expired = sandbox.connection_config(**export.config_values(), credentials_expire_on=utc_today().isoformat())
    status = connection_status(run_verb("check", expired, tmp_path))
    assert status["status"] == "FAILED" and str(utc_today()) in status["message"]
    refused = run_destination(expired, export.records[:5], tmp_path)
    assert refused.returncode != 0 and refused.errors[0]["failure_type"] == "config_error"
    assert "Renew Secret" in refused.errors[0]["message"]
    assert sandbox.stats.requests == 0  # failed before Campus was asked: the key still works there

    soon = {**expired, "credentials_expire_on": (utc_today() + timedelta(days=3)).isoformat()}
    run = run_destination(soon, export.records[:5], tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    report_lines = [line for line in run.logs if line.startswith("NOTICE") or line.startswith("Passback report")]
    assert report_lines[0].startswith("NOTICE: ") and "3 days left" in report_lines[0]
    assert "Renew Secret" in report_lines[0]
    assert run.report["notices"] == [report_lines[0].removeprefix("NOTICE: ")]


@pytest.mark.soak
def test_destination_check_passes_before_the_date(sandbox, district_cache, tmp_path: Path) -> None:
    export = sample_export(district_cache("tiny"))
    soon = sandbox.connection_config(**export.config_values(),
                                     credentials_expire_on=(utc_today() + timedelta(days=3)).isoformat())
    assert connection_status(run_verb("check", soon, tmp_path))["status"] == "SUCCEEDED"
