"""`%kube`: the toolkit's own commands (which cluster, the simulator's clock and faults, the views).

Each subcommand is a small function `(session, argv) -> result`; `run` routes to them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_magics import kubetraffic
from kube_magics.errors import UsageError
from kube_magics.results import TextResult
from kube_magics.session import Session
from kube_magics.timefmt import human_duration, parse_duration, rfc3339

Command = Callable[[Session, list[str]], Any]


def cmd_use(session: Session, argv: list[str]) -> TextResult:
    from kube_magics.kubeuse import use

    return use(session, argv, sim_summary=_summary)


def _summary(backend: Any) -> str:
    nodes = backend.list("nodes", namespace=None)
    workers = [n for n in nodes if "node-role.kubernetes.io/control-plane" not in n["metadata"].get("labels", {})]
    config = getattr(getattr(backend, "sim", None), "config", None)
    sizes = ", ".join(f"{g.get('name') or 'pool'} ({g.get('min', 0)} to {g['max']} nodes)"
                      for g in getattr(config, "node_groups", ()))
    scaled = f"; autoscaled node groups: {sizes}" if sizes else ""
    return (f"{backend.name} ({len(nodes)} nodes: 1 control plane, {len(workers)} workers{scaled}), "
            f"clock {rfc3339(backend.now())}")


def cmd_status(session: Session, argv: list[str]) -> TextResult:
    backend = session.backend
    lines = [f"Backend:   {'simulated cluster' if backend.sim is not None else 'Kubernetes'} {backend.name}"]
    if backend.sim is not None:
        elapsed = backend.sim.elapsed  # type: ignore[attr-defined]
        lines.append(f"Clock:     {rfc3339(backend.now())} (virtual; {human_duration(elapsed)} since start)")
    for n in backend.list("nodes", namespace=None):
        ready = next((c["status"] for c in n.get("status", {}).get("conditions", []) if c["type"] == "Ready"), "?")
        state = {"True": "Ready", "?": "Unknown"}.get(ready, "NotReady")  # as kubectl: Unknown shows NotReady
        if n.get("spec", {}).get("unschedulable"):
            state += ",SchedulingDisabled"
        lines.append(f"Node:      {n['metadata']['name']:<24} {state}")
    ns = session.settings.namespace
    total = len(backend.list("pods", namespace=None))
    here = len(backend.list("pods", namespace=ns))
    lines.append(f"Pods:      {here} in {ns}, {total} in all namespaces")
    lines.append(f"Namespace: {session.settings.namespace}")
    return TextResult("\n".join(lines))


def cmd_reset(session: Session, argv: list[str]) -> TextResult:
    backend = session.reset()
    return TextResult(f"Reset: {_summary(backend)}")


def cmd_advance(session: Session, argv: list[str]) -> TextResult:
    if len(argv) != 1:
        raise UsageError("usage: %kube advance DURATION   (e.g. 30s, 2m, 1h30m)")
    sim = session.simulated("advance")
    seconds = parse_duration(argv[0])
    with session.sim_lock():
        sim.advance(seconds)
    session.refresh_views()
    return TextResult(f"Clock advanced {human_duration(seconds)} to {rfc3339(session.backend.now())}")


def cmd_serve(session: Session, argv: list[str]) -> TextResult:
    """`%kube serve [--port N] [--kubeconfig PATH] [--speed X]`: serve this notebook's simulated cluster's
    Kubernetes API on 127.0.0.1 for kubectl in a terminal; `%kube serve stop` stops it."""
    from kube_magics.apiserver import DEFAULT_KUBECONFIG, serve
    from kube_magics.apiserver.locking import Locked
    from kube_magics.lineparse import ArgParser

    p = ArgParser("%kube serve")
    p.add_argument("action", nargs="?", choices=["stop"], default=None)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--kubeconfig", default=DEFAULT_KUBECONFIG)
    p.add_argument("--speed", type=float, default=1.0)
    args = p.parse_args(argv)
    stopped = _stop_serving(session)
    if args.action == "stop":
        return TextResult(stopped or "Nothing is being served.")
    if args.speed < 0:
        raise UsageError("--speed must be 0 (the notebook moves the clock) or positive")
    backend = session.backend
    server = serve(session.simulated("serve"), port=args.port, kubeconfig=args.kubeconfig, speed=args.speed,
                   lock=session.sim_lock())
    # The cells now reach the cluster through the lock the server's requests take; switching clusters stops it.
    session.swap_backend(Locked(backend, server.lock, server=server))
    session.keep(server)
    return TextResult(str(server))


def _stop_serving(session: Session) -> str | None:
    """Stop serving the session's cluster, if it is served; what the server says when it stops."""
    from kube_magics.apiserver.locking import Locked

    if not session.has_backend or not isinstance(session.backend, Locked):
        return None
    locked = session.backend
    locked.server.stop()
    session.swap_backend(locked.unwrapped)
    return str(locked.server)


def _views() -> dict[str, Command]:
    from kube_magics import kubeviews

    return dict(kubeviews.COMMANDS)


def cmd_fail_node(session: Session, argv: list[str]) -> TextResult:
    """Stop a node's kubelet: the control plane notices after the grace period and evicts its pods later."""
    if len(argv) != 1:
        raise UsageError("usage: %kube fail-node NODE   (e.g. %kube fail-node sim-worker2)")
    return TextResult(str(session.simulated("fail-node").fail_node(argv[0])))


def cmd_recover_node(session: Session, argv: list[str]) -> TextResult:
    """Start a failed node's kubelet again."""
    if len(argv) != 1:
        raise UsageError("usage: %kube recover-node NODE")
    return TextResult(str(session.simulated("recover-node").recover_node(argv[0])))


COMMANDS: dict[str, Command] = {
    "use": cmd_use,
    "status": cmd_status,
    "reset": cmd_reset,
    "advance": cmd_advance,
    "serve": cmd_serve,
    "requests": kubetraffic.cmd_requests,
    "load": kubetraffic.cmd_load,
    "fail-node": cmd_fail_node,
    "recover-node": cmd_recover_node,
}


VIEW_COMMANDS = ("stack", "topology", "watch", "lang")

HELP = """\
%kube controls kube-magics itself: which cluster the cells talk to, the simulated cluster's clock, traffic and
faults, and the views.

Clusters:
  use sim [--workers N] [--seed S] [--node-group [NAME:]min=N,max=M] [--no-metrics-server]
  use kind [NAME] | use context NAME [--allow-writes]    a real cluster (writes only to local ones unless allowed)
  use                                                    list the contexts, and which take writes
  status                                                 the backend, its nodes and clock (also plain %kube)
  reset                                                  a fresh simulated cluster like the current one
  serve [--port N] [--speed X] | serve stop              the simulated cluster's API for kubectl in a terminal
Simulated cluster:
  advance DURATION                                       move the virtual clock (30s, 2m, 1h30m)
  requests TARGET [--count N]                            send requests now and show how they were spread
  load TARGET --rps N                                    keep a request rate up as the clock moves (--rps 0 stops)
  fail-node NODE | recover-node NODE                     stop or restart a node's kubelet
Views:
  topology [-n NS | -A] [--system]                       control plane, nodes, pods, Services
  watch [-l SELECTOR] [-n NS | -A]                       a live board of pods, rollouts and events
  stack [IMAGE] [--apps N] [--app-memory MB]             virtual machines against containers
  lang en|ko                                             the views' language
"""


def cmd_help(session: Session, argv: list[str]) -> TextResult:
    """The commands, one line each."""
    return TextResult(HELP)


def run(session: Session, argv: list[str]) -> Any:
    if not argv:
        return cmd_status(session, [])
    if argv[0] in ("help", "-h", "--help"):
        return cmd_help(session, argv[1:])
    verb, rest = argv[0], argv[1:]
    fn = {**COMMANDS, **_views()}.get(verb) if verb in VIEW_COMMANDS else COMMANDS.get(verb)
    if fn is None:
        names = sorted({*COMMANDS, *VIEW_COMMANDS})
        raise UsageError(f"unknown %kube command {verb!r}; commands: {', '.join(names)} (%kube help)")
    return fn(session, rest)
