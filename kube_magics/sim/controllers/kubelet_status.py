"""The pod status the simulated kubelet writes, built from its runtime state (`generateAPIPodStatus`).

Phase as the kubelet's `getPhase` decides it; the conditions in the kubelet's order (PodReadyToStartContainers,
Initialized, Ready, ContainersReady, PodScheduled) with reasons and messages for the false ones and transition
times that move only when a status changes; container statuses with containerd's image names
(`docker.io/library/nginx:1.20`), image IDs and container IDs, waiting/running/terminated states, lastState,
restartCount, ready and started. Pure functions of the state: no writes, no events.
"""

from __future__ import annotations

from typing import Any

from kube_magics.sim.controllers.kubelet_runtime import full_ref, image_id
from kube_magics.sim.controllers.kubelet_stages import restart_policy
from kube_magics.sim.controllers.kubelet_state import CState, Instance, PodRuntime
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
USER = {"linux": {"gid": 0, "supplementalGroups": [0], "uid": 0}}  # stored objects are never mutated: shared


def _terminated(inst: Instance) -> Obj:
    out: Obj = {"containerID": f"containerd://{inst.id}", "exitCode": inst.exit_code,
                "finishedAt": rfc3339(inst.finished or 0.0), "reason": inst.reason,
                "startedAt": rfc3339(inst.started)}
    if inst.message:
        out["message"] = inst.message
    return out


def _state(c: CState) -> Obj:
    inst = c.current
    if c.waiting[0] or inst is None:
        waiting: Obj = {"reason": c.waiting[0] or "ContainerCreating"}
        if c.waiting[1]:
            waiting["message"] = c.waiting[1]
        return {"waiting": waiting}
    if inst.finished is not None:
        return {"terminated": _terminated(inst)}
    return {"running": {"startedAt": rfc3339(inst.started)}}


def _mounts(spec: Obj) -> list[Obj]:
    out = []
    for m in spec.get("volumeMounts") or ():
        item: Obj = {"mountPath": m.get("mountPath"), "name": m.get("name")}
        if m.get("readOnly"):
            item["readOnly"] = True
            item["recursiveReadOnly"] = "Disabled"
        out.append(item)
    return out


def _static_part(c: CState) -> Obj:
    """The fields that depend only on the container's spec, built once per container."""
    part: Obj = {"__image": full_ref(c.image_ref)}
    resources = c.spec.get("resources") or {}
    if resources.get("requests") or resources.get("limits"):
        part["resources"] = {k: dict(v) for k, v in resources.items() if v}
        if resources.get("requests"):
            part["allocatedResources"] = dict(resources["requests"])
    mounts = _mounts(c.spec)
    if mounts:
        part["volumeMounts"] = mounts
    return part


def container_status(c: CState, now: float) -> Obj:
    inst = c.current
    created = inst is not None and c.image is not None
    if c.static_status is None:
        c.static_status = _static_part(c)
    status: Obj = {
        "image": c.static_status["__image"] if created else c.image_ref,
        "imageID": _image_id(c) if created else "",
        "lastState": {},
        "name": c.name,
        "ready": c.succeeded if c.init else bool(inst is not None and inst.finished is None and inst.ready),
        "restartCount": c.restarts,
        "started": bool(inst is not None and inst.finished is None and inst.started_ok is not None
                        and inst.started_ok <= now and not c.init and not c.waiting[0]),
        "state": _state(c),
    }
    if inst is not None:
        status["containerID"] = f"containerd://{inst.id}"
        if c.waiting[0] and inst.finished is not None:
            status["lastState"] = {"terminated": _terminated(inst)}
        elif c.previous is not None and c.previous.finished is not None:
            status["lastState"] = {"terminated": _terminated(c.previous)}
        status["user"] = USER
    for k, v in c.static_status.items():
        if k[0] != "_":
            status[k] = v
    return status


def _image_id(c: CState) -> str:
    image = c.image
    if image is None:
        return ""
    assert c.static_status is not None
    cached = c.static_status.get("__image_id")
    if cached is None or cached[0] is not image:
        cached = c.static_status["__image_id"] = (image, image_id(image))
    return str(cached[1])


def phase(p: PodRuntime) -> str:
    policy = str(p.obj["spec"].get("restartPolicy") or "Always")
    for c in p.inits:
        inst = c.current
        if not c.succeeded:
            failed = inst is not None and inst.finished is not None and inst.exit_code != 0
            if failed and restart_policy(p, c) == "Never":
                return "Failed"
            return "Pending"
    running = waiting = stopped = succeeded = 0
    for c in p.mains:
        inst = c.current
        if inst is None:
            waiting += 1
        elif inst.finished is None and not c.waiting[0]:
            running += 1
        elif inst.finished is not None or c.previous is not None:
            stopped += 1
            succeeded += int(inst.finished is not None and inst.exit_code == 0)
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if p.terminating or policy == "Never":
        return "Succeeded" if stopped == succeeded else "Failed"
    if policy == "OnFailure":
        return "Succeeded" if stopped == succeeded and all(c.stage == "done" for c in p.mains) else "Running"
    return "Running"


def _condition(p: PodRuntime, ctype: str, ok: bool, now: float, reason: str = "", message: str = "") -> Obj:
    status = "True" if ok else "False"
    prev = p.transitions.get(ctype)
    if prev is None or prev[0] != status:
        p.transitions[ctype] = (status, now)
    since = p.transitions[ctype][1]
    key = (status, since, reason, message) if not ok else (status, since)
    cached = p.conditions.get(ctype)
    if cached is not None and cached[0] == key:
        return cached[1]  # stored objects are never mutated, so an unchanged condition is shared
    cond: Obj = {"lastProbeTime": None, "lastTransitionTime": rfc3339(since), "status": status, "type": ctype}
    if not ok and reason:
        cond["reason"] = reason
        if message:
            cond["message"] = message
    p.conditions[ctype] = (key, cond)
    return cond


KUBELET_CONDITIONS = frozenset({"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                "PodScheduled"})


def conditions(p: PodRuntime, pod_phase: str, now: float, scheduled_at: str | None) -> list[Obj]:
    done = pod_phase in ("Succeeded", "Failed")
    pending_init = [c.name for c in p.inits if not c.succeeded]
    unready = [c.name for c in p.mains if not container_status_ready(c)]
    if done:
        reason, msg = "PodCompleted" if pod_phase == "Succeeded" else "PodFailed", ""
    else:
        reason, msg = "ContainersNotReady", f"containers with unready status: [{' '.join(unready)}]"
    if done and pod_phase == "Failed":
        reason, msg = "PodFailed", ""
    out = [
        _condition(p, "PodReadyToStartContainers", p.sandbox_ready is not None and not done, now),
        _condition(p, "Initialized", not pending_init, now, "ContainersNotInitialized",
                   f"containers with incomplete status: [{' '.join(pending_init)}]"),
        _condition(p, "Ready", not unready and not done, now, reason, msg),
        _condition(p, "ContainersReady", not unready and not done, now, reason, msg),
    ]
    scheduled: Obj = {"lastProbeTime": None, "lastTransitionTime": scheduled_at or rfc3339(p.accepted),
                      "status": "True", "type": "PodScheduled"}
    out.append(scheduled)
    return out


def container_status_ready(c: CState) -> bool:
    inst = c.current
    return bool(inst is not None and inst.finished is None and inst.ready and not c.waiting[0])


def pod_status(p: PodRuntime, *, host_ip: str, now: float, old: Obj) -> Obj:
    pod_phase = phase(p)
    scheduled_at = None
    for cond in old.get("conditions") or ():
        if cond.get("type") == "PodScheduled":
            scheduled_at = cond.get("lastTransitionTime")
    # Conditions other components own (DisruptionTarget, readiness gates) are kept, ahead of the kubelet's own
    # (the status manager's mergePodStatus).
    foreign = [c for c in old.get("conditions") or () if c.get("type") not in KUBELET_CONDITIONS]
    status: Obj = {
        "conditions": foreign + conditions(p, pod_phase, now, scheduled_at),
        "containerStatuses": [container_status(c, now) for c in p.mains],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "phase": pod_phase,
        "qosClass": old.get("qosClass", "BestEffort"),
        "startTime": rfc3339(p.accepted),
    }
    if p.inits:
        status["initContainerStatuses"] = [container_status(c, now) for c in p.inits]
    if p.ip:
        status["podIP"] = p.ip
        status["podIPs"] = [{"ip": p.ip}]
    return status
