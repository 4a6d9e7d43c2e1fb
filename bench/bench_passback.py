"""How fast and how lean destination-campus-grades passes scores back, next to baselines of the same run.

    .venv/bin/python bench/bench_passback.py          # 40 sections: 2,000 results; 100,000 scores for memory
    .venv/bin/python bench/bench_passback.py --full   # 400 sections: 20,000 results; 1,000,000 scores

The sandbox (medium district) runs in a subprocess with --latency-ms added to every request; the
destination runs as its console script with max_concurrent_requests (default 5), records on stdin.

1. New results: wall time of the first sync next to the bound PUTs × latency ÷ concurrency (the
   time the PUTs alone take at that latency and concurrency), and next to a baseline measured in
   the same run: the bare client PUTting the same number of lineItems, with no rules, plan or diff.
   Target: ≤ 1.25× the bound.
   The same first sync again, into a fresh sandbox, with a STATE after every record: batching
   must not depend on how often the platform sends states.
2. The unchanged re-run: its writes (target 0; read from the passback report) and wall time.
   OneRoster 1.2: the same first sync and re-run against the sandbox's strict 1.2 mode (three
   roots, 1.2 bodies, categories resolved per class, users through their legacy ids), next to the
   1.1 figures of the same run. Target: within 10 % of 1.1; the re-run makes 0 writes. Each
   assessment carries a category title its class holds, so both versions write the same objects.
3. Memory: peak RSS of the destination for --memory-scores input scores (a dry run in which every
   assessment starts before the passback start date, so each score is decided by rule 1 with no
   Campus read: what is measured is the destination's own buffering), next to the same run with
   --memory-scores / 100 scores. What bounds it: two batches of 5,000 records (one read, one being
   written), one small entry per assessment, the report's counters; nothing grows with the number
   of scores (the entries grow with the number of assessments: 40,000 in the full run). A third
   run sends every score before any assessment: beyond 100,000 waiting scores spill to disk.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from itertools import chain, islice
from pathlib import Path
from typing import Iterable, Iterator

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PeakRss, mib, print_table, sandbox_process  # noqa: E402

from campus_oneroster.client import OneRosterClient  # noqa: E402
from campus_oneroster.config import ConnectionConfig  # noqa: E402
from campus_sandbox.district import Section, generate  # noqa: E402
from destination_campus_grades.report import parse_report_line  # noqa: E402
from otus_export import bulk_export  # noqa: E402
from otus_export.sample import DISTRICT_TIME_ZONE, PASSBACK_START_DATE, open_day  # noqa: E402

SCRIPT = Path(sys.executable).parent / "destination-campus-grades"
STUDENTS = 25
ASSESSMENTS = 2
MEMORY_SECTIONS = 400


def _lines(records: Iterable[tuple[str, dict]], state_every: int) -> Iterable[bytes]:
    n = 0
    for n, (stream, data) in enumerate(records, start=1):
        yield json.dumps({"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 0}}).encode() + b"\n"
        if n % state_every == 0:
            yield _state(n)
    yield _state(n)


def _state(n: int) -> bytes:
    return json.dumps({"type": "STATE", "state": {"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "scores"}, "stream_state": {"position": n}}}}).encode() + b"\n"


def run_destination(config: dict, records: Iterable[tuple[str, dict]], workdir: Path, *,
                    state_every: int = 5000) -> tuple[float, int, dict]:
    """Run the console script, streaming records to stdin with a STATE after every `state_every`
    records; (seconds, peak RSS, passback report)."""
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "catalog.json").write_text(json.dumps({"streams": [{
        "stream": {"name": n, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
        "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"} for n in ("assessments", "scores")]}))
    start = time.perf_counter()
    process = subprocess.Popen([str(SCRIPT), "write", "--config", str(workdir / "config.json"),
                                "--catalog", str(workdir / "catalog.json")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    report: dict = {}
    stderr: list[bytes] = []

    def feed() -> None:
        for line in _lines(records, state_every):
            process.stdin.write(line)
        process.stdin.close()

    def read() -> None:
        for line in process.stdout:
            message = json.loads(line)
            if message.get("type") == "LOG":
                report.update(parse_report_line(message["log"]["message"]) or {})

    threads = [threading.Thread(target=feed), threading.Thread(target=read),
               threading.Thread(target=lambda: stderr.append(process.stderr.read()))]
    with PeakRss(process.pid) as rss:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        process.wait()
    seconds = time.perf_counter() - start
    if process.returncode != 0 or not report:
        raise RuntimeError(f"the destination failed ({process.returncode}): {b''.join(stderr).decode()[-2000:]}")
    return seconds, rss.peak, report


def filed(records: Iterable[tuple[str, dict]], district) -> Iterator[tuple[str, dict]]:
    """Each assessment under a category title its class holds in Campus (1.2 resolves it by title;
    1.1 files it under the provider's default either way), so 1.1 and 1.2 write the same objects."""
    for stream, record in records:
        if stream == "assessments":
            record = {**record, "category": district.class_categories(record["section_id"])[0].title}
        yield stream, record


def startup_seconds() -> float:
    """The console script's own start-up (Python + CDK import), measured with `spec`."""
    start = time.perf_counter()
    subprocess.run([str(SCRIPT), "spec"], capture_output=True, check=True)
    return time.perf_counter() - start


def bare_client_puts(config: dict, sections: list[Section], count: int) -> float:
    """Baseline: the bare client PUTs `count` lineItems (no rules, plan, diff, report), same concurrency."""
    bodies = []
    for k in range(count):
        section = sections[k % len(sections)]
        day = open_day(section)
        bodies.append({"sourcedId": str(uuid.uuid4()), "status": "active", "title": f"baseline {k}",
                       "assignDate": day.isoformat(), "dueDate": (day + timedelta(days=5)).isoformat(),
                       "class": {"sourcedId": section.sourced_id}, "resultValueMin": 0.0, "resultValueMax": 20.0})
    with OneRosterClient(ConnectionConfig.model_validate(config)) as client:
        client.count("/classes")  # token fetched outside the timing
        start = time.perf_counter()
        for _ in client.map_concurrent(lambda b: client.put(f"/lineItems/{b['sourcedId']}", "lineItem", b), bodies):
            pass
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="400 sections (20,000 results), 1,000,000 scores")
    parser.add_argument("--sections", type=int, default=None, help="sections for the write benchmark (default 40)")
    parser.add_argument("--memory-scores", type=int, default=None, help="input scores for the memory check")
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=5)
    args = parser.parse_args()
    sections = args.sections or (400 if args.full else 40)
    memory_scores = args.memory_scores or (1_000_000 if args.full else 100_000)
    district = generate("medium")
    work = Path(tempfile.mkdtemp(prefix="bench-passback-"))
    with sandbox_process("medium", latency_ms=args.latency_ms) as sb:
        config = {**sb.config, "passback_start_date": PASSBACK_START_DATE.isoformat(),
                  "district_time_zone": DISTRICT_TIME_ZONE, "max_concurrent_requests": args.concurrency, "page_size": 50_000}
        startup = startup_seconds()

        def export():
            return filed(bulk_export(district, sections=sections, students_per_section=STUDENTS,
                                     assessments_per_section=ASSESSMENTS), district)

        first_s, _, first = run_destination(config, export(), work)
        puts = first["totals"]["created"] + first["totals"]["updated"]
        bound = puts * args.latency_ms / 1000 / args.concurrency
        rerun_s, _, rerun = run_destination(config, export(), work)
        rerun_writes = rerun["totals"]["created"] + rerun["totals"]["updated"] + rerun["totals"]["deleted"]
        chosen = list(islice(district.sections(active_only=True), sections))
        baseline_s = bare_client_puts(sb.config | {"max_concurrent_requests": args.concurrency}, chosen, puts)
    # the same first sync into a fresh Campus (a second namespace's lineItems would repeat the titles,
    # which Campus refuses) with a STATE after every record: batching must not depend on state frequency
    with sandbox_process("medium", latency_ms=args.latency_ms) as sb:
        each_s, _, each = run_destination({**config, **sb.config}, export(), work, state_every=1)
        each_puts = each["totals"]["created"] + each["totals"]["updated"]
    # OneRoster 1.2: the same export into the sandbox's strict 1.2 mode
    with sandbox_process("medium", latency_ms=args.latency_ms, extra_args=("--oneroster", "1.2")) as sb:
        v1p2 = {**config, **sb.config}
        v1p2_s, _, v1p2_first = run_destination(v1p2, export(), work)
        v1p2_puts = v1p2_first["totals"]["created"] + v1p2_first["totals"]["updated"]
        v1p2_rerun_s, _, v1p2_rerun = run_destination(v1p2, export(), work)
        v1p2_rerun_writes = sum(v1p2_rerun["totals"][k] for k in ("created", "updated", "deleted"))
    print_table(f"New results: {sections} sections x {STUDENTS} students x {ASSESSMENTS} assessments, "
                f"{args.latency_ms:g} ms latency, {args.concurrency} in flight", [
        {"run": "bound: PUTs x latency / concurrency", "writes": puts, "seconds": bound, "x bound": 1.0},
        {"run": "baseline: bare client PUTs, same count", "writes": puts, "seconds": baseline_s,
         "x bound": baseline_s / bound},
        {"run": "destination first sync (wall)", "writes": puts, "seconds": first_s, "x bound": first_s / bound},
        {"run": "destination first sync, a STATE after every record", "writes": each_puts, "seconds": each_s,
         "x bound": each_s / bound},
        {"run": "  of which process start-up (spec)", "writes": 0, "seconds": startup, "x bound": startup / bound},
        {"run": "destination unchanged re-run (wall)", "writes": rerun_writes, "seconds": rerun_s,
         "x bound": rerun_s / bound},
    ])
    print_table("OneRoster 1.2 next to 1.1, same export (target: first sync within 10 % of 1.1, re-run 0 writes)", [
        {"version": "1.1", "run": "first sync", "writes": puts, "seconds": first_s, "x 1.1": 1.0},
        {"version": "1.2", "run": "first sync", "writes": v1p2_puts, "seconds": v1p2_s, "x 1.1": v1p2_s / first_s},
        {"version": "1.1", "run": "unchanged re-run", "writes": rerun_writes, "seconds": rerun_s, "x 1.1": 1.0},
        {"version": "1.2", "run": "unchanged re-run", "writes": v1p2_rerun_writes, "seconds": v1p2_rerun_s,
         "x 1.1": v1p2_rerun_s / rerun_s},
    ])
    assessments_needed = max(1, memory_scores // (MEMORY_SECTIONS * STUDENTS))
    rows = []
    for scores, order in ((memory_scores // 100, "assessments first"), (memory_scores, "assessments first"),
                          (memory_scores, "scores first (spill)")):
        per_section = max(1, scores // (MEMORY_SECTIONS * STUDENTS)) if scores >= MEMORY_SECTIONS * STUDENTS else 1
        n_sections = MEMORY_SECTIONS if scores >= MEMORY_SECTIONS * STUDENTS else max(1, scores // STUDENTS)

        def export(role: str | None = None) -> Iterator[tuple[str, dict]]:
            records = bulk_export(district, sections=n_sections, students_per_section=STUDENTS,
                                  assessments_per_section=per_section, before_start_date=True)
            return (r for r in records if role is None or r[0] == role)

        records = export() if order == "assessments first" else chain(export("scores"), export("assessments"))
        with sandbox_process("tiny") as sb:
            seconds, peak, report = run_destination({**sb.config, "passback_start_date": PASSBACK_START_DATE.isoformat(),
                                                     "district_time_zone": DISTRICT_TIME_ZONE, "dry_run": True},
                                                    records, work)
        rows.append({"input scores": report["by_role"]["scores"]["skipped_by_rule"], "order": order,
                     "seconds": seconds, "records/s": sum(report["totals"].values()) / seconds,
                     "peak RSS MiB": mib(peak)})
    print_table(f"Memory: dry run, every assessment before the start date ({assessments_needed} per section)", rows)

if __name__ == "__main__":
    main()
