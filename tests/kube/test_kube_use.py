"""`%kube use` through a real IPython shell: listing the kubeconfig's contexts, switching, and what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.kube import sockets
from tests.kube.kubeconfigs import kubeconfig
from tests.magics.conftest import Cell

POD = """%%k8s
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
"""


@pytest.fixture
def laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A kubeconfig with a kind cluster that is down, a minikube, and a remote production cluster."""
    ports = {"kind-workshop": sockets.closed_port(), "prod": sockets.closed_port()}
    path = kubeconfig(tmp_path / "config", {"kind-workshop": f"https://127.0.0.1:{ports['kind-workshop']}",
                                            "minikube": "https://192.168.49.2:8443",
                                            # remote-looking to the guard (only 127.0.0.1 counts as local),
                                            # yet refused at once: nothing here waits on a network
                                            "prod": f"https://127.0.0.2:{ports['prod']}"},
                      current="minikube", namespaces={"prod": "shop"})
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.delenv("KUBE_MAGICS_BACKEND", raising=False)
    return ports


@pytest.fixture
def shell() -> Iterator[Cell]:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "kube_magics")
    yield Cell(ip)
    ip.run_line_magic("unload_ext", "kube_magics")
    InteractiveShell.clear_instance()


def test_use_without_arguments_lists_the_choices(laptop, shell: Cell, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = str(shell.ok("%kube use"))
    assert out.split("\n")[:5] == [
        "CURRENT   NAME            CLUSTER                       AUTHINFO        NAMESPACE   WRITES",
        "*         sim             (simulated, in this kernel)                               allowed",
        "          kind-workshop   kind-workshop                 kind-workshop               allowed (local)",
        "          minikube        minikube                      minikube                    allowed (local)",
        "          prod            prod                          prod            shop        read-only",
    ]
    assert f"kubeconfig: {tmp_path / 'config'} (current-context: minikube)" in out
    shell.ok("%config KubeMagics.allowed_contexts = ['prod']")
    out = str(shell.ok("%kube use"))
    assert "prod            shop        allowed (by you)" in out


def test_use_lists_the_simulator_alone_without_a_kubeconfig(shell: Cell, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    out = str(shell.ok("%kube use"))
    assert "*         sim" in out
    assert f"no kubeconfig found (looked in {tmp_path / 'none'})" in out


def test_switching_to_a_cluster_that_is_down_reports_it_and_keeps_the_simulator(laptop, shell: Cell) -> None:  # type: ignore[no-untyped-def]
    shell.ok("%kube use sim")
    message = shell.fails("%kube use kind workshop")
    port = laptop["kind-workshop"]
    assert message.startswith(f"The connection to the server 127.0.0.1:{port} was refused - did you specify the "
                              "right host or port?")
    assert "kind get clusters" in message and "Traceback" not in message
    assert "simulated cluster sim" in str(shell.ok("%kube status"))
    assert str(shell.ok(POD)) == "pod/web created"  # the simulator's output names no context


def test_unknown_contexts_and_missing_names(laptop, shell: Cell) -> None:  # type: ignore[no-untyped-def]
    message = shell.fails("%kube use kind nope")
    assert message.startswith('error: context "kind-nope" does not exist')
    assert "kind-workshop, minikube, prod" in message
    assert "needs a context name" in shell.fails("%kube use context")
    assert "unknown cluster 'gke'" in shell.fails("%kube use gke")


def test_writes_to_a_remote_context_are_refused_before_anything_is_sent(  # type: ignore[no-untyped-def]
        laptop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBE_MAGICS_BACKEND", "context:prod")
    ip = InteractiveShell.instance()
    try:
        ip.run_line_magic("load_ext", "kube_magics")
        shell = Cell(ip)
        message = shell.fails(POD)
        assert message.startswith('error: context "prod" is read-only in kube-magics: refusing to apply Pod/web')
        assert "%kube use context prod --allow-writes" in message
        assert "Traceback" not in message
        # Reads go to the server (which is unreachable here): the error is the connection's, not the guard's.
        message = shell.fails("%kube status")
        assert message.startswith(f"The connection to the server 127.0.0.2:{laptop['prod']} was refused")
        assert "%kube reset works on the simulated cluster only" in shell.fails("%kube reset")
        assert "%kube advance works on the simulated cluster only" in shell.fails("%kube advance 10s")
    finally:
        ip.run_line_magic("unload_ext", "kube_magics")
        InteractiveShell.clear_instance()
