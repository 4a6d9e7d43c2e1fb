"""How fast the Campus sandbox serves enrollments and takes gradebook PUTs, next to a baseline.

    .venv/bin/python bench/bench_sandbox.py            # medium district (~63k enrollments), 2,000 PUTs
    .venv/bin/python bench/bench_sandbox.py --full     # large district (1,005,714 enrollments), 20,000 PUTs

The sandbox runs in a subprocess (its CPU and memory apart from this client). The client reads
/enrollments in pages of --page-size without decoding them (it counts bytes and uses
X-Total-Count), so the figure is the server's rate, not JSON parsing. Baseline, same run: a plain
threaded HTTP server in a subprocess answering every request with a prebuilt buffer of the
sandbox's average page size: the transport ceiling on this machine. Writes: result PUTs (the
receiving rules applied to each) from --writers threads, next to the same PUTs answered by the
static server without any rule.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PeakRss, measure, mib, print_table, sandbox_process  # noqa: E402

from campus_sandbox.district import generate  # noqa: E402
from campus_sandbox.roster import enrollments  # noqa: E402


def _static_server(page_bytes: int) -> None:
    """Subprocess mode: serve one prebuilt buffer forever; print the port first."""
    buffer = b"[" + b" " * max(0, page_bytes - 2) + b"]"

    class Static(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(buffer)))
            self.end_headers()
            self.wfile.write(buffer)

        def do_PUT(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Static)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


def _read_all(session: requests.Session, url: str, page_size: int, total_hint: int | None) -> dict:
    """Page through `url`; returns requests, bytes, records and seconds."""
    offset, requests_made, n_bytes, records, total = 0, 0, 0, 0, total_hint
    start = time.perf_counter()
    while total is None or offset < total:
        r = session.get(url, params={"limit": page_size, "offset": offset})
        r.raise_for_status()
        requests_made += 1
        n_bytes += len(r.content)
        if total_hint is None:
            total = int(r.headers["X-Total-Count"])
        records += min(page_size, total - offset)
        offset += page_size
    return {"requests": requests_made, "bytes": n_bytes, "records": records,
            "seconds": time.perf_counter() - start}


def _result_puts(district, count: int) -> list[tuple[str, dict]]:
    """(path, body) of `count` result PUTs on open Q2 grading tasks, a percent each (rules derive the score)."""
    puts = []
    for section in district.sections(active_only=True):
        task = next((t for t in section.grading_task_ids if t.endswith("-7012")), None)
        for student in section.student_ids if task else ():
            body = {"result": {"lineItem": {"sourcedId": task}, "student": {"sourcedId": student},
                               "scoreStatus": "fully graded", "scoreDate": "2026-12-01",
                               "metadata": {"percent": 50 + len(puts) % 50}}}
            puts.append((f"/results/bench-{len(puts)}", body))
            if len(puts) == count:
                return puts
    return puts


def _write_all(url: str, headers: dict, puts: list[tuple[str, dict]], writers: int) -> dict:
    """PUT every body from `writers` threads (one keep-alive session each)."""
    local = threading.local()

    def put(item: tuple[str, dict]) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(headers)
        return local.session.put(url + item[0], json=item[1]).status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        statuses = list(pool.map(put, puts))
    seconds = time.perf_counter() - start
    refused = sum(s >= 300 for s in statuses)
    if refused:
        raise RuntimeError(f"{refused} of {len(puts)} PUTs were refused: the benchmark's writes must be valid")
    return {"writes": len(puts), "seconds": seconds, "writes/s": len(puts) / seconds}


def _row(name: str, run: dict, peak_rss: int) -> dict:
    return {"server": name, "records": run["records"], "requests": run["requests"], "seconds": run["seconds"],
            "records/s": run["records"] / run["seconds"], "MB/s": run["bytes"] / 1e6 / run["seconds"],
            "server peak MiB": mib(peak_rss)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="large district: 1,005,714 enrollments")
    p.add_argument("--size", default=None, help="district size (default medium; --full = large)")
    p.add_argument("--page-size", type=int, default=50_000)
    p.add_argument("--writes", type=int, default=None, help="result PUTs (default 2,000; --full 20,000)")
    p.add_argument("--writers", type=int, default=5, help="concurrent writers (Campus allows up to 5)")
    p.add_argument("--static-server", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.static_server is not None:
        _static_server(args.static_server)
        return
    size = args.size or ("large" if args.full else "medium")

    generation = measure(f"generate {size}", lambda: generate(size))
    district = generation.result
    records = enrollments(district)
    window = range(min(args.page_size, len(records)))
    start = time.perf_counter()
    body = records.page_json(window)
    rendered = time.perf_counter() - start
    page = records.page(window)
    start = time.perf_counter()
    json.dumps({"enrollments": page}).encode()
    encoded_json = time.perf_counter() - start
    print(f"district {size}: {district.enrollment_count:,} enrollments, {district.user_count:,} users, "
          f"{district.section_count:,} sections; generated in {generation.seconds:.3f} s "
          f"(this process at {mib(generation.peak_rss_bytes):.0f} MiB)")
    print(f"one page of {len(page):,} ({mib(len(body)):.1f} MiB) in-process: rendered in {rendered:.3f} s; "
          f"baseline json.dumps of the same records {encoded_json:.3f} s")

    puts = _result_puts(district, args.writes or (20_000 if args.full else 2_000))
    rows, write_rows = [], []
    with sandbox_process(size) as sp, requests.Session() as session:
        c = sp.info["credentials"]
        token = session.post(sp.info["token_url"], data={"grant_type": "client_credentials"},
                             auth=(c["client_id"], c["client_secret"])).json()["access_token"]
        session.headers["Authorization"] = f"Bearer {token}"
        with PeakRss(sp.pid) as rss:
            run = _read_all(session, sp.base_url + "/enrollments", args.page_size, None)
        rows.append(_row("campus sandbox", run, rss.peak))
        average_page = run["bytes"] // run["requests"]
        vendor = f"{c['vendor_key']}:{c['vendor_secret']}"
        with PeakRss(sp.pid) as rss:
            written = _write_all(sp.base_url, {**session.headers, "x-vendor-authorization": vendor}, puts, args.writers)
        write_rows.append({"server": "campus sandbox (receiving rules)", **written, "server peak MiB": mib(rss.peak)})

    static = subprocess.Popen([sys.executable, __file__, "--static-server", str(average_page)],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = json.loads(static.stdout.readline())["port"]
        with requests.Session() as session, PeakRss(static.pid) as rss:
            base = _read_all(session, f"http://127.0.0.1:{port}/static", args.page_size, run["records"])
        rows.append(_row("static buffer (baseline)", base, rss.peak))
        with PeakRss(static.pid) as rss:
            written = _write_all(f"http://127.0.0.1:{port}", {}, puts, args.writers)
        write_rows.append({"server": "static answer (baseline)", **written, "server peak MiB": mib(rss.peak)})
    finally:
        static.terminate()
        static.wait(timeout=10)
    print_table(f"Serving /enrollments in pages of {args.page_size:,}", rows)
    print_table(f"Result PUTs from {args.writers} concurrent writers", write_rows)


if __name__ == "__main__":
    main()
