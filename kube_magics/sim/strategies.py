"""Per-kind REST strategies: what the API server does to an object of a kind on create, update and delete.

As the `Strategy` types in Kubernetes' registry packages: reset status on create (clients cannot set it through
the main resource) and keep it on update; compute a Pod's QoS class; allocate what the server allocates
(a Service's cluster IPs and node ports: `services.py`); choose the grace period for deletion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from kube_magics import quantity
from kube_magics.sim import services
from kube_magics.sim.defaults import generate_job_selector

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]


class Strategy:
    graceful: ClassVar[bool] = False
    default_propagation: ClassVar[str] = "Background"
    status_subresource: ClassVar[bool] = False
    initial_status: ClassVar[Obj | None] = None

    def prepare_create(self, rt: Runtime, obj: Obj) -> None:
        if self.status_subresource:
            if self.initial_status is None:
                obj.pop("status", None)
            else:
                obj["status"] = dict(self.initial_status)

    def prepare_update(self, rt: Runtime, obj: Obj, old: Obj) -> None:
        if self.status_subresource:
            if "status" in old:
                obj["status"] = old["status"]
            else:
                obj.pop("status", None)

    def allocate(self, rt: Runtime, obj: Obj, old: Obj | None, *, dry_run: bool) -> None:
        """Server-side allocations (cluster IPs, node ports). Nothing by default."""

    def grace_period(self, rt: Runtime, live: Obj, requested: int | None) -> int | None:
        """Seconds the object may take to go; None or 0 removes it at once (when no finalizer holds it)."""
        return None


class StatusStrategy(Strategy):
    status_subresource = True
    initial_status: ClassVar[Obj | None] = {}


class PodStrategy(Strategy):
    graceful = True
    status_subresource = True

    def prepare_create(self, rt: Runtime, obj: Obj) -> None:
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj["spec"])}

    def grace_period(self, rt: Runtime, live: Obj, requested: int | None) -> int | None:
        # An unscheduled pod, or one that has finished, goes at once (as the pod REST strategy decides).
        if not live["spec"].get("nodeName"):
            return 0
        if (live.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return 0
        if requested is not None:
            return max(0, requested)
        return int(live["spec"].get("terminationGracePeriodSeconds", 30))


class NamespaceStrategy(Strategy):
    status_subresource = True
    initial_status: ClassVar[Obj | None] = {"phase": "Active"}


class NodeStrategy(Strategy):
    """Nodes register themselves with their status (the kubelet creates its Node), so status is kept."""

    status_subresource = True

    def prepare_create(self, rt: Runtime, obj: Obj) -> None:
        obj.setdefault("status", {})


class ServiceStrategy(Strategy):
    """Cluster IPs, node ports and IP families are allocated here (`services.py`)."""

    status_subresource = True
    initial_status: ClassVar[Obj | None] = {"loadBalancer": {}}

    def prepare_create(self, rt: Runtime, obj: Obj) -> None:
        super().prepare_create(rt, obj)
        services.prepare_create(obj)

    def prepare_update(self, rt: Runtime, obj: Obj, old: Obj) -> None:
        super().prepare_update(rt, obj, old)
        services.prepare_update(obj, old)

    def allocate(self, rt: Runtime, obj: Obj, old: Obj | None, *, dry_run: bool) -> None:
        services.allocate(rt, obj, old, dry_run=dry_run)


class JobStrategy(StatusStrategy):
    """A Job's uid is chosen before it is stored, because the selector and labels the API server generates for a
    Job without `manualSelector` name it (`batch.kubernetes.io/controller-uid`)."""

    def prepare_create(self, rt: Runtime, obj: Obj) -> None:
        super().prepare_create(rt, obj)
        uid = rt.store.new_uid()
        obj["metadata"]["uid"] = uid
        generate_job_selector(obj, uid)


class ClaimStrategy(StatusStrategy):
    """A new PersistentVolumeClaim (or volume) starts Pending, as the API server returns it."""

    initial_status: ClassVar[Obj | None] = {"phase": "Pending"}


_STATUS_KINDS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "CronJob",
                 "HorizontalPodAutoscaler", "ReplicationController", "ResourceQuota", "PodDisruptionBudget",
                 "Ingress")

STRATEGIES: dict[str, Strategy] = {
    "Pod": PodStrategy(),
    "Namespace": NamespaceStrategy(),
    "Node": NodeStrategy(),
    "Service": ServiceStrategy(),
    "Job": JobStrategy(),
    "PersistentVolumeClaim": ClaimStrategy(),
    "PersistentVolume": ClaimStrategy(),
    **{k: StatusStrategy() for k in _STATUS_KINDS},
}
_DEFAULT = Strategy()


def strategy_for(kind: str) -> Strategy:
    return STRATEGIES.get(kind, _DEFAULT)


def qos_class(spec: Obj) -> str:
    """Guaranteed when every container's cpu and memory limits equal its requests; BestEffort when nothing is
    requested or limited; Burstable otherwise (as `v1qos.GetPodQOS`)."""
    containers = list(spec.get("containers") or ()) + list(spec.get("initContainers") or ())
    any_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if any(quantity.is_valid(v) and quantity.milli(v) != 0 for v in {**req, **lim}.values()):
            any_set = True
        for name in ("cpu", "memory"):
            if name not in lim or name not in req or quantity.milli(lim[name]) != quantity.milli(req[name]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
