"""`%kube requests` and `%kube load` are the simulator's: on a real cluster they say so, without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.kube import sockets
from tests.kube.kubeconfigs import kubeconfig
from tests.magics.conftest import Cell


def test_traffic_verbs_refuse_a_real_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kubeconfig(tmp_path / "config", {"kind-workshop": f"https://127.0.0.1:{sockets.closed_port()}"},
                      current="kind-workshop")
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.setenv("KUBE_MAGICS_BACKEND", "context:kind-workshop")
    ip = InteractiveShell.instance()
    try:
        ip.run_line_magic("load_ext", "kube_magics")
        shell = Cell(ip)
        for line, verb in (("%kube requests svc/web --count 10", "requests"), ("%kube load svc/web --rps 5", "load")):
            message = shell.fails(line)
            assert message.startswith(f"%kube {verb} works on the simulated cluster only; this notebook talks to "
                                      "kind-workshop")
            assert "Traceback" not in message
    finally:
        ip.run_line_magic("unload_ext", "kube_magics")
        InteractiveShell.clear_instance()
