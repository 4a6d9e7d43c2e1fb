"""The retry policy's arithmetic: Retry-After in both HTTP forms, full-jitter ceilings, caps."""

import email.utils
import time

import pytest
import requests

from campus_oneroster.retry import RetryPolicy, retry_after_seconds


@pytest.mark.parametrize("header,expected", [("7", 7.0), ("0.05", 0.05), ("-3", 0.0), (None, None), ("soon", None)])
def test_retry_after_in_seconds(header, expected):
    assert retry_after_seconds(header) == expected


def test_retry_after_as_an_http_date():
    in_five_seconds = email.utils.formatdate(time.time() + 5, usegmt=True)
    assert 3.5 <= retry_after_seconds(in_five_seconds) <= 5.0


def test_full_jitter_stays_under_a_doubling_ceiling_capped_at_the_maximum():
    policy = RetryPolicy(base_seconds=0.5, max_backoff_seconds=3.0)
    for retry_number, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)):
        waits = [policy.wait_seconds(retry_number) for _ in range(200)]
        assert all(0.0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling / 2  # jitter spreads over the whole range, not a fixed delay


def test_retry_after_wins_over_backoff_but_is_capped():
    policy = RetryPolicy(base_seconds=0.01, max_retry_after_seconds=30.0)
    assert policy.wait_seconds(1, retry_after=2.5) == 2.5
    assert policy.wait_seconds(1, retry_after=3600) == 30.0


def test_which_failures_earn_another_try():
    policy = RetryPolicy(max_retries=3, max_refused_retries=1)
    assert [policy.retries_status(status, 1) for status in (429, 500, 503, 408, 400, 401, 404, 422)] == \
        [True, True, True, True, False, False, False, False]
    assert policy.retries_status(500, 3) and not policy.retries_status(500, 4)
    dropped = requests.exceptions.ConnectionError("RemoteDisconnected('Remote end closed connection')")
    assert policy.retries_exception(dropped, 3) and not policy.retries_exception(dropped, 4)
    assert not policy.retries_exception(requests.exceptions.SSLError("certificate verify failed"), 1)
    assert policy.retries_exception(requests.exceptions.ReadTimeout("read timed out"), 2)
