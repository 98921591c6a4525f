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

DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"
EVICT_RETRY = 5.0  # kubectl's EvictErrorRetryDelay


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
    evict, warnings, fatal = _filter(backend, o, pods)
    if fatal:
        problems = [f"cannot delete {msg}: {', '.join(names)}" for msg, names in fatal.items()]
        # utilerrors.NewAggregate: one error as itself, several as [a, b].
        raise CommandError(problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]")
    # PodDeleteList.Warnings: one line, the messages joined by "; ".
    out = "Warning: " + "; ".join(f"{msg}: {', '.join(names)}" for msg, names in warnings.items()) + "\n" \
        if warnings else ""
    if strategy == "client":
        return out + "".join(f"evicting pod {_key(p)} (dry run)\n" for p in evict)
    grace = None if o.grace_period < 0 else int(o.grace_period)
    budget = timeout(o, WAIT_CAP)
    for p in evict:
        out += f"evicting pod {_key(p)}" + (" (server dry run)" if strategy == "server" else "") + "\n"
        meta = p["metadata"]
        if o.disable_eviction:
            backend.delete("pods", meta["name"], meta["namespace"], grace_period=grace, dry_run=strategy == "server")
        else:
            out, budget = _evict(backend, meta, grace, strategy == "server", out, budget)
    if strategy == "server":
        return out
    verb_str = "deleted" if o.disable_eviction else "evicted"
    return out + _wait_evicted(backend, evict, budget, verb_str, out)


def _evict(backend: Backend, meta: Obj, grace: int | None, server_dry_run: bool, out: str,
           budget: float) -> tuple[str, float]:
    """One pod's eviction; a PodDisruptionBudget's 429 is retried every 5 s, as kubectl does, while the drain's
    time lasts. Returns the output so far and the time left."""
    name, ns = meta["name"], meta["namespace"]
    while True:
        try:
            backend.evict(name, ns, grace_period=grace, dry_run=server_dry_run)
            return out, budget
        except TooManyRequestsError as exc:
            if budget < EVICT_RETRY:
                raise CommandError(f'error when evicting pods/"{name}" -n "{ns}": global timeout reached: '
                                   f"{go_duration_text(budget)}", output=out) from None
            out += f'error when evicting pods/"{name}" -n "{ns}" (will retry after 5s): {exc.message}\n'
            backend.wait_until(lambda: False, timeout=EVICT_RETRY)
            budget -= EVICT_RETRY
            out += f"evicting pod {ns}/{name}\n"


def _wait_evicted(backend: Backend, pods: list[Obj], seconds: float, verb_str: str, out: str) -> str:
    """`pod/x evicted` for each pod in the order they go."""
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
                           f"global timeout reached: {go_duration_text(seconds)}", output="".join(lines))
    return "".join(lines)


def _key(pod: Obj) -> str:
    return f"{pod['metadata'].get('namespace')}/{pod['metadata']['name']}"


def _filter(backend: Backend, o: Options, pods: list[Obj]) -> tuple[list[Obj], dict[str, list[str]],
                                                                       dict[str, list[str]]]:
    """kubectl's drain filters, in order: (pods to evict, warnings by message, fatal problems by message)."""
    evict: list[Obj] = []
    warnings: dict[str, list[str]] = {}
    fatal: dict[str, list[str]] = {}
    for pod in pods:
        delete, reason, message = _status(backend, o, pod)
        if reason == "Warning":
            warnings.setdefault(message, []).append(_key(pod))
        elif reason == "Error":
            fatal.setdefault(message, []).append(_key(pod))
        if delete:
            evict.append(pod)
    return evict, warnings, fatal


def _status(backend: Backend, o: Options, pod: Obj) -> tuple[bool, str, str]:
    """(delete?, Okay|Skip|Warning|Error, message) after the filters; the first that says no decides."""
    meta, phase = pod["metadata"], (pod.get("status") or {}).get("phase")
    finished = phase in ("Succeeded", "Failed")
    owner = next((r for r in meta.get("ownerReferences") or () if r.get("controller")), None)
    status: tuple[bool, str, str] = (True, "Okay", "")
    if owner is not None and owner.get("kind") == "DaemonSet" and not finished:
        try:
            backend.get("daemonsets.apps", owner["name"], meta["namespace"])
            status = (False, "Warning", DAEMONSET_WARNING) if o.ignore_daemonsets else (False, "Error",
                                                                                         DAEMONSET_FATAL)
        except NotFoundError as exc:
            status = (True, "Warning", exc.message) if o.force else (False, "Error", exc.message)
        if not status[0]:
            return status
    if "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
        return (False, "Skip", "")
    local = any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or ())
    if local and not finished:
        if not (o.delete_emptydir_data or o.delete_local_data):
            return (False, "Error", LOCAL_STORAGE_FATAL)
        status = (True, "Warning", LOCAL_STORAGE_WARNING)
    if owner is None and not finished:
        return (True, "Warning", UNMANAGED_WARNING) if o.force else (False, "Error", UNMANAGED_FATAL)
    return status
