"""The magics on a cluster reached through the kubeconfig: switching with `%kube use context`, outputs that name
the context they wrote to, and a remote-looking context that reads but does not write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from IPython.core.interactiveshell import InteractiveShell

from kube_magics.backends import contexts
from kube_magics.backends.contexts import ReadOnlyContextError
from kube_magics.backends.kube import KubeBackend
from kube_magics.errors import NotFoundError
from tests.kube.conftest import Target
from tests.magics.conftest import Cell

pytestmark = pytest.mark.cluster


@pytest.fixture
def shell(target: Target, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cell]:
    monkeypatch.setenv("KUBECONFIG", ":".join(target.paths))
    monkeypatch.delenv("KUBE_MAGICS_BACKEND", raising=False)
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "kube_magics")
    yield Cell(ip)
    ip.run_line_magic("unload_ext", "kube_magics")
    InteractiveShell.clear_instance()


def test_use_context_then_apply_names_the_context(target: Target, shell: Cell, namespace: str) -> None:
    allow = "" if target.served else " --allow-writes"
    out = str(shell.ok(f"%kube use context {target.context}{allow}"))
    assert out.startswith(f"Using context {target.context} (Kubernetes v")
    assert ": writes allowed (local cluster)" in out or ": writes allowed (allowed by you)" in out
    cell = f"""%%k8s -n {namespace}
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: dev
"""
    assert str(shell.ok(cell)) == f"configmap/settings created\n(context {target.context})"
    assert str(shell.ok(cell)) == f"configmap/settings unchanged\n(context {target.context})"
    listing = str(shell.ok("%kube use"))
    assert any(line.startswith(f"*         {target.context} ") for line in listing.splitlines())
    assert "Using a fresh simulated cluster" in str(shell.ok("%kube use sim"))
    # The fresh simulator has no such namespace: the same ConfigMap in its default namespace.
    assert str(shell.ok(cell.replace(f" -n {namespace}", ""))) == "configmap/settings created"  # no context line


def lookalike(target: Target, directory: Path) -> KubeBackend:
    """The same cluster under a context that does not look local (server 127.1 is 127.0.0.1 to the resolver but
    not to the guard), as a remote production context would be."""
    config = contexts.load(target.paths)
    ctx = config.get(target.context)
    docs = [yaml.safe_load(Path(p).read_text()) for p in config.paths]
    cluster = next(c["cluster"] for d in docs for c in d.get("clusters") or () if c["name"] == ctx.cluster)
    user = next(u["user"] for d in docs for u in d.get("users") or () if u["name"] == ctx.user)
    server = cluster["server"].replace("127.0.0.1", "127.1").replace("localhost", "127.1")
    # The server's certificate names 127.0.0.1, not 127.1: the look-alike does not verify it.
    insecure = {k: v for k, v in cluster.items() if not k.startswith("certificate-authority")}
    if server.startswith("https://"):
        insecure["insecure-skip-tls-verify"] = True
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "prod",
           "clusters": [{"name": "prod", "cluster": {**insecure, "server": server}}],
           "users": [{"name": "prod", "user": user}],
           "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "prod"}}]}
    path = directory / "prod-kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    remote = contexts.load([str(path)])
    return KubeBackend(remote.get("prod"), remote.paths)


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request is being made to host '127.1'")
def test_a_remote_looking_context_reads_but_refuses_writes(target: Target, backend: KubeBackend, namespace: str,
                                                           tmp_path: Path) -> None:
    if not target.served:
        pytest.skip("the look-alike context needs the served simulator's loopback address")
    prod = lookalike(target, tmp_path)
    assert prod.guard.reason == "read-only"
    backend.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seen", "namespace": namespace}})
    assert prod.get("configmaps", "seen", namespace)["metadata"]["name"] == "seen"  # reads reach the server
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "written", "namespace": namespace}}
    with pytest.raises(ReadOnlyContextError, match='context "prod" is read-only'):
        prod.apply([cm])
    with pytest.raises(ReadOnlyContextError):
        prod.delete("configmaps", "seen", namespace)
    assert prod.apply([cm], dry_run=True)[0].action == "created"  # a dry run writes nothing: allowed
    with pytest.raises(NotFoundError):
        backend.get("configmaps", "written", namespace)
    assert backend.get("configmaps", "seen", namespace)["metadata"]["name"] == "seen"
