"""SimCluster verbs: What a container sees: its environment and its mounted files.

These answer what `kubectl exec POD -- env`, `-- cat FILE` and `-- ls DIR` would print in the simulated cluster:

    c.exec_env("web-7d4b9c-x2k4q")["MODE"]                 # 'production'
    c.read_file("web-7d4b9c-x2k4q", "/etc/config/MODE")    # 'production'
    c.list_dir("web-7d4b9c-x2k4q", "/etc/config")          # ['LOG_LEVEL', 'MODE']

What a container sees of a ConfigMap or Secret, and when:
- Its environment is fixed when it starts: `valueFrom` and `envFrom` values, the downward API, and the service
  links of the Services that existed then. Changing the ConfigMap later changes nothing for a running
  container; a new one is needed (`kubectl rollout restart deployment/web` replaces the pods of a Deployment).
- Mounted files follow updates, about a minute later (the kubelet rewrites a pod's volumes at its periodic
  sync, every 60 s here); a `subPath` mount never changes.
- A Secret's values arrive decoded, as plain text, in both places. The base64 in the Secret object is only how
  the API carries bytes: it is an encoding, not encryption, and anyone who may read the Secret (or exec into a
  pod that uses it) reads the value. Note too that `kubectl apply` of a Secret written with `stringData` keeps
  the plain-text values in the object's `kubectl.kubernetes.io/last-applied-configuration` annotation.

Errors are kubectl's and the container's own: a pod that does not exist, a container that is not running
(`error: unable to upgrade connection: container not found ("app")`), a file that is not there (`cat: can't
open '/x': No such file or directory` from busybox, `cat: /x: No such file or directory` from GNU coreutils,
exit code 1), raised as `ExecError` with the exit code. Only mounted files and those the kubelet writes
(`/etc/hosts`, `/etc/hostname`, `/etc/resolv.conf`) are known: the image's own files are not modelled.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kube_magics.errors import BackendError, BadRequestError, ExecError, not_found
from kube_magics.sim import containerfs

if TYPE_CHECKING:
    from kube_magics.sim.controllers.kubelet import KubeletController
    from kube_magics.sim.controllers.kubelet_state import CState, Instance, PodRuntime
    from kube_magics.sim.runtime import Runtime


@dataclass(frozen=True)
class FileInfo:
    """What `stat` says about a path in a container."""

    path: str
    type: str  # "file" | "dir" | "link"
    mode: int  # permission bits, e.g. 0o644
    size: int
    target: str = ""  # where a link points

    @property
    def permissions(self) -> str:
        """`-rw-r--r--`, as `ls -l` shows it."""
        bits = "".join(ch if self.mode & (1 << (8 - i)) else "-" for i, ch in enumerate("rwxrwxrwx"))
        if self.mode & 0o1000:
            bits = bits[:8] + ("t" if self.mode & 1 else "T")
        return {"file": "-", "dir": "d", "link": "l"}[self.type] + bits


class ConfigOps:
    rt: Runtime

    def exec_env(self, pod: str, container: str | None = None, namespace: str = "default") -> dict[str, str]:
        """The environment of the container's process, in its order (`kubectl exec POD -- env`): PATH and
        HOSTNAME, the image's `Env`, then what the kubelet set (`envFrom`, `env`, service links), and HOME."""
        _, _, inst = self._running(pod, container, namespace)
        return dict(inst.env)

    def read_file(self, pod: str, path: str, container: str | None = None, namespace: str = "default") -> str:
        """A file as the container reads it (`kubectl exec POD -- cat PATH`), decoded as UTF-8: a ConfigMap's
        value, a Secret's value in plain text, a downward API file, the service account token, /etc/hosts.
        Raises ExecError with `cat`'s message when it is missing or a directory."""
        prt, c, inst = self._running(pod, container, namespace)
        full, busybox = self._path(prt, c, path)
        try:
            entry = containerfs.resolve(self._tree(prt, c, inst), full)
        except containerfs.PathError as exc:
            reason = _REASONS[exc.errno]
            raise ExecError(f"cat: can't open '{path}': {reason}" if busybox else f"cat: {path}: {reason}") from None
        if entry.kind == "dir":
            raise ExecError("cat: read error: Is a directory" if busybox else f"cat: {path}: Is a directory")
        return entry.data.decode("utf-8", "replace")

    def list_dir(self, pod: str, path: str, container: str | None = None, namespace: str = "default", *,
                 all: bool = False) -> list[str]:
        """The names `kubectl exec POD -- ls PATH` prints, sorted as `ls` sorts them (`all`: `ls -a`, with `.`,
        `..` and the atomic writer's `..data` and timestamped directory). A file lists as itself."""
        prt, c, inst = self._running(pod, container, namespace)
        full, busybox = self._path(prt, c, path)
        try:
            entry = containerfs.resolve(self._tree(prt, c, inst), full)
        except containerfs.PathError as exc:
            reason = _REASONS[exc.errno]
            if busybox:
                raise ExecError(f"ls: {path}: {reason}", 1) from None
            raise ExecError(f"ls: cannot access '{path}': {reason}", 2) from None
        if entry.kind != "dir":
            return [path]
        names = sorted(entry.children, key=lambda n: n.encode())
        if all:
            return [".", "..", *names]
        return [n for n in names if not n.startswith(".")]

    def stat(self, pod: str, path: str, container: str | None = None, namespace: str = "default", *,
             follow: bool = True) -> FileInfo:
        """Type, permission bits and size of a path in the container (`follow=False`: the link itself, as
        `ls -l` shows `MODE -> ..data/MODE` in a ConfigMap volume)."""
        prt, c, inst = self._running(pod, container, namespace)
        full, busybox = self._path(prt, c, path)
        try:
            entry = containerfs.resolve(self._tree(prt, c, inst), full, follow=follow)
        except containerfs.PathError as exc:
            reason = _REASONS[exc.errno]
            raise ExecError(f"stat: can't stat '{path}': {reason}" if busybox
                            else f"stat: cannot statx '{path}': {reason}") from None
        return FileInfo(path, entry.kind, entry.mode & 0o7777, entry.size, entry.target)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _running(self, pod: str, container: str | None, namespace: str) -> tuple[PodRuntime, CState, Instance]:
        """The running container, or kubectl's and the API server's error for why there is none."""
        obj = self.rt.store.get("Pod", namespace, pod)
        if obj is None:
            raise not_found("pods", pod)
        phase = (obj.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            raise BackendError(f"error: cannot exec into a container in a completed pod; current phase is {phase}")
        spec = obj["spec"]
        names = [c["name"] for c in spec.get("containers") or ()]
        if container is None:
            default = (obj["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
            container = default if default in names else names[0]
        if container not in names and container not in [c["name"] for c in spec.get("initContainers") or ()]:
            raise BadRequestError(f"container {container} is not valid for pod {pod}", kind="pods", name=pod)
        if not spec.get("nodeName"):
            raise BadRequestError(f"pod {pod} does not have a host assigned", kind="pods", name=pod)
        kubelet: KubeletController = self.rt.services["kubelet"]
        prt = kubelet.pods.get((namespace, pod))
        c = next((x for x in prt.containers if x.name == container), None) if prt is not None else None
        inst = c.current if c is not None else None
        if prt is None or c is None or inst is None or inst.finished is not None:
            raise BackendError(f'error: unable to upgrade connection: container not found ("{container}")')
        return prt, c, inst

    def _tree(self, prt: PodRuntime, c: CState, inst: Instance) -> containerfs.Entry:
        kubelet: KubeletController = self.rt.services["kubelet"]
        return kubelet.config.tree(prt, c, inst)

    def _path(self, prt: PodRuntime, c: CState, path: str) -> tuple[str, bool]:
        """The absolute path (relative ones from the working directory) and whether the image's tools are
        busybox's (their error messages differ from GNU coreutils')."""
        config = c.image.config if c.image is not None else {}
        workdir = str(c.spec.get("workingDir") or config.get("WorkingDir") or "/")
        return posixpath.join(workdir, path), busybox_userland(c.image_key)


_REASONS = {"ENOENT": "No such file or directory", "ENOTDIR": "Not a directory",
            "ELOOP": "Too many levels of symbolic links"}


def busybox_userland(image: str) -> bool:
    """Images whose `cat` and `ls` are busybox's (busybox, alpine and the alpine variants of others)."""
    repo, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
    name = repo.rsplit("/", 1)[-1]
    return name in ("busybox", "alpine") or "alpine" in tag
