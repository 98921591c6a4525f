"""Serving a cluster: the kubeconfig, the server's lifetime, the clock in real time, `python -m kube_magics serve`,
and `%kube serve` in a notebook, where the cells and the server's requests take turns at one lock."""

from __future__ import annotations

import base64
import ssl
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from IPython.core.interactiveshell import InteractiveShell

from kube_magics import __main__ as cli
from kube_magics.apiserver import CONTEXT, Server, serve
from kube_magics.sim import SimCluster
from tests.apiserver.client import Api
from tests.apiserver.conftest import Kubectl


def test_the_kubeconfig_names_the_server_its_certificate_and_the_token(served: Server) -> None:
    assert served.kubeconfig is not None
    assert stat.S_IMODE(served.kubeconfig.stat().st_mode) == 0o600
    config = yaml.safe_load(served.kubeconfig.read_text())
    assert config["current-context"] == CONTEXT
    assert config["contexts"] == [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT,
                                                                 "namespace": "default"}}]
    (cluster,) = config["clusters"]
    assert cluster["cluster"]["server"] == served.url and served.url.startswith("https://127.0.0.1:")
    ca = base64.b64decode(cluster["cluster"]["certificate-authority-data"])
    assert ca == served.certificate.cert_pem
    assert config["users"] == [{"name": CONTEXT, "user": {"token": served.token}}]
    assert len(served.token) >= 32
    assert str(served).endswith(f"export KUBECONFIG={served.kubeconfig}")


def test_stop_closes_the_port_and_removes_the_kubeconfig(tmp_path: Path) -> None:
    server = serve(SimCluster(workers=1), kubeconfig=tmp_path / "k", speed=0)
    api = Api(server)
    assert api.get("/version").body["gitVersion"] == "v1.35.0"
    watch = api.watch("/api/v1/namespaces")
    assert [next(watch)["type"] for _ in range(5)] == ["ADDED"] * 5  # the namespaces there are
    started = time.monotonic()
    server.stop()
    assert list(watch) == []  # the stream ends, promptly
    assert time.monotonic() - started < 3
    assert not (tmp_path / "k").exists()
    with pytest.raises((ConnectionError, OSError, ssl.SSLError)):
        api.get("/version")
    assert str(server).startswith("Stopped serving")


def test_the_clock_runs_with_the_wall_clock_at_the_chosen_speed(tmp_path: Path) -> None:
    cluster = SimCluster(workers=1)
    with serve(cluster, kubeconfig=None, speed=20) as server:
        start = cluster.elapsed
        time.sleep(0.6)
        moved = cluster.elapsed - start
        assert 8 <= moved <= 20  # 0.6 s at 20x, give or take a tick
        server.speed = 0
        time.sleep(0.15)
        still = cluster.elapsed
        time.sleep(0.3)
        assert cluster.elapsed == still


def test_python_m_kube_magics_serve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    kubeconfig = tmp_path / "cli.kubeconfig"
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(cli.main(
        ["serve", "--kubeconfig", str(kubeconfig), "--speed", "0", "--workers", "3", "--seed", "7"], stop=stop)))
    thread.start()
    for _ in range(100):
        if kubeconfig.exists():
            break
        time.sleep(0.05)
    config = yaml.safe_load(kubeconfig.read_text())
    url = config["clusters"][0]["cluster"]["server"]
    stop.set()
    thread.join(timeout=10)
    out = capsys.readouterr().out
    assert codes == [0]
    assert out.startswith(f"Serving the simulated cluster at {url} (clock: moved by the notebook only)\n")
    assert f"export KUBECONFIG={kubeconfig}\nPress Ctrl-C to stop.\nStopped.\n" in out
    assert not kubeconfig.exists()


@pytest.fixture
def ip(tmp_path: Path) -> Iterator[InteractiveShell]:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "kube_magics")
    shell.run_line_magic("kube", "use sim")
    yield shell
    shell.run_line_magic("kube", "serve stop")
    shell.run_line_magic("unload_ext", "kube_magics")
    InteractiveShell.clear_instance()


def test_kube_serve_in_a_notebook(ip: InteractiveShell, tmp_path: Path, kubectl_binary: Path) -> None:
    kubeconfig = tmp_path / "nb.kubeconfig"
    started = ip.run_line_magic("kube", f"serve --kubeconfig {kubeconfig} --speed 0")
    assert str(started).splitlines()[-1] == f"export KUBECONFIG={kubeconfig}"
    ip.run_cell_magic("k8s", "", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-notebook\n")
    home = tmp_path / "home"
    home.mkdir()

    class _Served:
        pass

    served = _Served()
    served.kubeconfig = kubeconfig  # type: ignore[attr-defined]
    kubectl = Kubectl(kubectl_binary, served, home)  # type: ignore[arg-type]
    assert "from-notebook" in kubectl("get", "configmaps").out
    created = kubectl("create", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-kubectl\n")
    assert created.text == "configmap/from-kubectl created\n"
    session = ip.magics_manager.registry["KubeMagics"].session
    assert "from-kubectl" in [c["metadata"]["name"] for c in session.backend.list("configmaps")]
    assert str(ip.run_line_magic("kube", "serve stop")).startswith("Stopped serving the simulated cluster at https://")
    assert not kubeconfig.exists()
    assert str(ip.run_line_magic("kube", "serve stop")) == "Nothing is being served."


def test_cells_and_requests_take_turns(ip: InteractiveShell, tmp_path: Path) -> None:
    ip.run_line_magic("kube", f"serve --kubeconfig {tmp_path / 'k'} --speed 50")
    magics = ip.magics_manager.registry["KubeMagics"]
    server = magics.session.backend.server  # type: ignore[attr-defined]
    api = Api(server)
    errors: list[BaseException] = []

    def hammer(prefix: str) -> None:
        try:
            for i in range(15):
                assert api.request("POST", "/api/v1/namespaces/default/configmaps",
                                   {"metadata": {"name": f"{prefix}-{i}"}}).status == 201
                assert api.get("/api/v1/pods", query={"limit": 5}).status == 200
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(f"t{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for _ in range(10):
        ip.run_line_magic("kube", "advance 5s")
        ip.run_line_magic("kube", "status")
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    names = [c["metadata"]["name"] for c in magics.session.backend.list("configmaps")]
    assert len([n for n in names if n.startswith("t")]) == 60


def test_the_simulator_does_not_import_the_server() -> None:
    code = ("import sys; from kube_magics.sim import SimCluster; SimCluster(workers=1).advance(5); "
            "print(sorted(m for m in sys.modules if m.startswith('kube_magics.apiserver')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out == "[]\n"


def test_a_cluster_served_with_its_clock_still_gives_the_same_names(tmp_path: Path) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}
    alone = SimCluster(workers=2, seed=3)
    alone.create(deployment)
    alone.advance(10)
    with serve(SimCluster(workers=2, seed=3), kubeconfig=None, speed=0) as server:
        Api(server).request("POST", "/apis/apps/v1/namespaces/default/deployments", deployment)
        with server.lock:
            server.cluster.advance(10)
            served = sorted(p["metadata"]["name"] for p in server.cluster.list("pods"))
    assert served == sorted(p["metadata"]["name"] for p in alone.list("pods"))
