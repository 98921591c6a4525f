"""Pod volumes as the kubelet's volume plugins set them up: what `configMap`, `secret`, `downwardAPI`, `projected`
and `emptyDir` volumes contain, and the errors that keep a pod in ContainerCreating.

Setting a volume up (`set_up`) reads its sources (the ConfigMaps and Secrets, in the pod's namespace) and keeps
them as they were: stored objects are never changed, so holding them is a snapshot. The files are worked out from
that snapshot when someone reads them (`files`), so a mount costs a few lookups whatever the data's size.

What the files are (`MakePayload`, `CollectData`):
- `configMap`: one file per key of `data` and `binaryData`, or only the `items` (key -> path, with their own
  `mode`); `defaultMode` (0644 unless given) for the rest. `secret`: the same from the Secret's decoded bytes.
  A Secret volume holds the values in plain text: base64 in the API object is an encoding, not encryption.
- `downwardAPI`: `fieldRef` (`metadata.name`, `metadata.labels` as `key="value"` lines, ...) and
  `resourceFieldRef` items.
- `projected`: several of those plus `serviceAccountToken` in one directory (every pod's
  `kube-api-access-xxxxx` volume: token, ca.crt from the `kube-root-ca.crt` ConfigMap, namespace).

Errors, in the kubelet's words (each failed attempt is a `FailedMount` event: `MountVolume.SetUp failed for volume
"config" : configmap "app-config" not found`): a missing ConfigMap or Secret unless `optional: true`
(`configmap "x" not found`, `secret "x" not found`), an item naming a key that is not there
(`configmap references non-existent config key: K`, `references non-existent secret key: K`); a projected
volume reports all its sources' errors together.

The kubelet writes these volumes atomically (`AtomicWriter`): the files live in a timestamped directory
(`..2026_01_05_09_00_00.1234567890`), `..data` links to it, and each visible name links into `..data`. An
update writes a new directory and swaps the link, which is why a running program sees all the new files at once,
and why a `subPath` mount (bound to one file of one directory) never sees an update.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from kube_magics.sim.envvars import ConfigError, metadata_value, resource_value, secret_values

Obj = dict[str, Any]
Lookup = Callable[[str, str], Obj | None]  # (kind, name) in the pod's namespace, or cluster-scoped (Node)
ATOMIC = ("configMap", "secret", "downwardAPI", "projected")  # the volume types the atomic writer fills
DEFAULT_MODE = 0o644
TOKEN_EXTENDED = 365 * 86400  # kube-apiserver extends kubelet tokens to a year (--service-account-extend-...)
ISSUER = "https://kubernetes.default.svc.cluster.local"


class MountError(Exception):
    """A volume could not be set up; the message is the volume plugin's."""


@dataclass(frozen=True)
class FileProjection:
    data: bytes
    mode: int


@dataclass
class MountedVolume:
    """A volume set up for a pod: its kind, its source spec, and the objects its files come from."""

    name: str
    kind: str  # configMap, secret, downwardAPI, projected, emptyDir, or another plugin's name
    source: Mapping[str, Any]
    sources: dict[tuple[str, str], Obj | None]  # (kind, name) -> the object when last written (None: absent)
    pod: Mapping[str, Any]  # the pod when last written (its labels and annotations, for the downward API)
    written: float  # when the files were last written (the timestamped directory's name)
    issued: float = -1.0  # when its service account token was issued (kept across rewrites); -1: `written`
    _files: dict[str, FileProjection] | None = field(default=None, repr=False)
    _stamp: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.issued < 0:
            self.issued = self.written

    @property
    def stamp(self) -> str:
        """The timestamped directory's name (worked out when first read: most are never looked at)."""
        if not self._stamp:
            self._stamp = stamp_for(self.written, self.name, str((self.pod.get("metadata") or {}).get("uid", "")))
        return self._stamp

    @property
    def atomic(self) -> bool:
        return self.kind in ATOMIC

    def refers_to(self) -> list[tuple[str, str]]:
        return [k for k in self.sources if k[0] in ("ConfigMap", "Secret")]


def volume_kind(volume: Mapping[str, Any]) -> str:
    for key in (*ATOMIC, "emptyDir"):
        if volume.get(key) is not None:
            return key
    return next((k for k in volume if k != "name"), "emptyDir")


def stamp_for(t: float, volume: str, pod_uid: str) -> str:
    """`..2026_01_05_09_00_00.1234567890`: the time, and a number (random in Go's MkdirTemp; derived here)."""
    when = datetime.fromtimestamp(t, tz=timezone.utc).strftime("..%Y_%m_%d_%H_%M_%S.")
    digits = int(hashlib.sha256(f"{pod_uid}/{volume}/{t}".encode()).hexdigest()[:8], 16)
    return when + str(digits)


# --- what a volume needs --------------------------------------------------------------------------------------

def references(source_kind: str, source: Mapping[str, Any]) -> list[tuple[str, str, bool, list[str]]]:
    """(kind, name, optional, item keys) of every ConfigMap and Secret a volume source reads."""
    if source_kind == "configMap":
        return [("ConfigMap", str(source.get("name", "")), source.get("optional") is True, _keys(source))]
    if source_kind == "secret":
        return [("Secret", str(source.get("secretName", "")), source.get("optional") is True, _keys(source))]
    out: list[tuple[str, str, bool, list[str]]] = []
    if source_kind == "projected":
        for s in source.get("sources") or ():
            if s.get("configMap") is not None:
                out += references("configMap", s["configMap"])
            elif s.get("secret") is not None:
                sec = s["secret"]
                out.append(("Secret", str(sec.get("name", "")), sec.get("optional") is True, _keys(sec)))
    return out


def _keys(source: Mapping[str, Any]) -> list[str]:
    return [str(i.get("key", "")) for i in source.get("items") or ()]


def check(refs: list[tuple[str, str, bool, list[str]]], objects: Mapping[tuple[str, str], Obj | None]) -> None:
    """Raise the plugin's error if a source is missing or lacks an item's key (all of a projected volume's
    errors together, as `utilerrors.NewAggregate` words them)."""
    errors: list[str] = []
    for kind, name, optional, keys in refs:
        obj = objects.get((kind, name))
        if obj is None:
            if not optional:
                errors.append(f'{kind.lower()} "{name}" not found')
            continue
        present = set(obj.get("data") or {}) | set(obj.get("binaryData") or {})
        for key in keys:
            if key not in present and not optional:
                errors.append(f"configmap references non-existent config key: {key}" if kind == "ConfigMap"
                              else f"references non-existent secret key: {key}")
                break
    unique = list(dict.fromkeys(errors))
    if unique:
        raise MountError(unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]")


def set_up(volume: Mapping[str, Any], pod: Mapping[str, Any], lookup: Lookup, now: float) -> MountedVolume:
    """Set a volume up (raises MountError in the plugin's words)."""
    kind = volume_kind(volume)
    source = volume.get(kind) or {}
    if kind not in ATOMIC:
        return MountedVolume(str(volume.get("name", "")), kind, source, {}, pod, now)
    refs = references(kind, source)
    objects: dict[tuple[str, str], Obj | None] = {(k, n): lookup(k, n) for k, n, _, _ in refs}
    check(refs, objects)
    if kind in ("downwardAPI", "projected"):
        # The token names the node and the service account; resourceFieldRef reads the node's allocatable.
        spec = pod.get("spec") or {}
        node, sa = str(spec.get("nodeName", "")), str(spec.get("serviceAccountName") or "default")
        objects[("Node", node)] = lookup("Node", node)
        if kind == "projected":
            objects[("ServiceAccount", sa)] = lookup("ServiceAccount", sa)
    return MountedVolume(str(volume.get("name", "")), kind, source, objects, pod, now)


def refreshed(mv: MountedVolume, pod: Mapping[str, Any], lookup: Lookup, now: float) -> MountedVolume | None:
    """The volume rewritten from the current objects, or None if nothing it shows has changed (raises
    MountError when a source is now missing: the files then keep what they had)."""
    if not mv.atomic:
        return None
    refs = references(mv.kind, mv.source)
    objects = {(k, n): lookup(k, n) for k, n, _, _ in refs}
    check(refs, objects)
    changed = any(objects[k] is not mv.sources.get(k) for k in objects)
    meta, old_meta = pod.get("metadata") or {}, mv.pod.get("metadata") or {}
    if _uses_downward(mv) and (meta.get("labels") != old_meta.get("labels")
                               or meta.get("annotations") != old_meta.get("annotations")):
        changed = True
    if not changed:
        return None
    kept = {k: v for k, v in mv.sources.items() if k not in objects}
    new = MountedVolume(mv.name, mv.kind, mv.source, {**kept, **objects}, pod, now, issued=mv.issued)
    old_files = files(mv)
    return None if files(new) == old_files else new


def _uses_downward(mv: MountedVolume) -> bool:
    if mv.kind == "downwardAPI":
        return True
    return mv.kind == "projected" and any(s.get("downwardAPI") is not None for s in mv.source.get("sources") or ())


# --- the files ---------------------------------------------------------------------------------------------------

def files(mv: MountedVolume) -> dict[str, FileProjection]:
    """The volume's files (relative path -> data and mode), worked out once from its snapshot."""
    if mv._files is None:
        mv._files = _payload(mv)
    return mv._files


def _payload(mv: MountedVolume) -> dict[str, FileProjection]:
    src, default = mv.source, _mode(mv.source.get("defaultMode"), DEFAULT_MODE)
    if mv.kind == "configMap":
        return _config_files(mv.sources.get(("ConfigMap", str(src.get("name", "")))), src, default)
    if mv.kind == "secret":
        return _secret_files(mv.sources.get(("Secret", str(src.get("secretName", "")))), src, default)
    if mv.kind == "downwardAPI":
        return _downward_files(mv, src.get("items") or (), default)
    if mv.kind != "projected":
        return {}
    out: dict[str, FileProjection] = {}
    for s in src.get("sources") or ():
        if s.get("configMap") is not None:
            out.update(_config_files(mv.sources.get(("ConfigMap", str(s["configMap"].get("name", "")))),
                                     s["configMap"], default))
        elif s.get("secret") is not None:
            out.update(_secret_files(mv.sources.get(("Secret", str(s["secret"].get("name", "")))), s["secret"],
                                     default))
        elif s.get("downwardAPI") is not None:
            out.update(_downward_files(mv, s["downwardAPI"].get("items") or (), default))
        elif s.get("serviceAccountToken") is not None:
            tok = s["serviceAccountToken"]
            out[str(tok.get("path", "token"))] = FileProjection(
                token(mv, int(tok.get("expirationSeconds") or 3600), tok.get("audience")).encode(), default)
    return out


def _mode(value: Any, default: int) -> int:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else default


def _items(values: Mapping[str, bytes], source: Mapping[str, Any], default: int) -> dict[str, FileProjection]:
    items = source.get("items")
    if not items:
        return {k: FileProjection(values[k], default) for k in sorted(values)}
    out: dict[str, FileProjection] = {}
    for item in items:
        key = str(item.get("key", ""))
        if key in values:
            out[_clean(str(item.get("path", key)))] = FileProjection(values[key], _mode(item.get("mode"), default))
    return out


def _config_files(cm: Obj | None, source: Mapping[str, Any], default: int) -> dict[str, FileProjection]:
    if cm is None:
        return {}
    values = {k: str(v).encode() for k, v in (cm.get("data") or {}).items()}
    for k, v in (cm.get("binaryData") or {}).items():
        values[k] = base64.b64decode(v or "")
    return _items(values, source, default)


def _secret_files(secret: Obj | None, source: Mapping[str, Any], default: int) -> dict[str, FileProjection]:
    return {} if secret is None else _items(secret_values(secret), source, default)


def _downward_files(mv: MountedVolume, items: Any, default: int) -> dict[str, FileProjection]:
    out: dict[str, FileProjection] = {}
    node = mv.sources.get(("Node", str((mv.pod.get("spec") or {}).get("nodeName", ""))))
    allocatable = ((node or {}).get("status") or {}).get("allocatable") or {}
    for item in items:
        path, mode = _clean(str(item.get("path", ""))), _mode(item.get("mode"), default)
        try:
            if item.get("fieldRef") is not None:
                value = metadata_value(mv.pod, str(item["fieldRef"].get("fieldPath", "")))
            elif item.get("resourceFieldRef") is not None:
                value = _resource(mv.pod, item["resourceFieldRef"], allocatable)
            else:
                continue
        except ConfigError:
            value = ""
        out[path] = FileProjection(value.encode(), mode)
    return out


def _resource(pod: Mapping[str, Any], sel: Mapping[str, Any], allocatable: Mapping[str, Any]) -> str:
    spec = pod.get("spec") or {}
    for c in (*(spec.get("containers") or ()), *(spec.get("initContainers") or ())):
        if c.get("name") == sel.get("containerName"):
            return resource_value(sel, c, allocatable)
    raise ConfigError(f"container {sel.get('containerName')} not found")


def _clean(path: str) -> str:
    parts = [p for p in path.split("/") if p not in ("", ".")]
    return "/".join(parts)


# --- the service account token ---------------------------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def token(mv: MountedVolume, expiration: int, audience: Any = None) -> str:
    """A bound service account token as kube-apiserver issues it to the kubelet (a JWT: header, claims, RS256
    signature). The claims are the real ones (issuer, audience, the pod, node and service account it is bound
    to, `warnafter` at the requested expiry and `exp` a year later); the signature is made up, so no API server
    would accept it. Decode the middle part (base64url) to read the claims: a token is signed, not encrypted."""
    pod = mv.pod
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    sa_name, node_name = str(spec.get("serviceAccountName") or "default"), str(spec.get("nodeName", ""))
    sa = mv.sources.get(("ServiceAccount", sa_name)) or {}
    node = mv.sources.get(("Node", node_name)) or {}
    iat = int(mv.issued)
    ns = str(meta.get("namespace", "default"))
    seed = f"{meta.get('uid')}/{iat}".encode()
    jti = hashlib.sha256(seed + b"/jti").hexdigest()
    claims = {
        "aud": [audience] if audience else [ISSUER], "exp": iat + TOKEN_EXTENDED, "iat": iat, "iss": ISSUER,
        "jti": f"{jti[:8]}-{jti[8:12]}-{jti[12:16]}-{jti[16:20]}-{jti[20:32]}",
        "kubernetes.io": {
            "namespace": ns,
            "node": {"name": node_name, "uid": str((node.get("metadata") or {}).get("uid", ""))},
            "pod": {"name": str(meta.get("name", "")), "uid": str(meta.get("uid", ""))},
            "serviceaccount": {"name": sa_name, "uid": str((sa.get("metadata") or {}).get("uid", ""))},
            "warnafter": iat + expiration,
        },
        "nbf": iat, "sub": f"system:serviceaccount:{ns}:{sa_name}",
    }
    header = {"alg": "RS256", "kid": _b64url(hashlib.sha256(b"sim/service-account-key").digest())}
    signature = b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(8))
    parts = [_b64url(json.dumps(header, separators=(",", ":")).encode()),
             _b64url(json.dumps(claims, separators=(",", ":")).encode()), _b64url(signature)]
    return ".".join(parts)
