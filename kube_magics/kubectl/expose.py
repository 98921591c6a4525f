"""`kubectl expose`: a Service in front of a Deployment, ReplicaSet, ReplicationController, Pod or Service.

    %k8s expose deployment web --port=80                 service/web exposed
    %k8s expose deploy web --name=web-np --type=NodePort --port=80 --target-port=8080

The selector, ports and protocols come from the exposed object unless given, as kubectl's expose works them out.
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import created, fail, namespace, result
from kube_magics.kubectl.flags import (
    DRY_RUN,
    FIELD_MANAGER,
    FILENAME,
    PRINT,
    RECURSIVE,
    Command,
    Flag,
    Options,
    dry_run,
    parse,
)
from kube_magics.kubectl.resources import fetch, file_targets, parse_args
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

EXPOSE = Command("expose", "kubectl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] "
                           "[--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] "
                           "[--type=type]", (
    *PRINT, DRY_RUN, FIELD_MANAGER, FILENAME, RECURSIVE, Flag("protocol", kind="str", default=""),
    Flag("port", kind="str", default=""), Flag("type", kind="str", default=""),
    Flag("load-balancer-ip", kind="str", default=""), Flag("selector", kind="str", default=""),
    Flag("labels", "l", "str", default=""), Flag("target-port", kind="str", default=""),
    Flag("external-ip", kind="str", default=""), Flag("name", kind="str", default=""),
    Flag("session-affinity", kind="str", default=""), Flag("cluster-ip", kind="str", default=""),
    Flag("save-config"), Flag("overrides", kind="str", default=""),
))

EXPOSABLE = ("ReplicationController", "Service", "Pod", "Deployment", "ReplicaSet")


@verb("expose")
def expose(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(EXPOSE, argv)
    strategy = dry_run(EXPOSE, o)
    backend = session.backend
    if o.filename:
        targets = file_targets(backend, o.filename, o.recursive)
    else:
        targets = parse_args(backend.catalogue, args, cmd="kubectl expose")
    if not targets or any(t.name is None for t in targets):
        raise UsageError("error: resource(s) were provided, but no name was specified" if targets else
                         "error: You must provide one or more resources by argument or filename.")
    ns = namespace(session, o)
    found = fetch(backend, targets, namespace=ns)
    lines: list[str] = []
    made: list[Obj] = []
    for obj in found.objects:
        service = _service(o, obj)
        if o.was_set("namespace") or strategy != "client":
            service["metadata"]["namespace"] = ns
        text, out = created(session, service, output=o.output, strategy=strategy, operation="exposed",
                            manager=o.field_manager or "kubectl-expose")
        lines.append(text)
        made.append(out)
    if found.errors:
        raise fail("".join(lines), list(found.errors), made)
    return result("".join(lines), objects=made)


def _service(o: Options, obj: Obj) -> Obj:
    """The Service kubectl's expose builds for `obj`."""
    kind = obj["kind"]
    if kind not in EXPOSABLE:
        group = obj["apiVersion"].rpartition("/")[0]
        raise UsageError(f"error: cannot expose a {kind}.{group}" if group else f"error: cannot expose a {kind}")
    selector = _parse_labels(o.selector) if o.selector else _selector(obj)
    ports = [o.port] if o.port else _ports(obj)
    if not ports and o.cluster_ip != "None":
        raise UsageError("error: couldn't find port via --port flag or introspection")
    labels = _parse_labels(o.labels) if o.labels else dict(obj["metadata"].get("labels") or {})
    protocols = _protocols(obj)
    spec_ports = []
    for i, port in enumerate(ports):
        entry: Obj = {"port": int(port), "protocol": o.protocol or protocols.get(port, "TCP")}
        if len(ports) > 1:
            entry["name"] = f"port-{i + 1}"
        target = o.target_port or port
        entry["targetPort"] = int(target) if str(target).isdigit() else target
        spec_ports.append(entry)
    spec: Obj = {"ports": spec_ports, "selector": selector}
    if o.external_ip:
        spec["externalIPs"] = [o.external_ip]
    if o.type:
        spec["type"] = o.type
    if o.type == "LoadBalancer" and o.load_balancer_ip:
        spec["loadBalancerIP"] = o.load_balancer_ip
    if o.session_affinity:
        if o.session_affinity not in ("None", "ClientIP"):
            raise UsageError(f"error: unknown session affinity: {o.session_affinity}")
        spec["sessionAffinity"] = o.session_affinity
    if o.cluster_ip:
        spec["clusterIP"] = o.cluster_ip
    name = o.name or obj["metadata"]["name"][:63]
    meta: Obj = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec, "status": {"loadBalancer": {}}}


def _parse_labels(text: str) -> dict[str, str]:
    labels = {}
    for part in text.split(","):
        key, eq, value = part.partition("=")
        if not eq or "=" in value:
            raise UsageError(f"error: unexpected label spec: {part}")
        if not key:
            raise UsageError("error: unexpected empty label key")
        labels[key] = value
    return labels


def _selector(obj: Obj) -> dict[str, str]:
    kind, spec = obj["kind"], obj.get("spec") or {}
    if kind == "Pod":
        labels = obj["metadata"].get("labels")
        if not labels:
            raise UsageError("error: couldn't retrieve selectors via --selector flag or introspection: the pod has "
                             "no labels and cannot be exposed")
        return dict(labels)
    if kind in ("Service", "ReplicationController"):
        if not spec.get("selector"):
            raise UsageError("error: couldn't retrieve selectors via --selector flag or introspection: the service "
                             "has no pod selector set")
        return dict(spec["selector"])
    selector = spec.get("selector") or {}
    if selector.get("matchExpressions"):
        raise UsageError("error: couldn't retrieve selectors via --selector flag or introspection: couldn't "
                         "convert expressions to map-based selector format")
    return dict(selector.get("matchLabels") or {})


def _containers(obj: Obj) -> list[Obj]:
    spec = obj.get("spec") or {}
    pod_spec = spec if obj["kind"] == "Pod" else (spec.get("template") or {}).get("spec") or {}
    return list(pod_spec.get("containers") or [])


def _ports(obj: Obj) -> list[str]:
    if obj["kind"] == "Service":
        found = [str(p.get("port")) for p in (obj.get("spec") or {}).get("ports") or ()]
    else:
        found = [str(p.get("containerPort")) for c in _containers(obj) for p in c.get("ports") or ()]
    return list(dict.fromkeys(found))


def _protocols(obj: Obj) -> dict[str, str]:
    if obj["kind"] == "Service":
        items = [(str(p.get("port")), p.get("protocol", "TCP")) for p in (obj.get("spec") or {}).get("ports") or ()]
    else:
        items = [(str(p.get("containerPort")), p.get("protocol", "TCP")) for c in _containers(obj)
                 for p in c.get("ports") or ()]
    return dict(items)
