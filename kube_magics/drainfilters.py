"""kubectl drain's pod filters: which of a node's pods a drain evicts, which it warns about, which stop it.

One decision for both drains: `%k8s drain` over any backend (kubectl/nodes.py) and `SimCluster.drain` inside the
simulator (sim/drain.py). The caller says how to learn whether a DaemonSet exists; this module only decides, in
kubectl's order and words (its drain helper's `daemonSetFilter`, `mirrorPodFilter`, `localStorageFilter`,
`unreplicatedFilter`), and formats the two lines a drain prints from the verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"
EVICT_RETRY = 5.0  # kubectl's EvictErrorRetryDelay: a refused eviction (429) is tried again after this


@dataclass(frozen=True)
class DrainFlags:
    ignore_daemonsets: bool = False
    delete_emptydir_data: bool = False
    force: bool = False


@dataclass
class Sorted:
    """A node's pods after the filters: those to evict, and the pods named under each warning and each error."""

    evict: list[Obj] = field(default_factory=list)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    fatal: dict[str, list[str]] = field(default_factory=dict)

    def fatal_error(self) -> str | None:
        """kubectl's error when a filter refused a pod (utilerrors.NewAggregate: one as itself, several as [a, b])."""
        if not self.fatal:
            return None
        return aggregate([f"cannot delete {msg}: {', '.join(names)}" for msg, names in self.fatal.items()])

    def warning_line(self) -> str | None:
        """PodDeleteList.Warnings: one line, the messages joined by "; "."""
        if not self.warnings:
            return None
        return "Warning: " + "; ".join(f"{msg}: {', '.join(names)}" for msg, names in self.warnings.items())


def sort_pods(pods: Iterable[Obj], flags: DrainFlags, daemonset_exists: Callable[[str, str], bool]) -> Sorted:
    """Run every pod through the filters; `daemonset_exists(namespace, name)` answers for DaemonSet owners."""
    out = Sorted()
    for pod in pods:
        delete, reason, message = verdict(pod, flags, daemonset_exists)
        key = f"{pod['metadata'].get('namespace')}/{pod['metadata']['name']}"
        if reason == "Warning":
            out.warnings.setdefault(message, []).append(key)
        elif reason == "Error":
            out.fatal.setdefault(message, []).append(key)
        if delete:
            out.evict.append(pod)
    return out


def verdict(pod: Obj, flags: DrainFlags, daemonset_exists: Callable[[str, str], bool]) -> tuple[bool, str, str]:
    """(delete?, Okay|Skip|Warning|Error, message). The filters run in kubectl's order and each verdict replaces
    the one before; the first that keeps the pod ends the run. So for a pod that goes, only the last filter's word
    stands (kubectl drops the earlier warnings: a managed pod's local storage is not mentioned)."""
    status: tuple[bool, str, str] = (True, "Okay", "")
    for check in (_daemonset, _mirror, _local_storage, _unreplicated):
        status = check(pod, flags, daemonset_exists)
        if not status[0]:
            break
    return status


def _finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _controller(pod: Obj) -> Obj | None:
    return next((r for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def _daemonset(pod: Obj, flags: DrainFlags, exists: Callable[[str, str], bool]) -> tuple[bool, str, str]:
    owner = _controller(pod)
    if owner is None or owner.get("kind") != "DaemonSet" or _finished(pod):
        return True, "Okay", ""
    if not exists(pod["metadata"]["namespace"], owner["name"]):
        missing = f'daemonsets.apps "{owner["name"]}" not found'
        return (True, "Warning", missing) if flags.force else (False, "Error", missing)
    return (False, "Warning", DAEMONSET_WARNING) if flags.ignore_daemonsets else (False, "Error", DAEMONSET_FATAL)


def _mirror(pod: Obj, flags: DrainFlags, exists: Callable[[str, str], bool]) -> tuple[bool, str, str]:
    if "kubernetes.io/config.mirror" in (pod["metadata"].get("annotations") or {}):
        return False, "Skip", ""
    return True, "Okay", ""


def _local_storage(pod: Obj, flags: DrainFlags, exists: Callable[[str, str], bool]) -> tuple[bool, str, str]:
    if _finished(pod) or not any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or ()):
        return True, "Okay", ""
    return (True, "Warning", LOCAL_STORAGE_WARNING) if flags.delete_emptydir_data else \
        (False, "Error", LOCAL_STORAGE_FATAL)


def _unreplicated(pod: Obj, flags: DrainFlags, exists: Callable[[str, str], bool]) -> tuple[bool, str, str]:
    if _finished(pod) or _controller(pod) is not None:
        return True, "Okay", ""
    return (True, "Warning", UNMANAGED_WARNING) if flags.force else (False, "Error", UNMANAGED_FATAL)


def aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate's text: one error as itself, several as [a, b]."""
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
