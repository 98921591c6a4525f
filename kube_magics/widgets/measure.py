"""Measure how long a real container takes to start, with the Docker engine this kernel can reach.

`probe()` says whether an engine answers (the `docker` SDK is imported only here, when asked). `container_start()`
runs `true` in a small local image three times (create, start, wait, remove) and reports the median of the time
from create to exit, which is what `docker run` costs. It uses the smallest local `busybox` or `alpine`
image, and pulls `busybox` first if there is none; the pull is not counted.

Must not: run at import time, or run unless the view's button asks.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any, NamedTuple

from kube_magics.errors import BackendError

SMALL_REPOSITORIES = ("busybox", "alpine")
RUNS = 3


class Probe(NamedTuple):
    available: bool
    note: str  # the engine's version, or why there is none


class Measurement(NamedTuple):
    seconds: float
    image: str
    runs: list[float]


def _client(timeout: float = 3.0) -> Any:
    import docker  # the SDK is a dependency, but importing it costs time no one else needs to pay

    return docker.from_env(timeout=timeout)


def _missing_socket() -> str:
    """Why there can be no engine, when DOCKER_HOST (or the default) names a Unix socket that does not exist.
    (Checked first because the SDK leaves a socket open when connecting to a missing one fails.)"""
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    path = host[len("unix://"):] if host.startswith("unix://") else ""
    return f"no Docker socket at {path}" if path and not os.path.exists(path) else ""


def probe() -> Probe:
    missing = _missing_socket()
    if missing:
        return Probe(False, missing)
    client = None
    try:
        client = _client()
        version = client.version().get("Version", "?")
    except Exception as exc:
        return Probe(False, f"{type(exc).__name__}: {exc}".splitlines()[0][:200])
    finally:
        if client is not None:
            client.close()
    return Probe(True, f"Docker Engine {version}")


def _small_image(client: Any) -> str:
    """The smallest local busybox or alpine image (any tag); else busybox:latest, pulled."""
    found = sorted((image.attrs.get("Size") or 0, tag) for image in client.images.list() for tag in image.tags
                   if tag.rsplit(":", 1)[0].rsplit("/", 1)[-1] in SMALL_REPOSITORIES)
    if found:
        return str(found[0][1])
    client.images.pull("busybox", tag="latest")
    return "busybox:latest"


def container_start(runs: int = RUNS) -> Measurement:
    """The median time to create, start and finish a container running `true`."""
    if _missing_socket():
        raise BackendError(f"could not measure a container start: {_missing_socket()}")
    client = None
    try:
        client = _client(timeout=60)
        image = _small_image(client)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            container = client.containers.create(image, ["true"])
            try:
                container.start()
                container.wait()
                times.append(time.perf_counter() - t0)
            finally:
                container.remove(force=True)
    except Exception as exc:
        raise BackendError(f"could not measure a container start: {exc}") from None
    finally:
        if client is not None:
            client.close()
    return Measurement(statistics.median(times), image, times)
