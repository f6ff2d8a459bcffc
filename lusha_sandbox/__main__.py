"""`python -m lusha_sandbox serve|stats|reset|faults` (see README.md)."""

import argparse
import json
import sys
import time
import urllib.request

_STARTED = time.perf_counter()


def _serve(args: argparse.Namespace) -> None:
    from werkzeug.serving import run_simple

    from .app import SandboxApp
    from .data import Dataset
    from .serve import QuietRequestHandler, RequestHandler

    app = SandboxApp(Dataset(seed=args.seed))
    app.startup_seconds = time.perf_counter() - _STARTED
    data = app.state.dataset
    print(
        f"Lusha sandbox: {len(data.contacts):,} contacts, {len(data.companies):,} companies "
        f"(seed {data.seed}), ready in {app.startup_seconds:.2f} s "
        f"on http://{args.host}:{args.port}",
        flush=True,
    )
    handler = QuietRequestHandler if args.quiet else RequestHandler
    run_simple(args.host, args.port, app, threaded=True, request_handler=handler)


def _call(url: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the operator names the sandbox URL
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - as above  # nosec B310
        return json.load(answer)


def _stats(args: argparse.Namespace) -> None:
    stats = _call(f"{args.url.rstrip('/')}/_sandbox/stats")
    if args.json:
        print(json.dumps(stats, indent=2, sort_keys=True))
        return
    print(f"Credits charged: {stats['creditsCharged']}")
    for key, credits in sorted(stats["creditsChargedByKey"].items()):
        print(f"  {key}: {credits}")
    print("Requests per endpoint (429s, peak per second):")
    for path, count in sorted(stats["requests"].items()):
        limited = stats["rateLimited"].get(path, 0)
        peak = stats["peakPerSecond"].get(path, 0)
        print(f"  {path}: {count} ({limited} rate-limited, peak {peak}/s)")


def _reset(args: argparse.Namespace) -> None:
    print(json.dumps(_call(f"{args.url.rstrip('/')}/_sandbox/reset", "POST", {})))


def _faults(args: argparse.Namespace) -> None:
    print(
        json.dumps(
            _call(f"{args.url.rstrip('/')}/_sandbox/faults", "POST", json.loads(args.settings))
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lusha_sandbox")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the Lusha-compatible API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8100)
    serve.add_argument("--seed", type=int, default=None, help="data seed (default: the fixed one)")
    serve.add_argument("--quiet", action="store_true", help="no access log")
    serve.set_defaults(run=_serve)
    for name, run, text in (
        ("stats", _stats, "print the credits charged and the requests per endpoint"),
        ("reset", _reset, "zero the counters and clear the faults"),
        ("faults", _faults, "set injected faults (a JSON object, see README.md)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--url", default="http://127.0.0.1:8100")
        if name == "stats":
            command.add_argument("--json", action="store_true", help="the raw /_sandbox/stats")
        if name == "faults":
            command.add_argument("settings", help='e.g. \'{"failNext": {"status": 503}}\'')
        command.set_defaults(run=run)
    args = parser.parse_args(argv)
    if getattr(args, "seed", "unset") is None:
        from .data import SEED

        args.seed = SEED
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
