"""`%kube use`: which cluster the cells talk to.

    %kube use                                  the choices: the simulator and the kubeconfig's contexts
    %kube use sim [--workers N] [--seed S]     a fresh simulated cluster
    %kube use sim --node-group min=2,max=5     ... whose nodes the cluster autoscaler adds and removes (a group
                                               `pool` of 2 to 5 nodes; NAME:min=1,max=4,cpu=2,memory=4Gi for
                                               another name or node size; repeat for more groups; with groups,
                                               --workers defaults to 0)
    %kube use sim --no-metrics-server          ... without the metrics API, as kind comes (no `top`, no HPA)
    %kube use kind [CLUSTER] [--allow-writes]  the kind cluster CLUSTER (context kind-CLUSTER; `kind` by default)
    %kube use context NAME [--allow-writes]    any kubeconfig context

Switching to a context asks the server for its version first, so a cluster that is down is reported at once (and
the cells keep talking to what they talked to). Whether writes may go there is decided by the guard in
`backends.contexts`, from the kubeconfig alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kube_magics.backends import contexts
from kube_magics.errors import UsageError
from kube_magics.lineparse import ArgParser
from kube_magics.results import TextResult, pre
from kube_magics.session import Session
from kube_magics.sim.controllers.clusterautoscaler_fit import parse_node_group

USAGE = ("%kube use [sim | kind [CLUSTER] | context NAME] [--allow-writes] [--workers N] [--seed S] "
         "[--node-group [NAME:]min=N,max=M] [--no-metrics-server]")


def use(session: Session, argv: list[str], *, sim_summary: Any) -> TextResult:
    p = ArgParser("%kube use")
    p.add_argument("target", nargs="?", default=None)
    p.add_argument("name", nargs="?", default=None)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--allow-writes", action="store_true")
    p.add_argument("--node-group", action="append", default=[])
    p.add_argument("--no-metrics-server", action="store_true")
    args = p.parse_args(argv)
    if args.target is None:
        return listing(session)
    if args.target in ("sim", "simulator"):
        groups = [parse_node_group(text) for text in args.node_group]
        workers = args.workers if args.workers is not None or not groups else 0
        options: dict[str, Any] = {"node_groups": groups} if groups else {}
        if args.no_metrics_server:
            options["metrics_server"] = False
        backend = session.use_sim(workers=workers, seed=args.seed, **options)
        return TextResult(f"Using a fresh simulated cluster: {sim_summary(backend)}")
    if args.node_group or args.no_metrics_server:
        flag = "--node-group" if args.node_group else "--no-metrics-server"
        raise UsageError(f"{flag} works with %kube use sim only", hint=f"usage: {USAGE}")
    if args.target == "kind":
        return _switch(session, contexts.kind_context(args.name), args.allow_writes)
    if args.target == "context":
        if not args.name:
            raise UsageError("error: %kube use context needs a context name", hint="%kube use lists them")
        return _switch(session, args.name, args.allow_writes)
    raise UsageError(f"unknown cluster {args.target!r}", hint=f"usage: {USAGE}")


def _switch(session: Session, name: str, allow_writes: bool) -> TextResult:
    backend: Any = session.use_context(name, allow_writes=allow_writes)
    guard = backend.guard
    lines = [f"Using context {name} (Kubernetes {backend.server_version or '?'} at {backend.context.server}): "
             f"{guard.describe()}"]
    if not guard.writable:
        lines.append(f"Reads work; writes are refused. To write here: %kube use context {name} --allow-writes")
    lines.append(f"Namespace: {session.settings.namespace}")
    return TextResult("\n".join(lines))


def listing(session: Session) -> TextResult:
    """kubectl's `config get-contexts` table, with the simulator first and whether each context takes writes."""
    current = _current(session)
    rows = [("CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE", "WRITES"),
            ("*" if current is None else "", "sim", "(simulated, in this kernel)", "", "", "allowed")]
    notes: list[str] = []
    try:
        config = contexts.load()
    except contexts.KubeconfigError as exc:
        notes.append(f"{exc.message.removeprefix('error: ')}")
        config = None
    if config is not None:
        for c in config.contexts:
            guard = contexts.WriteGuard.for_context(c, allowed=session.settings.allowed_contexts,
                                                    allow=_allowed_now(session, c.name))
            writes = {"local": "allowed (local)", "allowed": "allowed (by you)"}.get(guard.reason, "read-only")
            rows.append(("*" if c.name == current else "", c.name, c.cluster, c.user, c.namespace, writes))
        notes.append(f"kubeconfig: {', '.join(config.paths)} (current-context: {config.current or '<none>'})")
    notes.append(f"usage: {USAGE}")
    text = _table(rows) + "\n" + "\n".join(notes)
    return TextResult(text, html_text=pre(text))


def _current(session: Session) -> str | None:
    """The context the cells talk to (None: the simulator), without connecting to anything."""
    if session.has_backend:
        backend = session.backend
        return None if backend.sim is not None else backend.name
    kind, name = contexts.parse_backend(session.settings.backend)
    return None if kind == "sim" else name


def _allowed_now(session: Session, name: str) -> bool:
    """Whether the active backend is this context with writes allowed by `--allow-writes`."""
    if not session.has_backend:
        return False
    backend: Any = session.backend
    return bool(getattr(backend, "allow_writes", False)) and backend.name == name


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Columns as kubectl's tabwriter lays them out (three spaces between columns, no trailing spaces)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["   ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines)
