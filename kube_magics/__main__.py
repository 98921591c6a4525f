"""`python -m kube_magics` (also the `kube-magics` command): the toolkit outside notebooks.

    python -m kube_magics serve [--port N] [--kubeconfig PATH] [--speed X] [--workers N] [--seed S]

`serve` starts a fresh simulated cluster and serves its Kubernetes API on 127.0.0.1 for kubectl and other
clients, until Ctrl-C. Its clock starts at the current time (so that kubectl's ages read naturally) and runs with
the wall clock at `--speed` (0: it stands still).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kube-magics", description="Jupyter magics for Kubernetes and Docker.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve a simulated cluster's Kubernetes API on 127.0.0.1",
                                description="Serve a fresh simulated cluster's Kubernetes API for kubectl.")
    serve.add_argument("--port", type=int, default=0, help="the port to listen on (default: any free port)")
    serve.add_argument("--kubeconfig", default=None,
                       help="where to write the kubeconfig (default: ~/.kube/kube-magics-sim.yaml)")
    serve.add_argument("--speed", type=float, default=1.0,
                       help="virtual seconds per wall-clock second (default 1; 0 stops the clock)")
    serve.add_argument("--workers", type=int, default=2, help="worker nodes (default 2)")
    serve.add_argument("--seed", type=int, default=0, help="seed for names and randomness (default 0)")
    return parser


def serve_command(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    from kube_magics.apiserver import DEFAULT_KUBECONFIG, serve
    from kube_magics.sim import SimCluster
    from kube_magics.timefmt import rfc3339

    if args.speed < 0:
        print("error: --speed must be 0 or positive", file=sys.stderr)
        return 2
    cluster = SimCluster(workers=args.workers, seed=args.seed, start=rfc3339(int(time.time())))
    server = serve(cluster, port=args.port, kubeconfig=args.kubeconfig or DEFAULT_KUBECONFIG, speed=args.speed)
    print(server, flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    done = stop or threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: done.set()) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("Stopped.", flush=True)
    return 0


def main(argv: Sequence[str] | None = None, **options: Any) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve_command(args, **options)
    return 2  # argparse refuses unknown commands before this


if __name__ == "__main__":
    sys.exit(main())
