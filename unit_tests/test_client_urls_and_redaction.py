"""One URL parser for the check and the connection, ids as single path segments, and the one redactor."""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote, urlsplit

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from campus_oneroster.errors import InsecureUrlError
from campus_oneroster.redaction import MASK, Redactor
from campus_oneroster.segments import InvalidPathSegmentError, path_segment
from campus_oneroster.urls import host_of, is_loopback_host, provider_url

URL_PIECES = st.sampled_from(["http://", "https://", "vm", ":", "P", "@", "\\", "/", "127.0.0.1", "localhost",
                              "campus.example.org", "[::1]", "%2f", "?", "#", ".", "8080", " ", "\n", "user"])


@settings(max_examples=400)
@given(st.lists(URL_PIECES, min_size=1, max_size=10).map("".join))
@example("https://campus.example.org/ims/oneroster/v1p1")
@example("http://127.0.0.1:8080/ims?appName=x")
@example("http://[::1]:8080/ims")
def test_an_accepted_url_names_the_same_host_to_the_check_and_to_the_http_stack(url: str) -> None:
    try:
        accepted = provider_url(url, "Base URL", query_allowed=True)
    except InsecureUrlError:
        return
    parsed = parse_url(accepted)
    assert parsed.auth is None and "\\" not in accepted and "@" not in urlsplit(accepted).netloc
    assert (urlsplit(accepted).hostname or "") == parsed.host.strip("[]").lower()
    assert parsed.scheme == "https" or is_loopback_host(parsed.host)


@pytest.mark.parametrize("url", [
    "http://vm:P\\@127.0.0.1:8080/ims/oneroster/v1p1",
    "http://vm:P@127.0.0.1/ims/oneroster/v1p1",
    "http://127.0.0.1:80\\@campus.example.org/x",
    "https://campus.example.org/ims/oneroster/v1p1#frag",
    "https://campus.example.org/ims/oneroster/v1p1?app=x",
    "https://campus.example.org /x",
    "https://%2fP",
    "http://campus.example.org/ims/oneroster/v1p1",
])
def test_ambiguous_or_insecure_base_urls_are_refused(url: str) -> None:
    with pytest.raises(InsecureUrlError):
        provider_url(url, "OneRoster (1.1) Base URL", query_allowed=False)


def test_the_host_named_in_errors_is_the_host_contacted() -> None:
    assert host_of("https://no-such-host.invalid:8443/ims") == "no-such-host.invalid"


@given(st.text(min_size=1, max_size=30))
def test_an_id_becomes_exactly_one_segment_or_is_refused(value: str) -> None:
    try:
        segment = path_segment(value)
    except InvalidPathSegmentError:
        assert unquote(value) in (".", "..") or value in (".", "..")
        return
    assert "/" not in segment and "?" not in segment and "#" not in segment
    assert unquote(segment) == value and unquote(segment) not in (".", "..")


@pytest.mark.parametrize("value", ["", ".", "..", "%2e%2e", "%2E", ".%2e"])
def test_dot_segments_are_invalid_ids(value: str) -> None:
    with pytest.raises(InvalidPathSegmentError):
        path_segment(value)


SECRETS = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x2FF), min_size=6, max_size=24)


@settings(max_examples=200)
@given(secret=SECRETS, user=st.text(alphabet="abcdefghijk0123456789", min_size=1, max_size=8))
def test_every_form_of_a_secret_is_masked_and_the_line_stays_json(secret: str, user: str) -> None:
    redactor = Redactor()
    redactor.add(secret)
    redactor.add_basic(user, secret)
    basic = base64.b64encode(f"{user}:{secret}".encode()).decode()
    trace = f"ValueError: Invalid header value {secret.encode()!r} for {secret!r}; Authorization: Basic {basic}"
    message = {"type": "TRACE", "trace": {"error": {"message": f"failed: {secret}", "stack_trace": trace,
                                                    "internal_message": json.dumps({"description": secret})}}}
    line = redactor.redact_line(orjson.dumps(message).decode())
    decoded = json.loads(line)
    assert decoded["type"] == "TRACE"
    text = json.dumps(decoded) + line
    for form in {secret.strip(), repr(secret)[1:-1], json.dumps(secret)[1:-1], basic}:
        if len(form) >= 4:
            assert form not in text and form not in json.dumps(text)
    assert MASK in decoded["trace"]["error"]["message"]


def test_a_config_value_where_an_object_belongs_is_learnt_as_a_secret() -> None:
    redactor = Redactor()
    spec = {"properties": {"credentials": {"oneOf": [{"properties": {"client_secret": {"airbyte_secret": True}}}]},
                           "vendor_secret": {"airbyte_secret": True}}}
    redactor.learn_config({"credentials": "pasted-the-secret-here", "vendor_secret": 12345678}, spec)
    assert redactor.redact("'pasted-the-secret-here' is not of type 'object'; 12345678") == \
        f"'{MASK}' is not of type 'object'; {MASK}"
