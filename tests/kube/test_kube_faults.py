"""%kube fail-node and recover-node are the simulator's: on a real cluster they say so and send nothing."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.kube.test_kube_use import laptop  # noqa: F401  (the fixture: a kubeconfig whose servers are down)
from tests.magics.conftest import Cell


@pytest.mark.usefixtures("laptop")
def test_fault_commands_are_refused_on_a_real_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBE_MAGICS_BACKEND", "context:prod")
    ip = InteractiveShell.instance()
    try:
        ip.run_line_magic("load_ext", "kube_magics")
        shell = Cell(ip)
        for verb in ("fail-node", "recover-node"):
            message = shell.fails(f"%kube {verb} worker-1")
            assert message.startswith(f"%kube {verb} works on the simulated cluster only; this notebook talks to "
                                      "prod")
            assert "Traceback" not in message
    finally:
        ip.run_line_magic("unload_ext", "kube_magics")
        InteractiveShell.clear_instance()
