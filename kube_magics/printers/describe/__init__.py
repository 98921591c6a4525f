"""`kubectl describe`: `describe(obj, now=..., related=cluster)` returns exactly what kubectl prints.

`related` is anything with kubectl-like `list(resource, namespace, selector, field_selector)` (a SimCluster, any
Backend). Through it the describers fetch what kubectl's describers fetch: the events about the object (by
involvedObject name, namespace, kind and uid), a Deployment's ReplicaSets, the pods a controller owns, the
non-terminated pods on a node and its Lease, a Service's EndpointSlices, a Namespace's quotas and limit ranges.
Without `related` the output has no Events section and counts nothing it cannot see.

Kinds without a describer of their own get kubectl's generic one. Secrets show sizes, never values.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kube_magics.printers.describe import autoscaling, cluster, network, pods, workloads
from kube_magics.printers.describe.common import Related, search_events
from kube_magics.printers.describe.containers import pod_template
from kube_magics.printers.describe.writer import PrefixWriter
from kube_magics.printers.util import as_epoch, meta, selector_string

Obj = Mapping[str, Any]

__all__ = ["Related", "describe", "describe_many", "pod_template_text"]


def _ns(obj: Obj) -> str:
    return str(meta(obj).get("namespace") or "default")


def _list(related: Related | None, resource: str, namespace: str | None, **kw: Any) -> list[dict[str, Any]] | None:
    return None if related is None else related.list(resource, namespace, **kw)


def _owned_pods(obj: Obj, related: Related | None) -> list[dict[str, Any]] | None:
    selector = (obj.get("spec") or {}).get("selector")
    text = selector_string(selector) if obj.get("kind") != "ReplicationController" else \
        ",".join(f"{k}={v}" for k, v in sorted((selector or {}).items()))
    return _list(related, "pods", _ns(obj), selector=text or None)


def _node(obj: Obj, related: Related | None, events: bool, now: float) -> str:
    name = str(meta(obj).get("name", ""))
    pods_on_node = _list(related, "pods", None,
                         field_selector=f"spec.nodeName={name},status.phase!=Succeeded,status.phase!=Failed")
    leases = _list(related, "leases", "kube-node-lease", field_selector=f"metadata.name={name}") or []
    found = None
    if events and related is not None:
        found = (search_events(related, obj) or []) + (search_events(related, obj, uid=name) or [])
    return cluster.describe_node(obj, pods_on_node, leases[0] if leases else None, found, now)


def _with_events(fn: Callable[[Obj, Any, float], str]) -> Callable[[Obj, Related | None, bool, float], str]:
    def run(obj: Obj, related: Related | None, events: bool, now: float) -> str:
        return fn(obj, search_events(related, obj) if events else None, now)

    return run


def _pod(obj: Obj, related: Related | None, events: bool, now: float) -> str:
    mirror = (meta(obj).get("annotations") or {}).get("kubernetes.io/config.mirror")
    found = search_events(related, obj, with_kind=False, uid=mirror) if events else None
    return pods.describe_pod(obj, found, now)


def _controller(fn: Callable[[Obj, Any, Any, float], str]) -> Callable[[Obj, Related | None, bool, float], str]:
    def run(obj: Obj, related: Related | None, events: bool, now: float) -> str:
        return fn(obj, _owned_pods(obj, related), search_events(related, obj) if events else None, now)

    return run


def _deployment(obj: Obj, related: Related | None, events: bool, now: float) -> str:
    selector = selector_string((obj.get("spec") or {}).get("selector"))
    replicasets = _list(related, "replicasets", _ns(obj), selector=selector or None)
    return workloads.describe_deployment(obj, replicasets, search_events(related, obj) if events else None, now)


def _service(obj: Obj, related: Related | None, events: bool, now: float) -> str:
    slices = _list(related, "endpointslices", _ns(obj),
                   selector=f"kubernetes.io/service-name={meta(obj).get('name', '')}") or []
    return network.describe_service(obj, slices, search_events(related, obj) if events else None, now)


def _namespace(obj: Obj, related: Related | None, events: bool, now: float) -> str:
    name = str(meta(obj).get("name", ""))
    return cluster.describe_namespace(obj, _list(related, "resourcequotas", name),
                                      _list(related, "limitranges", name))


DESCRIBERS: dict[str, Callable[[Obj, Related | None, bool, float], str]] = {
    "Pod": _pod,
    "Deployment": _deployment,
    "ReplicaSet": _controller(workloads.describe_replicaset),
    "ReplicationController": _controller(workloads.describe_replicaset),
    "DaemonSet": _controller(workloads.describe_daemonset),
    "StatefulSet": _controller(workloads.describe_statefulset),
    "Job": _with_events(workloads.describe_job),
    "CronJob": _with_events(workloads.describe_cronjob),
    "Service": _service,
    "Endpoints": _with_events(network.describe_endpoints),
    "ConfigMap": _with_events(network.describe_configmap),
    "Secret": lambda obj, related, events, now: network.describe_secret(obj),
    "Node": _node,
    "Namespace": _namespace,
    "ResourceQuota": lambda obj, related, events, now: cluster.describe_resourcequota(obj),
    "LimitRange": lambda obj, related, events, now: cluster.describe_limitrange(obj),
    "ServiceAccount": _with_events(cluster.describe_serviceaccount),
    "HorizontalPodAutoscaler": _with_events(autoscaling.describe_hpa),
}


def describe(obj: Obj, *, now: float | datetime, related: Related | None = None, show_events: bool = True) -> str:
    """What `kubectl describe KIND NAME` prints for `obj`."""
    fn = DESCRIBERS.get(str(obj.get("kind", "")), _with_events(autoscaling.describe_generic))
    return fn(obj, related, show_events and related is not None, as_epoch(now))


def describe_many(objects: Sequence[Obj], *, now: float | datetime, related: Related | None = None,
                  show_events: bool = True, namespace: str = "default", all_namespaces: bool = False,
                  prefix: str | None = None) -> str:
    """`kubectl describe TYPE [NAME_PREFIX]`: each object described, separated by a blank line.

    With `prefix` (kubectl's fallback when no object has exactly that name) only the objects whose name starts
    with it are described, each followed by a newline, as kubectl prints them then.
    """
    if prefix is not None:
        matching = [o for o in objects if str(meta(o).get("name", "")).startswith(prefix)]
        return "".join(describe(o, now=now, related=related, show_events=show_events) + "\n" for o in matching)
    if not objects:
        return "No resources found\n" if all_namespaces else f"No resources found in {namespace} namespace.\n"
    return "\n\n".join(describe(o, now=now, related=related, show_events=show_events) for o in objects)


def pod_template_text(template: Obj | None) -> str:
    """The pod template as `rollout history --revision=N` prints it: kubectl's describer, tabs left as tabs."""
    w = PrefixWriter()
    pod_template(template, w)
    return w.raw()
