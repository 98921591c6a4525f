"""The simulated kubelet's ConfigMaps, Secrets and volumes: its volume manager, and the configuration it generates
for each container it starts (`generateContainerConfig`).

Volumes. A pod's volumes that its containers mount are set up before its sandbox (`WaitForAttachAndMount`): while
one cannot be (a ConfigMap or Secret that does not exist, an item whose key is missing), the pod stays Pending
with its containers in ContainerCreating, and every failed attempt is a `FailedMount` event
(`MountVolume.SetUp failed for volume "config" : configmap "app-config" not found`). Attempts back off as the
volume manager's operations do: 0.5 s, doubling to 2 min 2 s. After 2 min 3 s of waiting the pod's sync gives
up with `Unable to attach or mount volumes: unmounted volumes=[config], unattached volumes=[], failed to process
volumes=[]: context deadline exceeded` and starts again 10 s later. When the ConfigMap or Secret appears, the
next attempt is made at once (a real kubelet notices at its next attempt, within the back-off).

Updates. A change to a ConfigMap or Secret that a pod mounts reaches its files at the pod's next periodic sync:
the kubelet syncs each pod every minute (`--sync-frequency`, 1m; a real kubelet adds up to 30 s of jitter and
its cache may add its own delay), here every 60 s counted from the moment the kubelet took the pod, so a change
shows after 0 to 60 s. Downward API files follow the pod's labels and annotations at once (a change to the pod
makes the kubelet sync it). A `subPath` mount never changes, and neither does the environment: both are fixed
when the container starts, so a new value needs a new container (`kubectl rollout restart deployment/web`).

Containers. Each start generates the container's environment (`envvars.py`): a missing ConfigMap, Secret or key
fails the start with a `Failed` event (`Error: configmap "app-config" not found`) and leaves the container
waiting in `CreateContainerConfigError` with that message; the kubelet tries again at its next sync of the pod
(10 s later: the pod worker's back-off after a failed sync), or at once when the ConfigMap or Secret appears.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kube_magics.sim import containerfs, envvars
from kube_magics.sim.clock import quantize
from kube_magics.sim.controllers.kubelet_stages import CONFIG_RETRY, DELAYS
from kube_magics.sim.controllers.kubelet_state import CState, Instance, PodRuntime
from kube_magics.sim.store import WatchEvent
from kube_magics.sim.volumes import MountError, references, refreshed, set_up, volume_kind

if TYPE_CHECKING:
    from kube_magics.sim.controllers.kubelet import KubeletController

Obj = dict[str, Any]
SYNC_PERIOD = 60.0  # the kubelet's periodic sync of each pod
MOUNT_BACKOFF_START, MOUNT_BACKOFF_MAX = 0.5, 122.0  # exponentialbackoff in the operation executor
MOUNT_TIMEOUT = 123.0  # podAttachAndMountTimeout


@dataclass
class ContainerConfig:
    """What the runtime gets to start a container: its environment, argv parts, subPath mounts, and the mounted
    files its command names (for the behaviour model)."""

    env: dict[str, str]
    command: list[str]
    args: list[str]
    subpaths: dict[str, containerfs.Entry] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def applied_to(self, spec: Obj) -> Obj:
        """The container with `$(VAR)` expanded in its command and args."""
        if not self.command and not self.args:
            return spec
        out = dict(spec)
        if self.command:
            out["command"] = self.command
        if self.args:
            out["args"] = self.args
        return out


class ConfigManager:
    """One per kubelet controller; pods' state is on their `PodRuntime`."""

    def __init__(self, kubelet: KubeletController) -> None:
        self.kl = kubelet
        self.rt = kubelet.rt
        self.users: dict[tuple[str, str, str], dict[tuple[str, str], None]] = {}  # (kind, ns, name) -> pods

    # --- references -----------------------------------------------------------------------------------------

    def accept(self, prt: PodRuntime, now: float) -> None:
        """A pod the kubelet takes on: note what it uses, and set its volumes up."""
        prt.refs = tuple(sorted(pod_references(prt.obj)))
        for kind, name in prt.refs:
            self.users.setdefault((kind, prt.namespace, name), {})[(prt.namespace, prt.name)] = None
        self.mount(prt, now, first=True)

    def forget(self, prt: PodRuntime) -> None:
        for kind, name in prt.refs:
            users = self.users.get((kind, prt.namespace, name))
            if users is not None:
                users.pop((prt.namespace, prt.name), None)
                if not users:
                    del self.users[(kind, prt.namespace, name)]

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        meta = event.object["metadata"]
        key = (event.kind, meta.get("namespace", ""), meta["name"])
        return (("source", *key),) if key in self.users else ()

    def source_changed(self, kind: str, namespace: str, name: str) -> None:
        """A ConfigMap or Secret that pods use was created, changed or deleted."""
        now = self.rt.clock.now
        for pod_key in list(self.users.get((kind, namespace, name), ())):
            prt = self.kl.pods.get(pod_key)
            if prt is None or prt.terminating:
                continue
            for c in prt.containers:
                if c.stage == "config-error":
                    c.due = now
            volumes = {str(v.get("name")): v for v in prt.obj["spec"].get("volumes") or ()}
            for vname, (_, backoff) in list(prt.mount_retry.items()):
                vol = volumes.get(vname) or {}
                kind_of = volume_kind(vol)
                if any((k, n) == (kind, name) for k, n, _, _ in references(kind_of, vol.get(kind_of) or {})):
                    prt.mount_retry[vname] = (now, backoff)
            if any((kind, name) in mv.refers_to() for mv in prt.volumes.values()):
                due = next_sync(prt.accepted, now)
                prt.refresh_due = due if prt.refresh_due is None else min(prt.refresh_due, due)
            self.kl.queue.add(("pod", *pod_key))

    # --- volumes --------------------------------------------------------------------------------------------

    def lookup(self, namespace: str) -> envvars.Lookup:
        store = self.rt.store
        return lambda kind, name: store.get(kind, "" if kind == "Node" else namespace, name)

    def step(self, prt: PodRuntime, now: float) -> bool:
        """Mount attempts and volume rewrites that are due; True if something happened."""
        done = False
        if prt.mount_retry and not prt.terminating and (
                min(d for d, _ in prt.mount_retry.values()) <= now
                or (prt.mount_timeout is not None and prt.mount_timeout <= now)):
            self.mount(prt, now)
            done = True
        if prt.refresh_due is not None and prt.refresh_due <= now:
            prt.refresh_due = None
            self.refresh(prt, now, lambda mv: True)
            done = True
        return done

    def mount(self, prt: PodRuntime, now: float, *, first: bool = False) -> None:
        volumes = {str(v.get("name")): v for v in prt.obj["spec"].get("volumes") or ()}
        for name in sorted(mounted_volume_names(prt.obj)):
            if name in prt.volumes or name not in volumes:
                continue
            due, backoff = prt.mount_retry.get(name, (now, 0.0))
            if due > now:
                continue
            try:
                prt.volumes[name] = set_up(volumes[name], prt.obj, self.lookup(prt.namespace), now)
                prt.mount_retry.pop(name, None)
            except MountError as exc:
                self._event(prt, f'MountVolume.SetUp failed for volume "{name}" : {exc}')
                backoff = MOUNT_BACKOFF_START if not backoff else min(MOUNT_BACKOFF_MAX, backoff * 2)
                prt.mount_retry[name] = (quantize(now + backoff), backoff)
        if not prt.mount_retry:
            if prt.mount_timeout is not None or not first:
                prt.sandbox_due = quantize(now + DELAYS["sandbox"])
            prt.mount_timeout = None
        elif prt.mount_timeout is None:
            prt.mount_timeout = quantize(now + MOUNT_TIMEOUT)
        elif prt.mount_timeout <= now:
            unmounted = " ".join(sorted(prt.mount_retry))
            self._event(prt, f"Unable to attach or mount volumes: unmounted volumes=[{unmounted}], unattached "
                             "volumes=[], failed to process volumes=[]: context deadline exceeded")
            prt.mount_timeout = quantize(now + CONFIG_RETRY + MOUNT_TIMEOUT)

    def refresh(self, prt: PodRuntime, now: float, which: Any) -> None:
        """Rewrite the volumes (chosen by `which`) whose sources changed since they were written."""
        for name, mv in list(prt.volumes.items()):
            if not which(mv):
                continue
            try:
                new = refreshed(mv, prt.obj, self.lookup(prt.namespace), now)
            except MountError as exc:
                self._event(prt, f'MountVolume.SetUp failed for volume "{name}" : {exc}')
                continue
            if new is not None:
                prt.volumes[name] = new

    def pod_changed(self, prt: PodRuntime, pod: Obj, now: float) -> None:
        """The pod's labels or annotations changed: rewrite its downward API files."""
        old, new = prt.obj["metadata"], pod["metadata"]
        if old.get("labels") == new.get("labels") and old.get("annotations") == new.get("annotations"):
            return
        prt.obj = pod
        self.refresh(prt, now, lambda mv: mv.kind == "downwardAPI" or (
            mv.kind == "projected" and any(s.get("downwardAPI") is not None for s in mv.source.get("sources") or ())))

    def _event(self, prt: PodRuntime, message: str) -> None:
        self.rt.events.record(prt.obj, "Warning", "FailedMount", message, component="kubelet", host=prt.node)

    # --- a container's configuration ------------------------------------------------------------------------

    def generate(self, prt: PodRuntime, c: CState) -> ContainerConfig | str:
        """The container's configuration, or the kubelet's error message."""
        pod, spec = prt.obj, c.spec
        node = self.rt.store.get("Node", "", prt.node) or {}
        try:
            variables = envvars.container_env(
                pod, spec, lookup=self.lookup(prt.namespace), services=self._services(prt.namespace, pod),
                pod_ip=prt.ip, host_ip=self.kl.node_runtime(prt.node).ip,
                allocatable=(node.get("status") or {}).get("allocatable") or {})
        except envvars.ConfigError as exc:
            return str(exc)
        image_config = c.image.config if c.image is not None else {}
        env = envvars.runtime_env(image_config.get("Env") or (), containerfs.hostname_of(pod), variables,
                                  home=_home(image_config))
        command, args = envvars.expand_command(spec, variables)
        cfg = ContainerConfig(env, command, args)
        cfg.subpaths = self._subpaths(prt, spec, dict(variables))
        cfg.files = self._named_files(prt, c, cfg, [*command, *args])
        return cfg

    def _services(self, namespace: str, pod: Obj) -> list[Obj]:
        store = self.rt.store
        master = store.get("Service", "default", "kubernetes")
        links = pod["spec"].get("enableServiceLinks") is not False
        return envvars.linked_services(namespace, links, store.list("Service", namespace) if links else [],
                                       [master] if master is not None else [])

    def _subpaths(self, prt: PodRuntime, spec: Mapping[str, Any], variables: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for m in spec.get("volumeMounts") or ():
            sub = m.get("subPath") or envvars.expand(str(m.get("subPathExpr") or ""), variables)
            mv = prt.volumes.get(str(m.get("name")))
            if not sub or mv is None:
                continue
            try:
                out[str(m.get("mountPath"))] = containerfs.resolve(containerfs.volume_tree(mv), "/" + sub)
            except containerfs.PathError:
                out[str(m.get("mountPath"))] = containerfs.directory()  # the kubelet makes the missing directory
        return out

    def tree(self, prt: PodRuntime, c: CState, inst: Instance | None,
             cfg: ContainerConfig | None = None) -> containerfs.Entry:
        """The container's file system as it sees it now: its mounts, the kubelet's files, and what the pod's
        processes wrote (their own files, and what any container of the pod wrote into a shared emptyDir)."""
        subpaths = cfg.subpaths if cfg is not None else inst.subpaths if inst is not None else {}
        mounts = []
        for m in c.spec.get("volumeMounts") or ():
            path = str(m.get("mountPath"))
            if m.get("subPath") or m.get("subPathExpr"):
                if path in subpaths:
                    mounts.append((path, subpaths[path]))
                continue
            mv = prt.volumes.get(str(m.get("name")))
            if mv is not None:
                mounts.append((path, containerfs.volume_tree(mv)))
        root = containerfs.build(mounts, containerfs.kubelet_files(prt.obj, c.spec, prt.ip))
        for path, data in self._written(prt, c).items():
            containerfs.put(root, containerfs.split(path), containerfs.Entry("file", 0o644, data))
        return root

    def _written(self, prt: PodRuntime, c: CState) -> dict[str, bytes]:
        """Files the pod's processes created and still have, as `c` sees them: those of its current run outside
        any volume, and those of every run of every container in an emptyDir that `c` mounts too."""
        now = self.rt.clock.now
        own: dict[str, bytes] = {}
        shared: dict[tuple[str, str], bytes] = {}
        kinds = {str(v.get("name")): volume_kind(v) for v in prt.obj["spec"].get("volumes") or ()}
        for x in prt.containers:
            for inst in (x.previous, x.current):
                if inst is None:
                    continue
                offset = (inst.finished if inst.finished is not None else now) - inst.started
                contents = dict(inst.process.contents)
                workdir = str(x.spec.get("workingDir") or (x.image.config if x.image else {}).get("WorkingDir") or "/")
                for path in _existing(inst.process.files, offset):
                    full = posixpath.normpath(posixpath.join(workdir, path))
                    data = contents.get(path, "").encode()
                    where = _mount_of(x.spec, full)
                    if where is None:
                        if x is c and inst is c.current:
                            own[full] = data
                    elif kinds.get(where[0]) == "emptyDir":
                        shared[where] = data
        for m in c.spec.get("volumeMounts") or ():
            if m.get("subPath") or m.get("subPathExpr"):
                continue
            for (vol, rel), data in shared.items():
                if vol == m.get("name"):
                    own[posixpath.join(str(m.get("mountPath")), rel)] = data
        return own

    def _named_files(self, prt: PodRuntime, c: CState, cfg: ContainerConfig, argv: list[str]) -> dict[str, str]:
        """Mounted files that the command or an exec probe names, with their contents."""
        words = " ".join(argv)
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            words += " " + " ".join(str(a) for a in ((c.spec.get(probe) or {}).get("exec") or {}).get("command") or ())
        candidates = {w for w in _paths_in(words)}
        roots = [str(m.get("mountPath")) for m in c.spec.get("volumeMounts") or ()] + ["/etc/"]
        candidates = {p for p in candidates if any(p.startswith(r.rstrip("/") + "/") for r in roots)}
        if not candidates:
            return {}
        root = self.tree(prt, c, None, cfg)
        out: dict[str, str] = {}
        for path in sorted(candidates):
            try:
                entry = containerfs.resolve(root, path)
            except containerfs.PathError:
                continue
            if entry.kind == "file":
                out[path] = entry.data.decode("utf-8", "replace")
        return out


def _existing(files: Iterable[tuple[str, float, float | None]], offset: float) -> list[str]:
    """The paths a process has at `offset` seconds after it started."""
    out: dict[str, None] = {}
    for path, created, removed in files:
        if created <= offset and (removed is None or offset < removed):
            out[path] = None
    return list(out)


def _mount_of(spec: Mapping[str, Any], path: str) -> tuple[str, str] | None:
    """(volume name, path inside it) of the container's mount that holds `path`, if any."""
    best: tuple[int, str, str] | None = None
    for m in spec.get("volumeMounts") or ():
        root = posixpath.normpath(str(m.get("mountPath")))
        inside = path == root or path.startswith(root.rstrip("/") + "/")
        if inside and (best is None or len(root) > best[0]):
            best = (len(root), str(m.get("name")), path[len(root):].lstrip("/"))
    return None if best is None else (best[1], best[2])


def _paths_in(text: str) -> list[str]:
    out: list[str] = []
    word: list[str] = []
    for ch in text + " ":
        if ch.isspace() or ch in "'\";|&<>()`":
            if word and word[0] == "/":
                out.append("".join(word))
            word = []
        else:
            word.append(ch)
    return out


def _home(image_config: Mapping[str, Any]) -> str:
    user = str(image_config.get("User") or "").split(":")[0]
    return "/root" if user in ("", "root", "0") else "/"


def next_sync(accepted: float, now: float) -> float:
    """The pod's next periodic sync after `now` (every SYNC_PERIOD from when the kubelet took it)."""
    periods = int((now - accepted) // SYNC_PERIOD) + 1
    return quantize(accepted + periods * SYNC_PERIOD)


def mounted_volume_names(pod: Mapping[str, Any]) -> set[str]:
    """The volumes some container mounts (`GetPodVolumeNames`): only those must be set up."""
    spec = pod.get("spec") or {}
    names: set[str] = set()
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(group) or ():
            names.update(str(m.get("name")) for m in c.get("volumeMounts") or ())
            names.update(str(d.get("name")) for d in c.get("volumeDevices") or ())
    return names


def pod_references(pod: Mapping[str, Any]) -> set[tuple[str, str]]:
    """Every ConfigMap and Secret the pod reads: volumes, `envFrom`, `env` references."""
    spec = pod.get("spec") or {}
    out: set[tuple[str, str]] = set()
    for vol in spec.get("volumes") or ():
        kind = volume_kind(vol)
        out.update((k, n) for k, n, _, _ in references(kind, vol.get(kind) or {}))
    for group in ("initContainers", "containers"):
        for c in spec.get(group) or ():
            for src in c.get("envFrom") or ():
                if src.get("configMapRef") is not None:
                    out.add(("ConfigMap", str(src["configMapRef"].get("name", ""))))
                if src.get("secretRef") is not None:
                    out.add(("Secret", str(src["secretRef"].get("name", ""))))
            for var in c.get("env") or ():
                ref = var.get("valueFrom") or {}
                if ref.get("configMapKeyRef") is not None:
                    out.add(("ConfigMap", str(ref["configMapKeyRef"].get("name", ""))))
                if ref.get("secretKeyRef") is not None:
                    out.add(("Secret", str(ref["secretKeyRef"].get("name", ""))))
    return out
