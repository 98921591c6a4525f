"""The ResourceQuota controller: keeps each quota's `status.hard` and `status.used` in step with its namespace.

As Kubernetes' `pkg/controller/resourcequota`: `status.hard` is the quota's `spec.hard`; `status.used` is what the
namespace's objects cost now (`quota.py` says what each costs), with every hard resource listed, zero when
nothing uses it. A quota is recounted when it changes and whenever an object of a kind it counts is created,
changed or deleted in its namespace (the controller's replenishment), all quotas of a namespace in one pass.

Must not: refuse anything (admission does, `quota.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_magics.sim import quota
from kube_magics.sim.controller import Controller
from kube_magics.sim.store import WatchEvent


class ResourceQuotaController(Controller):
    name = "resourcequota-controller"
    # The kinds that quotas count are watched from the first quota that counts them on (`_watch`), so that a
    # cluster without quotas pays nothing for every pod write.
    watches = ("ResourceQuota",)

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self._kinds: dict[str, set[str]] = {}  # namespace -> the kinds its quotas count
        self._watched: set[str] = set()

    def _watch(self, kinds: set[str]) -> None:
        for kind in sorted(kinds - self._watched):
            self._watched.add(kind)
            self.rt.store.subscribe(self.on_event, [kind])

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        ns = event.object["metadata"].get("namespace") or ""
        if event.kind == "ResourceQuota":
            return (ns,)
        kinds = self._kinds.get(ns)
        if kinds and event.kind in kinds and _charge_changed(event):
            return (ns,)
        return ()

    def reconcile(self, key: Any) -> None:
        quotas = self.rt.store.list("ResourceQuota", key)
        kinds: set[str] = set()
        for q in quotas:
            hard = quota.hard_of(q)
            kinds |= quota.covered_kinds(self.rt, hard)
            used = {k: quota.printed(v) for k, v in sorted(quota.used(self.rt, q, self.rt.clock.now).items())}
            status = {"hard": hard, "used": used}
            if q.get("status") != status:
                self.rt.api.write_status(q, status)
        if kinds:
            self._kinds[key] = kinds
            self._watch(kinds)
        else:
            self._kinds.pop(key, None)


def _charge_changed(event: WatchEvent) -> bool:
    """Whether a change can change what the object costs (a pod's status writes mostly cannot)."""
    if event.type != "MODIFIED" or event.old is None:
        return True
    new, old = event.object, event.old
    if new.get("spec") is not old.get("spec") and new.get("spec") != old.get("spec"):
        return True
    if new["metadata"].get("deletionTimestamp") != old["metadata"].get("deletionTimestamp"):
        return True
    return (new.get("status") or {}).get("phase") != (old.get("status") or {}).get("phase")
