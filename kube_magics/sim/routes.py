"""Where a request goes: from a target as a user writes it to the endpoints that can answer it, as kube-proxy
(iptables mode) routes it, and whether the container there is listening.

Targets (`namespace` is the client's: it completes short names):

    svc/web  service/web:80  svc/web:http      a Service, its first port unless one is named (number or name)
    web  web.default  web.default.svc.cluster.local:8080   a DNS name, resolved as a pod would (dns.py)
    10.96.123.45:80                             a cluster IP
    node/sim-worker:31994  172.18.0.3:31994     a node port, from outside the cluster
    172.18.255.200:80                           a LoadBalancer's external IP, from outside
    pod/web-0:80  10.244.1.5:80                 one pod, directly
    http://web.default/healthz                  any of these as a URL (the path shows in access logs)

Endpoints are the Service's ready endpoints in its EndpointSlices; when none is ready, the serving endpoints of
terminating pods still take traffic (kube-proxy's rule since 1.28). A node port with `externalTrafficPolicy:
Local` reaches only endpoints on that node, and keeps the client's address; with `Cluster` any endpoint, and the
pod sees the node's address (SNAT). A node that is not Ready answers nothing. Clients inside the cluster come from
`IN_CLUSTER_CLIENT` unless another address is given; clients outside from kind's Docker network gateway.

Must not: write anything, or draw random numbers (traffic.py spreads the requests).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kube_magics.errors import DnsError, not_found
from kube_magics.sim import dns
from kube_magics.sim.controllers.endpointutil import slices_of
from kube_magics.sim.objects import find_condition
from kube_magics.sim.services import allocator_of

if TYPE_CHECKING:
    from kube_magics.sim.behaviour import Process
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
IN_CLUSTER_CLIENT = "10.244.0.1"  # stands for a client pod on the control-plane node
OUTSIDE_CLIENT = "172.18.0.1"  # the host, on kind's Docker network


@dataclass(frozen=True)
class Endpoint:
    """One pod that may answer: its address and the port the request reaches there. An endpoint that is not a pod
    (the API server behind `kubernetes`, a selectorless Service's own) has no pod name."""

    namespace: str
    pod: str
    uid: str
    ip: str
    port: int
    node: str = ""

    @property
    def name(self) -> str:
        return self.pod or self.ip


@dataclass
class Route:
    """A resolved target: the Service and port (or a single pod), where the request enters, who sends it."""

    target: str
    namespace: str
    service: Obj | None = None
    service_port: Obj | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    client: str = IN_CLUSTER_CLIENT
    path: str = "/"
    reason: str = ""  # why nothing can answer ("connection refused", ...), when nothing can

    @property
    def affinity(self) -> bool:
        return bool(self.service and self.service["spec"].get("sessionAffinity") == "ClientIP")


@dataclass(frozen=True)
class Listener:
    """The container that answers on a pod's port: its instance (for the access log) and process."""

    container: str
    instance: str
    process: Process
    image: str
    serving_at: float


def route(rt: Runtime, target: str, *, namespace: str = "default", client: str | None = None,
          path: str | None = None) -> Route:
    """Resolve a target (see the module's docstring). Unknown Services and pods raise NotFound; unknown names
    raise DnsError; addresses nothing answers give a route without endpoints."""
    text = target.strip()
    url_path = ""
    if "://" in text:
        parts = urlsplit(text)
        text, url_path = parts.netloc, parts.path
    kind, _, rest = text.partition("/") if "/" in text else ("", "", text)
    host, port = _split_port(rest)
    r = Route(target=target, namespace=namespace, path=path or url_path or "/")
    if kind in ("svc", "service", "services"):
        svc = rt.store.get("Service", namespace, host)
        if svc is None:
            raise not_found("services", host)
        _to_service(rt, r, svc, port)
    elif kind in ("node", "nodes", "no"):
        node = rt.store.get("Node", "", host)
        if node is None:
            raise not_found("nodes", host)
        _to_node_port(rt, r, node, port)
    elif kind in ("pod", "pods", "po"):
        pod = rt.store.get("Pod", namespace, host)
        if pod is None:
            raise not_found("pods", host)
        _to_pod(r, pod, port)
    elif kind:
        raise not_found(kind, host)
    else:
        _to_address(rt, r, host, port)
    if client:
        r.client = client
    return r


def _split_port(text: str) -> tuple[str, str]:
    host, sep, port = text.rpartition(":")
    return (host, port) if sep and host else (text, "")


def _service_port(svc: Obj, port: str, *, node_port: bool = False) -> Obj | None:
    ports = svc["spec"].get("ports") or []
    if not port:
        return ports[0] if ports else None
    for p in ports:
        if node_port and str(p.get("nodePort")) == port:
            return p
        if not node_port and (str(p.get("port")) == port or p.get("name") == port):
            return p
    return None


def _to_service(rt: Runtime, r: Route, svc: Obj, port: str, *, node: str = "", local: bool = False) -> None:
    r.service = svc
    spec = svc["spec"]
    if spec.get("type") == "ExternalName":
        raise DnsError(f"{svc['metadata']['name']} is an ExternalName Service: requests to "
                       f"{spec.get('externalName')} leave the simulated cluster")
    r.service_port = _service_port(svc, port, node_port=bool(node))
    if r.service_port is None:
        r.reason = "connection refused"
        return
    r.endpoints = service_endpoints(rt, svc, r.service_port)
    if local:
        r.endpoints = [e for e in r.endpoints if e.node == node]
    if not r.endpoints:
        r.reason = "connection refused" if not local else "connection timed out"


def service_endpoints(rt: Runtime, svc: Obj, service_port: Obj) -> list[Endpoint]:
    """The endpoints kube-proxy would send a Service port's traffic to: ready ones, else serving terminating ones."""
    name = service_port.get("name") or ""
    ready: list[Endpoint] = []
    terminating: list[Endpoint] = []
    meta = svc["metadata"]
    for s in slices_of(rt, meta["namespace"], meta["name"]):
        number = next((p.get("port") for p in s.get("ports") or () if (p.get("name") or "") == name), None)
        if number is None:
            continue
        for ep in s.get("endpoints") or ():
            cond = ep.get("conditions") or {}
            ref = ep.get("targetRef") or {}
            e = Endpoint(ref.get("namespace", meta["namespace"]), ref.get("name", ""), ref.get("uid", ""),
                         ep["addresses"][0], int(number), ep.get("nodeName", ""))
            if cond.get("ready") is not False:
                ready.append(e)
            elif cond.get("serving") and cond.get("terminating"):
                terminating.append(e)
    return ready or terminating


def _to_node_port(rt: Runtime, r: Route, node: Obj, port: str) -> None:
    ready = find_condition((node.get("status") or {}).get("conditions"), "Ready")
    svc = allocator_of(rt).service_with_node_port(int(port)) if port.isdigit() else None
    if svc is None:
        r.reason = "connection refused"
        return
    local = svc["spec"].get("externalTrafficPolicy") == "Local"
    r.client = OUTSIDE_CLIENT if local else _node_ip(node)
    if ready is None or ready.get("status") != "True":
        r.service = svc
        r.reason = "connection timed out"
        return
    _to_service(rt, r, svc, port, node=node["metadata"]["name"], local=local)


def _to_pod(r: Route, pod: Obj, port: str) -> None:
    ip = (pod.get("status") or {}).get("podIP")
    ports = [int(p["containerPort"]) for c in pod["spec"].get("containers") or () for p in c.get("ports") or ()]
    number = int(port) if port.isdigit() else (ports[0] if ports else 80)
    if not ip:
        r.reason = "no route to host"
        return
    meta = pod["metadata"]
    r.endpoints = [Endpoint(meta["namespace"], meta["name"], meta["uid"], ip, number, pod["spec"].get("nodeName", ""))]


def _to_address(rt: Runtime, r: Route, host: str, port: str) -> None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        answer = dns.resolve(rt, host, r.namespace)
        if answer["type"] == "CNAME":
            raise DnsError(f"{host} is an alias of {answer['cname']}, outside the simulated cluster") from None
        host = answer["addresses"][0]
        svc = _headless_service(rt, answer["name"])
        if svc is not None:
            _to_service(rt, r, svc, port)
            return
    svc = allocator_of(rt).service_with_ip(host)
    if svc is not None:
        _to_service(rt, r, svc, port)
        return
    for node in rt.store.iter("Node"):
        if _node_ip(node) == host:
            _to_node_port(rt, r, node, port)
            return
    for svc in rt.store.iter("Service"):
        if svc["spec"].get("type") == "LoadBalancer" and host in _ingress(svc):
            local = svc["spec"].get("externalTrafficPolicy") == "Local"
            r.client = OUTSIDE_CLIENT
            _to_service(rt, r, svc, port)
            if not local:
                r.client = _node_ip(_entry_node(rt))
            return
    for pod in rt.store.iter("Pod"):
        if (pod.get("status") or {}).get("podIP") == host and not pod["spec"].get("hostNetwork"):
            _to_pod(r, pod, port)
            return
    r.reason = "connection timed out"


def _headless_service(rt: Runtime, fqdn: str) -> Obj | None:
    labels = fqdn.split(".")
    if len(labels) != 5 or labels[2] != "svc":
        return None  # a pod's own name under a headless Service goes to that pod
    svc = rt.store.get("Service", labels[1], labels[0])
    return svc if svc is not None and svc["spec"].get("clusterIP") == "None" else None


def _ingress(svc: Obj) -> list[str]:
    return [i.get("ip", "") for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()]


def _node_ip(node: Obj) -> str:
    return next((a["address"] for a in (node.get("status") or {}).get("addresses") or ()
                 if a.get("type") == "InternalIP"), "")


def _entry_node(rt: Runtime) -> Obj:
    """The node a cloud load balancer hands a connection to: the first ready worker."""
    nodes = rt.store.list("Node")
    for node in nodes:
        ready = find_condition((node.get("status") or {}).get("conditions"), "Ready")
        control = "node-role.kubernetes.io/control-plane" in (node["metadata"].get("labels") or {})
        if ready is not None and ready.get("status") == "True" and not control:
            return node
    return nodes[0]


def listener(rt: Runtime, endpoint: Endpoint) -> Listener | None:
    """The running container of the pod that listens on the endpoint's port, if any (the behaviour model says
    which ports a process serves: a declared containerPort the program does not open is refused)."""
    kubelet = rt.services.get("kubelet")
    if kubelet is None:
        return None
    prt = kubelet.pods.get((endpoint.namespace, endpoint.pod))
    node = kubelet.nodes.get(prt.node) if prt is not None else None
    if prt is None or node is None or not node.alive:
        return None  # gone, or on a node that has failed: nothing answers
    for c in prt.mains:
        inst = c.current
        if inst is None or inst.finished is not None or endpoint.port not in inst.process.ports:
            continue
        serving = inst.process.serving_after
        if serving is None:
            continue
        return Listener(c.name, inst.id, inst.process, c.image_key, inst.started + serving)
    return None
