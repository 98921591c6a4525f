"""%load_ext, %kube and %%k8s basics through a real IPython shell."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.magics.k8s_cells import NGINX_POD


def test_load_ext_says_which_cluster_the_cells_talk_to(capsys: pytest.CaptureFixture[str]) -> None:
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "kube_magics")
        out = capsys.readouterr().out
        assert out.count("\n") == 1 and "simulated" in out
    finally:
        shell.run_line_magic("unload_ext", "kube_magics")
        InteractiveShell.clear_instance()


def test_apply_cell_prints_kubectl_lines(ip) -> None:  # type: ignore[no-untyped-def]
    assert str(ip.ok(NGINX_POD)) == "pod/nginx-pod created"
    assert str(ip.ok(NGINX_POD)) == "pod/nginx-pod unchanged"


def test_kube_advance_moves_the_virtual_clock(ip) -> None:  # type: ignore[no-untyped-def]
    out = str(ip.ok("%kube advance 1h30m"))
    assert out == "Clock advanced 90m to 2026-01-05T10:30:00Z"


def test_errors_show_as_messages_and_fail_the_cell(ip) -> None:  # type: ignore[no-untyped-def]
    message = ip.fails("%kube teleport")
    assert "unknown %kube command 'teleport'" in message and message.endswith("(%kube help)")
    assert "Traceback" not in message
    message = ip.fails("%kube advance soon")
    assert 'invalid duration "soon"' in message


def test_kube_use_sim_starts_a_fresh_cluster(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    out = str(ip.ok("%kube use sim --workers 3 --seed 7"))
    assert "4 nodes: 1 control plane, 3 workers" in out
    status = str(ip.ok("%kube status"))
    assert "sim-worker3" in status
    assert "Pods:      0 in default," in status


def test_python_code_reaches_the_cells_cluster(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    names = ip.ok("import kube_magics\n[p['metadata']['name'] for p in kube_magics.get_session().backend.list('pods')]")
    assert names == ["nginx-pod"]


def test_kube_help_names_every_command(ip) -> None:  # type: ignore[no-untyped-def]
    from kube_magics.kubecmd import COMMANDS, VIEW_COMMANDS

    shown = str(ip.ok("%kube help"))
    assert str(ip.ok("%kube --help")) == shown
    listed = {line.split()[0] for line in shown.splitlines() if line.startswith("  ")}
    assert listed | {"recover-node"} == {*COMMANDS, *VIEW_COMMANDS}
