"""The real-engine tier: a Docker engine must answer (CI starts one in .ci/run); skipped with the reason otherwise.

No registry is reachable, so the base image is made here: Debian's busybox-static binary, with a symlink for each
applet, imported as `busybox:local` (what the recordings in shared/reference/docker used).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator

import pytest

from kube_magics.docker.engine import Engine, probe

BASE_IMAGE = "busybox:local"
BUSYBOX = "/bin/busybox"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    status = probe()
    if not status:
        pytest.skip(f"no Docker engine answers: {status.reason} (.ci/run installs docker.io and starts dockerd)")
    eng = Engine.connect()
    _ensure_base_image(eng)
    yield eng
    eng.close()


def _ensure_base_image(eng: Engine) -> None:
    from docker.errors import ImageNotFound

    try:
        eng.api.inspect_image(BASE_IMAGE)
        return
    except ImageNotFound:
        pass
    if not os.path.exists(BUSYBOX):
        pytest.skip(f"{BUSYBOX} is missing (apt-get install busybox-static) to make {BASE_IMAGE}")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    with tempfile.TemporaryDirectory() as root:
        for d in ("bin", "tmp", "etc"):
            os.makedirs(os.path.join(root, d))
        shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
        for applet in applets:
            if applet != "busybox":
                os.symlink("busybox", os.path.join(root, "bin", applet))
        with tempfile.TemporaryFile() as tar:
            with tarfile.open(fileobj=tar, mode="w") as t:
                t.add(root, arcname=".")
            tar.seek(0)
            eng.api.import_image_from_data(tar.read(), repository="busybox", tag="local")


@pytest.fixture
def unique() -> str:
    """A name no other test run uses (the engine may be shared)."""
    return "km" + uuid.uuid4().hex[:10]


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def cleanup(engine: Engine) -> Iterator[list[str]]:
    """Names of containers and images (prefix `image:`) to remove after the test."""
    from docker.errors import APIError

    names: list[str] = []
    yield names
    for name in reversed(names):
        try:
            if name.startswith("image:"):
                engine.api.remove_image(name[len("image:"):], force=True)
            else:
                engine.api.remove_container(name, force=True)
        except APIError:
            pass
