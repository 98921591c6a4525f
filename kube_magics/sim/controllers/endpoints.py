"""The Endpoints controller ("endpoint-controller"): one core/v1 Endpoints object per Service with a selector.

As Kubernetes' `pkg/controller/endpoint`: the pods the selector matches that have an address and have not
finished go in, ready ones under `addresses` and the others under `notReadyAddresses` (all under `addresses`
when the Service sets `publishNotReadyAddresses`, which also keeps terminating pods); each Service port is
resolved in each pod (a named targetPort through the containers' named ports; a pod without that port is left
out of it), and addresses with the same ports share a subset, sorted by IP. At most 1,000 addresses are kept
(the rest are cut, with `endpoints.kubernetes.io/over-capacity: truncated`). The object carries the Service's
labels, `endpoints.kubernetes.io/managed-by: endpoint-controller` and the last change's trigger time; it goes
when the Service goes. Services without a selector are left alone: their Endpoints are the user's.

Must not: touch EndpointSlices (endpointslice.py) or Services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.endpointutil import (
    TRIGGER_TIME,
    ServiceSelectors,
    endpoint_port,
    find_port,
    hostname_for,
    managed_labels,
    pod_keys,
    ready_for_endpoints,
    should_be_in_endpoints,
)
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
MANAGED_BY = "endpoints.kubernetes.io/managed-by"
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
MAX_ADDRESSES = 1000


class EndpointsController(Controller):
    name = "endpoint-controller"
    watches = ("Service", "Pod", "Endpoints")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.selectors = ServiceSelectors(rt)

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        meta = event.object["metadata"]
        if event.kind == "Service":
            return ((meta["namespace"], meta["name"]),)
        if event.kind == "Endpoints":  # a managed Endpoints deleted by hand comes back
            return ((meta["namespace"], meta["name"]),) if event.type == "DELETED" else ()
        return pod_keys(self.selectors, event.object, event.old, event.type == "DELETED")

    def reconcile(self, key: Any) -> None:
        namespace, name = key
        store = self.rt.store
        svc = store.get("Service", namespace, name)
        current = store.get("Endpoints", namespace, name)
        if svc is None:
            self.selectors.forget(namespace, name)
            if current is not None and not current["metadata"].get("deletionTimestamp"):
                self.rt.api.delete("Endpoints", namespace, name)
            return
        if self.selectors.selector(svc) is None:
            return
        subsets, truncated = self._subsets(svc)
        labels = managed_labels(svc, {MANAGED_BY: self.name})
        annotations = dict((current or {}).get("metadata", {}).get("annotations") or {})
        annotations.pop(OVER_CAPACITY, None)
        if truncated:
            annotations[OVER_CAPACITY] = "truncated"
        if current is not None and (current.get("subsets") or []) == subsets \
                and current["metadata"].get("labels") == labels \
                and (current["metadata"].get("annotations") or {}).get(OVER_CAPACITY) == annotations.get(OVER_CAPACITY):
            return
        annotations[TRIGGER_TIME] = rfc3339(self.rt.clock.now)
        meta = dict((current or {}).get("metadata") or {"name": name, "namespace": namespace})
        meta["labels"], meta["annotations"] = labels, annotations
        desired: Obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta}
        if subsets:
            desired["subsets"] = subsets
        if current is None:
            self.rt.api.create(desired, trusted=True)
        else:
            self.rt.api.write(desired)

    def _subsets(self, svc: Obj) -> tuple[list[Obj], bool]:
        """Addresses grouped by the ports they serve (RepackSubsets), sorted; and whether some were cut."""
        spec = svc.get("spec") or {}
        service_ports = spec.get("ports") or []
        publish = bool(spec.get("publishNotReadyAddresses"))
        groups: dict[tuple[Any, ...], tuple[list[Obj], list[Obj], list[Obj]]] = {}
        for pod in self.selectors.pods_for(svc):
            if not should_be_in_endpoints(pod, include_terminating=publish):
                continue
            ports = []
            for sp in service_ports:
                number = find_port(pod, sp)
                if number is not None:
                    ports.append(endpoint_port(sp, number, named=False))
            if not ports and (service_ports or spec.get("clusterIP") != "None"):
                continue
            key = tuple(tuple(sorted(p.items())) for p in ports)
            group = groups.setdefault(key, (ports, [], []))
            group[1 if ready_for_endpoints(pod, svc) else 2].append(_address(pod, svc))
        subsets: list[Obj] = []
        room = MAX_ADDRESSES
        for key in sorted(groups):
            ports, ready, not_ready = groups[key]
            ready.sort(key=_ip_key)
            not_ready.sort(key=_ip_key)
            subset: Obj = {}
            if ready[:room]:
                subset["addresses"] = ready[:room]
            room -= len(subset.get("addresses", ()))
            if not_ready[:room]:
                subset["notReadyAddresses"] = not_ready[:room]
            room -= len(subset.get("notReadyAddresses", ()))
            if subset:
                if ports:
                    subset["ports"] = ports
                subsets.append(subset)
        total = sum(len(g[1]) + len(g[2]) for g in groups.values())
        return subsets, total > MAX_ADDRESSES


def _address(pod: Obj, svc: Obj) -> Obj:
    meta = pod["metadata"]
    address: Obj = {"ip": pod["status"]["podIP"]}
    hostname = hostname_for(pod, svc)
    if hostname:
        address["hostname"] = hostname
    if pod["spec"].get("nodeName"):
        address["nodeName"] = pod["spec"]["nodeName"]
    address["targetRef"] = {"kind": "Pod", "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"]}
    return address


def _ip_key(address: Obj) -> tuple[str, str]:
    return address["ip"], address["targetRef"]["uid"]
