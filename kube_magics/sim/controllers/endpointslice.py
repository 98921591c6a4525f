"""The EndpointSlice controller ("endpointslice-controller"): the discovery.k8s.io/v1 slices of each Service with
a selector, which is what kube-proxy, CoreDNS and `kubectl describe svc` read.

As Kubernetes' endpointslice reconciler: every pod the selector matches that has an address and has not finished
is an endpoint, terminating ones included, with conditions `ready` (ready and not terminating, or always when the
Service publishes not-ready addresses), `serving` (ready) and `terminating`; its node, zone, hostname (for a pod
whose subdomain names the Service) and a reference to the pod. Pods whose ports resolve alike share slices of at
most 100 endpoints. A sync changes as few slices as it can: existing slices keep their endpoints in place
(updated or dropped), new endpoints fill slices that are being written anyway, then new slices are made; a slice
left empty is deleted, or its name reused for a slice that would be created. A Service with no endpoints keeps
one placeholder slice without endpoints or ports. Slices are named `<service>-<5 random characters>` (drawn from
this controller's own seeded generator), carry the Service's labels, `kubernetes.io/service-name`,
`endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io` and the trigger time of the change,
and are owned by the Service (the garbage collector removes them with it). ExternalName Services and Services
without a selector get none.

Must not: touch Endpoints (endpoints.py), or slices that another controller manages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from random import Random
from typing import Any

from kube_magics.sim import names
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.endpointutil import (
    SERVICE_NAME_LABEL,
    TRIGGER_TIME,
    ServiceSelectors,
    endpoint_port,
    find_port,
    hostname_for,
    managed_labels,
    pod_keys,
    should_be_in_endpoints,
    slices_of,
)
from kube_magics.sim.controllers.podutil import is_ready
from kube_magics.sim.objects import owner_reference
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS = 100
ZONE = "topology.kubernetes.io/zone"
PortKey = tuple[tuple[tuple[str, Any], ...], ...]


def port_key(ports: Iterable[Obj] | None) -> PortKey:
    return tuple(tuple(sorted(p.items())) for p in ports or ())


class EndpointSliceController(Controller):
    name = "endpointslice-controller"
    watches = ("Service", "Pod", "EndpointSlice")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.selectors = ServiceSelectors(rt)
        self.rng = Random(f"{rt.config.seed}/endpointslices")
        self._writing = False

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        meta = event.object["metadata"]
        if event.kind == "Service":
            return ((meta["namespace"], meta["name"]),)
        if event.kind == "EndpointSlice":
            labels = meta.get("labels") or {}
            if self._writing or labels.get(MANAGED_BY) != CONTROLLER or SERVICE_NAME_LABEL not in labels:
                return ()  # our own writes, or someone else's slices
            return ((meta["namespace"], labels[SERVICE_NAME_LABEL]),)
        return pod_keys(self.selectors, event.object, event.old, event.type == "DELETED")

    def reconcile(self, key: Any) -> None:
        namespace, name = key
        svc = self.rt.store.get("Service", namespace, name)
        if svc is None:
            self.selectors.forget(namespace, name)
            return  # its slices go with it (garbage collector)
        if self.selectors.selector(svc) is None or svc["spec"].get("type") == "ExternalName":
            return
        existing = [s for s in slices_of(self.rt, namespace, name)
                    if (s["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER]
        desired = self._desired(svc)
        labels = managed_labels(svc, {SERVICE_NAME_LABEL: name, MANAGED_BY: CONTROLLER})
        create, update, delete = self._plan(svc, existing, desired, labels)
        with self._own_writes():
            self._finalize(svc, create, update, delete)

    # --- desired state -----------------------------------------------------------------------------------------

    def _desired(self, svc: Obj) -> dict[PortKey, tuple[list[Obj], dict[str, Obj]]]:
        """Endpoints grouped by the ports they serve: {key: (ports, {pod uid: endpoint})}, pods by name."""
        spec = svc["spec"]
        publish = bool(spec.get("publishNotReadyAddresses"))
        groups: dict[PortKey, tuple[list[Obj], dict[str, Obj]]] = {}
        for pod in self.selectors.pods_for(svc):
            if not should_be_in_endpoints(pod, include_terminating=True):
                continue
            node = self.rt.store.get("Node", "", pod["spec"].get("nodeName") or "")
            if node is None and not publish:
                continue
            ports = []
            for sp in spec.get("ports") or ():
                number = find_port(pod, sp)
                if number is not None:
                    ports.append(endpoint_port(sp, number, named=True))
            key = port_key(ports)
            groups.setdefault(key, (ports, {}))[1][pod["metadata"]["uid"]] = _endpoint(pod, svc, node, publish)
        return groups

    # --- what to write -----------------------------------------------------------------------------------------

    def _plan(self, svc: Obj, existing: list[Obj], desired: dict[PortKey, tuple[list[Obj], dict[str, Obj]]],
              labels: dict[str, str]) -> tuple[list[Obj], list[Obj], list[Obj]]:
        create: list[Obj] = []
        update: list[Obj] = []
        delete: list[Obj] = []
        by_key: dict[PortKey, list[Obj]] = {}
        for s in existing:
            by_key.setdefault(port_key(s.get("ports")), []).append(s)
        for key, (ports, endpoints) in desired.items():
            c, u, d = self._plan_group(svc, by_key.get(key, []), ports, endpoints, labels)
            create += c
            update += u
            delete += d
        for key, slices in by_key.items():
            if key not in desired:
                delete += slices
        if len(delete) == len(existing) and not create:
            placeholder = self._slice(svc, [], [], labels)
            if len(delete) == 1 and _is_placeholder(delete[0], labels):
                delete = []
            else:
                create.append(placeholder)
        return create, update, delete

    def _plan_group(self, svc: Obj, existing: list[Obj], ports: list[Obj], endpoints: dict[str, Obj],
                    labels: dict[str, str]) -> tuple[list[Obj], list[Obj], list[Obj]]:
        remaining = dict(endpoints)
        update: list[Obj] = []
        delete: list[Obj] = []
        for s in existing:
            kept = []
            changed = s["metadata"].get("labels") != labels
            for ep in s.get("endpoints") or ():
                want = remaining.pop(((ep.get("targetRef") or {}).get("uid") or ""), None)
                changed = changed or want != ep
                if want is not None:
                    kept.append(want)
            if not changed:
                continue
            if kept:
                update.append(self._with(s, kept, ports, labels))
            else:
                delete.append(s)
        leftovers = list(remaining.values())
        for s in update:
            room = MAX_ENDPOINTS - len(s["endpoints"])
            if room > 0 and leftovers:
                s["endpoints"] = s["endpoints"] + leftovers[:room]
                leftovers = leftovers[room:]
        written = {s["metadata"]["name"] for s in update + delete}
        for s in (s for s in existing if s["metadata"]["name"] not in written):
            room = MAX_ENDPOINTS - len(s.get("endpoints") or ())
            if room > 0 and leftovers:
                update.append(self._with(s, list(s.get("endpoints") or ()) + leftovers[:room], ports, labels))
                leftovers = leftovers[room:]
        create = [self._slice(svc, leftovers[i:i + MAX_ENDPOINTS], ports, labels)
                  for i in range(0, len(leftovers), MAX_ENDPOINTS)]
        return create, update, delete

    def _slice(self, svc: Obj, endpoints: list[Obj], ports: list[Obj], labels: dict[str, str]) -> Obj:
        name = svc["metadata"]["name"]
        return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": {"generateName": _prefix(name), "namespace": svc["metadata"]["namespace"],
                             "labels": dict(labels), "ownerReferences": [owner_reference(svc)]},
                "endpoints": endpoints or None, "ports": ports or None}

    def _with(self, s: Obj, endpoints: list[Obj], ports: list[Obj], labels: dict[str, str]) -> Obj:
        new = dict(s)
        new["metadata"] = {**s["metadata"], "labels": dict(labels)}
        new["endpoints"], new["ports"] = endpoints, ports or None
        return new

    # --- writing -------------------------------------------------------------------------------------------------

    @contextmanager
    def _own_writes(self) -> Iterator[None]:
        self._writing = True
        try:
            yield
        finally:
            self._writing = False

    def _finalize(self, svc: Obj, create: list[Obj], update: list[Obj], delete: list[Obj]) -> None:
        """Writes in the reconciler's order; a slice to delete lends its name to a slice to create."""
        while delete and create:
            gone, new = delete.pop(0), create.pop()
            new["metadata"] = {**gone["metadata"], "labels": new["metadata"]["labels"]}
            update.append(new)
        stamp = rfc3339(self.rt.clock.now)
        ns = svc["metadata"]["namespace"]
        for s in create:
            s["metadata"]["name"] = self._name(ns, s["metadata"]["generateName"])
            s["metadata"]["annotations"] = {TRIGGER_TIME: stamp}
            self.rt.api.create(s, trusted=True)
        for s in update:
            s["metadata"] = {**s["metadata"], "annotations": {**(s["metadata"].get("annotations") or {}),
                                                              TRIGGER_TIME: stamp}}
            self.rt.api.write(s)
        for s in delete:
            if self.rt.store.get("EndpointSlice", ns, s["metadata"]["name"]) is not None:
                self.rt.api.delete("EndpointSlice", ns, s["metadata"]["name"])

    def _name(self, namespace: str, prefix: str) -> str:
        name = prefix + names.random_suffix(self.rng)
        while self.rt.store.get("EndpointSlice", namespace, name) is not None:
            name = prefix + names.random_suffix(self.rng)
        return name


def _prefix(service: str) -> str:
    prefix = service + "-"
    return prefix if len(prefix) <= 58 else prefix[:58]


def _is_placeholder(s: Obj, labels: dict[str, str]) -> bool:
    return not s.get("endpoints") and not s.get("ports") and s["metadata"].get("labels") == labels


def _endpoint(pod: Obj, svc: Obj, node: Obj | None, publish: bool) -> Obj:
    meta = pod["metadata"]
    ready = is_ready(pod)
    terminating = bool(meta.get("deletionTimestamp"))
    ep: Obj = {"addresses": [pod["status"]["podIP"]],
               "conditions": {"ready": publish or (ready and not terminating), "serving": ready,
                              "terminating": terminating}}
    hostname = hostname_for(pod, svc)
    if hostname:
        ep["hostname"] = hostname
    if pod["spec"].get("nodeName"):
        ep["nodeName"] = pod["spec"]["nodeName"]
    ep["targetRef"] = {"kind": "Pod", "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"]}
    zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(ZONE)
    if zone:
        ep["zone"] = zone
    return ep
