"""End-to-end targets for the real-cluster backend: the simulator's served Kubernetes API (started with
`python -m kube_magics serve`, the way a user starts it), and a real cluster given with `--with-cluster CONTEXT`.

Each end-to-end test gets a `KubeBackend` on one target and a namespace of its own, deleted afterwards.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube_magics.backends import contexts
from kube_magics.backends.kube import KubeBackend
from kube_magics.errors import KubeMagicsError
from tests.kube import sockets

SIM_CONTEXT = contexts.SIM_CONTEXT
START_SECONDS = 60.0


@dataclass(frozen=True)
class Target:
    """A Kubernetes API to test against: its kubeconfig files and context."""

    paths: tuple[str, ...]
    context: str
    served: bool  # the simulator's served API (else a real cluster)

    def backend(self, *, allow_writes: bool = False) -> KubeBackend:
        config = contexts.load(self.paths)
        return KubeBackend(config.get(self.context), config.paths, allow_writes=allow_writes)


@pytest.fixture(scope="session", params=["served-simulator", "with-cluster"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    if request.param == "with-cluster":
        yield from _real_cluster(request.config.getoption("--with-cluster"))
    else:
        yield from _served_simulator(tmp_path_factory.mktemp("served"))


def _real_cluster(context: str | None) -> Iterator[Target]:
    if not context:
        pytest.skip("no real cluster given (pytest --with-cluster CONTEXT)")
    try:
        config = contexts.load()
        found = Target(config.paths, config.get(context).name, served=False)
        found.backend().version()
    except KubeMagicsError as exc:
        pytest.skip(f"cluster {context} is not reachable: {exc.message}")
    yield found


def _served_simulator(directory: Path) -> Iterator[Target]:
    if importlib.util.find_spec("kube_magics.apiserver") is None:
        pytest.skip("the simulator's API server (kube_magics/apiserver, `python -m kube_magics serve`) is not in "
                    "this tree yet")
    path = directory / "kubeconfig"
    port = sockets.closed_port()
    log = (directory / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "kube_magics", "serve", "--port", str(port), "--kubeconfig",
                             str(path)], stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2],
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        found = Target((str(path),), SIM_CONTEXT, served=True)
        _wait_until_serving(found, proc, directory / "serve.log")
        yield found
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_until_serving(found: Target, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    problem = "no kubeconfig written yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if Path(found.paths[0]).exists():
            try:
                found.backend().version()
                return
            except KubeMagicsError as exc:
                problem = exc.message
        time.sleep(0.2)
    pytest.fail(f"`python -m kube_magics serve` did not serve within {START_SECONDS:.0f}s ({problem}):\n"
                + log.read_text()[-3000:])


@pytest.fixture
def backend(target: Target) -> KubeBackend:
    # Naming a cluster with --with-cluster allows the tests to write to it.
    return target.backend(allow_writes=True)


@pytest.fixture
def namespace(backend: KubeBackend) -> Iterator[str]:
    name = f"km-e2e-{uuid.uuid4().hex[:8]}"
    backend.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    with contextlib.suppress(KubeMagicsError):  # already gone, or the server went away: nothing to clean
        backend.delete("namespaces", name)
