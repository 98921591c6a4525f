"""Pod specs, validated as `ValidatePodSpec` does: volumes, containers (names, images, ports, env, mounts,
resources, probes), then the pod-level policies. Shared by Pods and by every pod template.

The order is the API server's: volumes first, then containers one by one (each container's own fields, then the
duplicate-name check, then its probes), init containers, restart and DNS policy, node selector, service account,
active deadline.
"""

from __future__ import annotations

from typing import Any

from kube_magics import quantity
from kube_magics.errors import Cause
from kube_magics.sim.validation import podrefs
from kube_magics.sim.validation.fields import (
    Bare,
    as_dict,
    as_list,
    config_map_key,
    dns1123_label,
    dns1123_subdomain,
    duplicate,
    env_var_name,
    forbidden,
    invalid,
    is_int,
    nonnegative,
    not_found,
    not_supported,
    port_name,
    port_num,
    port_num_or_name,
    required,
)
from kube_magics.sim.validation.meta import validate_labels

Obj = dict[str, Any]

PROTOCOLS = ["SCTP", "TCP", "UDP"]
_RESTART = ["Always", "OnFailure", "Never"]
_DNS = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
_PULL = ["Always", "IfNotPresent", "Never"]
_TERMINATION_MESSAGE = ["File", "FallbackToLogsOnError"]
_STANDARD_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
_VOLUME_SOURCES = ("hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
                   "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
                   "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
                   "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral",
                   "image")


def validate_pod_spec(spec: Any, path: str) -> list[Cause]:
    spec = as_dict(spec)
    volume_causes, volumes = _volumes(as_list(spec.get("volumes")), f"{path}.volumes")
    causes = volume_causes
    causes += _containers(as_list(spec.get("containers")), volumes, f"{path}.containers", regular=True)
    if spec.get("initContainers"):
        causes += _containers(as_list(spec.get("initContainers")), volumes, f"{path}.initContainers", regular=False,
                              taken={c.get("name") for c in as_list(spec.get("containers")) if isinstance(c, dict)})
    causes += _choice(spec.get("restartPolicy"), f"{path}.restartPolicy", _RESTART)
    causes += _choice(spec.get("dnsPolicy"), f"{path}.dnsPolicy", _DNS)
    causes += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    sa = spec.get("serviceAccountName")
    if isinstance(sa, str) and sa:
        causes += [invalid(f"{path}.serviceAccountName", sa, m) for m in dns1123_subdomain(sa)]
    deadline = spec.get("activeDeadlineSeconds")
    if is_int(deadline) and not 1 <= deadline <= 2**31 - 1:
        causes.append(invalid(f"{path}.activeDeadlineSeconds", deadline, "must be between 1 and 2147483647, inclusive"))
    for key in ("hostname", "subdomain"):
        value = spec.get(key)
        if isinstance(value, str) and value:
            causes += [invalid(f"{path}.{key}", value, m) for m in dns1123_label(value)]
    causes += _tolerations(as_list(spec.get("tolerations")), f"{path}.tolerations")
    return causes


def _choice(value: Any, field: str, allowed: list[str]) -> list[Cause]:
    if value in (None, ""):
        return [required(field)]
    if value not in allowed:
        return [not_supported(field, value, allowed)]
    return []


# --- volumes ----------------------------------------------------------------------------------------------------


def _volumes(volumes: list[Any], path: str) -> tuple[list[Cause], dict[str, Obj]]:
    causes: list[Cause] = []
    known: dict[str, Obj] = {}
    for i, vol in enumerate(volumes):
        vol = as_dict(vol)
        here = f"{path}[{i}]"
        errs = _volume_source(vol, here)
        name = vol.get("name")
        if not name:
            errs.append(required(f"{here}.name"))
        else:
            errs += [invalid(f"{here}.name", name, m) for m in dns1123_label(name)]
        if name in known:
            errs.append(duplicate(f"{here}.name", name))
        if errs:
            causes += errs
        else:
            known[str(name)] = vol
    return causes, known


def _volume_source(vol: Obj, here: str) -> list[Cause]:
    sources = [s for s in _VOLUME_SOURCES if vol.get(s) is not None]
    if not sources:
        return [required(here, "must specify a volume type")]
    causes = [forbidden(f"{here}.{extra}", "may not specify more than 1 volume type") for extra in sources[1:]]
    kind = sources[0]
    src = as_dict(vol.get(kind))
    if kind == "configMap" and not src.get("name"):
        causes.append(required(f"{here}.configMap.name"))
    if kind == "secret" and not src.get("secretName"):
        causes.append(required(f"{here}.secret.secretName"))
    if kind == "persistentVolumeClaim" and not src.get("claimName"):
        causes.append(required(f"{here}.persistentVolumeClaim.claimName"))
    if kind == "hostPath" and not src.get("path"):
        causes.append(required(f"{here}.hostPath.path"))
    mode = src.get("defaultMode")
    if is_int(mode) and not 0 <= mode <= 0o777:
        causes.append(invalid(f"{here}.{kind}.defaultMode", mode,
                              "must be a number between 0 and 0777 (octal), both inclusive"))
    if kind in ("configMap", "secret"):
        causes += podrefs.key_to_path_items(src.get("items"), f"{here}.{kind}.items")
    elif kind == "downwardAPI":
        causes += podrefs.downward_items(src.get("items"), f"{here}.downwardAPI.items")
    elif kind == "projected":
        causes += podrefs.projected_sources(src.get("sources"), f"{here}.projected")
    return causes


# --- containers -------------------------------------------------------------------------------------------------


def _containers(containers: list[Any], volumes: dict[str, Obj], path: str, *, regular: bool,
                taken: set[Any] | None = None) -> list[Cause]:
    if not containers:
        return [required(path)] if regular else []
    causes: list[Cause] = []
    names: set[Any] = set(taken or ())
    for i, ctr in enumerate(containers):
        ctr = as_dict(ctr)
        here = f"{path}[{i}]"
        causes += _container(ctr, volumes, here)
        name = ctr.get("name")
        if name in names:
            causes.append(duplicate(f"{here}.name", name))
        else:
            names.add(name)
        if regular:
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                causes += _probe(ctr.get(probe), f"{here}.{probe}", probe)
    return causes


def _container(ctr: Obj, volumes: dict[str, Obj], here: str) -> list[Cause]:
    causes: list[Cause] = []
    name = ctr.get("name")
    if not name:
        causes.append(required(f"{here}.name"))
    else:
        causes += [invalid(f"{here}.name", name, m) for m in dns1123_label(name)]
    if not ctr.get("image"):
        causes.append(required(f"{here}.image"))
    causes += _choice(ctr.get("terminationMessagePolicy"), f"{here}.terminationMessagePolicy", _TERMINATION_MESSAGE)
    causes += _ports(as_list(ctr.get("ports")), f"{here}.ports")
    causes += _env(as_list(ctr.get("env")), f"{here}.env")
    causes += _mounts(as_list(ctr.get("volumeMounts")), volumes, f"{here}.volumeMounts")
    causes += _choice(ctr.get("imagePullPolicy"), f"{here}.imagePullPolicy", _PULL)
    causes += validate_resources(as_dict(ctr.get("resources")), f"{here}.resources")
    return causes


def _ports(ports: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        port = as_dict(port)
        here = f"{path}[{i}]"
        name = port.get("name")
        if isinstance(name, str) and name:
            msgs = port_name(name)
            if msgs:
                causes += [invalid(f"{here}.name", name, m) for m in msgs]
            elif name in names:
                causes.append(duplicate(f"{here}.name", name))
            else:
                names.add(name)
        number = port.get("containerPort")
        if not number:
            causes.append(required(f"{here}.containerPort"))
        else:
            causes += [invalid(f"{here}.containerPort", number, m) for m in port_num(number)]
        host = port.get("hostPort")
        if host:
            causes += [invalid(f"{here}.hostPort", host, m) for m in port_num(host)]
        causes += _choice(port.get("protocol"), f"{here}.protocol", PROTOCOLS)
    return causes


def _env(env: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, var in enumerate(env):
        var = as_dict(var)
        here = f"{path}[{i}]"
        name = var.get("name") or ""
        if not name:
            causes.append(required(f"{here}.name"))
        causes += [invalid(f"{here}.name", name, m) for m in env_var_name(name)]
        causes += _value_from(var, f"{here}.valueFrom")
    return causes


def _value_from(var: Obj, path: str) -> list[Cause]:
    source = var.get("valueFrom")
    if not isinstance(source, dict):
        return []
    kinds = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
             if source.get(k) is not None]
    causes: list[Cause] = []
    for ref in ("configMapKeyRef", "secretKeyRef"):
        sel = source.get(ref)
        if isinstance(sel, dict):
            name = sel.get("name") or ""
            causes += [invalid(f"{path}.{ref}.name", name, m) for m in dns1123_subdomain(name)] if name else []
            key = sel.get("key")
            if not key:
                causes.append(required(f"{path}.{ref}.key"))
            else:
                causes += [invalid(f"{path}.{ref}.key", key, m) for m in config_map_key(key)]
    if isinstance(source.get("fieldRef"), dict):
        causes += podrefs.field_selector(source["fieldRef"], podrefs.ENV_FIELDS, f"{path}.fieldRef")
    if isinstance(source.get("resourceFieldRef"), dict):
        causes += podrefs.resource_selector(source["resourceFieldRef"], f"{path}.resourceFieldRef", volume=False)
    if not kinds:
        causes.append(invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, "
                                        "`secretKeyRef` or `fileKeyRef`"))
    elif var.get("value"):
        causes.append(invalid(path, "", "may not be specified when `value` is not empty"))
    elif len(kinds) > 1:
        causes.append(invalid(path, "", "may not have more than one field specified at a time"))
    return causes


def _mounts(mounts: list[Any], volumes: dict[str, Obj], path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, mount in enumerate(mounts):
        mount = as_dict(mount)
        here = f"{path}[{i}]"
        name = mount.get("name") or ""
        if not name:
            causes.append(required(f"{here}.name"))
        if name not in volumes:
            causes.append(not_found(f"{here}.name", name))
        target = mount.get("mountPath") or ""
        if not target:
            causes.append(required(f"{here}.mountPath"))
        if target in seen:
            causes.append(invalid(f"{here}.mountPath", target, "must be unique"))
        seen.add(target)
    return causes


def validate_resources(resources: Obj, path: str) -> list[Cause]:
    """Resource names and quantities; requests at most limits (equal for extended resources)."""
    limits, requests = as_dict(resources.get("limits")), as_dict(resources.get("requests"))
    causes: list[Cause] = []
    for name, value in sorted(limits.items()):
        causes += _resource(name, value, f"{path}.limits[{name}]")
    for name, value in sorted(requests.items()):
        causes += _resource(name, value, f"{path}.requests[{name}]")
        if not quantity.is_valid(value):
            continue
        overcommit = "/" not in name or "kubernetes.io/" in name
        if name in limits and quantity.is_valid(limits[name]):
            req, lim = quantity.parse(value)[0], quantity.parse(limits[name])[0]
            shown, limit = quantity.canonical(value), quantity.canonical(limits[name])
            if req != lim and not overcommit:
                causes.append(invalid(f"{path}.requests", shown, f"must be equal to {name} limit of {limit}"))
            elif req > lim:
                causes.append(invalid(f"{path}.requests", shown, f"must be less than or equal to {name} limit of "
                                                                  f"{limit}"))
        elif not overcommit:
            causes.append(required(f"{path}.limits", "Limit must be set for non overcommitable resources"))
    return causes


def _resource(name: str, value: Any, field: str) -> list[Cause]:
    causes: list[Cause] = []
    if "/" not in name and name not in _STANDARD_RESOURCES and not name.startswith("hugepages-"):
        causes.append(invalid(field, name, "must be a standard resource for containers"))
    if not quantity.is_valid(value):
        return causes
    amount = quantity.parse(value)[0]
    if amount < 0:
        causes.append(invalid(field, quantity.canonical(value), "must be greater than or equal to 0"))
    if "/" in name and "kubernetes.io/" not in name and amount.denominator != 1:
        causes.append(invalid(field, Bare(quantity.canonical(value)), "must be an integer"))
    return causes


def _probe(probe: Any, path: str, which: str) -> list[Cause]:
    if not isinstance(probe, dict):
        return []
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if probe.get(h) is not None]
    causes: list[Cause] = []
    if not handlers:
        causes.append(required(path, "must specify a handler type"))
    causes += [forbidden(f"{path}.{h}", "may not specify more than 1 handler type") for h in handlers[1:]]
    if handlers:
        causes += _handler(handlers[0], as_dict(probe.get(handlers[0])), f"{path}.{handlers[0]}")
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        causes += nonnegative(f"{path}.{key}", probe.get(key))
    if which in ("livenessProbe", "startupProbe") and probe.get("successThreshold", 1) != 1:
        causes.append(invalid(f"{path}.successThreshold", probe.get("successThreshold"), "must be 1"))
    return causes


def _handler(kind: str, handler: Obj, path: str) -> list[Cause]:
    if kind == "exec":
        return [] if handler.get("command") else [required(f"{path}.command")]
    if kind == "httpGet":
        causes = [] if handler.get("path") else [required(f"{path}.path")]
        causes += port_num_or_name(f"{path}.port", handler.get("port"))
        scheme = handler.get("scheme")
        if scheme not in ("HTTP", "HTTPS"):
            causes.append(not_supported(f"{path}.scheme", scheme or "", ["HTTP", "HTTPS"]))
        return causes
    if kind == "tcpSocket":
        return port_num_or_name(f"{path}.port", handler.get("port"))
    port = handler.get("port")
    return [invalid(f"{path}.port", port, m) for m in port_num(port)]


def _tolerations(tolerations: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, tol in enumerate(tolerations):
        tol = as_dict(tol)
        here = f"{path}[{i}]"
        op = tol.get("operator") or "Equal"
        if op not in ("Equal", "Exists"):
            causes.append(not_supported(f"{here}.operator", op, ["Equal", "Exists"]))
        if op == "Exists" and tol.get("value"):
            causes.append(invalid(f"{here}.operator", tol.get("value"), "value must be empty when `operator` is "
                                                                        "'Exists'"))
        if not tol.get("key") and op != "Exists":
            causes.append(invalid(f"{here}.operator", op, "operator must be Exists when `key` is empty, which means "
                                                          "\"match all values and all keys\""))
        effect = tol.get("effect")
        if effect and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            causes.append(not_supported(f"{here}.effect", effect, ["NoExecute", "NoSchedule", "PreferNoSchedule"]))
        if tol.get("tolerationSeconds") is not None and effect != "NoExecute":
            causes.append(invalid(f"{here}.effect", effect or "", "effect must be 'NoExecute' when "
                                                                 "`tolerationSeconds` is set"))
    return causes
