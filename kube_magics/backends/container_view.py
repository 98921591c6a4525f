"""What a container in a pod sees, worked out from API objects: its environment and the files it has mounted.

Both follow from the objects alone, as the kubelet builds them when it starts a container:

- environment: the image's `Env` (PATH first), `HOSTNAME`, the container's `envFrom` (ConfigMaps and Secrets,
  with their `prefix`) and `env` (values, `configMapKeyRef`, `secretKeyRef`, `fieldRef`), then the Docker-link
  variables of the Services in the pod's namespace (`enableServiceLinks`) and of `kubernetes`, and `HOME`;
- files: ConfigMap, Secret, downwardAPI and projected volumes (the service account token, `ca.crt` and
  `namespace` under /var/run/secrets/kubernetes.io/serviceaccount) at their mount paths, with `items` and
  `subPath`; the kubelet-managed /etc/hosts, /etc/hostname and /etc/resolv.conf; empty directories for the others.

`ContainerView.build(...)` takes a `lookup(resource, name, namespace) -> object or None` so that it works on what
any cluster returns. Imports only the bottom layer (images, errors).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_magics import images

Obj = Mapping[str, Any]
Lookup = Callable[[str, str, str], Any]

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CLUSTER_DOMAIN = "cluster.local"
DNS_SERVER = "10.96.0.10"


@dataclass
class ContainerView:
    hostname: str
    env: dict[str, str] = field(default_factory=dict)  # in the order `env` prints it
    files: dict[str, bytes] = field(default_factory=dict)  # absolute path -> content
    dirs: set[str] = field(default_factory=set)  # directories that exist (mount points and their parents)

    @classmethod
    def build(cls, pod: Obj, container: Obj, lookup: Lookup, services: Sequence[Obj]) -> ContainerView:
        meta = pod.get("metadata") or {}
        hostname = str((pod.get("spec") or {}).get("hostname") or meta.get("name", ""))
        view = cls(hostname)
        view.env = environment(pod, container, lookup, services)
        for path, content in kubelet_files(pod, hostname).items():
            view.add_file(path, content)
        for mount in container.get("volumeMounts") or ():
            view.mount(pod, mount, lookup)
        return view

    def add_file(self, path: str, content: bytes) -> None:
        self.files[path] = content
        self.add_dir(path.rsplit("/", 1)[0] or "/")

    def add_dir(self, path: str) -> None:
        while path and path not in self.dirs:
            self.dirs.add(path)
            path = path.rsplit("/", 1)[0] or ("/" if path != "/" else "")

    def mount(self, pod: Obj, mount: Obj, lookup: Lookup) -> None:
        volume = next((v for v in (pod.get("spec") or {}).get("volumes") or () if v.get("name") == mount.get("name")),
                      None)
        target = str(mount.get("mountPath", "")).rstrip("/") or "/"
        contents = volume_files(pod, volume, lookup) if volume is not None else {}
        sub = mount.get("subPath")
        if sub:
            if sub in contents:
                self.add_file(target, contents[sub])
            else:
                self.add_dir(target)
            return
        self.add_dir(target)
        for name, content in contents.items():
            self.add_file(f"{target}/{name}" if target != "/" else f"/{name}", content)

    def listing(self, path: str) -> list[str] | None:
        """The names in a directory, sorted as `ls` sorts them (None if it is not a directory here)."""
        path = path.rstrip("/") or "/"
        if path not in self.dirs:
            return None
        prefix = "/" if path == "/" else path + "/"
        names = {p[len(prefix):].split("/", 1)[0] for p in (*self.files, *self.dirs) if p.startswith(prefix)}
        names.discard("")
        return sorted(names)


# --- environment ----------------------------------------------------------------------------------------------------


def environment(pod: Obj, container: Obj, lookup: Lookup, services: Sequence[Obj]) -> dict[str, str]:
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    ns = str(meta.get("namespace") or "default")
    out: dict[str, str] = {}
    image = images.CATALOGUE.lookup(str(container.get("image", "")))
    image_env = [str(e) for e in ((image.config.get("Env") if image else None) or [f"PATH={DEFAULT_PATH}"])]
    first = dict(e.split("=", 1) for e in image_env if "=" in e)
    out["PATH"] = first.pop("PATH", DEFAULT_PATH)
    out["HOSTNAME"] = str(spec.get("hostname") or meta.get("name", ""))
    out.update(first)
    for source in container.get("envFrom") or ():
        out.update(_env_from(source, ns, lookup))
    for var in container.get("env") or ():
        value = _env_value(pod, var, ns, lookup, out)
        if value is not None:
            out[str(var.get("name"))] = value
    if spec.get("enableServiceLinks", True):
        for svc in services:
            if (svc.get("metadata") or {}).get("namespace") == ns:
                _service_env(svc, out)
    kubernetes = next((s for s in services if (s.get("metadata") or {}).get("name") == "kubernetes"
                       and (s.get("metadata") or {}).get("namespace") == "default"), None)
    if kubernetes is not None:
        _service_env(kubernetes, out)
    out.setdefault("HOME", "/root")
    return out


def _data(obj: Any, secret: bool) -> dict[str, str]:
    if not obj:
        return {}
    data = dict(obj.get("data") or {})
    if secret:
        return {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in data.items()}
    return {k: str(v) for k, v in data.items()}


def _env_from(source: Obj, ns: str, lookup: Lookup) -> dict[str, str]:
    prefix = str(source.get("prefix") or "")
    if source.get("configMapRef"):
        values = _data(lookup("configmaps", source["configMapRef"].get("name", ""), ns), False)
    elif source.get("secretRef"):
        values = _data(lookup("secrets", source["secretRef"].get("name", ""), ns), True)
    else:
        values = {}
    return {prefix + k: v for k, v in values.items()}


def _env_value(pod: Obj, var: Obj, ns: str, lookup: Lookup, so_far: Mapping[str, str]) -> str | None:
    if "value" in var:
        return _expand(str(var.get("value") or ""), so_far)
    ref = var.get("valueFrom") or {}
    if ref.get("configMapKeyRef"):
        r = ref["configMapKeyRef"]
        return _data(lookup("configmaps", r.get("name", ""), ns), False).get(r.get("key", ""))
    if ref.get("secretKeyRef"):
        r = ref["secretKeyRef"]
        return _data(lookup("secrets", r.get("name", ""), ns), True).get(r.get("key", ""))
    if ref.get("fieldRef"):
        return field_value(pod, str(ref["fieldRef"].get("fieldPath", "")))
    if "valueFrom" not in var:
        return ""
    return None


def _expand(value: str, env: Mapping[str, str]) -> str:
    """`$(VAR)` references to variables defined before, as the kubelet expands them (`$$` escapes)."""
    out, i = [], 0
    while i < len(value):
        if value.startswith("$$", i):
            out.append("$")
            i += 2
        elif value.startswith("$(", i) and ")" in value[i:]:
            end = value.index(")", i)
            name = value[i + 2:end]
            out.append(env.get(name, value[i:end + 1]))
            i = end + 1
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def field_value(pod: Obj, path: str) -> str:
    """The downward API's fields: metadata.name/namespace/uid/labels['k']/annotations['k'], spec.nodeName,
    spec.serviceAccountName, status.podIP, status.hostIP."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName"), "status.podIP": status.get("podIP"),
              "status.hostIP": status.get("hostIP")}
    if path in simple:
        return str(simple[path] or "")
    for key in ("labels", "annotations"):
        if path == f"metadata.{key}":
            return "\n".join(f'{k}="{v}"' for k, v in sorted((meta.get(key) or {}).items()))
        if path.startswith(f"metadata.{key}['") and path.endswith("']"):
            return str((meta.get(key) or {}).get(path[len(key) + 11:-2], ""))
    return ""


def _service_env(svc: Obj, out: dict[str, str]) -> None:
    """The Docker-link variables of a Service (WEB_SERVICE_HOST, WEB_PORT_80_TCP_ADDR, ...)."""
    spec = svc.get("spec") or {}
    ip = spec.get("clusterIP")
    ports = spec.get("ports") or []
    if not ip or ip == "None" or not ports:
        return
    name = str((svc.get("metadata") or {}).get("name", "")).upper().replace("-", "_")
    first = ports[0]
    out[f"{name}_SERVICE_HOST"] = str(ip)
    out[f"{name}_SERVICE_PORT"] = str(first.get("port"))
    for p in ports:
        if p.get("name"):
            out[f"{name}_SERVICE_PORT_{str(p['name']).upper().replace('-', '_')}"] = str(p.get("port"))
    proto = str(first.get("protocol", "TCP")).lower()
    out[f"{name}_PORT"] = f"{proto}://{ip}:{first.get('port')}"
    for p in ports:
        proto = str(p.get("protocol", "TCP"))
        base = f"{name}_PORT_{p.get('port')}_{proto}"
        out[base] = f"{proto.lower()}://{ip}:{p.get('port')}"
        out[f"{base}_PROTO"] = proto.lower()
        out[f"{base}_PORT"] = str(p.get("port"))
        out[f"{base}_ADDR"] = str(ip)


# --- files ------------------------------------------------------------------------------------------------------------


def kubelet_files(pod: Obj, hostname: str) -> dict[str, bytes]:
    """/etc/hosts, /etc/hostname and /etc/resolv.conf as the kubelet writes them for a pod (ClusterFirst DNS)."""
    ns = str((pod.get("metadata") or {}).get("namespace") or "default")
    ip = str((pod.get("status") or {}).get("podIP") or "")
    hosts = ("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
             "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
    if ip:
        hosts += f"{ip}\t{hostname}\n"
    search = f"{ns}.svc.{CLUSTER_DOMAIN} svc.{CLUSTER_DOMAIN} {CLUSTER_DOMAIN}"
    resolv = f"search {search}\nnameserver {DNS_SERVER}\noptions ndots:5\n"
    return {"/etc/hosts": hosts.encode(), "/etc/hostname": f"{hostname}\n".encode(),
            "/etc/resolv.conf": resolv.encode()}


def volume_files(pod: Obj, volume: Obj, lookup: Lookup) -> dict[str, bytes]:
    """The files a volume holds (relative paths), for the kinds whose contents follow from API objects."""
    ns = str((pod.get("metadata") or {}).get("namespace") or "default")
    if volume.get("configMap"):
        src = volume["configMap"]
        return _items(_bytes(lookup("configmaps", src.get("name", ""), ns), False), src.get("items"))
    if volume.get("secret"):
        src = volume["secret"]
        return _items(_bytes(lookup("secrets", src.get("secretName", ""), ns), True), src.get("items"))
    if volume.get("downwardAPI"):
        return {str(i.get("path")): field_value(pod, str((i.get("fieldRef") or {}).get("fieldPath", ""))).encode()
                for i in volume["downwardAPI"].get("items") or ()}
    if volume.get("projected"):
        out: dict[str, bytes] = {}
        for source in volume["projected"].get("sources") or ():
            if source.get("serviceAccountToken"):
                out[str(source["serviceAccountToken"].get("path", "token"))] = _token(pod)
            elif source.get("secret"):
                src = source["secret"]
                out.update(volume_files(pod, {"secret": {"secretName": src.get("name"), "items": src.get("items")}},
                                        lookup))
            else:
                out.update(volume_files(pod, dict(source), lookup))
        return out
    return {}


def _bytes(obj: Any, secret: bool) -> dict[str, bytes]:
    if not obj:
        return {}
    out: dict[str, bytes] = {}
    for k, v in (obj.get("data") or {}).items():
        out[k] = base64.b64decode(v) if secret else str(v).encode()
    for k, v in (obj.get("binaryData") or {}).items():
        out[k] = base64.b64decode(v)
    return out


def _items(data: dict[str, bytes], items: Any) -> dict[str, bytes]:
    if not items:
        return data
    return {str(i.get("path")): data[i.get("key")] for i in items if i.get("key") in data}


def _token(pod: Obj) -> bytes:
    """A stand-in for the projected service account token: shaped like a JWT, derived from the pod's uid."""
    uid = str((pod.get("metadata") or {}).get("uid", ""))
    digest = hashlib.sha256(uid.encode()).digest()
    part = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiIsImtpZCI6InNpbSJ9.{part}.{part[::-1]}".encode()
