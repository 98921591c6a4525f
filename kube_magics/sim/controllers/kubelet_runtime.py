"""A node's container runtime, as the simulated kubelet sees it (containerd's part of a kind node).

Per node: the image store (what `node.status.images` lists; pulls of a cached image are instant), the image
puller (pulls are serialized per node, as the kubelet's default `serializeImagePulls: true` makes them, so a pull
queued behind another reports its waiting time), pod IPs from the node's podCIDR (host-local IPAM: 10.244.N.2
upwards, as kind's pods get them), and container IDs. Pull times come from the image's size:
`PULL_RESOLVE + compressed / PULL_BANDWIDTH + size / UNPACK_RATE` (nginx:1.20 takes about 3.2 s).

Must not: write to the store or know pods' API shape; the kubelet does that.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from kube_magics.images import normalise, split_ref
from kube_magics.sim.registry import Image, Registry

PULL_RESOLVE = 0.4  # seconds to resolve a reference and fetch the manifest
PULL_BANDWIDTH = 30e6  # bytes per second from the registry
UNPACK_RATE = 150e6  # bytes per second unpacked into the snapshotter
PULL_FAIL = 0.8  # seconds until a pull of a missing image fails
MAX_STATUS_IMAGES = 50  # nodeStatusMaxImages


@lru_cache(maxsize=4096)
def full_ref(ref: str) -> str:
    """`nginx:1.20` -> `docker.io/library/nginx:1.20`, as containerd names images."""
    registry, repo, tag = split_ref(ref)
    if registry == "docker.io" and "/" not in repo:
        repo = "library/" + repo
    sep = "" if tag.startswith("@") else ":"
    return f"{registry}/{repo}{sep}{tag}"


def image_id(image: Image) -> str:
    """`docker.io/library/nginx@sha256:...`, the imageID containerd reports."""
    return _image_id(image.ref, image.digest)


@lru_cache(maxsize=4096)
def _image_id(ref: str, digest: str) -> str:
    registry, repo, _ = split_ref(ref)
    if registry == "docker.io" and "/" not in repo:
        repo = "library/" + repo
    return f"{registry}/{repo}@{digest}"


def pull_seconds(image: Image) -> float:
    return PULL_RESOLVE + image.compressed / PULL_BANDWIDTH + image.size / UNPACK_RATE


def go_duration(seconds: float) -> str:
    """A duration as Go prints a `time.Duration` truncated to the millisecond: `330ms`, `4.519s`, `1m2.5s`."""
    ms = int(seconds * 1000 + 1e-6)
    if ms < 1000:
        return f"{ms}ms" if ms else "0s"
    minutes, ms = divmod(ms, 60_000)
    secs = f"{ms // 1000}.{ms % 1000:03d}".rstrip("0").rstrip(".")
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


@dataclass
class PullResult:
    image: Image | None
    requested: float
    started: float
    finished: float

    @property
    def ok(self) -> bool:
        return self.image is not None


@dataclass
class NodeRuntime:
    """One node's runtime state."""

    name: str
    index: int
    ip: str
    cidr_base: str  # "10.244.3."
    cpus: int = 4
    alive: bool = True
    unschedulable: bool = False  # spec.unschedulable as the kubelet last saw it
    images: dict[str, Image] = field(default_factory=dict)  # normalised ref -> image
    pull_free_at: float = 0.0
    next_host: int = 2
    used_ips: set[str] = field(default_factory=set)
    images_dirty: bool = False
    pulling: set[str] = field(default_factory=set)  # images whose layers a queued pull is fetching

    # --- images ---------------------------------------------------------------------------------------------

    def pull(self, ref: str, registry: Registry, now: float) -> PullResult:
        """Queue a pull; the result says when it finishes (after the pulls queued before it)."""
        image = registry.resolve(ref)
        start = max(now, self.pull_free_at)
        key = normalise(ref)
        if image is None:
            duration = PULL_FAIL
        elif key in self.images or key in self.pulling:
            # The layers are here (or will be, from a pull queued before this one): only the manifest is checked.
            duration = PULL_RESOLVE
        else:
            duration = pull_seconds(image)
            self.pulling.add(key)
        self.pull_free_at = start + duration
        return PullResult(image, now, start, start + duration)

    def store_image(self, ref: str, image: Image) -> None:
        key = normalise(ref)
        self.pulling.discard(key)
        if key not in self.images:
            self.images[key] = image
            self.images_dirty = True

    def status_images(self) -> list[dict[str, object]]:
        """`node.status.images`: names and sizes, largest first, at most 50 (as the kubelet reports them)."""
        by_id: dict[str, tuple[Image, list[str]]] = {}
        for ref, image in self.images.items():
            names = by_id.setdefault(image.id, (image, []))[1]
            names.append(full_ref(ref))
        out = []
        for image, names in by_id.values():
            out.append({"names": [image_id(image), *sorted(names)], "sizeBytes": image.compressed})
        out.sort(key=lambda i: (-int(i["sizeBytes"]), str(i["names"])))  # type: ignore[call-overload]
        return out[:MAX_STATUS_IMAGES]

    # --- addresses and ids ------------------------------------------------------------------------------------

    def allocate_ip(self) -> str:
        """The next free address of the node's /24, after the last one handed out (host-local IPAM)."""
        for _ in range(253):
            host = self.next_host
            self.next_host = host + 1 if host < 254 else 2
            ip = f"{self.cidr_base}{host}"
            if ip not in self.used_ips:
                self.used_ips.add(ip)
                return ip
        raise RuntimeError(f"no free pod IP left on {self.name}")

    def release_ip(self, ip: str) -> None:
        self.used_ips.discard(ip)


def container_id(pod_uid: str, name: str, attempt: int) -> str:
    return hashlib.sha256(f"{pod_uid}/{name}/{attempt}".encode()).hexdigest()
