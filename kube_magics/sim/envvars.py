"""A container's environment, as the kubelet builds it when it starts the container (`makeEnvironmentVariables`).

Pure functions over API-shaped dicts: the caller passes a `lookup(kind, name)` for the pod's ConfigMaps and
Secrets and the Services to link; nothing here reads the store or the clock.

What the kubelet does, in its order:

1. The service links: for every Service of the pod's namespace that has a cluster IP (when
   `enableServiceLinks`, the default) and always for the `kubernetes` Service of `default`, Docker-link style
   variables: `WEB_SERVICE_HOST=10.96.12.7`, `WEB_SERVICE_PORT=80`, `WEB_PORT=tcp://10.96.12.7:80`,
   `WEB_PORT_80_TCP=...`, `_PROTO`, `_PORT`, `_ADDR`. Only the Services that exist when the container starts:
   a Service created later is not in the environment of containers already running.
2. `envFrom`: every key of the ConfigMap's `data` (not `binaryData`) or of the Secret, with `prefix` in front.
   Since Kubernetes 1.34 any printable name is accepted, so no key is skipped.
3. `env` in order, overriding what `envFrom` set: a `value` with `$(VAR)` references expanded from the variables
   defined before it and the service links (`$$` is a literal `$`; an unknown `$(X)` stays as written), or
   `valueFrom`: `configMapKeyRef` / `secretKeyRef` (a Secret's value arrives decoded: base64 is only how the API
   carries bytes, anyone who can read the Secret can read the value), `fieldRef` (the downward API:
   `metadata.name`, `metadata.namespace`, `metadata.uid`, `metadata.labels['app']`, `spec.nodeName`,
   `spec.serviceAccountName`, `status.podIP`, `status.hostIP`, ...), `resourceFieldRef` (a container's
   requests and limits; a limit that is not set reads as the node's allocatable).

A missing ConfigMap or Secret, or a missing key, is an error in the kubelet's words (`configmap "app-config" not
found`, `couldn't find key MODE in ConfigMap default/app-config`) unless the reference is `optional: true`; the
kubelet then leaves the container waiting in `CreateContainerConfigError` and tries again.

The environment is fixed when the container starts: a later change of the ConfigMap or Secret does not reach a
running process (only a restart picks it up; `kubectl rollout restart deployment/web` replaces the pods).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from kube_magics import quantity

Obj = dict[str, Any]
Lookup = Callable[[str, str], Obj | None]  # (kind, name) -> the object in the pod's namespace, or None
MASTER_SERVICES = ("kubernetes",)  # linked into every pod, from the default namespace
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ConfigError(Exception):
    """The container's configuration cannot be generated; the message is the kubelet's."""


# --- $(VAR) expansion (third_party/forked/golang/expansion) ---------------------------------------------------

def expand(text: str, *contexts: Mapping[str, str]) -> str:
    """Expand `$(VAR)` from the first context that defines VAR; `$$` is `$`; anything else stays as written."""
    if "$" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            close = text.find(")", i + 2)
            if close < 0:
                out.append("$(")
                i += 2
                continue
            name = text[i + 2:close]
            out.append(_lookup(name, contexts))
            i = close + 1
        else:
            out.append("$" + nxt)
            i += 2
    return "".join(out)


def _lookup(name: str, contexts: Sequence[Mapping[str, str]]) -> str:
    for ctx in contexts:
        if name in ctx:
            return ctx[name]
    return f"$({name})"


def expand_command(container: Mapping[str, Any], env: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """`command` and `args` with `$(VAR)` expanded from the container's environment (not the image's)."""
    mapping = dict(env)
    command = [expand(str(a), mapping) for a in container.get("command") or ()]
    args = [expand(str(a), mapping) for a in container.get("args") or ()]
    return command, args


# --- service links (pkg/kubelet/envvars) ------------------------------------------------------------------------

def _var_name(name: str) -> str:
    return name.upper().replace("-", "_")


def service_env(services: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The variables for each Service with a cluster IP, in the order `envvars.FromServices` makes them."""
    out: list[tuple[str, str]] = []
    for svc in services:
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP") or ""
        ports = spec.get("ports") or []
        if ip in ("", "None") or not ports:
            continue
        prefix = _var_name(svc["metadata"]["name"])
        out.append((f"{prefix}_SERVICE_HOST", ip))
        out.append((f"{prefix}_SERVICE_PORT", str(ports[0].get("port"))))
        for p in ports:
            if p.get("name"):
                out.append((f"{prefix}_SERVICE_PORT_{_var_name(p['name'])}", str(p.get("port"))))
        host = f"[{ip}]" if ":" in ip else ip
        for i, p in enumerate(ports):
            proto = str(p.get("protocol") or "TCP")
            url = f"{proto.lower()}://{host}:{p.get('port')}"
            if i == 0:
                out.append((f"{prefix}_PORT", url))
            base = f"{prefix}_PORT_{p.get('port')}_{proto.upper()}"
            out += [(base, url), (f"{base}_PROTO", proto.lower()), (f"{base}_PORT", str(p.get("port"))),
                    (f"{base}_ADDR", ip)]
    return out


def linked_services(namespace: str, enable_links: bool, in_namespace: Iterable[Obj],
                    master: Iterable[Obj]) -> list[Obj]:
    """The Services whose variables a pod gets (`getServiceEnvVarMap`): the `kubernetes` Service of `default`
    always, the pod's namespace's Services when service links are on. Sorted by name, for a stable order."""
    chosen: dict[str, Obj] = {}
    for svc in master:
        if svc["metadata"]["name"] in MASTER_SERVICES:
            chosen.setdefault(svc["metadata"]["name"], svc)
    if enable_links:
        for svc in in_namespace:
            name = svc["metadata"]["name"]
            if namespace == "default" and name in MASTER_SERVICES:
                continue
            chosen[name] = svc
    return [chosen[k] for k in sorted(chosen)]


# --- the downward API (pkg/fieldpath) -------------------------------------------------------------------------

def split_subscript(path: str) -> tuple[str, str] | None:
    """`metadata.labels['app']` -> ("metadata.labels", "app")."""
    if not path.endswith("']"):
        return None
    head, sep, key = path[:-2].partition("['")
    return (head, key) if sep else None


def format_map(values: Mapping[str, str]) -> str:
    """Labels or annotations as the downward API writes them: `key="value"` lines, sorted, Go-quoted."""
    return "\n".join(f"{k}={_go_quote(values[k])}" for k in sorted(values))


def _go_quote(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def metadata_value(pod: Mapping[str, Any], path: str) -> str:
    """`fieldpath.ExtractFieldPathAsString` over the pod's metadata."""
    meta = pod.get("metadata") or {}
    sub = split_subscript(path)
    if sub is not None:
        where, key = sub
        if where == "metadata.annotations":
            return str((meta.get("annotations") or {}).get(key, ""))
        if where == "metadata.labels":
            return str((meta.get("labels") or {}).get(key, ""))
        raise ConfigError(f'fieldPath "{where}" does not support subscript')
    simple = {"metadata.name": "name", "metadata.namespace": "namespace", "metadata.uid": "uid"}
    if path in simple:
        return str(meta.get(simple[path], ""))
    if path == "metadata.labels":
        return format_map(meta.get("labels") or {})
    if path == "metadata.annotations":
        return format_map(meta.get("annotations") or {})
    raise ConfigError(f"unsupported fieldPath: {path}")


def field_value(pod: Mapping[str, Any], path: str, *, pod_ip: str, host_ip: str) -> str:
    """The value of an env var's `fieldRef` (`podFieldSelectorRuntimeValue`)."""
    spec = pod.get("spec") or {}
    if path in ("spec.nodeName", "spec.host"):
        return str(spec.get("nodeName", ""))
    if path == "spec.serviceAccountName":
        return str(spec.get("serviceAccountName", ""))
    if path in ("status.hostIP", "status.hostIPs"):
        return host_ip
    if path in ("status.podIP", "status.podIPs"):
        return pod_ip
    return metadata_value(pod, path)


def resource_value(selector: Mapping[str, Any], container: Mapping[str, Any],
                   allocatable: Mapping[str, Any]) -> str:
    """A `resourceFieldRef` (`ExtractContainerResourceValue`): the value divided by `divisor` (default 1),
    rounded up. A limit that is not set is the node's allocatable (`defaultPodLimitsForDownwardAPI`)."""
    what = str(selector.get("resource", ""))
    kind, _, name = what.partition(".")
    resources = container.get("resources") or {}
    values = resources.get(kind) or {}
    raw = values.get(name)
    if raw is None and kind == "limits":
        raw = allocatable.get(name)
    if kind not in ("limits", "requests") or name not in ("cpu", "memory", "ephemeral-storage"):
        raise ConfigError(f"unsupported container resource : {what}")
    divisor = selector.get("divisor") or "1"
    if quantity.parse(divisor)[0] == 0:
        divisor = "1"
    if name == "cpu":
        amount, per = quantity.milli(raw or 0), quantity.milli(divisor)
    else:
        amount, per = quantity.integer(raw or 0), max(1, quantity.integer(divisor))
    return str(math.ceil(amount / per)) if per else "0"


# --- ConfigMaps and Secrets -------------------------------------------------------------------------------------

def secret_values(secret: Mapping[str, Any]) -> dict[str, bytes]:
    """A Secret's data as the kubelet sees it: the bytes, decoded from the API's base64."""
    out: dict[str, bytes] = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            out[key] = base64.b64decode(value or "")
        except (binascii.Error, ValueError):
            out[key] = b""
    return out


def _source(lookup: Lookup, cache: dict[tuple[str, str], Obj | None], kind: str, name: str) -> Obj | None:
    if (kind, name) not in cache:
        cache[(kind, name)] = lookup(kind, name)
    return cache[(kind, name)]


def _not_found(kind: str, name: str) -> ConfigError:
    return ConfigError(f'{kind.lower()} "{name}" not found')


def _env_from(container: Mapping[str, Any], lookup: Lookup, cache: dict[tuple[str, str], Obj | None],
              env: dict[str, str]) -> None:
    for source in container.get("envFrom") or ():
        ref, kind = (source.get("configMapRef"), "ConfigMap") if source.get("configMapRef") is not None \
            else (source.get("secretRef"), "Secret")
        if ref is None:
            continue
        obj = _source(lookup, cache, kind, str(ref.get("name", "")))
        if obj is None:
            if ref.get("optional") is True:
                continue
            raise _not_found(kind, str(ref.get("name", "")))
        prefix = str(source.get("prefix") or "")
        if kind == "ConfigMap":
            values = {k: str(v) for k, v in (obj.get("data") or {}).items()}
        else:
            values = {k: v.decode("utf-8", "replace") for k, v in secret_values(obj).items()}
        for key in sorted(values):
            env[prefix + key] = values[key]


def _key_ref(ref: Mapping[str, Any], kind: str, namespace: str, lookup: Lookup,
             cache: dict[tuple[str, str], Obj | None]) -> str | None:
    """A configMapKeyRef or secretKeyRef's value; None when it is optional and missing."""
    name, key, optional = str(ref.get("name", "")), str(ref.get("key", "")), ref.get("optional") is True
    obj = _source(lookup, cache, kind, name)
    if obj is None:
        if optional:
            return None
        raise _not_found(kind, name)
    if kind == "ConfigMap":
        data = obj.get("data") or {}
        value = str(data[key]) if key in data else None
    else:
        raw = secret_values(obj).get(key)
        value = None if raw is None else raw.decode("utf-8", "replace")
    if value is None and not optional:
        raise ConfigError(f"couldn't find key {key} in {kind} {namespace}/{name}")
    return value


def container_env(pod: Mapping[str, Any], container: Mapping[str, Any], *, lookup: Lookup,
                  services: Iterable[Mapping[str, Any]], pod_ip: str, host_ip: str,
                  allocatable: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The variables the kubelet gives the container runtime, in a stable order: `envFrom` keys (sorted), `env`
    in declaration order, then the service links not set otherwise. Raises ConfigError in the kubelet's words."""
    namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
    service_vars = dict(service_env(services))
    cache: dict[tuple[str, str], Obj | None] = {}
    env: dict[str, str] = {}
    _env_from(container, lookup, cache, env)
    for var in container.get("env") or ():
        name = str(var.get("name", ""))
        value = str(var.get("value") or "")
        source = var.get("valueFrom")
        if value:
            value = expand(value, env, service_vars)
        elif isinstance(source, Mapping):
            resolved = _value_from(source, pod, container, namespace, lookup, cache, pod_ip, host_ip, allocatable)
            if resolved is None:
                continue
            value = resolved
        env[name] = value
    out = list(env.items())
    out += [(k, v) for k, v in service_vars.items() if k not in env]
    return out


def _value_from(source: Mapping[str, Any], pod: Mapping[str, Any], container: Mapping[str, Any], namespace: str,
                lookup: Lookup, cache: dict[tuple[str, str], Obj | None], pod_ip: str, host_ip: str,
                allocatable: Mapping[str, Any]) -> str | None:
    if source.get("fieldRef") is not None:
        return field_value(pod, str(source["fieldRef"].get("fieldPath", "")), pod_ip=pod_ip, host_ip=host_ip)
    if source.get("resourceFieldRef") is not None:
        sel = source["resourceFieldRef"]
        target = container
        if sel.get("containerName"):
            spec = pod.get("spec") or {}
            found = [c for c in (*(spec.get("containers") or ()), *(spec.get("initContainers") or ()))
                     if c.get("name") == sel["containerName"]]
            if not found:
                raise ConfigError(f"container {sel['containerName']} not found")
            target = found[0]
        return resource_value(sel, target, allocatable)
    if source.get("configMapKeyRef") is not None:
        return _key_ref(source["configMapKeyRef"], "ConfigMap", namespace, lookup, cache)
    if source.get("secretKeyRef") is not None:
        return _key_ref(source["secretKeyRef"], "Secret", namespace, lookup, cache)
    return ""


def runtime_env(image_env: Iterable[str], hostname: str, container_vars: Iterable[tuple[str, str]],
                *, home: str = "/root") -> dict[str, str]:
    """The process's environment as containerd and runc build it: PATH (the image's, else the default),
    HOSTNAME, the image's other `Env`, the kubelet's variables (a name already set keeps its place and takes the
    new value), and HOME when nothing set it (runc adds it from the user's passwd entry)."""
    env: dict[str, str] = {"PATH": DEFAULT_PATH, "HOSTNAME": hostname}
    for item in image_env:
        key, _, value = str(item).partition("=")
        env[key] = value
    for key, value in container_vars:
        env[key] = value
    env.setdefault("HOME", home)
    return env
