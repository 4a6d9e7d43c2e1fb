"""`python -m campus_sandbox --size medium`: serve a sandbox district until SIGINT/SIGTERM.

Prints one line on stdout (with --json: a JSON object with base_url, token_url, credentials and
a ready connector `config`), flushes it, and serves. Benchmarks and the demo read that line from
a subprocess.
"""

import argparse
import json
import signal
import sys
import threading

from campus_sandbox.district import SIZES, generate
from campus_sandbox.options import Faults, SandboxOptions
from campus_sandbox.server import CampusSandbox


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="campus-sandbox", description="A local Infinite Campus OneRoster 1.1 endpoint")
    p.add_argument("--size", choices=list(SIZES), default="small", help="district size (default: small)")
    p.add_argument("--seed", type=int, default=7, help="generator seed (default: 7)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: 0, a free port)")
    p.add_argument("--app-name", default="sandbox", help="Campus appName in the URLs (default: sandbox)")
    p.add_argument("--latency-ms", type=float, default=0.0, help="added latency per API request")
    p.add_argument("--rate-429", type=float, default=0.0, help="share of API requests answered 429")
    p.add_argument("--rate-500", type=float, default=0.0, help="share of API requests answered 500 before any write")
    p.add_argument("--rate-drop", type=float, default=0.0, help="share of API requests whose connection is dropped")
    p.add_argument("--no-vendor-header", action="store_true", help="do not require x-vendor-authorization")
    p.add_argument("--strict", action="store_true",
                   help="hold PUT bodies to the OneRoster 1.1 data model (400 naming the field) and serve no null/empty values")
    p.add_argument("--json", action="store_true", help="print the connection details as one JSON line")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    options = SandboxOptions(port=args.port, app_name=args.app_name, require_vendor_header=not args.no_vendor_header,
                             strict=args.strict)
    faults = Faults(latency_ms=args.latency_ms, rate_429=args.rate_429, rate_500_before_write=args.rate_500,
                    rate_drop=args.rate_drop, seed=args.seed)
    district = generate(args.size, args.seed)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with CampusSandbox(district, options=options, faults=faults) as sb:
        if args.json:
            line = json.dumps({"base_url": sb.base_url, "token_url": sb.token_url,
                               "credentials": sb.credentials.as_dict(), "config": sb.connection_config(),
                               "district": district.describe()})
        else:
            line = (f"Campus sandbox ({args.size} district, seed {args.seed}) serving {sb.base_url} "
                    f"token URL {sb.token_url} (Ctrl-C to stop; --json prints credentials)")
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
