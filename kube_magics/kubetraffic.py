"""`%kube requests` and `%kube load`: traffic to a simulated cluster's Services, and how it spreads.

    %kube requests svc/web --count 100        100 requests now; a table of pods, requests and a bar each
    %kube load svc/web --rps 600              600 requests a second from now on (CPU in the serving pods)
    %kube load svc/web --rps 0                stop it
    %kube load                                the loads running now

Both work on the simulated cluster only (the simulator's traffic model: kube_magics.sim.traffic).
"""

from __future__ import annotations

from typing import Any

from kube_magics.lineparse import ArgParser
from kube_magics.results import TextResult, pre
from kube_magics.session import Session

BAR_WIDTH = 40


def cmd_requests(session: Session, argv: list[str]) -> TextResult:
    parser = ArgParser("%kube requests", "Send requests to a Service (or a node port, an IP, a DNS name) now.")
    parser.add_argument("target")
    parser.add_argument("--count", "-c", type=int, default=100)
    parser.add_argument("--namespace", "-n")
    parser.add_argument("--path")
    args = parser.parse_args(argv)
    sim = session.simulated("requests")
    result = sim.send_requests(args.target, args.count, namespace=args.namespace or session.settings.namespace,
                               path=args.path)
    text = requests_table(result, args.target, args.count)
    return TextResult(text, html_text=pre(text), value=result)


def requests_table(result: dict[str, Any], target: str, count: int) -> str:
    """POD / REQUESTS / a bar per pod (scaled to the busiest), then the totals."""
    served: dict[str, int] = result["served"]
    width = max([len("POD"), *(len(p) for p in served)])
    digits = max([len("REQUESTS"), *(len(str(n)) for n in served.values())])
    top = max(served.values(), default=0)
    lines = [f"{'POD':<{width}}   {'REQUESTS':>{digits}}"]
    for pod, n in served.items():
        bar = "█" * (round(n * BAR_WIDTH / top) if top else 0)
        lines.append(f"{pod:<{width}}   {n:>{digits}}   {bar}".rstrip())
    total = sum(served.values())
    lines.append(f"{count} requests to {target}: {total} served, {result['failed']} failed")
    return "\n".join(lines)


def cmd_load(session: Session, argv: list[str]) -> TextResult:
    parser = ArgParser("%kube load", "Keep a rate of requests going to a target as virtual time passes.")
    parser.add_argument("target", nargs="?")
    parser.add_argument("--rps", type=float)
    parser.add_argument("--namespace", "-n")
    parser.add_argument("--path")
    args = parser.parse_args(argv)
    sim = session.simulated("load")
    if args.target is None:
        loads = sim.loads()
        return TextResult("\n\n".join(load_text(s) for s in loads) if loads else "No load is running.",
                          value=loads)
    if args.rps is None:
        parser.error("--rps is required (0 stops the load)")
    summary = sim.set_load(args.target, args.rps, namespace=args.namespace or session.settings.namespace,
                           path=args.path)
    return TextResult(load_text(summary), value=summary)


def load_text(summary: dict[str, Any]) -> str:
    rps = summary["rps"]
    if not rps:
        return f"Load on {summary['target']} stopped."
    served, cpu = summary["served"], summary["cpu_millicores"]
    head = f"Load on {summary['target']}: {_num(rps)} requests/s over {len(served)} pod{'s' * (len(served) != 1)}"
    if summary["failed"]:
        head += f", {_num(summary['failed'])} requests/s failing"
    if not served:
        return head
    width = max([len("POD"), *(len(p) for p in served)])
    lines = [head, f"{'POD':<{width}}   {'REQUESTS/S':>10}   CPU"]
    lines += [f"{pod:<{width}}   {_num(r):>10}   {_num(cpu[pod])}m" for pod, r in served.items()]
    return "\n".join(lines)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")
