"""The source's full read, next to the floor and a naive client, on one sandbox with 50 ms latency.

    .venv/bin/python bench/bench_source_read.py                 # medium district (~63k enrollments)
    .venv/bin/python bench/bench_source_read.py --size large    # 1,005,714 enrollments plus the rest

One run, one sandbox (the CLI in a subprocess, via bench/harness.py), every contender in its own
subprocess so wall time and peak memory are its own, all reading every stream's collection:

  source  `source-campus-oneroster read` as Airbyte runs it (config/catalog files, full refresh
          of all ten streams, --page-size 20,000, --concurrency 5), stdout counted in chunks;
  floor   plain sequential GETs of the same pages + orjson parse + one RECORD line per record
          serialised with orjson, no Airbyte: what any Python process pays;
  naive   a sequential client with page size 100 (parse + serialise too). At 50 ms per request a
          large district would take ~10 minutes, so it reads --naive-pages pages of enrollments and
          its full-read figures are extrapolated from them (labelled as such);
  1.2     the same source read against a second sandbox in OneRoster 1.2 mode (same district, three
          service roots, scoped token): first the same ten streams (the version layer's cost, target
          within 10 % of the 1.1 row), the floor against that sandbox (what serving 1.2 costs the
          sandbox itself, which the source's wall time includes), then every 1.2 stream (score
          scales, the per-class categories with one request per class, the assessment-results
          profile), for information.

Targets (issue 3): source ≥ 0.8× floor records/s, ≥ 20× naive, peak memory < 500 MB.
Why 20,000 and not Campus's 50,000: a decoded page costs ~3 KB a record as Python dicts, and a
reader holds the page it is writing while the next one is decoded (the client's prefetch window
waits as bytes). Measured on 2026-11-28 with a large district: at 50,000 the source peaked at
687 MiB and even the floor at 578 MiB; at 20,000 the source stays near 380 MiB, and at 50 ms
latency the extra requests are hidden by the concurrency. Page size, not district size, bounds
the source's memory.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import orjson
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PeakRss, mib, print_table, sandbox_process  # noqa: E402

SCRIPT = Path(sys.executable).parent / "source-campus-oneroster"
NAIVE_PAGE_SIZE = 100
COLLECTIONS = {
    "orgs": "/orgs", "academic_sessions": "/academicSessions", "courses": "/courses", "classes": "/classes",
    "users": "/users", "enrollments": "/enrollments", "demographics": "/demographics",
    "categories": "/categories", "line_items": "/lineItems", "results": "/results",
}
READ_LOG = re.compile(rb"Read (\d+) (\w+) records in (\d+) requests")


def bearer_session(info: dict) -> requests.Session:
    """A keep-alive session with a token from the sandbox (the floor and naive clients' only auth)."""
    session = requests.Session()
    credentials = info["credentials"]
    token = session.post(info["token_url"], data={"grant_type": "client_credentials"},
                         auth=(credentials["client_id"], credentials["client_secret"])).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    session.headers["x-vendor-authorization"] = f"{credentials['vendor_key']}:{credentials['vendor_secret']}"
    return session


def emit_page(out, stream: str, records: list[dict]) -> None:
    """One RECORD line per record, serialised the cheapest way Python can."""
    head = b'{"type":"RECORD","record":{"stream":"' + stream.encode() + b'","data":'
    tail = b',"emitted_at":' + str(int(time.time() * 1000)).encode() + b"}}\n"
    for record in records:
        out.write(head + orjson.dumps(record) + tail)


def warm_up(info: dict) -> None:
    """One sorted limit=1 request per collection, so no contender pays the sandbox's first sort."""
    with bearer_session(info) as session:
        for stream, path in COLLECTIONS.items():
            session.get(root_of(info, stream) + path, params={"limit": 1, "sort": "dateLastModified"}).raise_for_status()


GRADEBOOK_STREAMS = ("categories", "line_items", "results")


def root_of(info: dict, stream: str) -> str:
    """The root serving a stream's collection: 1.2 serves the gradebook from its own root."""
    return info.get("gradebook_url", info["base_url"]) if stream in GRADEBOOK_STREAMS else info["base_url"]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_plain(info: dict, page_size: int, max_pages: int | None, streams: list[str]) -> dict:
    """Sequential GET + parse + serialise, `page_size` per page; `max_pages` stops early (naive)."""
    records = pages = 0
    start = time.perf_counter()
    with bearer_session(info) as session, open(os.devnull, "wb") as out:
        for stream in streams:
            offset = 0
            while max_pages is None or pages < max_pages:
                response = session.get(root_of(info, stream) + COLLECTIONS[stream],
                                       params={"limit": page_size, "offset": offset, "sort": "dateLastModified"})
                response.raise_for_status()
                body = orjson.loads(response.content)
                page = next(value for key, value in body.items() if isinstance(value, list))
                pages += 1
                emit_page(out, stream, page)
                records += len(page)
                offset += len(page)
                if not page or offset >= int(response.headers["X-Total-Count"]):
                    break
    return {"records": records, "requests": pages, "seconds": time.perf_counter() - start}


def read_with_source(info: dict, workdir: Path, page_size: int, concurrency: int,
                     streams: Optional[set[str]] = None) -> dict:
    """The console script's read of `streams` (None: every stream discovered), stdout consumed in chunks
    (records and per-stream request logs counted)."""
    config = {**info["config"], "page_size": page_size, "max_concurrent_requests": concurrency}
    (workdir / "config.json").write_text(json.dumps(config))
    discovered = subprocess.run([str(SCRIPT), "discover", "--config", str(workdir / "config.json")],
                                capture_output=True, check=True).stdout
    catalog = next(json.loads(line)["catalog"] for line in discovered.splitlines() if b'"CATALOG"' in line)
    configured = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                              for stream in catalog["streams"] if streams is None or stream["name"] in streams]}
    (workdir / "catalog.json").write_text(json.dumps(configured))
    command = [str(SCRIPT), "read", "--config", str(workdir / "config.json"), "--catalog", str(workdir / "catalog.json")]
    start, cpu_before = time.perf_counter(), children_cpu_seconds()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    records = requests_sent = 0
    with PeakRss(process.pid, children=True) as rss:
        tail = b""
        while chunk := process.stdout.read(1 << 20):
            data = tail + chunk
            cut = data.rfind(b"\n") + 1
            complete, tail = data[:cut], data[cut:]
            records += complete.count(b'{"type":"RECORD"')
            for match in READ_LOG.finditer(complete):
                requests_sent += int(match.group(3))
        process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"source read exited {process.returncode}")
    return {"records": records, "requests": requests_sent, "seconds": time.perf_counter() - start, "peak": rss.peak,
            "cpu": children_cpu_seconds() - cpu_before}


def startup_seconds() -> float:
    """The console script's fixed cost (interpreter, CDK import): the wall time of `spec`."""
    start = time.perf_counter()
    subprocess.run([str(SCRIPT), "spec"], capture_output=True, check=True)
    return time.perf_counter() - start


def contender(name: str, info: dict, page_size: int, naive_pages: int) -> dict:
    """Run one contender in this process (called in a child: `--contender NAME`)."""
    if name == "floor":
        return read_plain(info, page_size, None, list(COLLECTIONS))
    return read_plain(info, NAIVE_PAGE_SIZE, naive_pages, ["enrollments"])


def run_child(name: str, info: dict, page_size: int, naive_pages: int) -> dict:
    """A contender in its own interpreter, its peak memory sampled from outside."""
    command = [sys.executable, __file__, "--contender", name, "--page-size", str(page_size),
               "--naive-pages", str(naive_pages)]
    cpu_before = children_cpu_seconds()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    with PeakRss(process.pid) as rss:
        out, _ = process.communicate(json.dumps(info).encode())
    if process.returncode != 0:
        raise RuntimeError(f"{name} exited {process.returncode}")
    return {**json.loads(out), "peak": rss.peak, "cpu": children_cpu_seconds() - cpu_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium", help="sandbox district size (default medium; large = issue 3's full size)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--page-size", type=int, default=20_000, help="page size of the source and the floor")
    parser.add_argument("--concurrency", type=int, default=5, help="the source's max_concurrent_requests (1-5)")
    parser.add_argument("--naive-pages", type=int, default=100, help="pages the naive client reads before extrapolating")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        print(json.dumps(contender(args.contender, json.loads(sys.stdin.read()), args.page_size, args.naive_pages)))
        return

    with sandbox_process(args.size, latency_ms=args.latency_ms) as sandbox, tempfile.TemporaryDirectory() as workdir:
        warm_up(sandbox.info)
        startup = startup_seconds()
        source = read_with_source(sandbox.info, Path(workdir), args.page_size, args.concurrency)
        floor = run_child("floor", sandbox.info, args.page_size, args.naive_pages)
        naive = run_child("naive", sandbox.info, args.page_size, args.naive_pages)
    with sandbox_process(args.size, latency_ms=args.latency_ms, extra_args=("--oneroster", "1.2")) as sandbox12, \
            tempfile.TemporaryDirectory() as workdir:
        warm_up(sandbox12.info)
        same12 = read_with_source(sandbox12.info, Path(workdir), args.page_size, args.concurrency, set(COLLECTIONS))
        floor12 = run_child("floor", sandbox12.info, args.page_size, args.naive_pages)
        every12 = read_with_source(sandbox12.info, Path(workdir), args.page_size, args.concurrency)

    naive_rate = naive["records"] / naive["seconds"]
    naive_full_requests = math.ceil(source["records"] / NAIVE_PAGE_SIZE)
    rows = []
    for name, run in (("source (console script read)", source), ("floor (GET + parse + serialise)", floor),
                      ("source on OneRoster 1.2, the same ten streams", same12),
                      ("floor on OneRoster 1.2 (its sandbox's own cost)", floor12),
                      ("source on OneRoster 1.2, all fourteen streams", every12)):
        rows.append({"contender": name, "records": run["records"], "seconds": run["seconds"],
                     "records/s": run["records"] / run["seconds"], "requests": run["requests"],
                     "CPU s": run["cpu"], "peak MiB": mib(run["peak"])})
    rows.append({"contender": f"naive, page 100 (extrapolated from {naive['requests']} pages)",
                 "records": source["records"], "seconds": source["records"] / naive_rate, "records/s": naive_rate,
                 "requests": naive_full_requests, "CPU s": naive["cpu"] * source["records"] / naive["records"],
                 "peak MiB": mib(naive["peak"])})
    print_table(f"Full read, {args.size} district, {args.latency_ms:g} ms added latency per request, "
                f"pages of {args.page_size:,}", rows)
    source_rate = source["records"] / source["seconds"]
    print(f"\nsource / floor: {source_rate / (floor['records'] / floor['seconds']):.2f}x (target >= 0.8); "
          f"CPU {source['cpu']:.1f} s vs {floor['cpu']:.1f} s")
    print(f"source / naive: {source_rate / naive_rate:.1f}x (target >= 20)")
    print(f"1.2 / 1.1, the same ten streams: {same12['records'] / same12['seconds'] / source_rate:.2f}x the records/s "
          f"(target >= 0.90), {same12['seconds'] / source['seconds']:.2f}x the time; source CPU per record "
          f"{same12['cpu'] / same12['records'] / (source['cpu'] / source['records']):.2f}x; the floors' records/s "
          f"(what each sandbox serves) {floor12['records'] / floor12['seconds'] / (floor['records'] / floor['seconds']):.2f}x")
    print(f"source peak memory: {mib(source['peak']):.0f} MiB (target < 500)")
    print(f"source fixed cost: {startup:.1f} s of its {source['seconds']:.1f} s is console-script startup "
          "(interpreter + CDK import, measured with `spec`); it dominates small districts")
    if source["records"] != floor["records"]:
        print(f"WARNING: the source emitted {source['records']} records, the floor read {floor['records']}")


if __name__ == "__main__":
    main()
