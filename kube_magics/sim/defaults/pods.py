"""Defaults of Pods and pod templates (`SetDefaults_Pod`, `SetDefaults_PodSpec`, `SetDefaults_Container`, the
volume sources'), and the helpers every kind's defaulting shares.
"""

from __future__ import annotations

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


def child(parent: Obj, key: str) -> Obj | None:
    """`parent[key]` when it is a mapping (defaulting runs on decoded input, so nothing else is assumed)."""
    value = parent.get(key)
    return value if isinstance(value, dict) else None


def children(parent: Obj, key: str) -> list[Obj]:
    """The mappings in the list `parent[key]`."""
    value = parent.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def canonical_quantities(values: Any) -> None:
    """Rewrite a ResourceList's quantities in canonical form, in place."""
    if isinstance(values, dict):
        for k, v in list(values.items()):
            if quantity.is_valid(v):
                values[k] = quantity.canonical(v)


def _probe(probe: Obj | None) -> None:
    if not probe:
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    http = child(probe, "httpGet")
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
    for p in children(c, "ports"):
        p.setdefault("protocol", "TCP")
        if host_network and not p.get("hostPort"):
            p["hostPort"] = p.get("containerPort")
    for env in children(c, "env"):
        field_ref = child(child(env, "valueFrom") or {}, "fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(child(c, name))
    for hook in ("postStart", "preStop"):
        http = child(child(child(c, "lifecycle") or {}, hook) or {}, "httpGet")
        if http is not None:
            http.setdefault("path", "/")
            http.setdefault("scheme", "HTTP")


def _volumes(spec: Obj) -> None:
    for v in children(spec, "volumes"):
        for src in ("configMap", "secret", "downwardAPI", "projected"):
            source = child(v, src)
            if source is not None:
                source.setdefault("defaultMode", 420)
        for item in children(child(v, "downwardAPI") or {}, "items"):
            ref = child(item, "fieldRef")
            if ref is not None:
                ref.setdefault("apiVersion", "v1")
        for source in children(child(v, "projected") or {}, "sources"):
            token = child(source, "serviceAccountToken")
            if token is not None:
                token.setdefault("expirationSeconds", 3600)
        host = child(v, "hostPath")
        if host is not None:
            host.setdefault("type", "")
        empty = child(v, "emptyDir")
        if empty is not None and "sizeLimit" in empty and quantity.is_valid(empty["sizeLimit"]):
            empty["sizeLimit"] = quantity.canonical(empty["sizeLimit"])
        if not any(k for k in v if k != "name"):
            v["emptyDir"] = {}


def pod_spec(spec: Obj, *, template: bool = False) -> None:
    """SetDefaults_PodSpec, shared by Pods and pod templates (a template gets no enableServiceLinks)."""
    # Host ports follow container ports on the host network, for Pods (templates keep theirs since 1.28).
    host_network = spec.get("hostNetwork") is True and not template
    for group in ("initContainers", "containers"):
        for c in children(spec, group):
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


def template(spec: Obj) -> None:
    tmpl = child(spec, "template")
    if tmpl is not None:
        tmpl.setdefault("metadata", {})
        inner = child(tmpl, "spec")
        if inner is not None:
            pod_spec(inner, template=True)


def pod(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    # SetDefaults_Pod: requests default to limits, on Pods only (a template keeps what it says).
    for group in ("initContainers", "containers"):
        for c in children(spec, group):
            resources = child(c, "resources")
            limits = child(resources, "limits") if resources is not None else None
            if resources is not None and limits:
                requests = resources.setdefault("requests", {})
                for k, v in limits.items():
                    requests.setdefault(k, v)
    pod_spec(spec)


