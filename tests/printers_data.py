"""Builders of realistic API objects for the printer tests, in the shape a Kubernetes 1.35 API server returns them.

Times are given as seconds relative to `T0` (the instant the recordings in tests/data/k8s-1.35 were made around), so
a test can say "created 3 s before now". `at(s)` is the RFC 3339 string of T0 + s.
"""

from __future__ import annotations

from typing import Any

from kube_magics.timefmt import parse_rfc3339, rfc3339, rfc3339_micro

T0 = parse_rfc3339("2026-11-27T11:21:20Z")
Obj = dict[str, Any]


def at(seconds: float) -> str:
    return rfc3339(T0 + seconds)


def meta(name: str, *, namespace: str | None = "default", created: float = 0.0, labels: dict[str, str] | None = None,
         annotations: dict[str, str] | None = None, uid: str | None = None, owner: Obj | None = None) -> Obj:
    md: Obj = {"creationTimestamp": at(created), "name": name, "uid": uid or f"uid-{name}"}
    if namespace is not None:
        md["namespace"] = namespace
    if labels:
        md["labels"] = dict(labels)
    if annotations:
        md["annotations"] = dict(annotations)
    if owner is not None:
        md["ownerReferences"] = [{"apiVersion": owner["apiVersion"], "kind": owner["kind"],
                                  "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
                                  "controller": True, "blockOwnerDeletion": True}]
    return md


def container(name: str = "nginx", image: str = "nginx:1.20", *, port: int | None = None, **extra: Any) -> Obj:
    c: Obj = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent", "resources": {}, **extra}
    if port is not None:
        c["ports"] = [{"containerPort": port, "protocol": "TCP"}]
    return c


def running(name: str = "nginx", image: str = "nginx:1.20", *, started: float = 0.0, ready: bool = True,
            restarts: int = 0, last_terminated: Obj | None = None) -> Obj:
    return {"name": name, "image": image, "imageID": f"docker.io/library/{image}", "ready": ready,
            "restartCount": restarts, "started": True, "containerID": f"containerd://{name}",
            "state": {"running": {"startedAt": at(started)}},
            "lastState": {"terminated": last_terminated} if last_terminated else {}}


def waiting(name: str, reason: str, *, image: str = "nginx:1.20", restarts: int = 0,
            last_terminated: Obj | None = None) -> Obj:
    return {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": restarts, "started": False,
            "state": {"waiting": {"reason": reason}},
            "lastState": {"terminated": last_terminated} if last_terminated else {}}


def terminated(name: str, *, exit_code: int = 0, reason: str = "", started: float = 0.0, finished: float = 1.0,
               restarts: int = 0, image: str = "busybox:1.36", signal: int | None = None) -> Obj:
    state: Obj = {"exitCode": exit_code, "startedAt": at(started), "finishedAt": at(finished)}
    if reason:
        state["reason"] = reason
    if signal is not None:
        state["signal"] = signal
    return {"name": name, "image": image, "imageID": "", "ready": False, "restartCount": restarts, "started": False,
            "state": {"terminated": state}, "lastState": {}}


def pod(name: str, *, created: float = 0.0, node: str | None = "fake-node-2", ip: str | None = "10.244.0.22",
        phase: str = "Running", containers: list[Obj] | None = None, statuses: list[Obj] | None = None,
        labels: dict[str, str] | None = None, owner: Obj | None = None, namespace: str = "default",
        conditions: dict[str, str] | None = None, **status_extra: Any) -> Obj:
    containers = containers if containers is not None else [container(port=80)]
    if statuses is None:
        statuses = [running(c["name"], c["image"], started=created + 1) for c in containers] if phase == "Running" \
            else []
    ready = all(s.get("ready") for s in statuses) and bool(statuses)
    conds = conditions if conditions is not None else (
        {"PodScheduled": "True", "Initialized": "True", "ContainersReady": str(ready), "Ready": str(ready)}
        if node else {"PodScheduled": "False"})
    status: Obj = {"phase": phase, "conditions": [{"type": k, "status": v, "lastProbeTime": None,
                                                   "lastTransitionTime": at(created)} for k, v in conds.items()],
                   "qosClass": "BestEffort", **status_extra}
    if statuses:
        status["containerStatuses"] = statuses
    if node:
        status["hostIP"] = "172.18.0.2"
        status["startTime"] = at(created + 1)
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    spec: Obj = {"containers": containers, "restartPolicy": "Always", "serviceAccountName": "default",
                 "priority": 0}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": meta(name, namespace=namespace, created=created, labels=labels, owner=owner),
            "spec": spec, "status": status}


def template(labels: dict[str, str], containers: list[Obj]) -> Obj:
    return {"metadata": {"labels": dict(labels)},
            "spec": {"containers": containers, "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}}


def deployment(name: str, *, created: float = 0.0, replicas: int = 3, ready: int = 3, updated: int = 3,
               available: int = 3, labels: dict[str, str] | None = None, image: str = "nginx:1.20") -> Obj:
    sel = labels or {"app": "nginx"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, created=created),
            "spec": {"replicas": replicas, "selector": {"matchLabels": sel},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%",
                                                                             "maxUnavailable": "25%"}},
                     "template": template(sel, [container(image=image, port=80)])},
            "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": updated,
                       "availableReplicas": available}}


def replicaset(name: str, *, created: float = 0.0, replicas: int = 3, ready: int | None = None,
               owner: Obj | None = None, labels: dict[str, str] | None = None, revision: int | None = None,
               image: str = "nginx:1.20", change_cause: str = "") -> Obj:
    labels = labels or {"app": "nginx", "pod-template-hash": name.rsplit("-", 1)[-1]}
    annotations = {}
    if revision is not None:
        annotations["deployment.kubernetes.io/revision"] = str(revision)
    if change_cause:
        annotations["kubernetes.io/change-cause"] = change_cause
    ready = replicas if ready is None else ready
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta(name, created=created, labels=labels, annotations=annotations, owner=owner),
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": template(labels, [container(image=image, port=80)])},
            "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready}}


def service(name: str, *, kind: str = "ClusterIP", ip: str | None = "10.0.0.102", created: float = 0.0,
            ports: list[Obj] | None = None, selector: dict[str, str] | None = None, **spec_extra: Any) -> Obj:
    spec: Obj = {"type": kind, "sessionAffinity": "None", **spec_extra}
    if ip:
        spec.update({"clusterIP": ip, "clusterIPs": [ip], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                     "internalTrafficPolicy": "Cluster"})
    if ports is not None:
        spec["ports"] = ports
    if selector:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, created=created), "spec": spec,
            "status": {"loadBalancer": {}}}


def endpoint_slice(name: str, service: str, ips: list[str], *, port: int = 80, created: float = 0.0,
                   ready: bool = True) -> Obj:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": meta(name, created=created, labels={"kubernetes.io/service-name": service}),
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready}} for ip in ips],
            "ports": [{"name": "", "port": port, "protocol": "TCP"}]}


def node(name: str, *, created: float = 0.0, ready: str = "True", labels: dict[str, str] | None = None,
         unschedulable: bool = False, taints: list[Obj] | None = None, cpu: str = "4", memory: str = "8Gi") -> Obj:
    resources = {"cpu": cpu, "ephemeral-storage": "100Gi", "memory": memory, "pods": "110"}
    spec: Obj = {}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta(name, namespace=None, created=created, labels=labels),
            "spec": spec,
            "status": {"capacity": dict(resources), "allocatable": dict(resources),
                       "conditions": [{"type": "Ready", "status": ready, "reason": "KubeletReady",
                                       "message": "KubeletReady", "lastHeartbeatTime": at(created),
                                       "lastTransitionTime": at(created)}],
                       "addresses": [{"type": "Hostname", "address": name}],
                       "nodeInfo": {"kubeletVersion": "v1.35.0-fake", "kernelVersion": "fake", "osImage": "fake",
                                    "containerRuntimeVersion": "fake://0", "operatingSystem": "linux",
                                    "architecture": "amd64", "machineID": "", "systemUUID": "", "bootID": "",
                                    "kubeProxyVersion": ""}}}


def event(obj: Obj, reason: str, message: str, *, last: float, first: float | None = None, count: int = 1,
          kind: str = "Normal", source: str = "replicaset-controller", seq: int = 0) -> Obj:
    """A core/v1 event as client-go's recorder writes it (named `<object>.<hex nanoseconds>`)."""
    first = last if first is None else first
    md = obj["metadata"]
    return {"apiVersion": "v1", "kind": "Event", "count": count, "eventTime": None,
            "firstTimestamp": at(first), "lastTimestamp": at(last), "type": kind, "reason": reason,
            "message": message, "source": {"component": source}, "reportingComponent": source,
            "reportingInstance": "",
            "involvedObject": {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": md["name"],
                               "namespace": md.get("namespace", ""), "uid": md.get("uid", "")},
            "metadata": {"name": f"{md['name']}.{int((T0 + first) * 1e9) + seq:x}",
                         "namespace": md.get("namespace") or "default", "creationTimestamp": at(first)}}


def scheduler_event(pod_obj: Obj, reason: str, message: str, *, when: float, kind: str = "Normal") -> Obj:
    """An events.k8s.io event from the scheduler: eventTime only, no counts or timestamps."""
    md = pod_obj["metadata"]
    return {"apiVersion": "v1", "kind": "Event", "eventTime": rfc3339_micro(T0 + when), "firstTimestamp": None,
            "lastTimestamp": None, "type": kind, "reason": reason, "message": message, "source": {},
            "reportingComponent": "default-scheduler", "reportingInstance": "default-scheduler-fake",
            "action": "Scheduling",
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": md["name"],
                               "namespace": md["namespace"], "uid": md["uid"]},
            "metadata": {"name": f"{md['name']}.{int((T0 + when) * 1e9):x}", "namespace": md["namespace"],
                         "creationTimestamp": at(when)}}


class Cluster:
    """A list of objects answering `list(resource, namespace, selector, field_selector)` like a Backend."""

    def __init__(self, *objects: Obj) -> None:
        self.objects = list(objects)

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> list[Obj]:
        from kube_magics.kinds import resolve
        from kube_magics.selectors import matches_fields, parse, parse_field_selector

        kind = resolve(resource).kind
        found = [o for o in self.objects if o["kind"] == kind
                 and (namespace is None or o["metadata"].get("namespace") == namespace)]
        if selector:
            found = [o for o in found if parse(selector).matches(o["metadata"].get("labels"))]
        if field_selector:
            found = [o for o in found if matches_fields(o, parse_field_selector(field_selector))]
        return sorted(found, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
