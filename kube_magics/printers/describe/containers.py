"""The container, volume and pod-template parts of `kubectl describe` (pods, and every controller's template).

Mirrors kubectl's describeContainers, describeVolumes and DescribePodTemplate. The pod template is also what
`kubectl rollout history --revision=N` prints, there without alignment (its tabs stay tabs).

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics.printers.describe.common import annotations_multiline, labels_multiline, tolerations_multiline
from kube_magics.printers.describe.writer import LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, PrefixWriter
from kube_magics.printers.gosort import go_sort
from kube_magics.printers.util import bool_text, format_selector, quantity_string, rfc1123

Obj = Mapping[str, Any]


def _ports(ports: Sequence[Mapping[str, Any]], key: str) -> str:
    out = []
    for p in ports:
        text = f"{p.get(key, 0) or 0}/{p.get('protocol', 'TCP')}"
        if p.get("name"):
            text += f" ({p['name']})"
        out.append(text)
    return ", ".join(out)


def _basic(c: Mapping[str, Any], status: Mapping[str, Any] | None, space: str, w: PrefixWriter) -> None:
    w.write(LEVEL_1, f"{' ' if space else ''}{c.get('name', '')}:\n")
    if status is not None:
        w.write(LEVEL_2, f"Container ID:\t{status.get('containerID', '')}\n")
    w.write(LEVEL_2, f"Image:\t{c.get('image', '')}\n")
    if status is not None:
        w.write(LEVEL_2, f"Image ID:\t{status.get('imageID', '')}\n")
    ports = c.get("ports") or []
    port, host = _ports(ports, "containerPort"), _ports(ports, "hostPort")
    w.write(LEVEL_2, f"Ports:\t{port}\n" if "," in port else f"Port:\t{port or '<none>'}\n")
    w.write(LEVEL_2, f"Host Ports:\t{host}\n" if "," in host else f"Host Port:\t{host or '<none>'}\n")
    seccomp = ((c.get("securityContext") or {}).get("seccompProfile")) or None
    if seccomp:
        w.write(LEVEL_2, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(LEVEL_3, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")


def _command(c: Mapping[str, Any], w: PrefixWriter) -> None:
    for title, key in (("Command", "command"), ("Args", "args")):
        if c.get(key):
            w.write(LEVEL_2, f"{title}:\n")
            for item in c[key]:
                for part in str(item).split("\n"):
                    w.write(LEVEL_3, f"{part}\n")


def _state(title: str, state: Mapping[str, Any], w: PrefixWriter) -> None:
    if state.get("running") is not None:
        w.write(LEVEL_2, f"{title}:\tRunning\n")
        w.write(LEVEL_3, f"Started:\t{rfc1123(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(LEVEL_2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(LEVEL_3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(LEVEL_2, f"{title}:\tTerminated\n")
        if t.get("reason"):
            w.write(LEVEL_3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(LEVEL_3, f"Message:\t{t['message']}\n")
        w.write(LEVEL_3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if (t.get("signal") or 0) > 0:
            w.write(LEVEL_3, f"Signal:\t{t['signal']}\n")
        w.write(LEVEL_3, f"Started:\t{rfc1123(t.get('startedAt'))}\n")
        w.write(LEVEL_3, f"Finished:\t{rfc1123(t.get('finishedAt'))}\n")
    else:
        w.write(LEVEL_2, f"{title}:\tWaiting\n")


def _status(status: Mapping[str, Any], w: PrefixWriter) -> None:
    _state("State", status.get("state") or {}, w)
    last = status.get("lastState") or {}
    if last.get("terminated") is not None:
        _state("Last State", last, w)
    w.write(LEVEL_2, f"Ready:\t{bool_text(status.get('ready'))}\n")
    w.write(LEVEL_2, f"Restart Count:\t{status.get('restartCount', 0) or 0}\n")


def describe_resources(resources: Mapping[str, Any] | None, w: PrefixWriter, level: int) -> None:
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        values = (resources or {}).get(key) or {}
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{quantity_string(values[name])}\n")


def describe_probe(probe: Mapping[str, Any]) -> str:
    """`DescribeProbe`: `http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3`."""
    attrs = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
             f"period={probe.get('periodSeconds', 10)}s successThreshold={probe.get('successThreshold', 1)} "
             f"failureThreshold={probe.get('failureThreshold', 3)}")
    if probe.get("exec") is not None:
        return f"exec [{' '.join(str(a) for a in probe['exec'].get('command') or [])}] {attrs}"
    if probe.get("httpGet") is not None:
        h = probe["httpGet"]
        port = str(h.get("port", ""))
        host = str(h.get("host", ""))
        netloc = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if port else host
        return f"http-get {str(h.get('scheme', 'HTTP')).lower()}://{netloc}{h.get('path', '')} {attrs}"
    if probe.get("tcpSocket") is not None:
        t = probe["tcpSocket"]
        return f"tcp-socket {t.get('host', '')}:{t.get('port', '')} {attrs}"
    if probe.get("grpc") is not None:
        g = probe["grpc"]
        return f"grpc <pod>:{g.get('port')} {g.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _probes(c: Mapping[str, Any], w: PrefixWriter) -> None:
    for title, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")):
        if c.get(key) is not None:
            w.write(LEVEL_2, f"{title}:\t{describe_probe(c[key])}\n")


def _env_from(c: Mapping[str, Any], w: PrefixWriter) -> None:
    w.write(LEVEL_2, "Environment Variables from:\n")
    for e in c.get("envFrom") or []:
        ref, source = (e.get("configMapRef"), "ConfigMap") if e.get("configMapRef") else (e.get("secretRef"),
                                                                                          "Secret")
        name, optional = (ref or {}).get("name", ""), bool((ref or {}).get("optional"))
        prefix = f" with prefix '{e['prefix']}'" if e.get("prefix") else ""
        w.write(LEVEL_3, f"{name}\t{source}{prefix}\tOptional: {str(optional).lower()}\n")


def _env(c: Mapping[str, Any], pod: Obj | None, w: PrefixWriter) -> None:
    env = c.get("env") or []
    w.write(LEVEL_2, "Environment:" + ("" if env else "\t<none>") + "\n")
    for e in env:
        source = e.get("valueFrom")
        if source is None:
            for i, part in enumerate(str(e.get("value", "")).split("\n")):
                w.write(LEVEL_3, f"{e.get('name', '')}:\t{part}\n" if i == 0 else f"\t{part}\n")
        elif source.get("fieldRef") is not None:
            ref = source["fieldRef"]
            value = _field_path(pod, str(ref.get("fieldPath", ""))) if pod is not None else ""
            w.write(LEVEL_3, f"{e.get('name', '')}:\t{value} ({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath')})\n")
        elif source.get("resourceFieldRef") is not None:
            w.write(LEVEL_3, f"{e.get('name', '')}:\t{_resource_field(c, source['resourceFieldRef'])} "
                             f"({source['resourceFieldRef'].get('resource', '')})\n")
        elif source.get("secretKeyRef") is not None:
            ref = source["secretKeyRef"]
            w.write(LEVEL_3, f"{e.get('name', '')}:\t<set to the key '{ref.get('key', '')}' in secret "
                             f"'{ref.get('name', '')}'>\tOptional: {str(bool(ref.get('optional'))).lower()}\n")
        elif source.get("configMapKeyRef") is not None:
            ref = source["configMapKeyRef"]
            w.write(LEVEL_3, f"{e.get('name', '')}:\t<set to the key '{ref.get('key', '')}' of config map "
                             f"'{ref.get('name', '')}'>\tOptional: {str(bool(ref.get('optional'))).lower()}\n")


def _field_path(pod: Obj, path: str) -> str:
    md, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    simple = {"metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"),
              "metadata.uid": md.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName"), "status.hostIP": status.get("hostIP"),
              "status.podIP": status.get("podIP")}
    if path in simple:
        return str(simple[path] or "")
    for prefix, key in (("metadata.labels['", "labels"), ("metadata.annotations['", "annotations")):
        if path.startswith(prefix) and path.endswith("']"):
            return str((md.get(key) or {}).get(path[len(prefix):-2], ""))
    return ""


def _resource_field(c: Mapping[str, Any], ref: Mapping[str, Any]) -> str:
    kind, _, name = str(ref.get("resource", "")).partition(".")
    value = ((c.get("resources") or {}).get(kind) or {}).get(name)
    text = quantity_string(value) if value is not None else "0"
    return "node allocatable" if text == "0" and kind == "limits" and name in ("cpu", "memory") else text


def _mounts(c: Mapping[str, Any], w: PrefixWriter) -> None:
    mounts = list(c.get("volumeMounts") or [])
    w.write(LEVEL_2, "Mounts:" + ("" if mounts else "\t<none>") + "\n")
    go_sort(mounts, lambda a, b: str(a.get("mountPath", "")) < str(b.get("mountPath", "")))
    for m in mounts:
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        w.write(LEVEL_3, f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})\n")
    devices = list(c.get("volumeDevices") or [])
    if devices:
        w.write(LEVEL_2, "Devices:\n")
        go_sort(devices, lambda a, b: str(a.get("devicePath", "")) < str(b.get("devicePath", "")))
        for d in devices:
            w.write(LEVEL_3, f"{d.get('devicePath', '')} from {d.get('name', '')}\n")


def describe_containers(label: str, containers: Sequence[Mapping[str, Any]], statuses: Sequence[Mapping[str, Any]]
                        | None, w: PrefixWriter, *, space: str = "", pod: Obj | None = None) -> None:
    by_name = {s.get("name"): s for s in statuses or []}
    w.write(LEVEL_0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    for c in containers:
        status = by_name.get(c.get("name")) if statuses is not None else None
        _basic(c, status, space, w)
        _command(c, w)
        if status is not None:
            _status(status, w)
        describe_resources(c.get("resources"), w, LEVEL_2)
        _probes(c, w)
        if c.get("envFrom"):
            _env_from(c, w)
        _env(c, pod, w)
        _mounts(c, w)


def pod_template(template: Mapping[str, Any] | None, w: PrefixWriter) -> None:
    """`DescribePodTemplate`."""
    w.write(LEVEL_0, "Pod Template:\n")
    if template is None:
        w.write(LEVEL_1, "<unset>")
        return
    md, spec = template.get("metadata") or {}, template.get("spec") or {}
    labels_multiline(w, "  Labels", md.get("labels"))
    if md.get("annotations"):
        annotations_multiline(w, "  Annotations", md.get("annotations"))
    if spec.get("serviceAccountName"):
        w.write(LEVEL_1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], None, w, space="  ")
    describe_containers("Containers", spec.get("containers") or [], None, w, space="  ")
    describe_volumes(spec.get("volumes") or [], w, space="  ")
    topology_spread(spec.get("topologySpreadConstraints") or [], w, space="  ")
    if spec.get("priorityClassName"):
        w.write(LEVEL_1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


def topology_spread(constraints: Sequence[Mapping[str, Any]], w: PrefixWriter, *, space: str = "") -> None:
    if not constraints:
        return
    items = list(constraints)
    go_sort(items, lambda a, b: str(a.get("topologyKey", "")) < str(b.get("topologyKey", "")))
    w.write(LEVEL_0, f"{space}Topology Spread Constraints:\t")
    for i, c in enumerate(items):
        if i:
            w.write(LEVEL_0, space)
            w.write(LEVEL_0, "\t")
        text = f"{c.get('topologyKey', '')}:{c.get('whenUnsatisfiable', '')} when max skew {c.get('maxSkew', 0)} " \
               "is exceeded"
        if c.get("labelSelector") is not None:
            text += f" for selector {format_selector(c['labelSelector'])}"
        w.write(LEVEL_0, text + "\n")


# Volume sources whose description is a type line and fields: key -> (description, [(label, field, default)]).
_SIMPLE_VOLUMES: dict[str, tuple[str, list[tuple[str, str, Any]]]] = {
    "hostPath": ("HostPath (bare host directory volume)", [("Path", "path", ""), ("HostPathType", "type", "<none>")]),
    "emptyDir": ("EmptyDir (a temporary directory that shares a pod's lifetime)",
                 [("Medium", "medium", ""), ("SizeLimit", "sizeLimit", "<unset>")]),
    "secret": ("Secret (a volume populated by a Secret)", [("SecretName", "secretName", ""),
                                                           ("Optional", "optional", False)]),
    "configMap": ("ConfigMap (a volume populated by a ConfigMap)", [("Name", "name", ""),
                                                                     ("Optional", "optional", False)]),
    "persistentVolumeClaim": ("PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
                              [("ClaimName", "claimName", ""), ("ReadOnly", "readOnly", False)]),
    "nfs": ("NFS (an NFS mount that lasts the lifetime of a pod)", [("Server", "server", ""), ("Path", "path", ""),
                                                                     ("ReadOnly", "readOnly", False)]),
    "image": ("Image (a container image or OCI artifact)", [("Reference", "reference", ""),
                                                            ("PullPolicy", "pullPolicy", "")]),
}


def _field_text(value: Any, default: Any) -> str:
    if isinstance(default, bool):
        return _bool(value)
    if value in (None, "") or (default == "<unset>" and quantity_string(value) == "0"):
        return str(default)
    return quantity_string(value) if default == "<unset>" else str(value)


def _volume_source(v: Mapping[str, Any], w: PrefixWriter) -> None:
    for key, (title, fields) in _SIMPLE_VOLUMES.items():
        if v.get(key) is not None:
            source = v[key]
            text = f"Type:\t{title}\n" + "".join(f"    {label}:\t{_field_text(source.get(name), default)}\n"
                                                  for label, name, default in fields)
            w.write(LEVEL_2, text)
            return
    if v.get("downwardAPI") is not None:
        w.write(LEVEL_2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n")
        for item in v["downwardAPI"].get("items") or []:
            ref = item.get("fieldRef") or item.get("resourceFieldRef") or {}
            w.write(LEVEL_3, f"{ref.get('fieldPath') or ref.get('resource')} -> {item.get('path', '')}\n")
    elif v.get("projected") is not None:
        _projected(v["projected"], w)
    elif v.get("csi") is not None:
        c = v["csi"]
        w.write(LEVEL_2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n"
                         f"    Driver:\t{c.get('driver')}\n    FSType:\t{c.get('fsType', '')}\n"
                         f"    ReadOnly:\t{_bool(c.get('readOnly'))}\n")
        _csi_attributes(c.get("volumeAttributes") or {}, w)
    else:
        w.write(LEVEL_1, "<unknown>\n")


def _bool(value: Any) -> str:
    return "true" if value else "false"


def _csi_attributes(attributes: Mapping[str, Any], w: PrefixWriter) -> None:
    """printCSIPersistentVolumeAttributesMultiline, with its indentation as kubectl writes it."""
    w.write(LEVEL_2, "VolumeAttributes:\t")
    if not attributes:
        w.line("<none>")
        return
    for i, key in enumerate(sorted(attributes)):
        if i:
            w.write(LEVEL_2, "")
            w.write(LEVEL_2, "\t")
        line = f"{key}={attributes[key]}"
        w.write(LEVEL_2, f"{line[:140]}...\n" if len(line) > 140 else f"{line}\n")


def _projected(p: Mapping[str, Any], w: PrefixWriter) -> None:
    w.write(LEVEL_2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
    for source in p.get("sources") or []:
        if source.get("secret") is not None:
            s = source["secret"]
            w.write(LEVEL_2, f"SecretName:\t{s.get('name', '')}\n    Optional:\t{_bool(s.get('optional'))}\n")
        elif source.get("downwardAPI") is not None:
            w.write(LEVEL_2, "DownwardAPI:\ttrue\n")
        elif source.get("configMap") is not None:
            c = source["configMap"]
            w.write(LEVEL_2, f"ConfigMapName:\t{c.get('name', '')}\n"
                             f"    Optional:\t{str(bool(c.get('optional'))).lower()}\n")
        elif source.get("serviceAccountToken") is not None:
            w.write(LEVEL_2, f"TokenExpirationSeconds:\t{source['serviceAccountToken'].get('expirationSeconds')}\n")


def describe_volumes(volumes: Sequence[Mapping[str, Any]], w: PrefixWriter, *, space: str = "") -> None:
    if not volumes:
        w.write(LEVEL_0, f"{space}Volumes:\t<none>\n")
        return
    w.write(LEVEL_0, f"{space}Volumes:\n")
    for v in volumes:
        w.write(LEVEL_1, f"{' ' if space else ''}{v.get('name', '')}:\n")
        _volume_source(v, w)
