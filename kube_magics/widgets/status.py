"""What kubectl prints for a pod's READY, STATUS and RESTARTS columns and a node's STATUS, and the colour of each.

`pod_status` is kubectl's printPod, as kube_magics.printers computes it for `get pods` (one implementation for
the tables and the views); the views add a colour class per STATUS value.

Pure functions of one object. Must not: read anything but the object given.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kube_magics.printers import summarize

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
    """READY, STATUS and the restart count, computed by the printers exactly as `kubectl get pods` shows them."""
    summary = summarize(pod, 0.0)  # STATUS and READY do not depend on the time; only the "(2m ago)" part does
    return PodStatus(summary.ready, summary.status, int(summary.restarts.split(" ", 1)[0]))


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
