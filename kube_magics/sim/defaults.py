"""API-server defaulting: the fields Kubernetes fills in when an object is written (`SetDefaults_*`).

Each function takes an object (already a private copy) and fills in defaults in place, exactly the fields and
values a Kubernetes 1.35 API server adds (see `kubectl get -o yaml` in the reference transcripts): a Pod's
`imagePullPolicy`, `terminationMessagePath`, `dnsPolicy`, a Deployment's `strategy`, `revisionHistoryLimit`, a
Service's `sessionAffinity` and `internalTrafficPolicy`, and so on. Quantities are written in their canonical
form (`0.5` is stored as `500m`), as the API server serialises them. Defaults are per type: a Pod gets
`enableServiceLinks` and requests copied from limits, a pod template does not; a CronJob's job template gets the
pod template's defaults but not a Job's.

Also here, because they are the same field-filling: the selector and labels the API server generates for a Job
(`generate_job_selector`, which needs the Job's uid) and the conversions between HorizontalPodAutoscaler v1 and
v2 (`hpa_as_v2`, `hpa_as_v1`). Admission plugins (service account volume, default tolerations, priority) are in
`admission.py`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from kube_magics import quantity

Obj = dict[str, Any]


def image_pull_policy(image: str) -> str:
    """`Always` for `:latest` or an untagged image, else `IfNotPresent` (digests count as tags; no image at all,
    which validation refuses, gets `IfNotPresent` as the API server's parser leaves it no tag)."""
    if "@" in image or not image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def _dict(parent: Obj, key: str) -> Obj | None:
    value = parent.get(key)
    return value if isinstance(value, dict) else None


def _dicts(parent: Obj, key: str) -> list[Obj]:
    value = parent.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def canonical_quantities(values: Any) -> None:
    """Rewrite a ResourceList's quantities in canonical form, in place."""
    if isinstance(values, dict):
        for k, v in list(values.items()):
            if quantity.is_valid(v):
                values[k] = quantity.canonical(v)


# --- pods -------------------------------------------------------------------------------------------------------


def _probe(probe: Obj | None) -> None:
    if not probe:
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    http = _dict(probe, "httpGet")
    if http is not None:
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")


def _container(c: Obj, *, host_network: bool) -> None:
    image = c.get("image")
    c.setdefault("imagePullPolicy", image_pull_policy(image if isinstance(image, str) else ""))
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    resources = c.setdefault("resources", {})
    if isinstance(resources, dict):
        canonical_quantities(resources.get("limits"))
        canonical_quantities(resources.get("requests"))
    for p in _dicts(c, "ports"):
        p.setdefault("protocol", "TCP")
        if host_network and not p.get("hostPort"):
            p["hostPort"] = p.get("containerPort")
    for env in _dicts(c, "env"):
        field_ref = _dict(_dict(env, "valueFrom") or {}, "fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(_dict(c, name))
    for hook in ("postStart", "preStop"):
        http = _dict(_dict(_dict(c, "lifecycle") or {}, hook) or {}, "httpGet")
        if http is not None:
            http.setdefault("path", "/")
            http.setdefault("scheme", "HTTP")


def _volumes(spec: Obj) -> None:
    for v in _dicts(spec, "volumes"):
        for src in ("configMap", "secret", "downwardAPI", "projected"):
            source = _dict(v, src)
            if source is not None:
                source.setdefault("defaultMode", 420)
        for item in _dicts(_dict(v, "downwardAPI") or {}, "items"):
            ref = _dict(item, "fieldRef")
            if ref is not None:
                ref.setdefault("apiVersion", "v1")
        for source in _dicts(_dict(v, "projected") or {}, "sources"):
            token = _dict(source, "serviceAccountToken")
            if token is not None:
                token.setdefault("expirationSeconds", 3600)
        host = _dict(v, "hostPath")
        if host is not None:
            host.setdefault("type", "")
        empty = _dict(v, "emptyDir")
        if empty is not None and "sizeLimit" in empty and quantity.is_valid(empty["sizeLimit"]):
            empty["sizeLimit"] = quantity.canonical(empty["sizeLimit"])
        if not any(k for k in v if k != "name"):
            v["emptyDir"] = {}


def pod_spec(spec: Obj, *, template: bool = False) -> None:
    """SetDefaults_PodSpec, shared by Pods and pod templates (a template gets no enableServiceLinks)."""
    # Host ports follow container ports on the host network, for Pods (templates keep theirs since 1.28).
    host_network = spec.get("hostNetwork") is True and not template
    for group in ("initContainers", "containers"):
        for c in _dicts(spec, group):
            _container(c, host_network=host_network)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    spec.setdefault("terminationGracePeriodSeconds", 30)
    if "serviceAccountName" in spec and "serviceAccount" not in spec:
        spec["serviceAccount"] = spec["serviceAccountName"]
    canonical_quantities(spec.get("overhead"))
    _volumes(spec)
    if not template:
        spec.setdefault("enableServiceLinks", True)


def _template(spec: Obj) -> None:
    tmpl = _dict(spec, "template")
    if tmpl is not None:
        tmpl.setdefault("metadata", {})
        inner = _dict(tmpl, "spec")
        if inner is not None:
            pod_spec(inner, template=True)


def pod(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    # SetDefaults_Pod: requests default to limits, on Pods only (a template keeps what it says).
    for group in ("initContainers", "containers"):
        for c in _dicts(spec, group):
            resources = _dict(c, "resources")
            limits = _dict(resources, "limits") if resources is not None else None
            if resources is not None and limits:
                requests = resources.setdefault("requests", {})
                for k, v in limits.items():
                    requests.setdefault(k, v)
    pod_spec(spec)


# --- workloads --------------------------------------------------------------------------------------------------


def deployment(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = strategy["rollingUpdate"] = {}
        ru.setdefault("maxUnavailable", "25%")
        ru.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _template(spec)


def replicaset(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _template(spec)


def daemonset(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = strategy["rollingUpdate"] = {}
        ru.setdefault("maxUnavailable", 1)
        ru.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    _template(spec)


def statefulset(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {})
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        if not isinstance(strategy.get("rollingUpdate"), dict):
            strategy["rollingUpdate"] = {}
    rolling = _dict(strategy, "rollingUpdate")
    if strategy["type"] == "RollingUpdate" and rolling is not None:
        rolling.setdefault("partition", 0)
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    for claim in _dicts(spec, "volumeClaimTemplates"):
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        pvc(claim)
    _template(spec)


def job(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1  # a non-parallel Job; with only parallelism set it is a work queue
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 2**31 - 1 if spec.get("backoffLimitPerIndex") is not None else 6)
    labels = (_dict(_dict(spec, "template") or {}, "metadata") or {}).get("labels")
    meta = obj.setdefault("metadata", {})
    if labels and not meta.get("labels"):
        meta["labels"] = dict(labels)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed")
    spec.setdefault("manualSelector", False)
    _template(spec)


def generate_job_selector(obj: Obj, uid: str) -> None:
    """What the API server adds to a new Job whose selector is not manual: the job-name and controller-uid labels
    on its pod template, a selector on the controller-uid, and the template's labels on the Job itself when it has
    none (workloads.txt shows all four labels). Call with the uid the Job will be stored with."""
    spec = obj.setdefault("spec", {})
    if spec.get("manualSelector") is True:
        return
    name = obj["metadata"]["name"]
    tmpl = spec.setdefault("template", {})
    tmeta = tmpl.setdefault("metadata", {})
    labels = tmeta.get("labels") if isinstance(tmeta.get("labels"), dict) else {}
    for key, value in (("batch.kubernetes.io/controller-uid", uid), ("batch.kubernetes.io/job-name", name),
                       ("controller-uid", uid), ("job-name", name)):
        labels.setdefault(key, value)
    tmeta["labels"] = dict(sorted(labels.items()))
    selector = spec.setdefault("selector", {})
    selector.setdefault("matchLabels", {}).setdefault("batch.kubernetes.io/controller-uid", uid)
    if not obj["metadata"].get("labels"):
        obj["metadata"]["labels"] = dict(tmeta["labels"])


def cronjob(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    jt = _dict(spec, "jobTemplate")
    if jt is not None:
        # A JobTemplateSpec is not a Job: only its pod template is defaulted.
        jt.setdefault("metadata", {})
        _template(jt.setdefault("spec", {}))


# --- services, config, namespaces, storage, policy ---------------------------------------------------------


def service(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    spec.setdefault("type", "ClusterIP")
    for p in _dicts(spec, "ports"):
        p.setdefault("protocol", "TCP")
        if p.get("targetPort") in (None, 0, ""):
            p["targetPort"] = p.get("port")
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and spec.get("externalIPs")):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def secret(obj: Obj) -> None:
    """Type Opaque; `stringData` folded into base64 `data` (it is write-only: the API never returns it)."""
    obj.setdefault("type", "Opaque")
    plain = obj.pop("stringData", None)
    if isinstance(plain, dict) and plain:
        data: Obj = obj["data"] if isinstance(obj.get("data"), dict) else {}
        for key, value in plain.items():
            text = value if isinstance(value, str) else ""
            data[key] = base64.b64encode(text.encode("utf-8")).decode("ascii")
        obj["data"] = data


def namespace(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("finalizers", ["kubernetes"])
    meta = obj.setdefault("metadata", {})
    name = meta.get("name")
    if isinstance(name, str) and name:
        labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
        labels["kubernetes.io/metadata.name"] = name
        meta["labels"] = labels


def pvc(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("volumeMode", "Filesystem")
    resources = _dict(spec, "resources")
    if resources is not None:
        canonical_quantities(resources.get("requests"))
        canonical_quantities(resources.get("limits"))
    status = obj.setdefault("status", {})
    if isinstance(status, dict):
        status.setdefault("phase", "Pending")


def resource_quota(obj: Obj) -> None:
    spec = _dict(obj, "spec")
    if spec is not None:
        canonical_quantities(spec.get("hard"))


def limit_range(obj: Obj) -> None:
    """SetDefaults_LimitRangeItem: a container's default limit is its max, its default request its default
    limit, else its min."""
    for item in _dicts(obj.setdefault("spec", {}), "limits"):
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            canonical_quantities(item.get(key))
        if item.get("type") != "Container":
            continue
        default = dict(item.get("default") or {})
        request = dict(item.get("defaultRequest") or {})
        for k, v in (item.get("max") or {}).items():
            default.setdefault(k, v)
        for k, v in default.items():
            request.setdefault(k, v)
        for k, v in (item.get("min") or {}).items():
            request.setdefault(k, v)
        if default:
            item["default"] = default
        if request:
            item["defaultRequest"] = request


# --- autoscaling ------------------------------------------------------------------------------------------------

_SCALE_UP = {"policies": [{"periodSeconds": 15, "type": "Pods", "value": 4},
                          {"periodSeconds": 15, "type": "Percent", "value": 100}],
             "selectPolicy": "Max", "stabilizationWindowSeconds": 0}
_SCALE_DOWN = {"policies": [{"periodSeconds": 15, "type": "Percent", "value": 100}], "selectPolicy": "Max"}


def hpa(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("minReplicas", 1)
    if obj.get("apiVersion") == "autoscaling/v1":
        return
    if not spec.get("metrics"):
        spec["metrics"] = [_cpu_metric(80)]
    for metric in _dicts(spec, "metrics"):
        for source in metric.values():
            target = _dict(source, "target") if isinstance(source, dict) else None
            if target is not None:
                for key in ("value", "averageValue"):
                    if key in target and quantity.is_valid(target[key]):
                        target[key] = quantity.canonical(target[key])
    behavior = _dict(spec, "behavior")
    if behavior is not None:
        for key, default in (("scaleUp", _SCALE_UP), ("scaleDown", _SCALE_DOWN)):
            given = _dict(behavior, key) or {}
            rules = {k: v for k, v in default.items()}
            rules.update({k: v for k, v in given.items() if v is not None})
            behavior[key] = {k: (list(v) if isinstance(v, list) else v) for k, v in rules.items()}


def _cpu_metric(utilization: int) -> Obj:
    return {"resource": {"name": "cpu", "target": {"averageUtilization": utilization, "type": "Utilization"}},
            "type": "Resource"}


def hpa_as_v2(obj: Obj) -> Obj:
    """An autoscaling/v1 HPA as the API serves it through autoscaling/v2 (a new dict; v2 objects are returned
    as they are): targetCPUUtilizationPercentage becomes a Resource metric (80% when unset)."""
    if obj.get("apiVersion") != "autoscaling/v1":
        return obj
    spec = dict(obj.get("spec") or {})
    target = spec.pop("targetCPUUtilizationPercentage", None)
    spec["metrics"] = [_cpu_metric(target if isinstance(target, int) else 80)]
    spec.setdefault("minReplicas", 1)
    out = {**obj, "apiVersion": "autoscaling/v2", "spec": spec}
    status = obj.get("status")
    if isinstance(status, dict):
        new_status = {k: v for k, v in status.items() if k != "currentCPUUtilizationPercentage"}
        current = status.get("currentCPUUtilizationPercentage")
        if current is not None:
            new_status["currentMetrics"] = [{"resource": {"current": {"averageUtilization": current},
                                                          "name": "cpu"}, "type": "Resource"}]
        out["status"] = new_status
    return out


def hpa_as_v1(obj: Obj) -> Obj:
    """An autoscaling/v2 HPA as autoscaling/v1 shows it: its CPU utilization target, if it has one."""
    if obj.get("apiVersion") == "autoscaling/v1":
        return obj
    spec = dict(obj.get("spec") or {})
    metrics = spec.pop("metrics", None) or []
    spec.pop("behavior", None)
    for metric in metrics:
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu":
            utilization = (resource.get("target") or {}).get("averageUtilization")
            if utilization is not None:
                spec["targetCPUUtilizationPercentage"] = utilization
    out = {**obj, "apiVersion": "autoscaling/v1", "spec": spec}
    status = obj.get("status")
    if isinstance(status, dict):
        new_status = {k: v for k, v in status.items() if k in ("currentReplicas", "desiredReplicas",
                                                                 "lastScaleTime", "observedGeneration")}
        for metric in status.get("currentMetrics") or []:
            current = ((metric.get("resource") or {}).get("current") or {}).get("averageUtilization")
            if metric.get("type") == "Resource" and current is not None:
                new_status["currentCPUUtilizationPercentage"] = current
        out["status"] = new_status
    return out


DEFAULTERS: dict[str, Callable[[Obj], None]] = {
    "Pod": pod,
    "Deployment": deployment,
    "ReplicaSet": replicaset,
    "DaemonSet": daemonset,
    "StatefulSet": statefulset,
    "Job": job,
    "CronJob": cronjob,
    "Service": service,
    "Secret": secret,
    "Namespace": namespace,
    "HorizontalPodAutoscaler": hpa,
    "PersistentVolumeClaim": pvc,
    "ResourceQuota": resource_quota,
    "LimitRange": limit_range,
}


def apply_defaults(obj: Obj) -> None:
    """Fill in the API server's defaults for `obj`'s kind, in place."""
    fn = DEFAULTERS.get(obj.get("kind", ""))
    if fn is not None:
        fn(obj)
