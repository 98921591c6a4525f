"""The core API group (`v1`): Pods (and what may change in one), ConfigMaps, Secrets, PersistentVolumeClaims,
ResourceQuotas and LimitRanges, validated as kube-apiserver's `pkg/apis/core/validation` does.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from kube_magics import quantity
from kube_magics.errors import Cause
from kube_magics.sim.validation.fields import (
    Bare,
    as_dict,
    as_list,
    config_map_key,
    forbidden,
    immutable,
    invalid,
    not_supported,
    required,
    too_long,
)
from kube_magics.sim.validation.pods import validate_pod_spec

Obj = dict[str, Any]

MAX_SECRET_SIZE = 1024 * 1024
POD_UPDATABLE = ("`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                 "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                 "(allow it to be set to 1 if it was previously negative)")


# --- Pod ------------------------------------------------------------------------------------------------------


def pod(obj: Obj, old: Obj | None) -> list[Cause]:
    causes = validate_pod_spec(obj.get("spec"), "spec")
    if old is not None:
        causes += pod_update(as_dict(obj.get("spec")), as_dict(old.get("spec")))
    return causes


def pod_update(new: Obj, old: Obj) -> list[Cause]:
    """Only images, activeDeadlineSeconds and added tolerations may change in a running pod's spec."""
    causes: list[Cause] = []
    old_tols = [_without_seconds(t) for t in as_list(old.get("tolerations"))]
    new_tols = [_without_seconds(t) for t in as_list(new.get("tolerations"))]
    if any(t not in new_tols for t in old_tols):
        causes.append(forbidden("spec.tolerations", "existing toleration can not be modified except its "
                                                    "tolerationSeconds"))
    munged = dict(new)
    for group in ("containers", "initContainers"):
        mine, theirs = as_list(new.get(group)), as_list(old.get(group))
        if group in new and len(mine) == len(theirs):
            munged[group] = [{**as_dict(c), "image": as_dict(o).get("image")} for c, o in zip(mine, theirs)]
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        if key in old:
            munged[key] = old[key]
        else:
            munged.pop(key, None)
    if munged != old:
        changes = "\n".join(_diff(old, munged, "spec"))
        causes.append(forbidden("spec", f"pod updates may not change fields other than {POD_UPDATABLE}\n{changes}"))
    return causes


def _without_seconds(tol: Any) -> Any:
    return {k: v for k, v in tol.items() if k != "tolerationSeconds"} if isinstance(tol, dict) else tol


def _diff(old: Any, new: Any, path: str) -> list[str]:
    """The changed fields, as `- old` / `+ new` lines under each path."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                out += _diff(old.get(key), new.get(key), f"{path}.{key}")
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [line for i, (a, b) in enumerate(zip(old, new)) for line in _diff(a, b, f"{path}[{i}]")]
    show = (lambda v: json.dumps(v, sort_keys=True, separators=(",", ":")))  # noqa: E731
    return [f"  {path}:", f"-   {show(old)}", f"+   {show(new)}"]


# --- ConfigMap and Secret ---------------------------------------------------------------------------------------


def config_map(obj: Obj, old: Obj | None) -> list[Cause]:
    causes: list[Cause] = []
    if old is not None and old.get("immutable") is True:
        if obj.get("immutable") is not True:
            causes.append(forbidden("immutable", "field is immutable when `immutable` is set"))
        for key in ("data", "binaryData"):
            if (obj.get(key) or {}) != (old.get(key) or {}):
                causes.append(forbidden(key, "field is immutable when `immutable` is set"))
    data, binary = as_dict(obj.get("data")), as_dict(obj.get("binaryData"))
    total = 0
    for key in sorted(data):
        causes += [invalid(f"data[{key}]", key, m) for m in config_map_key(key)]
        if key in binary:
            causes.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += len(data[key]) if isinstance(data[key], str) else 0
    for key in sorted(binary):
        causes += [invalid(f"binaryData[{key}]", key, m) for m in config_map_key(key)]
        total += _decoded_len(binary[key])
    if total > MAX_SECRET_SIZE:
        causes.append(too_long("", MAX_SECRET_SIZE))
    return causes


def secret(obj: Obj, old: Obj | None) -> list[Cause]:
    causes: list[Cause] = []
    if old is not None:
        causes += immutable("type", obj.get("type"), old.get("type"))
        if old.get("immutable") is True:
            if obj.get("immutable") is not True:
                causes.append(forbidden("immutable", "field is immutable when `immutable` is set"))
            if _secret_data(obj) != _secret_data(old):
                causes.append(forbidden("data", "field is immutable when `immutable` is set"))
    data = _secret_data(obj)
    total = 0
    for key in sorted(data):
        causes += [invalid(f"data[{key}]", key, m) for m in config_map_key(key)]
        total += len(data[key])
    if total > MAX_SECRET_SIZE:
        causes.append(too_long("data", MAX_SECRET_SIZE))
    return causes + _secret_type(obj, data)


def _secret_type(obj: Obj, data: dict[str, bytes]) -> list[Cause]:
    kind = obj.get("type") or "Opaque"
    if kind == "kubernetes.io/service-account-token":
        if not as_dict(as_dict(obj.get("metadata")).get("annotations")).get("kubernetes.io/service-account.name"):
            return [required("metadata.annotations[kubernetes.io/service-account.name]")]
    elif kind in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if kind == "kubernetes.io/dockercfg" else ".dockerconfigjson"
        if key not in data:
            return [required(f"data[{key}]")]
        problem = _json_object_error(data[key])
        if problem:
            return [invalid(f"data[{key}]", "<secret contents redacted>", problem)]
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            return [required("data[username]"), required("data[password]")]
    elif kind == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            return [required("data[ssh-privatekey]")]
    elif kind == "kubernetes.io/tls":
        return [required(f"data[{key}]") for key in ("tls.crt", "tls.key") if key not in data]
    return []


def _secret_data(obj: Obj) -> dict[str, bytes]:
    """`data` as bytes with `stringData` folded in, as the API server sees a Secret after decoding."""
    out: dict[str, bytes] = {}
    for key, value in as_dict(obj.get("data")).items():
        try:
            out[key] = base64.b64decode(value or "", validate=False)
        except (binascii.Error, ValueError, TypeError):
            out[key] = b""
    for key, value in as_dict(obj.get("stringData")).items():
        out[key] = (value or "").encode() if isinstance(value, str) else b""
    return out


def _decoded_len(value: Any) -> int:
    try:
        return len(base64.b64decode(value or "", validate=False))
    except (binascii.Error, ValueError, TypeError):
        return 0


def _json_object_error(raw: bytes) -> str | None:
    """What Go's json.Unmarshal into map[string]interface{} says about `raw`, or None if it decodes."""
    text = raw.decode("utf-8", errors="replace")
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        return "unexpected end of JSON input"
    literal = _literal_error(stripped)
    if literal is not None:
        return literal
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            return "unexpected end of JSON input"
        ch = text[exc.pos]
        where = {"Expecting value": "looking for beginning of value",
                 "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
                 "Expecting ':' delimiter": "after object key",
                 "Expecting ',' delimiter": "after object key:value pair",
                 "Extra data": "after top-level value"}.get(exc.msg, "looking for beginning of value")
        return f"invalid character '{ch}' {where}"
    if not isinstance(value, dict):
        kind = "array" if isinstance(value, list) else "string" if isinstance(value, str) else \
            "bool" if isinstance(value, bool) else "number"
        return f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
    return None


def _literal_error(text: str) -> str | None:
    """Go's scanner on a value that starts like true, false or null, or that cannot start a value at all."""
    first = text[0]
    for word in ("true", "false", "null"):
        if first == word[0]:
            for i, expected in enumerate(word[1:], 1):
                if i >= len(text):
                    return "unexpected end of JSON input"
                if text[i] != expected:
                    return f"invalid character '{text[i]}' in literal {word} (expecting '{expected}')"
            return None
    if first not in '{["-0123456789':
        return f"invalid character '{first}' looking for beginning of value"
    return None


# --- storage and policy -----------------------------------------------------------------------------------------

_ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]


def pvc(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes: list[Cause] = []
    modes = as_list(spec.get("accessModes"))
    if not modes:
        causes.append(required("spec.accessModes", "at least 1 access mode is required"))
    causes += [not_supported("spec.accessModes", m, _ACCESS_MODES) for m in modes if m not in _ACCESS_MODES]
    storage = as_dict(as_dict(spec.get("resources")).get("requests")).get("storage")
    if storage is None:
        causes.append(required("spec.resources[storage]"))
    elif quantity.is_valid(storage) and quantity.parse(storage)[0] <= 0:
        causes.append(invalid("spec.resources[storage]", Bare(quantity.canonical(storage)), "must be greater than 0"))
    if old is not None:
        before, after = dict(as_dict(old.get("spec"))), dict(spec)
        for s in (before, after):
            s.pop("resources", None)
            s.pop("volumeAttributesClassName", None)
            s.pop("volumeName", None) if not as_dict(old.get("spec")).get("volumeName") else None
        if before != after:
            causes.append(forbidden("spec", "spec is immutable after creation except resources.requests and "
                                            "volumeAttributesClassName for bound claims"))
    return causes


_QUOTA_INTEGER = frozenset({"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
                            "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"})
_QUOTA_STANDARD = _QUOTA_INTEGER | {"cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
                                   "requests.storage", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
                                   "limits.ephemeral-storage"}


def resource_quota(obj: Obj, old: Obj | None) -> list[Cause]:
    causes: list[Cause] = []
    for name, value in sorted(as_dict(as_dict(obj.get("spec")).get("hard")).items()):
        field = f"spec.hard[{name}]"
        standard = name in _QUOTA_STANDARD or name.startswith(("count/", "hugepages-", "requests.hugepages-")) \
            or "/" in name
        if not standard:
            causes.append(invalid(field, name, "must be a standard resource type or fully qualified"))
        if not quantity.is_valid(value):
            continue
        amount = quantity.parse(value)[0]
        if amount < 0:
            causes.append(invalid(field, quantity.canonical(value), "must be greater than or equal to 0"))
        if (name in _QUOTA_INTEGER or name.startswith("count/")) and amount.denominator != 1:
            causes.append(invalid(field, Bare(quantity.canonical(value)), "must be an integer"))
    return causes


_LIMIT_TYPES = ["Container", "Pod", "PersistentVolumeClaim"]
# (lower, upper, reported field, message): a LimitRange item's values must be ordered min <= defaultRequest <=
# default <= max. Checked in the API server's order; each is reported at the field it names, with that value.
_LIMIT_ORDER = (("min", "max", "min", "min value {a} is greater than max value {b}"),
                ("min", "defaultRequest", "defaultRequest", "min value {a} is greater than default request value {b}"),
                ("defaultRequest", "max", "defaultRequest", "default request value {a} is greater than max value {b}"),
                ("defaultRequest", "default", "defaultRequest",
                 "default request value {a} is greater than default limit value {b}"),
                ("min", "default", "default", "min value {a} is greater than default value {b}"),
                ("default", "max", "default", "default value {a} is greater than max value {b}"))


def limit_range(obj: Obj, old: Obj | None) -> list[Cause]:
    causes: list[Cause] = []
    for i, item in enumerate(as_list(as_dict(obj.get("spec")).get("limits"))):
        item = as_dict(item)
        here = f"spec.limits[{i}]"
        kind = item.get("type")
        if kind not in _LIMIT_TYPES:
            causes.append(not_supported(f"{here}.type", kind or "", _LIMIT_TYPES))
        names = sorted({n for key in ("min", "max", "default", "defaultRequest")
                        for n in as_dict(item.get(key))})
        for name in names:
            values = {key: as_dict(item.get(key)).get(name) for key in ("min", "max", "default", "defaultRequest")}
            for low, high, at, text in _LIMIT_ORDER:
                a, b = values[low], values[high]
                if a is None or b is None or not (quantity.is_valid(a) and quantity.is_valid(b)):
                    continue
                if quantity.parse(a)[0] > quantity.parse(b)[0]:
                    shown_a, shown_b = quantity.canonical(a), quantity.canonical(b)
                    causes.append(invalid(f"{here}.{at}[{name}]", Bare(shown_a if at == low else shown_b),
                                          text.format(a=shown_a, b=shown_b)))
    return causes
