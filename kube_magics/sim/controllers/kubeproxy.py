"""kube-proxy's part in the traffic model ("kube-proxy"): when a Service's endpoints change, the sustained loads
sent to it are spread again (traffic.py), as kube-proxy rewrites its rules from the EndpointSlices.

It watches Services, EndpointSlices and Nodes (a node port on a node that stops being Ready answers nothing), and
pods only to drop the access lines of deleted pods. A container that is about to listen (it started but serves
only after its start-up time) is looked at again when it does. With no load set, every change costs a dictionary
lookup.

Must not: write objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.endpointutil import SERVICE_NAME_LABEL
from kube_magics.sim.objects import find_condition
from kube_magics.sim.store import WatchEvent
from kube_magics.sim.traffic import traffic_of


class KubeProxyController(Controller):
    name = "kube-proxy"
    watches = ("Service", "EndpointSlice", "Node", "Pod")
    watch_types: ClassVar[dict[str, tuple[str, ...]]] = {"Pod": ("DELETED",)}  # nothing else of pods

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        rt.services["kube-proxy"] = self

    def look_again(self, load: Any, at: float) -> None:
        """Spread `load` again at `at` (virtual time), when a container that is starting will listen."""
        self.queue.add_after(("load", load), max(0.0, at - self.rt.now))

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        obj = event.object
        meta = obj["metadata"]
        if event.kind == "Pod":
            return (("pod-gone", meta["uid"]),) if event.type == "DELETED" else ()
        traffic = self.rt.services.get("traffic")
        if traffic is None or not traffic.loads:
            return ()
        if event.kind == "Service":
            return (("service", meta["namespace"], meta["name"]),)
        if event.kind == "EndpointSlice":
            name = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
            return (("service", meta["namespace"], name),) if name else ()
        if event.old is not None and _ready(event.old) == _ready(obj) and event.type == "MODIFIED":
            return ()
        return (("all",),)

    def reconcile(self, key: Any) -> None:
        traffic = traffic_of(self.rt)
        if key[0] == "pod-gone":
            traffic.forget_pod(key[1])
            return
        if key[0] == "load":
            loads = [key[1]]
        elif key[0] == "service":
            loads = traffic.loads_on(key[1], key[2])
        else:
            loads = list(traffic.loads)
        for load in loads:
            wake = traffic.refresh(load)
            if wake is not None:
                self.look_again(load, wake)


def _ready(node: dict[str, Any]) -> Any:
    cond = find_condition((node.get("status") or {}).get("conditions"), "Ready")
    return None if cond is None else cond.get("status")
