"""Loading an image from the engine into a kind cluster's nodes, as `kind load docker-image` does.

kind runs each Kubernetes node as a container on the same engine, labelled `io.x-k8s.kind.cluster=<cluster>` and
`io.x-k8s.kind.role=control-plane|worker|external-load-balancer`. Their containerd, not the engine, holds the
images pods run, so an image built on the engine must be copied in:

1. find the cluster's nodes by label (the load balancer is not a node);
2. ask each node's CRI whether it has the image already (`crictl inspecti`), as kind does;
3. `docker save` the image once (the SDK's `get_image`) and stream the tar into each node that lacks it:
   `ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=<the node's> -`
   (an exec with the tar on stdin; the snapshotter is read from `containerd config dump`);
4. say what a Deployment needs to use it: `imagePullPolicy: IfNotPresent` (or Never), and a tag other than
   `latest`, whose default policy (Always) sends the kubelet to a registry that does not have it.

Must not talk to Kubernetes' API (the cluster's API server is not needed to load an image).
"""

from __future__ import annotations

import json
import re
import socket
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

from kube_magics.docker.containers import normalize, split_ref
from kube_magics.docker.engine import Engine
from kube_magics.errors import BackendError

CLUSTER_LABEL = "io.x-k8s.kind.cluster"
ROLE_LABEL = "io.x-k8s.kind.role"
DEFAULT_SNAPSHOTTER = "overlayfs"


@dataclass
class KindLoadResult:
    image: str
    image_id: str
    cluster: str
    loaded: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return self.text


def clusters(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """kind clusters on this engine: name -> its node containers (all roles), by label."""
    found: dict[str, list[dict[str, Any]]] = {}
    for c in engine.api.containers(all=True, filters={"label": CLUSTER_LABEL}):
        found.setdefault(c["Labels"][CLUSTER_LABEL], []).append(c)
    return dict(sorted(found.items()))


def node_names(engine: Engine, cluster: str = "kind") -> list[str]:
    """The names of a cluster's Kubernetes nodes (kind's ListInternalNodes: not the load balancer), sorted."""
    members = clusters(engine).get(cluster, [])
    names = [c["Names"][0].lstrip("/") for c in members if c["Labels"].get(ROLE_LABEL) != "external-load-balancer"]
    return sorted(names)


def _exec(engine: Engine, node: str, argv: list[str], stdin: IO[bytes] | None = None) -> tuple[int, str]:
    """Run argv in the node container (stdin streamed from a file when given): (exit code, stdout+stderr)."""
    from docker.utils.socket import frames_iter

    # kind execs with --privileged; ctr needs only root in the node, and some engines refuse privileged execs.
    created = engine.api.exec_create(node, argv, stdin=stdin is not None)
    if stdin is None:
        output = engine.api.exec_start(created["Id"]).decode("utf-8", "replace")
    else:
        sock = engine.api.exec_start(created["Id"], socket=True)
        raw = getattr(sock, "_sock", sock)  # the SDK wraps the hijacked connection in a SocketIO
        try:
            while chunk := stdin.read(1 << 16):
                raw.sendall(chunk)
            raw.shutdown(socket.SHUT_WR)  # end of the tar: ctr's stdin closes
        except BrokenPipeError:  # the command ended before reading it all; its output says why
            pass
        chunks: list[bytes] = []
        try:
            chunks.extend(data for _, data in frames_iter(sock, tty=False))
        except OSError:  # the engine reset the connection: the command could not start (the exit code says)
            pass
        finally:
            sock.close()
            raw.close()
        output = b"".join(chunks).decode("utf-8", "replace")
    return int(engine.api.exec_inspect(created["Id"]).get("ExitCode") or 0), output


def node_image_id(engine: Engine, node: str, image: str) -> str | None:
    """The image's ID in the node's CRI (`crictl inspecti`), or None when absent (or no crictl answers)."""
    code, out = _exec(engine, node, ["crictl", "inspecti", "--output=json", image])
    if code != 0:
        return None
    try:
        return str(json.loads(out)["status"]["id"])
    except (ValueError, KeyError, TypeError):
        return None


def snapshotter(engine: Engine, node: str) -> str:
    """The CRI's snapshotter from `containerd config dump` (kind's default when the node does not say)."""
    code, out = _exec(engine, node, ["containerd", "config", "dump"])
    m = re.search(r"^\s*snapshotter\s*=\s*[\"']([\w.-]+)[\"']", out, re.M) if code == 0 else None
    return m.group(1) if m else DEFAULT_SNAPSHOTTER


def import_argv(snap: str) -> list[str]:
    return ["ctr", "--namespace=k8s.io", "images", "import", "--all-platforms", "--digests",
            f"--snapshotter={snap}", "-"]


def load_into_kind(engine: Engine, image: str, cluster: str = "kind", *, nodes: list[str] | None = None,
                   ) -> KindLoadResult:
    """Copy `image` from the engine into every node of kind cluster `cluster` (or the named `nodes`)."""
    from docker.errors import ImageNotFound

    members = node_names(engine, cluster)
    if not members:
        known = ", ".join(clusters(engine)) or "none"
        raise BackendError(f'ERROR: no nodes found for cluster "{cluster}"',
                           hint=f"kind clusters on this engine: {known} (kind create cluster makes one)")
    if nodes:
        unknown = [n for n in nodes if n not in members]
        if unknown:
            raise BackendError(f"ERROR: unknown node: {unknown[0]}", hint="nodes: " + ", ".join(members))
        members = list(nodes)
    try:
        image_id = str(engine.api.inspect_image(image)["Id"])
    except ImageNotFound:
        raise BackendError(f'ERROR: image: "{image}" not present locally',
                           hint="build it first (%%dockerfile -t NAME) or check %docker images") from None
    result = KindLoadResult(image, image_id, cluster)
    missing = [n for n in members if node_image_id(engine, n, normalize(image)) != image_id]
    result.present = [n for n in members if n not in missing]
    if not missing:
        result.lines.append(f'Image: "{image}" with ID "{image_id}" found to be already present on all nodes.')
    else:
        _load(engine, image, image_id, missing, result)
    result.lines.extend(deployment_advice(image))
    return result


def _load(engine: Engine, image: str, image_id: str, targets: list[str], result: KindLoadResult) -> None:
    with tempfile.TemporaryFile() as tar:
        for chunk in engine.api.get_image(image):  # docker save
            tar.write(chunk)
        for node in targets:
            result.lines.append(f'Image: "{image}" with ID "{image_id}" not yet present on node "{node}", '
                                "loading...")
            tar.seek(0)
            argv = import_argv(snapshotter(engine, node))
            code, out = _exec(engine, node, argv, stdin=tar)
            if code != 0:
                raise BackendError(f'ERROR: failed to load image: command "docker exec --privileged -i {node} '
                                   f'{" ".join(argv)}" failed with error: exit status {code}\n{out.strip()}',
                                   hint="is the node running? (%docker ps --filter label=" + CLUSTER_LABEL + ")")
            result.loaded.append(node)


def deployment_advice(image: str) -> list[str]:
    """What a Deployment needs to run an image that is on the nodes but in no registry."""
    repo, tag = split_ref(image)
    lines = ["", "To run it in the cluster, the pod's container needs:", f"  image: {repo}:{tag}",
             "  imagePullPolicy: IfNotPresent   # or Never: the image is on the nodes, not in a registry"]
    if tag == "latest":
        lines += ["warning: with the tag `latest` Kubernetes defaults imagePullPolicy to Always, so the kubelet "
                  f"would try to pull {normalize(image)} from the registry and fail (ErrImagePull); tag it with a "
                  f"version (%docker tag {repo}:latest {repo}:1) and load that, or set imagePullPolicy explicitly."]
    return lines
