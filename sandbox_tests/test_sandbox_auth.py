"""Who the sandbox lets in, over real HTTP: OAuth 2 tokens, OAuth 1.0a signatures, vendor header."""

import time

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, Client
from requests_oauthlib import OAuth1


def _code_minor(response: requests.Response) -> str:
    info = response.json()["statusInfoSet"][0]
    return info["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def _description(response: requests.Response) -> str:
    return response.json()["statusInfoSet"][0]["imsx_description"]


def _token(sb, client_id, client_secret, *, basic=True) -> requests.Response:
    if basic:
        return requests.post(sb.token_url, data={"grant_type": "client_credentials"}, auth=(client_id, client_secret))
    return requests.post(sb.token_url, data={"grant_type": "client_credentials", "client_id": client_id,
                                             "client_secret": client_secret})


def _bearer(response: requests.Response) -> dict:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_token_by_basic_and_by_form_both_work(sandbox):
    c = sandbox.credentials
    for basic in (True, False):
        answer = _token(sandbox, c.client_id, c.client_secret, basic=basic)
        assert answer.status_code == 200
        body = answer.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 3600
        assert requests.get(sandbox.base_url + "/orgs", headers=_bearer(answer)).status_code == 200


def test_token_endpoint_refuses_wrong_secret_and_grant(sandbox):
    c = sandbox.credentials
    wrong = _token(sandbox, c.client_id, c.client_secret + "x")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    grant = requests.post(sandbox.token_url, data={"grant_type": "password"}, auth=(c.client_id, c.client_secret))
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    other_app = requests.post(sandbox.token_url.replace("appName=sandbox", "appName=other"),
                              data={"grant_type": "client_credentials"}, auth=(c.client_id, c.client_secret))
    assert other_app.status_code == 401


def test_api_without_or_with_bad_token_is_401_statusinfoset(sandbox):
    missing = requests.get(sandbox.base_url + "/orgs")
    assert missing.status_code == 401 and _code_minor(missing) == "unauthorisedrequest"
    bad = requests.get(sandbox.base_url + "/orgs", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "fetch a new token" in _description(bad)


def test_expired_tokens_are_refused_until_a_new_one_is_fetched(make_sandbox):
    sb = make_sandbox(token_lifetime_seconds=1)
    c = sb.credentials
    headers = _bearer(_token(sb, c.client_id, c.client_secret))
    assert requests.get(sb.base_url + "/orgs", headers=headers).status_code == 200
    time.sleep(1.1)
    expired = requests.get(sb.base_url + "/orgs", headers=headers)
    assert expired.status_code == 401 and "expired" in _description(expired)
    assert requests.get(sb.base_url + "/orgs", headers=_bearer(_token(sb, c.client_id, c.client_secret))).ok


def test_expire_tokens_switch(sandbox):
    c = sandbox.credentials
    headers = _bearer(_token(sandbox, c.client_id, c.client_secret))
    sandbox.expire_tokens()
    assert requests.get(sandbox.base_url + "/orgs", headers=headers).status_code == 401


def test_renewed_secret_locks_out_the_old_one_like_campus(sandbox):
    c = sandbox.credentials
    old_secret = c.client_secret
    old_token = _bearer(_token(sandbox, c.client_id, old_secret))
    new_secret = sandbox.renew_secret()
    assert new_secret != old_secret and len(new_secret) >= 40
    refused = _token(sandbox, c.client_id, old_secret)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert requests.get(sandbox.base_url + "/orgs", headers=old_token).status_code == 401
    assert _token(sandbox, c.client_id, new_secret).status_code == 200
    assert sandbox.connection_config()["credentials"]["client_secret"] == new_secret


def test_roster_only_key_reads_roster_but_gets_403_on_gradebook(sandbox):
    c = sandbox.credentials
    headers = {**_bearer(_token(sandbox, c.roster_client_id, c.roster_client_secret)),
               "x-vendor-authorization": f"{c.vendor_key}:{c.vendor_secret}"}
    assert requests.get(sandbox.base_url + "/classes", headers=headers).status_code == 200
    for path in ("/lineItems", "/results", "/categories", f"/classes/{sandbox.district.section_id(0)}/lineItems"):
        forbidden = requests.get(sandbox.base_url + path, headers=headers)
        assert forbidden.status_code == 403 and _code_minor(forbidden) == "forbidden", path
        assert "Grade Book" in _description(forbidden)
    write = requests.put(sandbox.base_url + "/categories/c1", json={"category": {"title": "Quizzes"}}, headers=headers)
    assert write.status_code == 403


def test_vendor_header_missing_or_wrong_is_401_naming_the_header(sandbox):
    c = sandbox.credentials
    headers = _bearer(_token(sandbox, c.client_id, c.client_secret))
    assert requests.get(sandbox.base_url + "/classes", headers=headers).status_code == 200  # roster: no header
    missing = requests.get(sandbox.base_url + "/lineItems", headers=headers)
    assert missing.status_code == 401
    assert _description(missing).startswith("The x-vendor-authorization header is missing")
    wrong = requests.get(sandbox.base_url + "/lineItems",
                         headers={**headers, "x-vendor-authorization": f"{c.vendor_key}:wrong"})
    assert wrong.status_code == 401 and _description(wrong).startswith("The x-vendor-authorization header is wrong")
    right = requests.get(sandbox.base_url + "/lineItems",
                         headers={**headers, "x-vendor-authorization": f"{c.vendor_key}:{c.vendor_secret}"})
    assert right.status_code == 200


def test_a_disabled_connection_issues_tokens_but_refuses_every_read(make_sandbox):
    sb = make_sandbox(connection_enabled=False)
    c = sb.credentials
    token = _token(sb, c.client_id, c.client_secret)
    assert token.status_code == 200
    refused = requests.get(sb.base_url + "/orgs", headers=_bearer(token))
    assert refused.status_code == 403 and _code_minor(refused) == "forbidden"
    assert "disabled" in _description(refused)


def test_vendor_header_can_be_switched_off(make_sandbox):
    sb = make_sandbox(require_vendor_header=False)
    c = sb.credentials
    assert requests.get(sb.base_url + "/lineItems", headers=_bearer(_token(sb, c.client_id, c.client_secret))).ok


def test_oauth1_sha256_and_sha1_signatures_with_query_parameters(sandbox):
    c = sandbox.credentials
    for method in (SIGNATURE_HMAC_SHA256, SIGNATURE_HMAC_SHA1):
        auth = OAuth1(c.consumer_key, c.consumer_secret, signature_method=method)
        answer = requests.get(sandbox.base_url + "/users", params={"limit": 3, "filter": "role='teacher'"}, auth=auth)
        assert answer.status_code == 200, answer.text
        assert [u["role"] for u in answer.json()["users"]] == ["teacher"] * 3


def _signed(sb, url: str, *, secret: str | None = None, timestamp: str | None = None, nonce: str | None = None):
    c = sb.credentials
    client = Client(c.consumer_key, client_secret=secret or c.consumer_secret, signature_method=SIGNATURE_HMAC_SHA256,
                    timestamp=timestamp, nonce=nonce)
    _, headers, _ = client.sign(url, "GET")
    return headers


def test_oauth1_bad_signature_old_timestamp_and_reused_nonce_are_refused(sandbox):
    url = sandbox.base_url + "/orgs?limit=1"
    bad = requests.get(url, headers=_signed(sandbox, url, secret="not-the-secret"))
    assert bad.status_code == 401 and "signature" in _description(bad)
    old = requests.get(url, headers=_signed(sandbox, url, timestamp=str(int(time.time()) - 46 * 60)))
    assert old.status_code == 401 and "timestamp" in _description(old)
    headers = _signed(sandbox, url, nonce="fixed-nonce-123")
    assert requests.get(url, headers=headers).status_code == 200
    replay = requests.get(url, headers=headers)
    assert replay.status_code == 401 and "nonce" in _description(replay)


def test_oauth1_query_parameters_are_part_of_the_signature(sandbox):
    url = sandbox.base_url + "/orgs?limit=1"
    headers = _signed(sandbox, url)
    tampered = requests.get(sandbox.base_url + "/orgs?limit=2", headers=headers)
    assert tampered.status_code == 401


def test_oauth1_unknown_key_and_unsupported_method(sandbox):
    url = sandbox.base_url + "/orgs"
    unknown = requests.get(url, auth=OAuth1("someone-else", "secret", signature_method=SIGNATURE_HMAC_SHA256))
    assert unknown.status_code == 401
    plaintext = requests.get(url, auth=OAuth1(sandbox.credentials.consumer_key, sandbox.credentials.consumer_secret,
                                              signature_method="PLAINTEXT"))
    assert plaintext.status_code == 400


def test_connection_config_uses_the_product_keys(sandbox):
    oauth2 = sandbox.connection_config()
    assert oauth2["base_url"] == sandbox.base_url
    assert oauth2["credentials"]["auth_type"] == "oauth2_client_credentials"
    assert oauth2["credentials"]["token_url"] == sandbox.token_url
    assert oauth2["vendor_key"] == sandbox.credentials.vendor_key
    roster = sandbox.connection_config(roster_only=True, vendor=False, page_size=500)
    assert roster["credentials"]["client_id"] == sandbox.credentials.roster_client_id
    assert "vendor_key" not in roster and roster["page_size"] == 500
    assert sandbox.connection_config("oauth1")["credentials"] == {
        "auth_type": "oauth1_hmac_sha256", "consumer_key": sandbox.credentials.consumer_key,
        "consumer_secret": sandbox.credentials.consumer_secret}


def test_oauth1_signed_gradebook_write_with_vendor_header(sandbox):
    c = sandbox.credentials
    auth = OAuth1(c.consumer_key, c.consumer_secret, signature_method=SIGNATURE_HMAC_SHA256)
    answer = requests.put(sandbox.base_url + "/categories/cat-oauth1", json={"category": {"title": "Labs"}}, auth=auth,
                          headers={"x-vendor-authorization": f"{c.vendor_key}:{c.vendor_secret}"})
    assert answer.status_code == 201 and sandbox.state.categories["cat-oauth1"]["title"] == "Labs"
