"""A catalogue of common public images: what they weigh and how they start, for the simulators.

No registry is reachable from a simulated cluster or builder, so this table stands in for Docker Hub: the
simulated kubelet takes pull times from the sizes here, the behaviour model takes what a container does from
`behaviour` and the default command, and the simulated builder takes base images' configs and sizes from it.
Sizes are the uncompressed sizes `docker images` shows for linux/amd64 (compressed is what a pull transfers; a
ratio is kept per image). Extend it with `register`.

Imports nothing of kube_magics.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MB = 1_000_000


@dataclass(frozen=True)
class CatalogueImage:
    repository: str  # "nginx", "library/nginx" is normalised away; "bitnami/redis" keeps its namespace
    tag: str
    size: int  # bytes, uncompressed (docker images' SIZE)
    compressed: int  # bytes transferred by a pull
    config: dict[str, Any] = field(default_factory=dict)  # Docker image config: Cmd, Entrypoint, Env, ...
    behaviour: str = "sleep"  # what the behaviour model does with it: "web", "db", "shell", "runtime", ...
    digest: str = ""

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}"


def split_ref(ref: str) -> tuple[str, str, str]:
    """`nginx` -> ("docker.io", "nginx", "latest"); `ghcr.io/a/b:1` -> ("ghcr.io", "a/b", "1"); digests kept."""
    registry = "docker.io"
    rest = ref
    first = ref.split("/", 1)[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        registry, rest = ref.split("/", 1)
    if "@" in rest:
        repo, digest = rest.split("@", 1)
        tag = "@" + digest
    else:
        last = rest.rsplit("/", 1)[-1]
        if ":" in last:
            repo, tag = rest.rsplit(":", 1)
        else:
            repo, tag = rest, "latest"
    if registry == "docker.io" and repo.startswith("library/"):
        repo = repo[len("library/"):]
    return registry, repo, tag


def normalise(ref: str) -> str:
    """The short form people write: `docker.io/library/nginx:latest` -> `nginx:latest`."""
    registry, repo, tag = split_ref(ref)
    sep = "" if tag.startswith("@") else ":"
    base = repo if registry == "docker.io" else f"{registry}/{repo}"
    return f"{base}{sep}{tag}"


_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _img(repo: str, tags: str, size_mb: float, compressed_mb: float, behaviour: str, **config: Any) -> list[
        CatalogueImage]:
    cfg = {"Env": [_PATH], **config}
    return [CatalogueImage(repo, t, int(size_mb * MB), int(compressed_mb * MB), cfg, behaviour)
            for t in tags.split()]


_ENTRIES: list[CatalogueImage] = [
    *_img("nginx", "1.20 1.21 1.25 1.27 latest", 142, 56, "web",
          Cmd=["nginx", "-g", "daemon off;"], ExposedPorts={"80/tcp": {}}, StopSignal="SIGQUIT",
          Entrypoint=["/docker-entrypoint.sh"]),
    *_img("nginx", "alpine 1.25-alpine", 43, 17, "web",
          Cmd=["nginx", "-g", "daemon off;"], ExposedPorts={"80/tcp": {}}, StopSignal="SIGQUIT",
          Entrypoint=["/docker-entrypoint.sh"]),
    *_img("httpd", "2.4 latest", 148, 58, "web", Cmd=["httpd-foreground"], ExposedPorts={"80/tcp": {}},
          StopSignal="SIGWINCH"),
    *_img("redis", "7 7.2 latest", 117, 45, "db", Cmd=["redis-server"], ExposedPorts={"6379/tcp": {}},
          Entrypoint=["docker-entrypoint.sh"]),
    *_img("postgres", "15 16 latest", 432, 150, "db", Cmd=["postgres"], ExposedPorts={"5432/tcp": {}},
          Entrypoint=["docker-entrypoint.sh"], StopSignal="SIGINT"),
    *_img("mysql", "8 8.0 latest", 577, 170, "db", Cmd=["mysqld"], ExposedPorts={"3306/tcp": {}, "33060/tcp": {}},
          Entrypoint=["docker-entrypoint.sh"]),
    *_img("python", "3.9 3.10 3.11 3.12 latest", 1000, 360, "runtime", Cmd=["python3"]),
    *_img("python", "3.9-slim 3.11-slim 3.12-slim", 125, 45, "runtime", Cmd=["python3"]),
    *_img("node", "16 18 20 latest", 910, 330, "runtime", Cmd=["node"], Entrypoint=["docker-entrypoint.sh"]),
    *_img("node", "16-alpine 18-alpine 20-alpine", 118, 40, "runtime", Cmd=["node"],
          Entrypoint=["docker-entrypoint.sh"]),
    *_img("busybox", "1.36 latest", 4.3, 2.2, "shell", Cmd=["sh"]),
    *_img("alpine", "3.18 3.19 3.20 latest", 7.4, 3.4, "shell", Cmd=["/bin/sh"]),
    *_img("ubuntu", "20.04 22.04 24.04 latest", 78, 29, "shell", Cmd=["/bin/bash"]),
    *_img("debian", "12 bookworm bookworm-slim latest", 117, 49, "shell", Cmd=["bash"]),
    # --- The images of a kind node (Kubernetes v1.35): preloaded on every simulated node. -------------------
    *_img("registry.k8s.io/etcd", "3.6.6-0", 63, 23, "system", Cmd=["etcd"]),
    *_img("registry.k8s.io/kube-apiserver", "v1.35.0", 90, 27, "system", Cmd=["kube-apiserver"]),
    *_img("registry.k8s.io/kube-controller-manager", "v1.35.0", 84, 25, "system",
          Cmd=["kube-controller-manager"]),
    *_img("registry.k8s.io/kube-scheduler", "v1.35.0", 69, 20, "system", Cmd=["kube-scheduler"]),
    *_img("registry.k8s.io/kube-proxy", "v1.35.0", 96, 31, "system", Cmd=["/usr/local/bin/kube-proxy"]),
    *_img("registry.k8s.io/coredns/coredns", "v1.13.1", 76, 22, "system", Entrypoint=["/coredns"],
          ExposedPorts={"53/tcp": {}, "53/udp": {}}),
    *_img("registry.k8s.io/pause", "3.10.1", 0.74, 0.32, "system", Entrypoint=["/pause"]),
    *_img("kindest/kindnetd", "v20251212-v0.29.0-alpha-105-g20ccfc88", 98, 44, "system",
          Cmd=["/bin/kindnetd"]),
    *_img("kindest/local-path-provisioner", "v20251212-v0.29.0-alpha-105-g20ccfc88", 59, 22, "system",
          Entrypoint=["local-path-provisioner"]),
]


class Catalogue:
    """The known public images, by normalised reference."""

    def __init__(self, entries: list[CatalogueImage] | None = None) -> None:
        self._by_ref: dict[str, CatalogueImage] = {}
        for e in entries if entries is not None else _ENTRIES:
            self.register(e)

    def register(self, image: CatalogueImage) -> None:
        self._by_ref[f"{image.repository}:{image.tag}"] = image

    def lookup(self, ref: str) -> CatalogueImage | None:
        return self._by_ref.get(normalise(ref))

    def __iter__(self) -> Iterator[CatalogueImage]:
        return iter(self._by_ref.values())


CATALOGUE = Catalogue()
