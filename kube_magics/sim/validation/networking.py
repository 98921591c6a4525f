"""Ingresses (networking.k8s.io/v1), validated as `pkg/apis/networking/validation` does: a default backend or
rules, each path absolute with a pathType, each backend a service (name and port) or a resource.
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import Cause
from kube_magics.sim.validation.fields import (
    as_dict,
    as_list,
    dns1035_label,
    dns1123_subdomain,
    invalid,
    not_supported,
    port_name,
    port_num,
    required,
)

Obj = dict[str, Any]

_PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]


def ingress(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes: list[Cause] = []
    if spec.get("defaultBackend") is None and not spec.get("rules"):
        causes.append(invalid("spec", spec, "either `defaultBackend` or `rules` must be specified"))
    if spec.get("defaultBackend") is not None:
        causes += _backend(as_dict(spec.get("defaultBackend")), "spec.defaultBackend")
    for i, rule in enumerate(as_list(spec.get("rules"))):
        rule = as_dict(rule)
        here = f"spec.rules[{i}]"
        host = rule.get("host")
        if isinstance(host, str) and host:
            bare = host[2:] if host.startswith("*.") else host
            causes += [invalid(f"{here}.host", host, m) for m in dns1123_subdomain(bare)]
        for j, path in enumerate(as_list(as_dict(rule.get("http")).get("paths"))):
            causes += _path(as_dict(path), f"{here}.http.paths[{j}]")
    return causes


def _path(path: Obj, here: str) -> list[Cause]:
    causes: list[Cause] = []
    kind = path.get("pathType")
    if not kind:
        causes.append(required(f"{here}.pathType", "pathType must be specified"))
    elif kind not in _PATH_TYPES:
        causes.append(not_supported(f"{here}.pathType", kind, _PATH_TYPES))
    value = path.get("path")
    if kind in ("Exact", "Prefix") and (not isinstance(value, str) or not value.startswith("/")):
        causes.append(invalid(f"{here}.path", value or "", "must be an absolute path"))
    return causes + _backend(as_dict(path.get("backend")), f"{here}.backend")


def _backend(backend: Obj, here: str) -> list[Cause]:
    service, resource = backend.get("service"), backend.get("resource")
    if service is None and resource is None:
        return [invalid(here, "", "resource or service required")]
    if service is None:
        return []
    service = as_dict(service)
    causes: list[Cause] = []
    name = service.get("name")
    if not name:
        causes.append(required(f"{here}.service.name"))
    else:
        causes += [invalid(f"{here}.service.name", name, m) for m in dns1035_label(name)]
    port = as_dict(service.get("port"))
    if port.get("name") and port.get("number"):
        causes.append(invalid(f"{here}.service.port", port, "cannot set both port name & port number"))
    elif port.get("name"):
        causes += [invalid(f"{here}.service.port.name", port["name"], m) for m in port_name(port["name"])]
    elif port.get("number") is not None:
        causes += [invalid(f"{here}.service.port.number", port["number"], m) for m in port_num(port["number"])]
    else:
        causes.append(invalid(f"{here}.service.port", port, "port name or number is required"))
    return causes
