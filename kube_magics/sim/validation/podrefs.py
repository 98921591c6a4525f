"""What a pod may ask of the downward API and of ConfigMap, Secret and projected volumes, validated as the API
server's `validateObjectFieldSelector`, `validateContainerResourceFieldSelector`, `validateDownwardAPIVolumeFile`
and `validateKeyToPath` do: so that a field path the kubelet could not resolve is refused when the pod is written,
as a real cluster refuses it, rather than failing when the container starts.
"""

from __future__ import annotations

from typing import Any

from kube_magics import quantity
from kube_magics.errors import Cause
from kube_magics.sim.validation.fields import as_dict, as_list, invalid, is_int, not_supported, required

ENV_FIELDS = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
              "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"]
VOLUME_FIELDS = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"]
# ConvertDownwardAPIFieldLabel: what can be converted at all (spec.host is the old name of spec.nodeName).
_CONVERTIBLE = frozenset({"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
                          "metadata.uid", "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName",
                          "spec.schedulerName", "status.phase", "status.hostIP", "status.hostIPs", "status.podIP",
                          "status.podIPs", "spec.host"})
RESOURCES = ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage",
             "requests.memory"]
_CPU_DIVISORS = frozenset({"1m", "1"})
_SIZE_DIVISORS = frozenset({"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"})
FILE_MODE = "must be a number between 0 and 0777 (octal), both inclusive"


def field_selector(fs: dict[str, Any], allowed: list[str], path: str) -> list[Cause]:
    """A `fieldRef`: a path the downward API can convert, and one allowed where it is used."""
    if not fs.get("apiVersion"):
        return [required(f"{path}.apiVersion")]
    field_path = fs.get("fieldPath")
    if not field_path:
        return [required(f"{path}.fieldPath")]
    text = str(field_path)
    head, sep, _ = text.partition("['")
    if sep and text.endswith("']"):
        if head not in ("metadata.annotations", "metadata.labels"):
            return [invalid(f"{path}.fieldPath", text,
                            f"error converting fieldPath: field label does not support subscript: {text}")]
        return []
    if text not in _CONVERTIBLE:
        return [invalid(f"{path}.fieldPath", text, f"error converting fieldPath: field label not supported: {text}")]
    internal = "spec.nodeName" if text == "spec.host" else text
    if internal not in allowed:
        return [not_supported(f"{path}.fieldPath", internal, allowed)]
    return []


def resource_selector(rs: dict[str, Any], path: str, *, volume: bool) -> list[Cause]:
    """A `resourceFieldRef`: a container's requests or limits (the container named, in a volume)."""
    resource = rs.get("resource")
    if volume and not rs.get("containerName"):
        causes = [required(f"{path}.containerName")]
    elif not resource:
        causes = [required(f"{path}.resource")]
    elif resource not in RESOURCES and not str(resource).startswith(("requests.hugepages-", "limits.hugepages-")):
        causes = [not_supported(f"{path}.resource", resource, RESOURCES)]
    else:
        causes = []
    divisor = rs.get("divisor")
    if divisor is None or not quantity.is_valid(divisor) or quantity.parse(divisor)[0] == 0:
        return causes
    canonical = quantity.canonical(divisor)
    if resource in ("limits.cpu", "requests.cpu") and canonical not in _CPU_DIVISORS:
        causes.append(invalid(f"{path}.divisor", resource,
                              "only divisor's values 1m and 1 are supported with the cpu resource"))
    elif resource in ("limits.memory", "requests.memory") and canonical not in _SIZE_DIVISORS:
        causes.append(invalid(f"{path}.divisor", resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, "
                                                          "1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory "
                                                          "resource"))
    return causes


def local_path(value: Any, path: str) -> list[Cause]:
    """`ValidateLocalNonReservedPath`: relative, no `..` element, not starting with `..`."""
    text = str(value)
    causes = []
    if text.startswith("/"):
        causes.append(invalid(path, text, "must be a relative path"))
    if ".." in text.split("/"):
        causes.append(invalid(path, text, "must not contain '..'"))
    elif text.startswith(".."):
        causes.append(invalid(path, text, "must not start with '..'"))
    return causes


def _mode(item: dict[str, Any], path: str) -> list[Cause]:
    mode = item.get("mode")
    if is_int(mode) and not 0 <= mode <= 0o777:
        return [invalid(f"{path}.mode", mode, FILE_MODE)]
    return []


def key_to_path_items(items: Any, path: str) -> list[Cause]:
    """The `items` of a ConfigMap or Secret volume (or projection): key and path given, the path inside."""
    causes: list[Cause] = []
    for j, item in enumerate(as_list(items)):
        item, here = as_dict(item), f"{path}[{j}]"
        if not item.get("key"):
            causes.append(required(f"{here}.key"))
        if not item.get("path"):
            causes.append(required(f"{here}.path"))
        else:
            causes += local_path(item["path"], f"{here}.path")
        causes += _mode(item, here)
    return causes


def downward_items(items: Any, path: str) -> list[Cause]:
    """The files of a downward API volume (or projection)."""
    causes: list[Cause] = []
    for j, item in enumerate(as_list(items)):
        item, here = as_dict(item), f"{path}[{j}]"
        if not item.get("path"):
            causes.append(required(f"{here}.path"))
        else:
            causes += local_path(item["path"], f"{here}.path")
        if isinstance(item.get("fieldRef"), dict):
            causes += field_selector(item["fieldRef"], VOLUME_FIELDS, f"{here}.fieldRef")
            if item.get("resourceFieldRef") is not None:
                causes.append(invalid(here, "resource", "fieldRef and resourceFieldRef can not be specified "
                                                        "simultaneously"))
        elif isinstance(item.get("resourceFieldRef"), dict):
            causes += resource_selector(item["resourceFieldRef"], f"{here}.resourceFieldRef", volume=True)
        else:
            causes.append(required(here, "one of fieldRef and resourceFieldRef is required"))
        causes += _mode(item, here)
    return causes


def projected_sources(sources: Any, path: str) -> list[Cause]:
    """Each source of a projected volume: its items, checked as the volume of its kind checks them."""
    causes: list[Cause] = []
    for i, source in enumerate(as_list(sources)):
        source, here = as_dict(source), f"{path}.sources[{i}]"
        for kind in ("configMap", "secret"):
            if isinstance(source.get(kind), dict):
                if not source[kind].get("name"):
                    causes.append(required(f"{here}.{kind}.name"))
                causes += key_to_path_items(source[kind].get("items"), f"{here}.{kind}.items")
        if isinstance(source.get("downwardAPI"), dict):
            causes += downward_items(source["downwardAPI"].get("items"), f"{here}.downwardAPI.items")
    return causes
