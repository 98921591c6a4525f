"""`kubectl top pods` and `kubectl top nodes`: CPU and memory in use, from the metrics API.

    %k8s top pods             %k8s top pods -A --sort-by=cpu        %k8s top pod web-5d4f-abcde --containers
    %k8s top nodes

On a cluster without a metrics server (kind, as installed) this is `error: Metrics API not available`, as kubectl
says; the simulator serves them (sim/metrics.py) unless made without (`%kube use sim --no-metrics-server`).
"""

from __future__ import annotations

from kube_magics.errors import NotFoundError, UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import namespace, result
from kube_magics.kubectl.flags import ALL_NAMESPACES, Command, Flag, parse
from kube_magics.printers import top_nodes, top_pods
from kube_magics.results import TextResult
from kube_magics.session import Session

_COMMON = (Flag("selector", "l", "str", default=""), Flag("sort-by", kind="str", default=""), Flag("no-headers"),
           Flag("use-protocol-buffers", default=True), Flag("show-swap"))
TOP_POD = Command("top pod", "kubectl top pod [NAME | -l label]", (
    *_COMMON, ALL_NAMESPACES, Flag("field-selector", kind="str", default=""), Flag("containers"), Flag("sum")))
TOP_NODE = Command("top node", "kubectl top node [NAME | -l label]", (*_COMMON, Flag("show-capacity")))
TOP = Command("top", "kubectl top (node | pod) [flags]")


@verb("top")
def top(session: Session, argv: list[str]) -> TextResult:
    sub = argv[0] if argv else ""
    if sub in ("pod", "pods", "po"):
        return _pods(session, argv[1:])
    if sub in ("node", "nodes", "no"):
        return _nodes(session, argv[1:])
    parse(TOP, argv)  # -h
    raise TOP.usage_error("Required resource not specified: use `top pod` or `top node`")


def _pods(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(TOP_POD, argv)
    if len(args) > 1:
        raise TOP_POD.usage_error(TOP_POD.usage)
    if o.sort_by not in ("", "cpu", "memory"):
        raise TOP_POD.error("--sort-by accepts only cpu or memory")
    if args and o.selector:
        raise TOP_POD.error("only one of NAME or selector can be provided")
    backend = session.backend
    ns = namespace(session, o)
    metrics = backend.metrics("pods", None if o.all_namespaces else ns, selector=o.selector or None)
    if args:
        metrics = [m for m in metrics if m["metadata"]["name"] == args[0]]
    if o.field_selector:
        names = {p["metadata"]["name"] for p in backend.list("pods", None if o.all_namespaces else ns,
                                                             field_selector=o.field_selector)}
        metrics = [m for m in metrics if m["metadata"]["name"] in names]
    if not metrics:
        _why_empty(session, args, ns, o.selector)
    text = top_pods(metrics, all_namespaces=o.all_namespaces, containers=o.containers, sort_by=o.sort_by,
                    no_headers=o.no_headers, namespace=ns)
    return result(text, objects=metrics)


def _why_empty(session: Session, args: list[str], ns: str, selector: str) -> None:
    """No metrics: a pod that does not exist is NotFound; pods that exist have no metrics yet."""
    backend = session.backend
    if args:
        backend.get("pods", args[0], ns)
        raise UsageError("error: metrics not available yet")
    if backend.list("pods", ns, selector=selector or None):
        raise UsageError("error: metrics not available yet")


def _nodes(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(TOP_NODE, argv)
    if len(args) > 1:
        raise TOP_NODE.usage_error(TOP_NODE.usage)
    if o.sort_by not in ("", "cpu", "memory"):
        raise TOP_NODE.error("--sort-by accepts only cpu or memory")
    if args and o.selector:
        raise TOP_NODE.error("only one of NAME or --selector can be provided")
    backend = session.backend
    metrics = backend.metrics("nodes", None, selector=o.selector or None)
    nodes = backend.list("nodes", None, selector=o.selector or None)
    if args:
        metrics = [m for m in metrics if m["metadata"]["name"] == args[0]]
        nodes = [n for n in nodes if n["metadata"]["name"] == args[0]]
        if not nodes:
            raise NotFoundError(f'nodes "{args[0]}" not found', kind="nodes", name=args[0])
    if not metrics:
        raise UsageError("error: metrics not available yet")
    if o.show_capacity:
        nodes = [{**n, "status": {**n.get("status", {}), "allocatable": n.get("status", {}).get("capacity", {})}}
                 for n in nodes]
    text = top_nodes(metrics, nodes, sort_by=o.sort_by, no_headers=o.no_headers)
    return result(text, objects=metrics)
