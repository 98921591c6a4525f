"""Loading an image into a kind cluster, against containers that stand in for kind's node containers.

Each stand-in node carries kind's labels and three scripts where a kind node has the real tools: `ctr` records
its arguments and the tar it reads on stdin (and remembers the image's ID, as containerd would), `crictl inspecti`
reports that ID once the image is there, `containerd config dump` names the snapshotter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kube_magics.docker import build
from kube_magics.docker.cli import run
from kube_magics.docker.engine import Engine
from kube_magics.docker.kind import CLUSTER_LABEL, ROLE_LABEL, import_argv, load_into_kind, node_names
from kube_magics.errors import BackendError

CTR = """#!/bin/sh
echo "$@" > /tmp/ctr-args
cat > /tmp/import.tar
tar -xOf /tmp/import.tar manifest.json | sed 's/.*"Config":"\\([0-9a-f]*\\)\\.json".*/sha256:\\1/' > /tmp/imported-id
echo "unpacking (sha256:...)...done"
"""
CRICTL = """#!/bin/sh
[ -f /tmp/imported-id ] || { echo "no such image" >&2; exit 1; }
echo "{\\"status\\": {\\"id\\": \\"$(cat /tmp/imported-id)\\"}}"
"""
CONTAINERD = """#!/bin/sh
printf 'version = 2\\n[plugins."io.containerd.grpc.v1.cri".containerd]\\n  snapshotter = "native"\\n'
"""


@pytest.fixture
def kind_cluster(engine: Engine, tmp_path: Path, unique: str, cleanup: list[str]) -> str:
    """A stand-in kind cluster named `unique`: a control plane, a worker and a load balancer."""
    for name, body in (("ctr", CTR), ("crictl", CRICTL), ("containerd", CONTAINERD)):
        (tmp_path / name).write_text(body)
        (tmp_path / name).chmod(0o755)
    node_image = f"{unique}-node:1"
    cleanup.append(f"image:{node_image}")
    build(engine, "FROM busybox:local\nCOPY ctr crictl containerd /usr/local/bin/\nCMD [\"sleep\", \"3600\"]\n",
          context=str(tmp_path), tags=[node_image])
    for role in ("control-plane", "worker", "external-load-balancer"):
        name = f"{unique}-{role}"
        cleanup.append(name)
        run(engine, ["run", "-d", "--name", name, "-l", f"{CLUSTER_LABEL}={unique}", "-l", f"{ROLE_LABEL}={role}",
                     node_image])
    return unique


def _node_file(engine: Engine, node: str, path: str) -> str:
    return run(engine, ["exec", node, "cat", path]).text


def test_load_into_kind_imports_into_each_node_and_says_what_a_deployment_needs(
        engine: Engine, kind_cluster: str, tmp_path: Path, unique: str, cleanup: list[str]) -> None:
    app = f"{unique}-app:1"
    cleanup.append(f"image:{app}")
    (tmp_path / "ctx").mkdir()
    built = build(engine, "FROM busybox:local\nCMD [\"echo\", \"hi\"]\n", context=str(tmp_path / "ctx"), tags=[app])
    nodes = [f"{unique}-control-plane", f"{unique}-worker"]
    assert node_names(engine, kind_cluster) == nodes  # the load balancer is not a node

    result = load_into_kind(engine, app, kind_cluster)
    assert result.loaded == nodes and result.image_id == built.image_id
    assert result.lines[:2] == [f'Image: "{app}" with ID "{built.image_id}" not yet present on node "{node}", '
                                "loading..." for node in nodes]
    assert "  imagePullPolicy: IfNotPresent   # or Never: the image is on the nodes, not in a registry" in result.lines
    for node in nodes:
        assert _node_file(engine, node, "/tmp/ctr-args").split() == import_argv("native")[1:]
        manifest = json.loads(run(engine, ["exec", node, "tar", "-xOf", "/tmp/import.tar", "manifest.json"]).text)
        assert manifest[0]["RepoTags"] == [app]
    assert run(engine, ["exec", f"{unique}-external-load-balancer", "ls", "/tmp"]).text == ""

    again = load_into_kind(engine, app, kind_cluster)
    assert again.loaded == [] and again.present == nodes
    assert again.lines[0] == f'Image: "{app}" with ID "{built.image_id}" found to be already present on all nodes.'


def test_kind_errors_and_the_latest_tag_warning(engine: Engine, kind_cluster: str, unique: str,
                                                cleanup: list[str]) -> None:
    with pytest.raises(BackendError) as err:
        load_into_kind(engine, "busybox:local", f"{unique}-nope")
    assert err.value.message == f'ERROR: no nodes found for cluster "{unique}-nope"' and unique in str(err.value.hint)
    with pytest.raises(BackendError) as err:
        load_into_kind(engine, f"{unique}-missing:1", kind_cluster)
    assert err.value.message == f'ERROR: image: "{unique}-missing:1" not present locally'
    cleanup.append(f"image:{unique}-latest:latest")
    run(engine, ["tag", "busybox:local", f"{unique}-latest"])
    text = run(engine, ["load-into", f"kind:{kind_cluster}", f"{unique}-latest", "--nodes",
                        f"{unique}-worker"]).text
    assert f'not yet present on node "{unique}-worker"' in text and "control-plane" not in text
    assert "defaults imagePullPolicy to Always" in text and f"docker.io/library/{unique}-latest:latest" in text
