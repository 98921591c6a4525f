"""`kubectl rollout status`: a line each time the object changes, until its rollout is done.

Deployments use the shared client-side logic (`kube_magics.rollout.status`, kubectl's DeploymentStatusViewer);
DaemonSets and StatefulSets use kubectl's viewers for them, here. The lines come from a watch on the object, so
they repeat as kubectl's do when an update changes nothing that is printed. On the simulator the clock moves on
until the rollout is done, fails, or the timeout (default 10 minutes) runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_magics import rollout
from kube_magics.backends.base import Backend
from kube_magics.kinds import ResourceKind

Obj = dict[str, Any]
Viewer = Callable[[Obj, int], tuple[str, bool]]


def daemonset_status(ds: Obj, revision: int = 0) -> tuple[str, bool]:
    """kubectl's DaemonSetStatusViewer."""
    name = ds["metadata"]["name"]
    spec, st = ds.get("spec") or {}, ds.get("status") or {}
    if (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") != "RollingUpdate":
        raise rollout.RolloutError("rollout status is only available for RollingUpdate strategy type")
    if int(ds["metadata"].get("generation") or 0) > int(st.get("observedGeneration") or 0):
        return "Waiting for daemon set spec update to be observed...", False
    desired = int(st.get("desiredNumberScheduled") or 0)
    updated, available = int(st.get("updatedNumberScheduled") or 0), int(st.get("numberAvailable") or 0)
    waiting = f'Waiting for daemon set "{name}" rollout to finish: '
    if updated < desired:
        return f"{waiting}{updated} out of {desired} new pods have been updated...", False
    if available < desired:
        return f"{waiting}{available} of {desired} updated pods are available...", False
    return f'daemon set "{name}" successfully rolled out', True


def statefulset_status(sts: Obj, revision: int = 0) -> tuple[str, bool]:
    """kubectl's StatefulSetStatusViewer."""
    spec, st = sts.get("spec") or {}, sts.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        raise rollout.RolloutError("rollout status is only available for RollingUpdate strategy type")
    observed = int(st.get("observedGeneration") or 0)
    if observed == 0 or int(sts["metadata"].get("generation") or 0) > observed:
        return "Waiting for statefulset spec update to be observed...", False
    replicas = int(spec.get("replicas", 1))
    ready = int(st.get("readyReplicas") or 0)
    if ready < replicas:
        return f"Waiting for {replicas - ready} pods to be ready...", False
    partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
    updated = int(st.get("updatedReplicas") or 0)
    if partition > 0:
        if updated < replicas - partition:
            return (f"Waiting for partitioned roll out to finish: {updated} out of {replicas - partition} new pods "
                    "have been updated..."), False
        return f"partitioned roll out complete: {updated} new pods have been updated...", True
    if st.get("updateRevision") != st.get("currentRevision"):
        return (f"waiting for statefulset rolling update to complete {updated} pods at revision "
                f"{st.get('updateRevision')}..."), False
    return (f"statefulset rolling update complete {int(st.get('currentReplicas') or 0)} pods at revision "
            f"{st.get('currentRevision')}..."), True


VIEWERS: dict[str, Viewer] = {"Deployment": rollout.status, "DaemonSet": daemonset_status,
                              "StatefulSet": statefulset_status}


def watch_status(backend: Backend, rk: ResourceKind, name: str, namespace: str, *, watch: bool, timeout: float,
                 revision: int = 0) -> list[str]:
    """The lines `rollout status` prints; RolloutError (with `.lines`) when it fails or times out."""
    viewer = VIEWERS.get(rk.kind)
    if viewer is None:
        group_kind = f"{rk.kind}.{rk.group}" if rk.group else rk.kind
        raise rollout.RolloutError(f"no status viewer has been implemented for {group_kind}")
    lines: list[str] = []
    state: dict[str, Any] = {"done": False, "failure": None}

    def observe(obj: Obj) -> None:
        try:
            line, done = viewer(obj, revision)
        except rollout.RolloutError as exc:
            state["failure"] = exc
            return
        lines.append(line)
        state["done"] = done

    observe(backend.get(rk.resource_group, name, namespace))
    if not state["done"] and not state["failure"] and watch:
        _follow(backend, rk, name, namespace, state, observe, timeout)
    failure = state["failure"]
    if isinstance(failure, rollout.RolloutError):
        raise rollout.RolloutError(failure.message, lines=lines)
    if not state["done"] and watch:
        raise rollout.RolloutTimeoutError("timed out waiting for the condition", lines=lines)
    return lines


def _follow(backend: Backend, rk: ResourceKind, name: str, namespace: str, state: dict[str, Any],
            observe: Callable[[Obj], None], timeout: float) -> None:
    """Watch the object, observing each change, until it is done, fails, or the time is up."""
    def on_event(event: Obj) -> None:
        meta = event["object"]["metadata"]
        if state["done"] or state["failure"] or meta["name"] != name or meta.get("namespace") != namespace:
            return
        if event["type"] == "DELETED":
            state["failure"] = rollout.RolloutError("object has been deleted")
            return
        observe(event["object"])

    stop = backend.watch(on_event, [rk.resource_group])
    try:
        backend.wait_until(lambda: bool(state["done"] or state["failure"]), timeout=timeout)
    finally:
        stop()
