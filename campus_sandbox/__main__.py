"""`python -m campus_sandbox --size medium [--oneroster 1.2]`: serve a sandbox district until SIGINT/SIGTERM.

Prints one line on stdout (with --json: a JSON object with base_url, token_url, credentials and
a ready connector `config`; on 1.2 also gradebook_url, resources_url and oneroster_root), flushes
it, and serves. Benchmarks and the demo read that line from a subprocess.
"""

import argparse
import json
import signal
import sys
import threading

from campus_sandbox.district import SIZES, generate
from campus_sandbox.options import Faults, SandboxOptions
from campus_sandbox.server import CampusSandbox
from campus_sandbox.versions import ERROR_SHAPES, VERSIONS


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="campus-sandbox",
        description="A local Infinite Campus OneRoster endpoint (1.1, or 1.2 with --oneroster 1.2)",
        epilog="OneRoster 1.2 mode serves three roots (rostering, gradebook, resources under .../ims/oneroster/), "
               "enforces 1.2 scopes per call (403 naming the scope), serves users without role prefixes "
               "(s100001 -> 100001) and categories and score scales per class, answers PUT 201 on create and "
               "200 on update, and is strict by default. Errors default to {\"imsx_StatusInfo\": {...}} on 1.2 "
               "(assumed: Campus's 1.2 error shape is unverified) and to statusInfoSet on 1.1.")
    p.add_argument("--size", choices=list(SIZES), default="small", help="district size (default: small)")
    p.add_argument("--seed", type=int, default=7, help="generator seed (default: 7)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: 0, a free port)")
    p.add_argument("--app-name", default="sandbox", help="Campus appName in the URLs (default: sandbox)")
    p.add_argument("--latency-ms", type=float, default=0.0, help="added latency per API request")
    p.add_argument("--rate-429", type=float, default=0.0, help="share of API requests answered 429")
    p.add_argument("--rate-503", type=float, default=0.0, help="share of API requests answered 503 server_busy")
    p.add_argument("--rate-500", type=float, default=0.0, help="share of API requests answered 500 before any write")
    p.add_argument("--rate-drop", type=float, default=0.0, help="share of API requests whose connection is dropped")
    p.add_argument("--no-vendor-header", action="store_true", help="do not require x-vendor-authorization")
    p.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                   help="hold PUT bodies to the OneRoster data model (400 naming the field) and serve no null/empty "
                        "values (default: off on 1.1, on on 1.2)")
    p.add_argument("--oneroster", choices=list(VERSIONS), default="1.1",
                   help="OneRoster version to serve (default: 1.1)")
    p.add_argument("--error-shape", choices=ERROR_SHAPES, default=None,
                   help="error body shape (default: statusInfoSet on 1.1, wrapped imsx_StatusInfo on 1.2)")
    p.add_argument("--reject-scope-parameter", action="store_true",
                   help="play a provider without scopes: the token endpoint answers invalid_scope to any scope")
    p.add_argument("--json", action="store_true", help="print the connection details as one JSON line")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    options = SandboxOptions(port=args.port, app_name=args.app_name, require_vendor_header=not args.no_vendor_header,
                             strict=args.strict, oneroster_version=args.oneroster, error_shape=args.error_shape,
                             reject_scope_parameter=args.reject_scope_parameter)
    faults = Faults(latency_ms=args.latency_ms, rate_429=args.rate_429, rate_503=args.rate_503,
                    rate_500_before_write=args.rate_500, rate_drop=args.rate_drop, seed=args.seed)
    district = generate(args.size, args.seed)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with CampusSandbox(district, options=options, faults=faults) as sb:
        if args.json:
            info = {"base_url": sb.base_url, "token_url": sb.token_url, "credentials": sb.credentials.as_dict(),
                    "config": sb.connection_config(), "district": district.describe()}
            if args.oneroster != "1.1":
                info.update(oneroster_version=args.oneroster, gradebook_url=sb.gradebook_url,
                            resources_url=sb.resources_url, oneroster_root=sb.oneroster_root)
            line = json.dumps(info)
        else:
            served = f"OneRoster {args.oneroster} " if args.oneroster != "1.1" else ""
            line = (f"Campus sandbox ({args.size} district, seed {args.seed}) serving {served}{sb.base_url} "
                    f"token URL {sb.token_url} (Ctrl-C to stop; --json prints credentials)")
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
