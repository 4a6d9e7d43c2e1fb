"""Both console scripts against a hostile or broken provider: secrets stay home, reads end, costs stay bounded.

Every case is a switch of `campus_sandbox.hostile.HostileProvider` (a real HTTP server on loopback
in front of a sandbox) or a config an attacker or a slip of the hand could produce. Each case runs
`source-campus-oneroster check` and `read`, and `destination-campus-grades check` and `write`, as
Airbyte runs them, and every run is scanned: no configured secret (raw, escaped, Basic-encoded, or
as a bearer token the provider issued) in stdout or stderr, and no request to any host but the one
configured (two catchers stand in for other hosts: 127.0.0.2, and another port on 127.0.0.1).
The matrix runs in front of a OneRoster 1.1 sandbox and a 1.2 one (three service roots, scoped
tokens, 1.2's error shape): the default suite runs each case's verbs under both.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest

from campus_sandbox.hostile import HostileProvider
from destination_campus_grades.report import parse_report_line
from integration_tests.source_cli import SCRIPT as SOURCE, configured_catalog, parse_messages, run_source, sandbox_keys
from integration_tests.destination_cli import SCRIPT as DESTINATION, catalog as destination_catalog
from integration_tests.destination_cli import DESTINATION_KEYS, protocol_lines
from otus_export.bulk import bulk_export

READ_STREAMS = ("orgs", "users", "enrollments")
PAGED = {"page_size": 5}


@dataclass
class World:
    """One sandbox behind a hostile provider, two catchers for "another host", and the config to use."""

    sandbox: Any
    provider: HostileProvider
    catchers: tuple[HostileProvider, HostileProvider]
    tmp_path: Path
    catalog: dict

    def config(self, **overrides: Any) -> dict:
        return self.provider.connection_config(
            "oauth2", max_retries=1, retry_base_seconds=0.01, **{**DESTINATION_KEYS, **overrides})

    def secrets(self, config: dict) -> set[str]:
        """What must never be printed: the config's secrets and every credential the provider saw."""
        values = {config.get("vendor_secret"), self.sandbox.credentials.client_secret,
                  self.sandbox.credentials.vendor_secret}
        credentials = config.get("credentials")
        if isinstance(credentials, dict):
            values.add(credentials.get("client_secret"))
        else:
            values.add(json.dumps(credentials).strip('"'))
        for request in self.provider.received:
            authorization = request.headers.get("Authorization", "")
            if authorization.startswith(("Bearer ", "Basic ")):
                values.add(authorization.split(" ", 1)[1])
        values.add(base64.b64encode(
            f"{self.sandbox.credentials.client_id}:{self.sandbox.credentials.client_secret}".encode()).decode())
        return {value for value in values if value and len(value) >= 6}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    messages: list[dict] = field(default_factory=list)

    def of_type(self, kind: str) -> list[dict]:
        return [m for m in self.messages if m.get("type") == kind]

    @property
    def status(self) -> dict:
        (status,) = [m["connectionStatus"] for m in self.of_type("CONNECTION_STATUS")]
        return status

    @property
    def errors(self) -> list[str]:
        return [m["trace"]["error"]["message"] for m in self.of_type("TRACE") if m["trace"]["type"] == "ERROR"]

    @property
    def report(self) -> Optional[dict]:
        reports = [parse_report_line(m["log"]["message"]) for m in self.of_type("LOG")]
        return next((r for r in reports if r is not None), None)


@pytest.fixture(scope="module")
def source_catalog(tmp_path_factory: pytest.TempPathFactory) -> dict:
    config = {"base_url": "http://127.0.0.1:9/ims/oneroster/v1p1",
              "credentials": {"auth_type": "oauth1_hmac_sha256", "consumer_key": "key", "consumer_secret": "discover-only"}}
    run = run_source("discover", tmp_path_factory.mktemp("discover"), config=config)
    return configured_catalog(run.catalog, {name: "full_refresh" for name in READ_STREAMS})


@pytest.fixture
def world(request: pytest.FixtureRequest, make_sandbox, tmp_path: Path, source_catalog: dict) -> Iterator[World]:
    """`request.param`: the OneRoster version the sandbox speaks."""
    sandbox = make_sandbox("tiny", oneroster_version=request.param)
    with HostileProvider(sandbox) as provider, HostileProvider(host="127.0.0.2") as far, HostileProvider() as near:
        yield World(sandbox, provider, (far, near), tmp_path, source_catalog)


def run_script(args: list[str], *, stdin: Optional[str] = None, timeout: float = 180) -> Run:
    started = time.monotonic()
    done = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started, parse_messages(done.stdout))


def run_verb(world: World, verb: str, config: dict) -> Run:
    """One of the four verbs, with its files in a fresh directory."""
    directory = world.tmp_path / f"{verb}-{time.monotonic_ns()}"
    directory.mkdir()
    (directory / "config.json").write_text(json.dumps(config))
    if verb == "source check":
        return run_script([str(SOURCE), "check", "--config", str(directory / "config.json")])
    if verb == "source read":
        (directory / "catalog.json").write_text(json.dumps(world.catalog))
        return run_script([str(SOURCE), "read", "--config", str(directory / "config.json"),
                           "--catalog", str(directory / "catalog.json")])
    if verb == "destination check":
        return run_script([str(DESTINATION), "check", "--config", str(directory / "config.json")])
    (directory / "catalog.json").write_text(json.dumps(destination_catalog()))
    stdin = "\n".join(protocol_lines(passback_records(world))) + "\n"
    return run_script([str(DESTINATION), "write", "--config", str(directory / "config.json"),
                       "--catalog", str(directory / "catalog.json")], stdin=stdin)


def passback_records(world: World) -> list[tuple[str, dict]]:
    """One section's assessment and three scores, plus the same assessment on ids that try to leave the path."""
    records = list(bulk_export(world.sandbox.district, sections=1, students_per_section=3, assessments_per_section=1))
    assessment = next(data for stream, data in records if stream == "assessments")
    for section in ("..", "%2e%2e", "a/b"):
        records.append(("assessments", {**assessment, "section_id": section}))
    return records


def scan(world: World, run: Run, config: dict) -> None:
    """No secret in any form in the output; no request reached another host; none left the API base."""
    output = run.stdout + run.stderr
    for secret in world.secrets(config):
        for form in {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1], json.dumps(repr(secret)[1:-1])[1:-1]}:
            assert form not in output, f"a secret reached the output: {_around(output, form)}"
    for catcher in world.catchers:
        assert catcher.received == [], f"a request reached {catcher.origin}: {catcher.received[0].target}"
    api = world.sandbox.oneroster_root if world.sandbox.version.name == "1.2" else world.sandbox.base_url
    base = api.split("://", 1)[1].split("/", 1)[1]
    for request in world.provider.received:
        path = request.target.split("?", 1)[0]
        assert path.startswith(("/" + base, "/campus/oauth2/token")) and "/../" not in path and "%2e" not in path.lower(), \
            request.target


def _around(text: str, form: str) -> str:
    at = text.index(form)
    return text[max(0, at - 120):at].replace(form, "<SECRET>") + "<SECRET>"


# ---- the cases ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A misbehaviour (provider switches and/or a config change) and what each verb must do under it.

    An expectation is "ok" (check SUCCEEDED, read complete, write echoed its state) or a phrase the
    failure must contain (check's message, read's error trace, write's error trace). `verbs`: those
    the default suite runs (the rest run with `-m soak`).
    """

    name: str
    switches: Callable[[World], dict] = lambda world: {}
    verbs: tuple[str, ...] = ()
    config: Callable[[World, dict], None] = lambda world, config: None
    check: str = "ok"
    read: str = "ok"
    write: str = "ok"
    destination_check: Optional[str] = None  # when it differs from the source's check
    log: str = ""  # a phrase the runs of `verbs` must log (a LOG message, or stderr)
    max_seconds: float = 120.0


def _set(**values: Any) -> Callable[[World, dict], None]:
    return lambda world, config: config.update(values)


def _vendor_secret_with_newline(world: World, config: dict) -> None:
    config["vendor_secret"] += "\n"


def _client_secret_with_carriage_return(world: World, config: dict) -> None:
    config["credentials"]["client_secret"] += "\r"


def _credentials_as_a_string(world: World, config: dict) -> None:
    config["credentials"] = config["credentials"]["client_secret"]


def _userinfo_backslash_base_url(world: World, config: dict) -> None:
    config["base_url"] = config["base_url"].replace("http://127.0.0.1", "http://vm:P\\@127.0.0.1")


def _userinfo_base_url(world: World, config: dict) -> None:
    config["base_url"] = config["base_url"].replace("http://", f"http://user@{world.catchers[0].host}:1@")


def _unresolvable_host(world: World, config: dict) -> None:
    for holder, key in ((config, "base_url"), (config["credentials"], "token_url")):
        holder[key] = "https://no-such-host.invalid/" + holder[key].split("://", 1)[1].split("/", 1)[1]


def _dot_school(world: World, config: dict) -> None:
    config["school_ids"] = [".."]


SC, SR, DC, DW = VERBS = ("source check", "source read", "destination check", "destination write")
ALL = VERBS
REDIRECTED = "redirecting to"
CASES = [
    Case("redirect_to_another_host", lambda w: dict(redirect_to=w.catchers[0].origin), ALL,
         check=REDIRECTED, read=REDIRECTED, write=REDIRECTED),
    Case("redirect_to_another_port_over_http", lambda w: dict(redirect_to=w.catchers[1].origin, redirect_status=301),
         (SC,), check=REDIRECTED, read=REDIRECTED, write=REDIRECTED),
    Case("redirect_of_writes_only", lambda w: dict(redirect_to=w.catchers[0].origin, redirect_status=308,
                                                    redirect_methods=frozenset({"PUT"})),
         (DW,), write=REDIRECTED),
    Case("redirect_of_the_token_url", lambda w: dict(redirect_to=w.catchers[0].origin, redirect_token=True), (DC,),
         check=REDIRECTED, read=REDIRECTED, write=REDIRECTED),
    Case("authorization_echoed_by_the_api", lambda w: dict(echo_authorization=True), (DW,),
         check="Provider says", read="Provider says", write="Provider says"),
    Case("authorization_echoed_by_the_token_url", lambda w: dict(echo_token_authorization=True), (SC,),
         check="Renew Secret", read="Renew Secret", write="Renew Secret"),
    Case("trickled_body", lambda w: dict(trickle_seconds=0.05), (SC,), _set(request_timeout_seconds=1.0),
         check="timed out", read="timed out", write="timed out", max_seconds=30),
    Case("retry_after_a_day", lambda w: dict(retry_after="86400"), (SC,), _set(max_retry_wait_seconds=0.2, max_retries=2),
         check="rate limited", read="rate limited", write="rate limited", max_seconds=30,
         log="HTTP 429, waiting 0.20 s before retry 2 of 2 (Retry-After asked 86400 s; capped at Maximum retry wait)"),
    Case("gzip_bomb", lambda w: dict(gzip_bomb_bytes=1 << 30), (SR,),
         check="inflated beyond", read="inflated beyond", write="inflated beyond"),
    Case("offset_ignored", lambda w: dict(ignore_offset=True), (SR,), _set(**PAGED),
         read="ignores offset", write="ignores offset"),
    Case("link_next_never_ends", lambda w: dict(endless_next=True), (SR,), _set(**PAGED)),
    Case("link_next_never_ends_and_offset_ignored", lambda w: dict(endless_next=True, ignore_offset=True), (DW,),
         _set(**PAGED), read="ignores offset", write="ignores offset"),
    Case("total_count_a_third_of_the_truth", lambda w: dict(total_scale=0.34), (SR,), _set(**PAGED),
         log="disagree about the end"),
    Case("total_count_zero", lambda w: dict(total_count=0), (), _set(**PAGED), log="it bounds nothing"),
    Case("total_count_negative", lambda w: dict(total_count=-7), (DW,), _set(**PAGED),
         log="X-Total-Count '-7' is not a count of records"),
    Case("page_sizes_vary", lambda w: dict(page_sizes=(5, 3, 4, 1)), (SR, DW), _set(**PAGED)),
    Case("vendor_secret_with_a_newline", verbs=ALL, config=_vendor_secret_with_newline,
         check="Vendor secret (gradebook) contains", read="Vendor secret (gradebook) contains",
         write="Vendor secret (gradebook) contains"),
    Case("client_secret_with_a_carriage_return", verbs=(SR,), config=_client_secret_with_carriage_return,
         check="Client secret contains", read="Client secret contains", write="Client secret contains"),
    Case("credentials_given_as_a_string", verbs=(SC, DW), config=_credentials_as_a_string,
         check="not of type", read="not of type", write="not of type"),
    Case("base_url_with_backslash_and_user_info", verbs=(SC,), config=_userinfo_backslash_base_url,
         check="backslash", read="backslash", write="backslash"),
    Case("base_url_with_user_info", verbs=(DC,), config=_userinfo_base_url,
         check="user name or password", read="user name or password", write="user name or password"),
    Case("unresolvable_host_is_named", verbs=(SC,), config=_unresolvable_host, check="no-such-host.invalid",
         read="no-such-host.invalid", write="no-such-host.invalid"),
    Case("school_id_walking_up_the_path", verbs=(SR,), config=_dot_school, check="school_ids", read="school_ids",
         destination_check="ok"),
]
# Every case under every verb; the default suite runs each case under the verbs it names (every verb
# is covered by several cases, every case by at least one verb), and `-m soak` runs the whole product.
# Under 1.2 the destination's write is left out until the passback speaks 1.2 (it does not match
# 1.2's user ids yet, so every score is skipped by rule before any request could misbehave).
PASSBACK_ON_1_2 = pytest.mark.skip(reason="the destination's passback on OneRoster 1.2 is not built yet")
MATRIX = [pytest.param(case, verb, version, id=f"{case.name}-{verb.replace(' ', '_')}-{version}",
                       marks=(PASSBACK_ON_1_2, pytest.mark.soak) if (version, verb) == ("1.2", DW) else
                       () if verb in case.verbs else (pytest.mark.soak,))
          for version in ("1.1", "1.2") for case in CASES for verb in VERBS]


@pytest.mark.parametrize(("case", "verb", "world"), MATRIX, indirect=["world"])
def test_no_secret_leaves_and_every_run_ends_as_it_should(world: World, case: Case, verb: str) -> None:
    world.provider.set(**case.switches(world))
    config = world.config()
    case.config(world, config)
    run = run_verb(world, verb, config)
    scan(world, run, config)
    assert run.seconds < case.max_seconds, f"{verb} took {run.seconds:.0f} s"
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    if case.log and verb in case.verbs:
        logged = "\n".join(m["log"]["message"] for m in run.of_type("LOG")) + run.stderr
        assert case.log in logged, logged[-3000:]
    expected = {SC: case.check, SR: case.read, DC: case.destination_check or case.check, DW: case.write}[verb]
    if verb.endswith("check"):
        assert run.returncode == 0
        if expected == "ok":
            assert run.status["status"] == "SUCCEEDED", run.status  # the destination's carries a message
        else:
            assert run.status["status"] == "FAILED" and expected in run.status["message"], run.status
    elif verb == SR:
        _assert_read(world, run, expected)
    else:
        _assert_write(run, expected)


def _assert_read(world: World, run: Run, expected: str) -> None:
    records = [m["record"] for m in run.of_type("RECORD")]
    keys = [(r["stream"], r["data"]["sourcedId"]) for r in records]
    assert len(keys) == len(set(keys)), "a record was emitted twice"
    if expected == "ok":
        assert run.returncode == 0, run.errors or run.stderr[-2000:]
        served = {(stream, sourced_id) for stream, sourced_id, _ in sandbox_keys(world.sandbox) if stream in READ_STREAMS}
        assert set(keys) == served
    else:
        assert run.returncode != 0
        assert any(expected in error for error in run.errors), run.errors or run.stdout[-2000:]


def _assert_write(run: Run, expected: str) -> None:
    if expected == "ok":
        assert run.returncode == 0, run.errors or run.stderr[-2000:]
        assert run.of_type("STATE"), "the final state was not echoed"
        report = run.report
        assert report is not None and report["totals"]["created"] + report["totals"]["unchanged"] == 4, report
        assert report["reasons"]["invalid_id"]["count"] == 2 and report["reasons"]["unknown_section"]["count"] == 1
    else:
        assert run.returncode != 0
        assert not run.of_type("STATE"), "a state was confirmed although the write failed"
        assert any(expected in error for error in run.errors), run.errors or run.stdout[-2000:]
