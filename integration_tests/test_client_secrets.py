"""No secret ever reaches a log line or an exception's text, on success, under faults or on refusal."""

import logging
import traceback

from campus_oneroster.client import OneRosterClient
from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import OneRosterError


# Every path that logs or raises: retries of each kind, token renewal, each refusal.
SCENARIOS = [
    ("oauth2", {}, lambda c: list(c.iter_records("/lineItems"))),
    ("oauth1", {}, lambda c: list(c.iter_records("/results", page_size=3))),
    ("oauth2", {"faults": dict(rate_429=0.3, retry_after_seconds=0.01, rate_500_before_write=0.3, rate_drop=0.3,
                               token_expiry_after_requests=2)}, lambda c: list(c.iter_records("/users", page_size=20))),
    ("oauth2", {"vendor": False}, lambda c: c.count("/categories")),
    ("oauth2", {"roster_only": True}, lambda c: c.delete("/results/secret-scan")),
    ("oauth2", {"faults": dict(rate_drop=1.0)}, lambda c: c.count("/orgs")),
    ("oauth1", {"wrong_secret": True}, lambda c: c.count("/orgs")),
    ("oauth2", {"renew": True}, lambda c: c.count("/orgs")),
]


def test_no_secret_in_logs_or_errors(sandbox, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # urllib3 and requests included
    originals = sandbox.connection_config(auth="oauth2")["credentials"]["client_secret"], \
        sandbox.connection_config(auth="oauth1")["credentials"]["consumer_secret"], \
        sandbox.connection_config()["vendor_secret"]
    texts: list[str] = []
    secrets = set(originals)
    for auth, options, action in SCENARIOS:
        sandbox.faults.set(**options.get("faults", {}))
        raw = sandbox.connection_config(auth=auth, retry_base_seconds=0.0, max_retries=3,
                                        vendor=options.get("vendor", True), roster_only=options.get("roster_only", False))
        secrets |= {value for value in _secret_values(raw)}
        if options.get("wrong_secret"):
            raw["credentials"]["consumer_secret"] = "wrong-consumer-secret-0123456789"
            secrets.add("wrong-consumer-secret-0123456789")
        if options.get("renew"):
            secrets.add(sandbox.renew_secret() or "")
        client = OneRosterClient(ConnectionConfig.model_validate(raw))
        texts.append(repr(client.config))
        try:
            action(client)
        except OneRosterError as error:
            texts.append("".join(traceback.format_exception(error)))
            texts.append(repr(error))
        finally:
            bearer = getattr(getattr(client, "_auth", None), "_bearer", None)
            if bearer is not None:
                secrets.add(bearer.token)
            client.close()
            sandbox.faults.clear()
    captured = capsys.readouterr()
    texts += [record.getMessage() for record in caplog.records] + [captured.out, captured.err]
    everything = "\n".join(texts)
    assert len(caplog.records) > 5 and "retry" in everything  # the scan really covered retries and refusals
    leaked = [secret for secret in secrets if secret and len(secret) >= 8 and secret in everything]
    assert leaked == [], [line for line in everything.splitlines() if any(secret in line for secret in leaked)][:3]


def _secret_values(raw: dict) -> list[str]:
    credentials = raw["credentials"]
    return [value for value in (credentials.get("client_secret"), credentials.get("consumer_secret"),
                                raw.get("vendor_secret")) if value]
