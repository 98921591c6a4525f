"""What kubectl prints for a pod's READY, STATUS and RESTARTS columns and a node's STATUS, and the colour of each.

`pod_status` follows kubectl's printPod (pkg/printers/internalversion/printers.go): the phase, or the pod's
reason; an init container's progress (`Init:0/1`, `Init:CrashLoopBackOff`); the last container's waiting or
terminated reason (`ContainerCreating`, `CrashLoopBackOff`, `Completed`, `Error`, `ExitCode:1`);
`Terminating` once a deletion timestamp is set; `Unknown` for a pod deleted on an unreachable node.

Pure functions of one object. Must not: read anything but the object given.
"""

from __future__ import annotations

from typing import Any, NamedTuple

Obj = dict[str, Any]


class PodStatus(NamedTuple):
    ready: str  # "1/1"
    status: str  # "Running", "CrashLoopBackOff", ...
    restarts: int


# Colour classes of the STATUS column, and what each is drawn with (fill, text colour).
CATEGORY_COLOURS: dict[str, tuple[str, str]] = {
    "pending": ("#c9ced6", "#1f2328"),
    "creating": ("#6ea8e0", "#0b2540"),
    "running": ("#2f9e55", "#ffffff"),
    "unready": ("#b7d96b", "#1f2328"),
    "terminating": ("#9b87c9", "#ffffff"),
    "crash": ("#d93b3b", "#ffffff"),
    "pull": ("#f0913a", "#1f2328"),
    "error": ("#8f1d1d", "#ffffff"),
    "completed": ("#5f7480", "#ffffff"),
    "unknown": ("#3b3f45", "#ffffff"),
}

# The states the legend shows, in the order a pod lives through them.
LEGEND = (("Pending", "pending"), ("ContainerCreating", "creating"), ("Running", "running"),
          ("Terminating", "terminating"), ("CrashLoopBackOff", "crash"), ("Completed", "completed"),
          ("Error", "error"))

_CREATING = {"ContainerCreating", "PodInitializing"}
_PULL = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
_ERROR_PREFIXES = ("ExitCode:", "Signal:", "Init:ExitCode:", "Init:Signal:", "Init:Error", "Init:OOMKilled")


def pod_status(pod: Obj) -> PodStatus:
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    phase = status.get("phase") or "Pending"
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or ():
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or ()}
    total = len(spec.get("containers") or ()) + sum(1 for c in init_specs.values() if _sidecar(c))
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    initializing = False
    init_statuses = status.get("initContainerStatuses") or ()
    for i, cs in enumerate(init_statuses):
        restarts += int(cs.get("restartCount") or 0)
        if _sidecar(init_specs.get(cs.get("name")) or {}):
            sidecar_restarts += int(cs.get("restartCount") or 0)
            if cs.get("started"):
                ready += 1 if cs.get("ready") else 0
                continue
        init_reason = _init_reason(cs, i, len(init_specs))
        if init_reason is None:
            continue
        reason, initializing = init_reason, True
        break
    if not initializing or _condition_true(status, "Initialized"):
        restarts = sidecar_restarts
        reason, running, ready_main, main_restarts = _main_containers(status, reason)
        ready += ready_main
        restarts += main_restarts
        if reason == "Completed" and running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return PodStatus(f"{ready}/{total}", reason, restarts)


def _main_containers(status: Obj, reason: str) -> tuple[str, bool, int, int]:
    """Walk the containers from the last to the first, as printPod does: the first one's reason wins."""
    running = False
    ready = restarts = 0
    for cs in reversed(status.get("containerStatuses") or ()):
        restarts += int(cs.get("restartCount") or 0)
        state = cs.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated and terminated.get("reason"):
            reason = terminated["reason"]
        elif terminated:
            reason = _exit(terminated, "")
        elif cs.get("ready") and state.get("running") is not None:
            running = True
            ready += 1
    return reason, running, ready, restarts


def _init_reason(cs: Obj, index: int, count: int) -> str | None:
    """The STATUS an init container gives its pod while it has not finished, or None once it exited 0."""
    state = cs.get("state") or {}
    terminated, waiting = state.get("terminated"), state.get("waiting")
    if terminated and int(terminated.get("exitCode") or 0) == 0:
        return None
    if terminated:
        return "Init:" + terminated["reason"] if terminated.get("reason") else _exit(terminated, "Init:")
    if waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
        return "Init:" + waiting["reason"]
    return f"Init:{index}/{count}"


def _exit(terminated: Obj, prefix: str) -> str:
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _sidecar(container: Obj) -> bool:
    return container.get("restartPolicy") == "Always"


def _condition_true(status: Obj, ctype: str) -> bool:
    return any(c.get("type") == ctype and c.get("status") == "True" for c in status.get("conditions") or ())


def category(status: str, ready: str = "1/1") -> str:
    """The colour class of a STATUS value: running, pending, creating, crash, error, ..."""
    if status == "Running":
        have, _, want = ready.partition("/")
        return "running" if have == want else "unready"
    if status == "Pending" or status == "SchedulingGated":
        return "pending"
    if status in _CREATING or (status.startswith("Init:") and status[5:6].isdigit()):
        return "creating"
    if status == "Terminating":
        return "terminating"
    if status.endswith("CrashLoopBackOff"):
        return "crash"
    if status.replace("Init:", "") in _PULL:
        return "pull"
    if status in ("Completed", "Succeeded"):
        return "completed"
    if status in ("Unknown", "NodeLost"):
        return "unknown"
    if status in ("Error", "Failed", "OOMKilled", "ContainerCannotRun", "CreateContainerError",
                  "CreateContainerConfigError", "RunContainerError", "NotReady", "Evicted") \
            or status.startswith(_ERROR_PREFIXES):
        return "error"
    return "pending"


def node_status(node: Obj) -> str:
    """kubectl's node STATUS: `Ready`, `NotReady` or `Unknown`, plus `,SchedulingDisabled` when cordoned."""
    conditions = (node.get("status") or {}).get("conditions") or ()
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready is None:
        text = "Unknown"
    else:
        text = "Ready" if ready.get("status") == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        text += ",SchedulingDisabled"
    return text
