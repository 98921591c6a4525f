"""The three views in a real browser: JupyterLab (headless, on a free localhost port) driven by Debian's chromium
through Playwright. A notebook shows each view; the tests read the DOM, click pods, delete pods from the kernel and
from the view's own button, and switch the labels to Korean. Screenshots go to artifacts/browser/; with
KUBE_MAGICS_UPDATE_IMAGES=1 the README's images under docs/images/ are written again too.

Needs: `apt-get install chromium fonts-noto-cjk`, `pip install jupyterlab playwright` (never `playwright install`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "artifacts" / "browser"
IMAGES = ROOT / "docs" / "images"
README_IMAGES = ("topology", "pod-board", "stack", "topology-ko")
TIMEOUT_MS = 60_000
# JupyterLab's first page load in a fresh browser profile (and the first kernel start) can take minutes on a
# loaded two-core machine.
START_TIMEOUT_MS = 240_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM} (apt-get install chromium)"),
    pytest.mark.skipif(importlib.util.find_spec("jupyterlab") is None, reason="jupyterlab is not installed"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="playwright is not installed"),
]

SETUP = """\
from kube_magics import widgets
from kube_magics.sim import SimCluster
from tests.widgets.simbackend import SimBackend, place

# Pod states are set by hand (place), so no scheduler or kubelet may change them.
cluster = SimCluster(workers=2, seed=0, controllers=("*", "-default-scheduler", "-kubelet"))
backend = SimBackend(cluster)
place(cluster, "web-1", "sim-worker", "Running", ip="10.244.1.2")
place(cluster, "web-2", "sim-worker2", "CrashLoopBackOff", ip="10.244.2.2")
place(cluster, "web-3", "sim-worker", "ContainerCreating")
cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "waiting", "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.20"}]}})
cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
cluster.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx-deployment"},
               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
                        "template": {"metadata": {"labels": {"app": "nginx"}},
                                     "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}}})
"""
CELLS = [SETUP, "topo = widgets.topology(backend)\ntopo", "board = widgets.pod_board(backend)\nboard",
         "widgets.stack()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def notebook(path: Path) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"cell-{i}", "metadata": {}, "outputs": [],
              "source": src} for i, src in enumerate(CELLS)]
    doc = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                       "language": "python"}},
           "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")


def wait_for_server(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"jupyter lab did not answer at {url}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """JupyterLab on a free port, with fresh config, data and runtime directories, serving one notebook."""
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    work.mkdir()
    notebook(work / "views.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "IPYTHONDIR": str(home / "ipython"), "KUBE_MAGICS_LANG": "en"}
    # No "Would you like to get notified about official Jupyter news?" toast over the screenshots.
    labconfig = home / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}), encoding="utf-8")
    log = home / "lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
             "--expose-app-in-browser", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
             "jupyterlab.NeverCheckForUpdate", *(["--allow-root"] if os.geteuid() == 0 else [])],
            cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_server(f"{base}/api/status?token={token}", proc, log)
        yield {"base": base, "token": token, "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def page(lab: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
            viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(f"{lab['base']}/lab/tree/views.ipynb?token={lab['token']}", timeout=START_TIMEOUT_MS)
        pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                             " && window.jupyterapp.shell.currentWidget.sessionContext"
                             " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                             " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                             " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
                             " === 'idle'", timeout=START_TIMEOUT_MS)
        pg.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        pg.locator(".km-stack svg").first.wait_for()
        try:
            yield pg
        finally:
            pg.screenshot(path=str(ARTIFACTS / "notebook-end.png"), full_page=True)
            context.close()


def run_in_kernel(pg: Any, code: str, expression: str = "None") -> str:
    """Execute `code` in the notebook's kernel (as a cell would); returns the reply's status, or the repr of
    `expression` evaluated afterwards when one is given."""
    return str(pg.evaluate(
        """async ([code, expression]) => {
             const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
             const reply = await kernel.requestExecute({ code, user_expressions: { out: expression } }).done;
             if (expression === "None") return reply.content.status;
             return reply.content.user_expressions.out.data["text/plain"];
           }""", [code, expression]))


def shoot(pg: Any, selector: str, name: str) -> None:
    pg.locator(selector).first.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if os.environ.get("KUBE_MAGICS_UPDATE_IMAGES") == "1" and name in README_IMAGES:
        IMAGES.mkdir(parents=True, exist_ok=True)
        pg.locator(selector).first.screenshot(path=str(IMAGES / f"{name}.png"))


def keyed(pg: Any, view: str, key: str) -> Any:
    return pg.locator(f'{view} [data-key="{key}"]')


def test_each_view_shows_the_expected_nodes_and_pods(page: Any) -> None:
    topo = ".km-topology"
    for node in ("sim-control-plane", "sim-worker", "sim-worker2"):
        assert keyed(page, topo, f"node:{node}").count() >= 1
    for pod in ("web-1", "web-2", "web-3", "waiting"):
        assert keyed(page, topo, f"pod:default/{pod}").count() >= 1
        assert keyed(page, ".km-pod-board", f"pod:default/{pod}").count() == 1
    assert keyed(page, topo, "service:default/web").count() >= 1
    summary = page.locator(f"{topo} .km-summary").inner_text()
    # The scenario's four bare pods, plus what the Deployment's ReplicaSet made.
    assert re.match(r"Cluster sim: 3 nodes \(3 Ready\), \d+ pods \(", summary), summary
    assert page.locator('.km-pod-board [data-key="pod:default/web-2"]').get_attribute("data-status") == \
        "CrashLoopBackOff"
    stack_text = page.locator(".km-stack svg").first.text_content() or ""
    for layer in ("Hypervisor", "Guest OS", "Docker engine", "Hardware"):
        assert layer in stack_text
    assert page.locator('.km-stack [data-role="measure"]').count() == 1
    shoot(page, topo, "topology")
    shoot(page, ".km-pod-board", "pod-board")
    shoot(page, ".km-stack", "stack")


def test_a_click_on_a_pod_shows_its_details(page: Any) -> None:
    keyed(page, ".km-topology", "pod:default/web-2").first.click()
    details = page.locator(".km-topology .km-details")
    details.get_by_text("Pod default/web-2").wait_for()
    text = details.inner_text()
    assert "CrashLoopBackOff" in text and "sim-worker2" in text and "nginx:1.20" in text
    assert details.locator('[data-role="delete-pod"]').count() == 1
    shoot(page, ".km-topology", "topology-details")


def test_deleting_pods_from_the_kernel_changes_the_views(page: Any) -> None:
    assert run_in_kernel(page, "backend.delete('pods', 'waiting'); backend.delete('pods', 'web-1')") == "ok"
    for view in (".km-topology", ".km-pod-board"):
        keyed(page, view, "pod:default/waiting").first.wait_for(state="detached")
    # web-1 ran on a node: it terminates gracefully (gone, or Terminating while its kubelet stops it).
    page.wait_for_function("""() => {
        const tile = document.querySelector('.km-pod-board [data-key="pod:default/web-1"]');
        return !tile || tile.dataset.status === 'Terminating';
    }""")
    assert "pod:default/waiting" not in page.locator(".km-topology").inner_html()


def test_the_views_buttons_act_on_the_cluster(page: Any) -> None:
    before = page.locator('.km-topology [data-role="time"]').inner_text()
    page.locator('.km-topology [data-role="step"]').click()
    page.wait_for_function(f"""() => document.querySelector('.km-topology [data-role="time"]').textContent
                               !== {json.dumps(before)}""")
    assert page.locator('.km-topology [data-role="time"]').inner_text().endswith("09:00:01Z")
    page.locator('.km-topology [data-key="default/nginx-deployment"] [data-role="scale-up"]').click()
    page.locator(".km-topology .km-message").get_by_text("deployment.apps/nginx-deployment scaled").wait_for()
    keyed(page, ".km-topology", "pod:default/web-3").first.click()
    page.locator(".km-topology .km-details").get_by_text("Pod default/web-3").wait_for()  # not web-2's button
    page.locator('.km-topology .km-details [data-role="delete-pod"]').click()
    page.locator(".km-topology .km-message").get_by_text('pod "web-3" deleted').wait_for()
    page.wait_for_function("""() => {
        const tile = document.querySelector('.km-pod-board [data-key="pod:default/web-3"]');
        return !tile || tile.dataset.status === 'Terminating';
    }""")


def test_play_moves_the_clock_from_the_kernels_event_loop_until_paused(page: Any) -> None:
    page.locator('.km-topology [data-role="speed"]').select_option("10")
    page.locator('.km-topology [data-role="play"]').click()
    page.wait_for_function("""() => document.querySelector('.km-topology [data-role="time"]').textContent
                              >= 'Virtual time: 2026-01-05T09:00:10Z'""")
    # One owner drives the simulator: an asyncio task on the kernel's loop, not a thread.
    assert run_in_kernel(page, "", "topo.player._task is not None and topo.player._thread is None") == "True"
    page.locator('.km-topology [data-role="play"]').click()  # now it reads Pause
    page.locator('.km-topology [data-role="play"]').get_by_text("Play").wait_for()
    paused = run_in_kernel(page, "", "backend.now()")
    page.wait_for_timeout(600)
    assert run_in_kernel(page, "", "backend.now()") == paused


def test_the_stack_measures_a_real_container_start_or_says_why_not(page: Any) -> None:
    button = page.locator('.km-stack [data-role="measure"]')
    page.locator('.km-stack [data-role="docker-note"]').filter(has_text=" ").wait_for()
    if button.is_disabled():
        assert "No Docker engine is reachable" in page.locator('.km-stack [data-role="docker-note"]').inner_text()
        return
    button.click()
    measured = page.locator('.km-stack [data-role="measured"]')
    measured.wait_for()
    assert measured.inner_text().startswith("measured here: ")
    assert "(measured on this machine)" in (page.locator(".km-stack svg").first.text_content() or "")


def test_korean_labels_with_hangul_fonts(page: Any) -> None:
    assert run_in_kernel(page, "widgets.set_language('ko')") == "ok"
    page.locator(".km-topology svg").first.get_by_text("컨트롤 플레인 (Control Plane)", exact=False).first.wait_for()
    assert page.locator(".km-stack svg").first.get_by_text("하이퍼바이저").count() == 1
    assert page.locator(".km-topology .km-summary").inner_text().startswith("클러스터 sim: 노드 3개")
    shoot(page, ".km-topology", "topology-ko")
    shoot(page, ".km-stack", "stack-ko")
    run_in_kernel(page, "widgets.set_language('en')")


def test_no_errors_in_the_kernel_or_the_server(page: Any, lab: dict[str, Any]) -> None:
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, errors.all_inner_texts()
    assert "Traceback" not in lab["log"].read_text(), lab["log"].read_text()[-3000:]
    assert shutil.which("fc-list") is None or "Noto Sans CJK" in subprocess.run(
        ["fc-list"], capture_output=True, text=True, check=False).stdout
