"""Authentication against the sandbox over real HTTP: both methods, renewal, and every refusal's message."""

import ipaddress
import socket
import ssl
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from campus_oneroster.client import OneRosterClient
from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import (
    ConnectionFailedError,
    CredentialsRejectedError,
    ForbiddenError,
    NotOneRosterEndpointError,
    OneRosterError,
    VendorAuthorizationError,
)
from campus_oneroster.filters import where

FAST = {"retry_base_seconds": 0.01, "max_retries": 2}


def client_for(sandbox, **overrides) -> OneRosterClient:
    auth = overrides.pop("auth", "oauth2")
    flags = {key: overrides.pop(key) for key in ("roster_only", "vendor") if key in overrides}
    raw = sandbox.connection_config(auth=auth, **flags, **{**FAST, **overrides})
    return OneRosterClient(ConnectionConfig.model_validate(raw))


def test_oauth2_client_credentials_read_with_one_token(sandbox):
    with client_for(sandbox, page_size=7) as client:
        orgs = list(client.iter_records("/orgs"))
        assert {org["type"] for org in orgs} >= {"district", "school"}
        assert client.requests.snapshot()["POST"] == 1  # one token for the whole paged read


def test_oauth1_signature_covers_filter_sort_and_paging(sandbox):
    """Spaces, quotes and >= in the query must be signed exactly as sent, or the sandbox answers 401."""
    with client_for(sandbox, auth="oauth1", page_size=5) as client:
        expression = where("familyName", "=", "O'Brien") | where("role", "=", "administrator")
        users = list(client.iter_records("/users", filter=expression, sort="sourcedId"))
        assert users and all(u["familyName"] == "O'Brien" or u["role"] == "administrator" for u in users)
        assert "POST" not in client.requests.snapshot()


def test_token_renewed_when_the_provider_expires_it_mid_read(sandbox):
    sandbox.faults.set(token_expiry_after_requests=3)
    with client_for(sandbox, page_size=10, max_concurrent_requests=1) as client:
        ids = [user["sourcedId"] for user in client.iter_records("/users")]
        assert client.requests.snapshot()["POST"] >= 3
    sandbox.faults.clear()
    with client_for(sandbox, page_size=10_000) as client:
        assert ids == [user["sourcedId"] for user in client.iter_records("/users")]


def test_tokens_revoked_between_pages_are_renewed_once(sandbox):
    with client_for(sandbox, page_size=10, max_concurrent_requests=1) as client:
        pages = client.iter_pages("/users")
        first = next(pages)
        sandbox.expire_tokens()
        rest = [record for page in pages for record in page.records]
        assert len(first.records) + len(rest) == first.total
        assert client.requests.snapshot()["POST"] == 2


def test_renewed_secret_is_refused_with_the_renewal_instructions(sandbox):
    with client_for(sandbox) as client:
        client.count("/orgs")
        sandbox.renew_secret()
        sandbox.expire_tokens()
        with pytest.raises(CredentialsRejectedError) as caught:
            client.count("/orgs")
    message = str(caught.value)
    assert "the key or secret is wrong or has expired" in message
    assert "Campus keys expire after one year by default" in message and "Renew Secret" in message
    assert caught.value.transient is False


def test_wrong_oauth1_secret_is_refused(sandbox):
    raw = sandbox.connection_config(auth="oauth1", **FAST)
    raw["credentials"]["consumer_secret"] = "not-the-secret-" + "x" * 20
    with OneRosterClient(ConnectionConfig.model_validate(raw)) as client:
        with pytest.raises(CredentialsRejectedError) as caught:
            client.count("/orgs")
    assert caught.value.status == 401 and "signature does not match" in caught.value.description


def test_gradebook_without_vendor_header_names_the_vendor_pair(sandbox):
    with client_for(sandbox, vendor=False) as client:
        assert client.count("/classes")  # rostering needs no vendor header
        with pytest.raises(VendorAuthorizationError) as caught:
            client.count("/lineItems")
    error = caught.value
    assert (error.method, error.path, error.status) == ("GET", "/lineItems", 401)
    assert "x-vendor-authorization" in error.description and "Vendor key and Vendor secret" in str(error)


def test_gradebook_with_vendor_header_reads_nested_paths(sandbox):
    with client_for(sandbox) as client:
        section = next(client.iter_records("/classes", page_size=1))
        assert isinstance(list(client.iter_records(f"/classes/{section['sourcedId']}/lineItems")), list)


def test_roster_only_key_cannot_write_grades(sandbox):
    with client_for(sandbox, roster_only=True) as client:
        assert client.count("/users")
        with pytest.raises(ForbiddenError) as caught:
            client.put("/categories/roster-only-probe", "category", {
                "sourcedId": "roster-only-probe", "status": "active", "title": "probe",
                "dateLastModified": "2026-09-01T00:00:00Z"})
    error = caught.value
    assert (error.method, error.path, error.status) == ("PUT", "/categories/roster-only-probe", 403)
    assert "Roster Sync connection" in error.description and "enable Grade Book" in str(error)


def test_unreachable_host_is_a_connection_failure(sandbox):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    raw = sandbox.connection_config(auth="oauth1", max_retries=6, retry_base_seconds=0.01)
    raw["base_url"] = f"http://127.0.0.1:{closed_port}/ims/oneroster/v1p1"
    with OneRosterClient(ConnectionConfig.model_validate(raw)) as client:
        with pytest.raises(ConnectionFailedError) as caught:
            client.count("/orgs")
    assert "could not connect to 127.0.0.1 (connection refused, 3 attempts)" in str(caught.value)
    assert caught.value.transient  # a refused connection may be a restart: the platform may retry the job


def test_a_base_url_that_is_not_oneroster_is_told_apart_from_a_missing_object(sandbox):
    raw = sandbox.connection_config(auth="oauth2", **FAST)
    raw["base_url"] = raw["base_url"].split("/campus/")[0] + "/campus/not-oneroster"
    with OneRosterClient(ConnectionConfig.model_validate(raw)) as client:
        with pytest.raises(NotOneRosterEndpointError, match="check the Base URL"):
            client.count("/orgs")


def test_an_untrusted_certificate_is_refused_not_retried(tmp_path):
    """TLS verification is on: a self-signed https endpoint on loopback is refused at once."""
    certificate, key = _self_signed_pair(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    raw = {"base_url": f"https://127.0.0.1:{server.server_address[1]}/ims/oneroster/v1p1", "max_retries": 3,
           "credentials": {"auth_type": "oauth1_hmac_sha256", "consumer_key": "key", "consumer_secret": "secret-123456"}}
    try:
        with OneRosterClient(ConnectionConfig.model_validate(raw)) as client:
            with pytest.raises(ConnectionFailedError, match="TLS verification failed for 127.0.0.1") as caught:
                client.count("/orgs")
    finally:
        server.shutdown()
        server.server_close()
    assert caught.value.transient is False


def _self_signed_pair(directory) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    certificate_path, key_path = directory / "cert.pem", directory / "key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(certificate_path), str(key_path)


def test_a_wrong_token_url_is_named_as_such(sandbox):
    raw = sandbox.connection_config(auth="oauth2", **FAST)
    raw["credentials"]["token_url"] = raw["credentials"]["token_url"].replace("/oauth2/token", "/oauth2/tokens")
    with OneRosterClient(ConnectionConfig.model_validate(raw)) as client:
        with pytest.raises(OneRosterError, match="check that Token URL is the OAuth 2 token URL") as caught:
            client.count("/orgs")
    assert (caught.value.method, caught.value.path, caught.value.status) == ("POST", "token URL", 404)
    assert not isinstance(caught.value, CredentialsRejectedError)


def test_an_unknown_app_name_is_refused_with_the_providers_words(sandbox):
    raw = sandbox.connection_config(auth="oauth2", **FAST)
    raw["credentials"]["token_url"] = raw["credentials"]["token_url"].replace("appName=", "appName=other")
    with OneRosterClient(ConnectionConfig.model_validate(raw)) as client:
        with pytest.raises(CredentialsRejectedError) as caught:
            client.count("/orgs")
    assert caught.value.code_minor == "invalid_client" and "appName" in caught.value.description


def test_token_renewed_before_it_expires_without_a_401(make_sandbox):
    """A 2 s token is renewed at half its life (60 s early is more than it has), never after a refusal."""
    sandbox = make_sandbox("tiny", token_lifetime_seconds=2)
    sandbox.faults.set(latency_ms=150)
    with client_for(sandbox, page_size=4, max_concurrent_requests=1) as client:
        users = list(client.iter_records("/users"))
        assert client.requests.snapshot()["POST"] >= 2
    assert len(users) > 40 and 401 not in sandbox.stats.by_status
