"""What kubectl prints for a pod: READY, STATUS, RESTARTS, and the wide columns.

This is kubectl's (the API server's) `printPod`, read top-down: the phase or `status.reason` first; the first init
container that has not finished turns it into `Init:1/2`, `Init:Error`, `Init:CrashLoopBackOff`; otherwise the
containers, last to first, overwrite it with a waiting reason (`ContainerCreating`, `ErrImagePull`,
`ImagePullBackOff`, `CrashLoopBackOff`) or a terminated reason (`Completed`, `Error`, `OOMKilled`); a pod being
deleted shows `Terminating`, or `Unknown` when its node is lost. RESTARTS is the sum of restart counts, with how
long ago the last container restarted: `5 (2m ago)`.

Imports only the bottom layer of kube_magics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kube_magics.printers.util import as_epoch, meta, since, timestamp

Obj = Mapping[str, Any]

NODE_UNREACHABLE_REASON = "NodeLost"


@dataclass(frozen=True)
class PodSummary:
    ready: str  # "1/1"
    status: str  # "Running"
    restarts: str  # "0" or "5 (2m ago)"


def _restartable(container: Mapping[str, Any] | None) -> bool:
    return bool(container) and container.get("restartPolicy") == "Always"  # type: ignore[union-attr]


def _condition_true(pod: Obj, kind: str) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == kind:
            return c.get("status") == "True"
    return False


def _finished_at(status: Mapping[str, Any]) -> float | None:
    term = ((status.get("lastState") or {}).get("terminated")) or None
    return timestamp(term.get("finishedAt")) if term else None


def _terminated_reason(term: Mapping[str, Any], prefix: str = "") -> str:
    if term.get("reason"):
        return prefix + str(term["reason"])
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


def _init_reason(pod: Obj, state: dict[str, Any]) -> bool:
    """Walk the init containers; returns whether the pod is still initializing (updates `state`)."""
    spec = pod.get("spec") or {}
    inits = {c.get("name"): c for c in spec.get("initContainers") or []}
    statuses = (pod.get("status") or {}).get("initContainerStatuses") or []
    for i, cs in enumerate(statuses):
        state["restarts"] += int(cs.get("restartCount") or 0)
        last = _finished_at(cs)
        if last is not None and last > state["last"]:
            state["last"] = last
        restartable = _restartable(inits.get(cs.get("name")))
        if restartable:
            state["sidecar_restarts"] += int(cs.get("restartCount") or 0)
            if last is not None and last > state["sidecar_last"]:
                state["sidecar_last"] = last
        st = cs.get("state") or {}
        term, waiting = st.get("terminated"), st.get("waiting")
        if term is not None and int(term.get("exitCode") or 0) == 0:
            continue
        if restartable and cs.get("started"):
            if cs.get("ready"):
                state["ready"] += 1
            continue
        if term is not None:
            state["reason"] = _terminated_reason(term, "Init:")
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            state["reason"] = "Init:" + str(waiting["reason"])
        else:
            state["reason"] = f"Init:{i}/{len(spec.get('initContainers') or [])}"
        return True
    return False


def _containers(pod: Obj, state: dict[str, Any]) -> None:
    """The app containers, last to first, as printPod walks them."""
    state["restarts"] = state["sidecar_restarts"]
    state["last"] = state["sidecar_last"]
    has_running = False
    for cs in reversed((pod.get("status") or {}).get("containerStatuses") or []):
        state["restarts"] += int(cs.get("restartCount") or 0)
        last = _finished_at(cs)
        if last is not None and last > state["last"]:
            state["last"] = last
        st = cs.get("state") or {}
        waiting, term = st.get("waiting"), st.get("terminated")
        if waiting is not None and waiting.get("reason"):
            state["reason"] = str(waiting["reason"])
        elif term is not None:
            state["reason"] = _terminated_reason(term)
        elif cs.get("ready") and st.get("running") is not None:
            has_running = True
            state["ready"] += 1
    if state["reason"] == "Completed" and has_running:
        state["reason"] = "Running" if _condition_true(pod, "Ready") else "NotReady"


def summarize(pod: Obj, now: float | datetime) -> PodSummary:
    """READY, STATUS and RESTARTS of a pod as `kubectl get pods` prints them."""
    at = as_epoch(now)
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    phase = str(status.get("phase") or "")
    total = len(spec.get("containers") or []) + sum(1 for c in spec.get("initContainers") or [] if _restartable(c))
    state: dict[str, Any] = {"reason": status.get("reason") or phase, "ready": 0, "restarts": 0, "last": 0.0,
                             "sidecar_restarts": 0, "sidecar_last": 0.0}
    for c in status.get("conditions") or []:
        if c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated":
            state["reason"] = "SchedulingGated"
    initializing = _init_reason(pod, state)
    if not initializing or _condition_true(pod, "Initialized"):
        _containers(pod, state)
    deleting = meta(pod).get("deletionTimestamp") is not None
    if deleting and status.get("reason") == NODE_UNREACHABLE_REASON:
        state["reason"] = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        state["reason"] = "Terminating"
    restarts = str(state["restarts"])
    if state["restarts"] and state["last"]:
        restarts = f"{state['restarts']} ({since(state['last'], at)} ago)"
    return PodSummary(f"{state['ready']}/{total}", str(state["reason"]), restarts)


def readiness_gates(pod: Obj) -> str:
    gates = (pod.get("spec") or {}).get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = (pod.get("status") or {}).get("conditions") or []
    true = 0
    for gate in gates:
        for c in conditions:
            if c.get("type") == gate.get("conditionType"):
                true += c.get("status") == "True"
                break
    return f"{true}/{len(gates)}"


def pod_cells(pod: Obj, now: float) -> list[Any]:
    """The nine cells of a pod row (the last four are -o wide)."""
    s = summarize(pod, now)  # now is epoch seconds here (table_for converts)
    status = pod.get("status") or {}
    ips = status.get("podIPs") or []
    ip = (ips[0].get("ip") if ips else "") or "<none>"
    node = (pod.get("spec") or {}).get("nodeName") or "<none>"
    nominated = status.get("nominatedNodeName") or "<none>"
    return [meta(pod).get("name", ""), s.ready, s.status, s.restarts, since(meta(pod).get("creationTimestamp"), now),
            ip, node, nominated, readiness_gates(pod)]
