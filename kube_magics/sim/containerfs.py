"""What a container sees of its file system: the volumes mounted into it and the files the kubelet writes for it.

A tree of entries (directories, files, symbolic links) built on demand: each volume's directory (for ConfigMap,
Secret, downward API and projected volumes the atomic writer's layout: `..data` -> `..<timestamp>`, and each
visible name a link into `..data`), grafted at the container's `mountPath`s (parents first, as containerd orders
mounts), plus `/etc/hosts`, `/etc/hostname`, `/etc/resolv.conf` and the termination log. The image's own files are
not modelled: outside the mounts there are only the top-level directories every image has (/tmp, /etc, ...),
empty but for what the kubelet and the container's own process put there.

Pure: the kubelet gives it the volumes and the pod; `resolve` follows links as the kernel does (relative to the
link's directory, at most 40 of them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_magics.sim.volumes import MountedVolume, files

CLUSTER_DNS = "10.96.0.10"  # kind's kubelet: clusterDNS
SKELETON = ("bin", "dev", "etc", "home", "proc", "root", "run", "sys", "tmp", "usr", "var")  # every image has them
CLUSTER_DOMAIN = "cluster.local"
MAX_LINKS = 40


@dataclass
class Entry:
    kind: str  # "dir" | "file" | "link"
    mode: int
    data: bytes = b""
    target: str = ""
    children: dict[str, Entry] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data) if self.kind == "file" else len(self.target) if self.kind == "link" else 4096


def directory(mode: int = 0o755) -> Entry:
    return Entry("dir", mode)


def split(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def put(root: Entry, parts: Sequence[str], entry: Entry) -> None:
    """Place `entry` at `parts` under `root`, making the directories on the way."""
    node = root
    for part in parts[:-1]:
        child = node.children.get(part)
        if child is None or child.kind != "dir":
            child = node.children[part] = directory()
        node = child
    if parts:
        node.children[parts[-1]] = entry


def volume_tree(mv: MountedVolume) -> Entry:
    """The directory a volume shows inside the container."""
    if not mv.atomic:
        return directory(0o777)
    data = directory()
    for path, proj in files(mv).items():
        put(data, split(path), Entry("file", proj.mode, proj.data))
    root = directory(0o777 if mv.kind != "secret" else 0o1777)
    root.children[mv.stamp] = data
    root.children["..data"] = Entry("link", 0o777, target=mv.stamp)
    for name in data.children:
        root.children[name] = Entry("link", 0o777, target=f"..data/{name}")
    return root


# --- files the kubelet writes for every container --------------------------------------------------------------

def hostname_of(pod: Mapping[str, Any]) -> str:
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork"):
        return str(spec.get("nodeName", ""))
    return str(spec.get("hostname") or (pod.get("metadata") or {}).get("name", ""))[:63]


def hosts_file(pod: Mapping[str, Any], pod_ip: str) -> str:
    """The kubelet-managed /etc/hosts (`managedHostsFileContent`)."""
    spec = pod.get("spec") or {}
    lines = ["# Kubernetes-managed hosts file.", "127.0.0.1\tlocalhost",
             "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet", "fe00::0\tip6-mcastprefix",
             "fe00::1\tip6-allnodes", "fe00::2\tip6-allrouters"]
    host = hostname_of(pod)
    ns = str((pod.get("metadata") or {}).get("namespace") or "default")
    if pod_ip:
        if spec.get("subdomain"):
            lines.append(f"{pod_ip}\t{host}.{spec['subdomain']}.{ns}.svc.{CLUSTER_DOMAIN}\t{host}")
        else:
            lines.append(f"{pod_ip}\t{host}")
    aliases = spec.get("hostAliases") or []
    if aliases:
        lines += ["", "# Entries added by HostAliases."]
        lines += [f"{a.get('ip')}\t" + "\t".join(a.get("hostnames") or []) for a in aliases]
    return "\n".join(lines) + "\n"


def resolv_conf(pod: Mapping[str, Any]) -> str:
    """/etc/resolv.conf as containerd writes it from the kubelet's DNS config (dnsPolicy ClusterFirst: the cluster
    DNS Service and the namespace's search path; None: `dnsConfig` alone; Default: the node's resolver)."""
    spec = pod.get("spec") or {}
    ns = str((pod.get("metadata") or {}).get("namespace") or "default")
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    config = spec.get("dnsConfig") or {}
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        policy = "Default"
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        servers = [CLUSTER_DNS]
        search = [f"{ns}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN]
        options = ["ndots:5"]
    elif policy == "None":
        servers, search, options = [], [], []
    else:
        # The node's resolver: on kind, Docker's embedded DNS reached through the network's gateway (the address
        # depends on the host's Docker network; 172.18.0.1 is the usual one on Linux).
        servers, search, options = ["172.18.0.1"], [], ["ndots:0"]
    servers += [s for s in config.get("nameservers") or () if s not in servers]
    search += [s for s in config.get("searches") or () if s not in search]
    for opt in config.get("options") or ():
        text = str(opt.get("name", "")) + (f":{opt['value']}" if opt.get("value") is not None else "")
        options = [o for o in options if o.split(":")[0] != opt.get("name")] + [text]
    lines = []
    if search:
        lines.append("search " + " ".join(search))
    lines += [f"nameserver {s}" for s in servers]
    if options:
        lines.append("options " + " ".join(options))
    return "\n".join(lines) + "\n"


def kubelet_files(pod: Mapping[str, Any], container: Mapping[str, Any], pod_ip: str) -> dict[str, Entry]:
    """The files the kubelet mounts into every container (where the container mounts nothing else)."""
    out = {
        "/etc/hosts": Entry("file", 0o644, hosts_file(pod, pod_ip).encode()),
        "/etc/hostname": Entry("file", 0o644, (hostname_of(pod) + "\n").encode()),
        "/etc/resolv.conf": Entry("file", 0o644, resolv_conf(pod).encode()),
    }
    term = str(container.get("terminationMessagePath") or "/dev/termination-log")
    out[term] = Entry("file", 0o666)
    return out


# --- a container's tree --------------------------------------------------------------------------------------------

def build(mounts: Iterable[tuple[str, Entry]], extra: Mapping[str, Entry]) -> Entry:
    """The container's root: every mount grafted at its path (parents first), then the kubelet's files where no
    mount covers them."""
    root = directory()
    for name in SKELETON:
        root.children[name] = directory(0o1777 if name == "tmp" else 0o700 if name == "root" else 0o755)
    ordered = sorted(mounts, key=lambda m: len(split(m[0])))
    for path, entry in ordered:
        parts = split(path)
        if parts:
            put(root, parts, entry)
    covered = [split(p) for p, _ in ordered]
    for path, entry in extra.items():
        parts = split(path)
        if not any(parts[:len(c)] == c for c in covered):
            put(root, parts, entry)
    return root


class PathError(Exception):
    """`errno` is "ENOENT" (no such file or directory) or "ENOTDIR" (a file where a directory should be)."""

    def __init__(self, errno: str) -> None:
        super().__init__(errno)
        self.errno = errno


def resolve(root: Entry, path: str, *, follow: bool = True) -> Entry:
    """The entry at an absolute `path`, following links (the last one only if `follow`)."""
    pending = split(path)
    trail: list[Entry] = [root]
    hops = 0
    while pending:
        part = pending.pop(0)
        here = trail[-1]
        if part == "..":
            if len(trail) > 1:
                trail.pop()
            continue
        if here.kind != "dir":
            raise PathError("ENOTDIR")
        child = here.children.get(part)
        if child is None:
            raise PathError("ENOENT")
        if child.kind == "link" and (pending or follow):
            hops += 1
            if hops > MAX_LINKS:
                raise PathError("ELOOP")
            if child.target.startswith("/"):
                trail = [root]
            pending = split(child.target) + pending
            continue
        trail.append(child)
    return trail[-1]
