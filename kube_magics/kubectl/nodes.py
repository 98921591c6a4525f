"""`kubectl cordon`, `uncordon` and `drain`.

    %k8s cordon sim-worker               node/sim-worker cordoned
    %k8s drain sim-worker --ignore-daemonsets
    %k8s uncordon sim-worker             node/sim-worker uncordoned

`drain` does what kubectl's drain helper does: cordon, pick the node's pods (refusing DaemonSet-managed ones
without `--ignore-daemonsets`, pods with emptyDir data without `--delete-emptydir-data`, and pods no controller
would replace without `--force`), evict them through the Eviction API, and wait until they are gone (on the
simulator the clock moves on meanwhile; at most `--timeout`, default 10 minutes).
"""

from __future__ import annotations

from typing import Any

from kube_magics.backends.base import Backend
from kube_magics.drainfilters import EVICT_RETRY, DrainFlags, sort_pods
from kube_magics.errors import KubeMagicsError, NotFoundError, TooManyRequestsError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import WAIT_CAP, CommandError, fail, result, timeout
from kube_magics.kubectl.flags import DRY_RUN, TIMEOUT, Command, Flag, Options, dry_run, go_duration_text, parse
from kube_magics.kubectl.resources import Target, fetch
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

_SELECTOR = Flag("selector", "l", "str")
CORDON = Command("cordon", "kubectl cordon NODE", (DRY_RUN, _SELECTOR))
UNCORDON = Command("uncordon", "kubectl uncordon NODE", (DRY_RUN, _SELECTOR))
DRAIN = Command("drain", "kubectl drain NODE", (
    DRY_RUN, _SELECTOR, TIMEOUT, Flag("force"), Flag("grace-period", kind="int", default=-1),
    Flag("ignore-daemonsets"), Flag("delete-emptydir-data"), Flag("delete-local-data"), Flag("disable-eviction"),
    Flag("pod-selector", kind="str"), Flag("skip-wait-for-delete-timeout", kind="int", default=0),
    Flag("chunk-size", kind="int", default=500),
))



@verb("cordon")
def cordon(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(CORDON, argv)
    return _cordon_command(session, CORDON, o, args, True)


@verb("uncordon")
def uncordon(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(UNCORDON, argv)
    return _cordon_command(session, UNCORDON, o, args, False)


def _cordon_command(session: Session, command: Command, o: Options, args: list[str], desired: bool) -> TextResult:
    nodes = _nodes(session.backend, command, o, args)
    text = "".join(_cordon(session.backend, n, desired, dry_run(command, o)) for n in nodes)
    return result(text, objects=nodes)


def _nodes(backend: Backend, command: Command, o: Options, args: list[str]) -> list[Obj]:
    if len(args) != 1 and not o.selector:
        raise command.usage_error(f"USAGE: {command.path} NODE [flags]")
    if args and o.selector:
        raise command.usage_error("error: cannot specify both a node name and a --selector option")
    nodes = backend.catalogue.resolve("nodes")
    found = fetch(backend, [Target(nodes, args[0] if args else None)], namespace="", selector=o.selector)
    if found.errors:
        raise fail("", list(found.errors))
    return found.objects


def _cordon(backend: Backend, node: Obj, desired: bool, strategy: str) -> str:
    """Set spec.unschedulable; the line kubectl prints (`node/x cordoned`, `node/x already uncordoned`)."""
    name = node["metadata"]["name"]
    word = "cordoned" if desired else "uncordoned"
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    if bool(node.get("spec", {}).get("unschedulable")) == desired:
        return f"node/{name} already {word}{suffix}\n"
    if strategy != "client":
        # A strategic merge patch, as kubectl's cordon helper sends it (without a field manager of its own).
        backend.patch("nodes", name, {"spec": {"unschedulable": True if desired else None}}, namespace=None,
                      dry_run=strategy == "server", manager="kubectl")
    return f"node/{name} {word}{suffix}\n"


@verb("drain")
def drain(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(DRAIN, argv)
    strategy = dry_run(DRAIN, o)
    backend = session.backend
    nodes = _nodes(backend, DRAIN, o, args)
    out = "".join(_cordon(backend, n, True, strategy) for n in nodes)
    errors: list[KubeMagicsError] = []
    pending: list[str] = []
    for node in nodes:
        name = node["metadata"]["name"]
        try:
            out += _drain_node(backend, o, name, strategy)
            out += f"node/{name} drained" + {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
            out += "\n"
        except CommandError as exc:
            out += exc.output + f'error: unable to drain node "{name}" due to error: {exc.message}, continuing ' \
                                "command...\n"
            errors.append(exc)
            pending.append(name)
    if pending:
        out += "There are pending nodes to be drained:\n" + "".join(f" {n}\n" for n in pending)
        raise CommandError("\n".join(f"error: {e.message}" for e in errors), output=out, objects=nodes)
    return result(out, objects=nodes)


def _drain_node(backend: Backend, o: Options, node: str, strategy: str) -> str:
    pods = backend.list("pods", None, selector=o.pod_selector or None, field_selector=f"spec.nodeName={node}")
    flags = DrainFlags(o.ignore_daemonsets, o.delete_emptydir_data or o.delete_local_data, o.force)
    chosen = sort_pods(pods, flags, lambda ns, name: _daemonset_exists(backend, ns, name))
    problem = chosen.fatal_error()
    if problem:
        raise CommandError(problem)
    evict = chosen.evict
    warning = chosen.warning_line()
    out = warning + "\n" if warning else ""
    if strategy == "client":
        return out + "".join(f"evicting pod {_key(p)} (dry run)\n" for p in evict)
    grace = None if o.grace_period < 0 else int(o.grace_period)
    total = budget = timeout(o, WAIT_CAP)
    for p in evict:
        out += f"evicting pod {_key(p)}" + (" (server dry run)" if strategy == "server" else "") + "\n"
        meta = p["metadata"]
        if o.disable_eviction:
            backend.delete("pods", meta["name"], meta["namespace"], grace_period=grace, dry_run=strategy == "server")
        else:
            out, budget = _evict(backend, meta, grace, strategy == "server", out, budget, total)
    if strategy == "server":
        return out
    verb_str = "deleted" if o.disable_eviction else "evicted"
    return out + _wait_evicted(backend, evict, budget, total, verb_str)


def _evict(backend: Backend, meta: Obj, grace: int | None, server_dry_run: bool, out: str,
           budget: float, total: float) -> tuple[str, float]:
    """One pod's eviction. A PodDisruptionBudget's refusal (429) is printed and tried again 5 s later, as kubectl
    does, until the drain's time (`total`, of which `budget` is left) runs out. Returns the output so far and the
    time left."""
    name, ns = meta["name"], meta["namespace"]
    while True:
        try:
            backend.evict(name, ns, grace_period=grace, dry_run=server_dry_run)
            return out, budget
        except TooManyRequestsError as exc:
            out += f'error when evicting pods/"{name}" -n "{ns}" (will retry after 5s): {exc.message}\n'
            backend.wait_until(lambda: False, timeout=EVICT_RETRY)
            budget -= EVICT_RETRY
            if budget <= 0:
                raise CommandError(f'error when evicting pods/"{name}" -n "{ns}": global timeout reached: '
                                   f"{go_duration_text(total)}", output=out) from None
            out += f"evicting pod {ns}/{name}\n"


def _wait_evicted(backend: Backend, pods: list[Obj], seconds: float, total: float, verb_str: str) -> str:
    """`pod/x evicted` for each pod in the order they go, waiting `seconds` at most (of the drain's `total`)."""
    remaining = list(pods)
    lines: list[str] = []

    def all_gone() -> bool:
        for p in list(remaining):
            meta = p["metadata"]
            try:
                live = backend.get("pods", meta["name"], meta["namespace"])
                gone = live["metadata"].get("uid") != meta.get("uid")
            except NotFoundError:
                gone = True
            if gone:
                remaining.remove(p)
                lines.append(f"pod/{meta['name']} {verb_str}\n")
        return not remaining

    if not backend.wait_until(all_gone, timeout=seconds):
        p = remaining[0]["metadata"]
        raise CommandError(f'error when waiting for pod "{p["name"]}" in namespace "{p["namespace"]}" to terminate: '
                           f"global timeout reached: {go_duration_text(total)}", output="".join(lines))
    return "".join(lines)


def _key(pod: Obj) -> str:
    return f"{pod['metadata'].get('namespace')}/{pod['metadata']['name']}"


def _daemonset_exists(backend: Backend, namespace: str, name: str) -> bool:
    try:
        backend.get("daemonsets.apps", name, namespace)
        return True
    except NotFoundError:
        return False
