"""What the Endpoints and EndpointSlice controllers share (as Kubernetes' `endpointutil`): which Services select
a pod, whether a pod change matters to them, whether a pod belongs in endpoints, and which port a Service port
reaches in a pod.

Services and pods are found through store indexes by namespace, and Service selectors are parsed once per
resourceVersion, so a pod's status write costs a few dictionary lookups.

Must not: write anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kube_magics.selectors import Selector, from_map
from kube_magics.sim.controllers.podutil import is_ready

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
BY_NAMESPACE = "by-namespace"
BY_SERVICE = "by-service"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
HEADLESS_LABEL = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"


def _namespace(obj: Obj) -> Iterable[str]:
    return (obj["metadata"].get("namespace") or "",)


def ensure_namespace_index(rt: Runtime, kind: str) -> None:
    """Keep objects of `kind` findable by namespace (registered once per kind, shared by the controllers)."""
    try:
        rt.store.by_index(kind, BY_NAMESPACE, "")
    except KeyError:
        rt.store.add_index(kind, BY_NAMESPACE, _namespace)


def _service_of_slice(slice_: Obj) -> Iterable[str]:
    name = (slice_["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
    return (f"{slice_['metadata'].get('namespace')}/{name}",) if name else ()


def slices_of(rt: Runtime, namespace: str, service: str) -> list[Obj]:
    """The EndpointSlices labelled as a Service's (whoever manages them), sorted by name."""
    try:
        found = rt.store.by_index("EndpointSlice", BY_SERVICE, f"{namespace}/{service}")
    except KeyError:
        rt.store.add_index("EndpointSlice", BY_SERVICE, _service_of_slice)
        found = rt.store.by_index("EndpointSlice", BY_SERVICE, f"{namespace}/{service}")
    return sorted(found, key=lambda s: s["metadata"]["name"])


def ready_endpoints(rt: Runtime, namespace: str, service: str) -> list[Obj]:
    """The endpoints of a Service that take traffic (`ready` not false), as kube-proxy and CoreDNS read them."""
    return [ep for s in slices_of(rt, namespace, service) for ep in s.get("endpoints") or ()
            if (ep.get("conditions") or {}).get("ready") is not False and ep.get("addresses")]


def in_namespace(rt: Runtime, kind: str, namespace: str) -> list[Obj]:
    """Objects of `kind` in a namespace, sorted by name."""
    items = rt.store.by_index(kind, BY_NAMESPACE, namespace)
    return sorted(items, key=lambda o: o["metadata"]["name"])


class ServiceSelectors:
    """Each Service's parsed selector, remembered by resourceVersion."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._parsed: dict[tuple[str, str], tuple[str, Selector | None]] = {}
        ensure_namespace_index(rt, "Service")
        ensure_namespace_index(rt, "Pod")

    def selector(self, svc: Obj) -> Selector | None:
        """None for a Service without a selector (its endpoints are someone else's business)."""
        meta = svc["metadata"]
        key = (meta.get("namespace") or "", meta["name"])
        hit = self._parsed.get(key)
        if hit is not None and hit[0] == meta.get("resourceVersion"):
            return hit[1]
        raw = (svc.get("spec") or {}).get("selector")
        sel = from_map(raw) if raw else None
        self._parsed[key] = (meta.get("resourceVersion") or "", sel)
        return sel

    def services_for(self, pod: Obj) -> list[tuple[str, str]]:
        """(namespace, name) of every Service whose selector matches the pod's labels."""
        ns = pod["metadata"].get("namespace") or ""
        labels = pod["metadata"].get("labels") or {}
        out = []
        for svc in self.rt.store.by_index("Service", BY_NAMESPACE, ns):
            sel = self.selector(svc)
            if sel is not None and sel.matches(labels):
                out.append((ns, svc["metadata"]["name"]))
        return out

    def pods_for(self, svc: Obj) -> list[Obj]:
        """The pods a Service selects, sorted by name."""
        sel = self.selector(svc)
        if sel is None:
            return []
        ns = svc["metadata"].get("namespace") or ""
        return [p for p in in_namespace(self.rt, "Pod", ns) if sel.matches(p["metadata"].get("labels") or {})]

    def forget(self, namespace: str, name: str) -> None:
        self._parsed.pop((namespace, name), None)


def endpoint_view(pod: Mapping[str, Any]) -> tuple[Any, ...]:
    """What an endpoint shows of a pod: a change elsewhere (a container's restart count, a probe time) is none of
    the endpoint controllers' business."""
    meta, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
    return (meta.get("labels"), meta.get("deletionTimestamp"), spec.get("nodeName"), spec.get("hostname"),
            spec.get("subdomain"), status.get("podIP"), status.get("phase"), is_ready(pod))


def pod_keys(selectors: ServiceSelectors, pod: Obj, old: Obj | None, deleted: bool) -> list[tuple[str, str]]:
    """The Services a pod change concerns: those that select it now, and those that selected it before."""
    keys = selectors.services_for(pod)
    relabelled = old is not None and old["metadata"].get("labels") != pod["metadata"].get("labels")
    if not keys and not relabelled:
        return keys  # no Service selects it (most pods): nothing to compare
    if old is None:
        return keys
    if not deleted and endpoint_view(old) == endpoint_view(pod):
        return []
    if relabelled:
        keys += [k for k in selectors.services_for(old) if k not in keys]
    return keys


def should_be_in_endpoints(pod: Mapping[str, Any], *, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: it has an address, has not finished, and (unless asked) is not terminating."""
    status = pod.get("status") or {}
    if not status.get("podIP"):
        return False
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    return include_terminating or not pod["metadata"].get("deletionTimestamp")


def find_port(pod: Mapping[str, Any], service_port: Mapping[str, Any]) -> int | None:
    """FindPort: a numeric targetPort as it is; a named one looked up among the containers' ports (and
    sidecars'), with the Service port's protocol. None when the pod has no port of that name."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    protocol = service_port.get("protocol", "TCP")
    spec = pod["spec"]
    sidecars = [c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
    for container in [*(spec.get("containers") or ()), *sidecars]:
        for port in container.get("ports") or ():
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return int(port["containerPort"])
    return None


def endpoint_port(service_port: Mapping[str, Any], number: int, *, named: bool) -> Obj:
    """An EndpointPort (core/v1 or discovery/v1: `named` slices carry `name: ""` for an unnamed port)."""
    port: Obj = {"port": number, "protocol": service_port.get("protocol", "TCP")}
    if service_port.get("name") or named:
        port["name"] = service_port.get("name") or ""
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


def hostname_for(pod: Mapping[str, Any], svc: Mapping[str, Any]) -> str:
    """The endpoint's hostname: the pod's, if its subdomain names this Service (how headless Services give pods
    DNS names)."""
    spec = pod["spec"]
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        return str(spec["hostname"])
    return ""


def managed_labels(svc: Mapping[str, Any], extra: Mapping[str, str]) -> dict[str, str]:
    """The Service's labels, plus what the controller adds (`service.kubernetes.io/headless` for headless)."""
    labels = {k: v for k, v in (svc["metadata"].get("labels") or {}).items()
              if k not in (SERVICE_NAME_LABEL, "endpointslice.kubernetes.io/managed-by")}
    if (svc.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    labels.update(extra)
    return labels


def ready_for_endpoints(pod: Mapping[str, Any], svc: Mapping[str, Any]) -> bool:
    """Whether the address counts as ready: the pod is, or the Service publishes addresses that are not."""
    return bool((svc.get("spec") or {}).get("publishNotReadyAddresses")) or is_ready(pod)
