"""The shared client's paged read of /enrollments, next to the sandbox's serving rate and a naive client.

    .venv/bin/python bench/bench_client_read.py                 # medium district (~63k enrollments)
    .venv/bin/python bench/bench_client_read.py --size large    # 1,005,714 enrollments (Campus-sized)

One run, one sandbox (the CLI in a subprocess, via bench/harness.py) with 50 ms added latency per
request, three contenders, each in its own subprocess so its wall time and peak memory are its own:

  (a) sandbox serving rate: plain sequential GETs of 50,000-record pages, bodies not decoded
      (bench_sandbox's loop), i.e. what the server can deliver; (a2) the same loop decoding each
      page with orjson, the ceiling of one Python process that must decode what it emits;
  (b) OneRosterClient.iter_records, page_size 50,000, max_concurrent_requests 5 (prefetching);
  (c) a naive sequential client, page size 100, decoding every page, as many integrations do.
      At 50 ms per request it would need ~10 minutes for a large district, so it reads
      --naive-pages pages and its full-read figures are extrapolated (labelled as such).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import orjson
import psutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_sandbox import _read_all  # noqa: E402
from bench_source_read import bearer_session  # noqa: E402
from harness import PeakRss, mib, print_table, sandbox_process  # noqa: E402

from campus_oneroster.client import OneRosterClient  # noqa: E402
from campus_oneroster.config import ConnectionConfig  # noqa: E402

PAGE_SIZE = 50_000
NAIVE_PAGE_SIZE = 100
CONTENDERS = ("raw", "decoded", "client", "naive")


def read_raw(info: dict, pages: int) -> dict:
    """(a) The server's rate: bench_sandbox's undecoded sequential read."""
    with bearer_session(info) as session:
        run = _read_all(session, info["base_url"] + "/enrollments", PAGE_SIZE, None)
    return {"records": run["records"], "requests": run["requests"], "seconds": run["seconds"]}


def read_raw_decoded(info: dict, pages: int) -> dict:
    """(a2) The same sequential GETs, each page decoded with orjson: the one-process decode ceiling,
    since a source must decode what it emits and orjson holds the GIL."""
    records, requests_made, offset, total = 0, 0, 0, None
    with bearer_session(info) as session:
        start = time.perf_counter()
        while total is None or offset < total:
            response = session.get(info["base_url"] + "/enrollments", params={"limit": PAGE_SIZE, "offset": offset})
            response.raise_for_status()
            requests_made += 1
            total = int(response.headers["X-Total-Count"])
            records += len(orjson.loads(response.content)["enrollments"])
            offset += PAGE_SIZE
        seconds = time.perf_counter() - start
    return {"records": records, "requests": requests_made, "seconds": seconds}


def read_with_client(info: dict, pages: int) -> dict:
    """(b) Our client as the source uses it: every record decoded and handed over, in order."""
    config = ConnectionConfig.model_validate({**info["config"], "page_size": PAGE_SIZE, "max_concurrent_requests": 5})
    start = time.perf_counter()
    with OneRosterClient(config) as client:
        records = sum(1 for _ in client.iter_records("/enrollments"))
        requests_made = client.requests.total
    return {"records": records, "requests": requests_made, "seconds": time.perf_counter() - start}


def read_naive(info: dict, pages: int) -> dict:
    """(c) Sequential limit=100 pages, each decoded; stops after `pages` pages and extrapolates."""
    records, requests_made, total = 0, 0, None
    with bearer_session(info) as session:
        start = time.perf_counter()
        for page in range(pages):
            response = session.get(info["base_url"] + "/enrollments",
                                   params={"limit": NAIVE_PAGE_SIZE, "offset": page * NAIVE_PAGE_SIZE})
            response.raise_for_status()
            requests_made += 1
            total = int(response.headers["X-Total-Count"])
            batch = response.json()["enrollments"]
            records += sum(1 for _ in batch)
            if len(batch) < NAIVE_PAGE_SIZE:
                break
        seconds = time.perf_counter() - start
    rate = records / seconds
    return {"records": records, "requests": requests_made, "seconds": seconds, "total": total,
            "extrapolated_seconds": total / rate, "extrapolated_requests": -(-total // NAIVE_PAGE_SIZE)}


READERS = {"raw": read_raw, "decoded": read_raw_decoded, "client": read_with_client, "naive": read_naive}


def run_contender(name: str, info_json: str, pages: int) -> None:
    """Subprocess mode: run one reader, print its figures and its own peak RSS as one JSON line."""
    info = json.loads(info_json)
    start_rss = psutil.Process().memory_info().rss
    with PeakRss() as rss:
        figures = READERS[name](info, pages)
    print(json.dumps({**figures, "start_rss": start_rss, "peak_rss": rss.peak}))


def contender_row(label: str, name: str, info: dict, pages: int) -> list[dict]:
    out = subprocess.run([sys.executable, __file__, "--contender", name, "--naive-pages", str(pages)],
                         input=json.dumps(info), capture_output=True, text=True, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    row = {"contender": label, "records": figures["records"], "requests": figures["requests"],
           "wall s": figures["seconds"], "records/s": figures["records"] / figures["seconds"],
           "peak MiB": mib(figures["peak_rss"]), "read MiB": mib(figures["peak_rss"] - figures["start_rss"])}
    if "extrapolated_seconds" in figures:
        row["contender"] += f" [measured {figures['requests']} pages]"
        extrapolated = {**row, "contender": f"{label} [EXTRAPOLATED to {figures['total']:,}]",
                        "records": figures["total"], "requests": figures["extrapolated_requests"],
                        "wall s": figures["extrapolated_seconds"], "peak MiB": "-", "read MiB": "-"}
        return [row, extrapolated]
    return [row]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", help="district size: tiny, small, medium (default), large")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added latency per request (default 50)")
    parser.add_argument("--naive-pages", type=int, default=40, help="pages the naive client reads (default 40)")
    parser.add_argument("--contender", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        run_contender(args.contender, sys.stdin.read(), args.naive_pages)
        return
    with sandbox_process(args.size, latency_ms=args.latency_ms) as sandbox:
        info = {key: sandbox.info[key] for key in ("base_url", "token_url", "credentials", "config")}
        rows = []
        for label, name in (("(a) sandbox serving, raw GETs x 50,000", "raw"),
                            ("(a2) raw GETs x 50,000 + orjson decode", "decoded"),
                            ("(b) OneRosterClient, 50,000 x 5 in flight", "client"),
                            ("(c) naive sequential, page 100", "naive")):
            rows += contender_row(label, name, info, args.naive_pages)
    print_table(f"/enrollments of a {args.size} district, {args.latency_ms:g} ms added latency per request", rows)
    serving, decoded, client, naive = (rows[i]["records/s"] for i in range(4))
    print(f"\nclient vs naive: {client / naive:,.1f}x the records/s; client vs serving rate: {client / serving:.2f}x; "
          f"client vs sequential fetch+decode: {client / decoded:.2f}x")


if __name__ == "__main__":
    main()
