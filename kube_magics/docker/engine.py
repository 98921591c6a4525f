"""The Docker engine: where it is (the local socket, or DOCKER_HOST), whether it answers, and its errors in words.

- `probe(base_url=None, timeout=2.0) -> EngineStatus`: a quick check that never hangs (a missing socket is known
  without connecting; a ping has a short timeout); when unreachable, `reason` says why in Docker's words.
- `Engine.connect(base_url=None)`: an `APIClient` (the SDK's low-level client) at the engine's API version, or a
  BackendError with the reason and a hint.
- `translate(exc)`: the one place where the SDK's errors (`APIError`, connection errors) become kube_magics
  errors, worded as the docker CLI words them (`Error response from daemon: ...`) plus a hint.

Must not format output or parse Dockerfiles.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from kube_magics.errors import BackendError, KubeMagicsError

DEFAULT_HOST = "unix:///var/run/docker.sock"
NO_ENGINE_HINT = ("start the engine (`sudo systemctl start docker`, or `dockerd &`) or point DOCKER_HOST at one; "
                  "without an engine, %%dockerfile uses the simulated builder (--builder sim)")


@dataclass(frozen=True)
class EngineStatus:
    reachable: bool
    base_url: str
    reason: str = ""
    version: str = ""
    api_version: str = ""

    def __bool__(self) -> bool:
        return self.reachable


def engine_url(base_url: str | None = None) -> str:
    """The engine's address: the argument, else DOCKER_HOST, else the local socket."""
    return base_url or os.environ.get("DOCKER_HOST") or DEFAULT_HOST


def _cannot_connect(url: str) -> str:
    return f"Cannot connect to the Docker daemon at {url}. Is the docker daemon running?"


def _client_kwargs(url: str, timeout: float) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"base_url": url, "timeout": timeout}
    if url == os.environ.get("DOCKER_HOST") and os.environ.get("DOCKER_TLS_VERIFY"):
        from docker.utils import kwargs_from_env

        kwargs.update({k: v for k, v in kwargs_from_env().items() if k == "tls"})
    return kwargs


def probe(base_url: str | None = None, *, timeout: float = 2.0) -> EngineStatus:
    """Does an engine answer at `base_url` (or DOCKER_HOST, or the local socket)? Quick, never raises."""
    url = engine_url(base_url)
    if url.startswith("unix://"):
        path = url[len("unix://"):]
        if not os.path.exists(path):
            return EngineStatus(False, url, _cannot_connect(url))
        if not os.access(path, os.R_OK | os.W_OK):
            return EngineStatus(False, url, "permission denied while trying to connect to the Docker daemon "
                                            f"socket at {url}")
        # Try the socket ourselves first: the SDK's unix transport leaves a refused socket unclosed.
        reason = _unix_refusal(path, timeout)
        if reason:
            return EngineStatus(False, url, f"{_cannot_connect(url)} ({reason})")
    try:
        import docker

        api = docker.APIClient(version="1.24", **_client_kwargs(url, timeout))
        try:
            info = api.version(api_version=False)
        finally:
            api.close()
    except Exception as exc:  # any failure to reach the engine means "unreachable", with its reason
        return EngineStatus(False, url, f"{_cannot_connect(url)} ({_short(exc)})")
    return EngineStatus(True, url, version=str(info.get("Version", "")), api_version=str(info.get("ApiVersion", "")))


def _unix_refusal(path: str, timeout: float) -> str | None:
    """Why a unix socket refuses a connection, or None when something listens there."""
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError as exc:
            return _short(exc)
    return None


def _short(exc: BaseException) -> str:
    text = str(exc)
    m = re.search(r"(Connection refused|timed out|No such file or directory|Name or service not known|"
                  r"Permission denied)", text)
    return m.group(1) if m else text.splitlines()[0][:160]


class Engine:
    """A connected engine: `api` is the SDK's APIClient at the engine's own API version."""

    def __init__(self, api: Any, status: EngineStatus) -> None:
        self.api = api
        self.status = status

    @classmethod
    def connect(cls, base_url: str | None = None, *, timeout: float = 2.0, request_timeout: float = 600.0) -> Engine:
        status = probe(base_url, timeout=timeout)
        if not status:
            raise BackendError(status.reason, hint=NO_ENGINE_HINT)
        import docker

        api = docker.APIClient(version=status.api_version, **_client_kwargs(status.base_url, request_timeout))
        return cls(api, status)

    @property
    def base_url(self) -> str:
        return self.status.base_url

    def close(self) -> None:
        self.api.close()

    def has_buildx(self) -> bool:
        """Is the docker CLI's buildx plugin installed (the way to BuildKit from here)?"""
        docker_cli = shutil.which("docker")
        if docker_cli is None:
            return False
        env = dict(os.environ, DOCKER_HOST=self.base_url)
        result = subprocess.run([docker_cli, "buildx", "version"], capture_output=True, text=True, env=env,
                                timeout=20, check=False)
        return result.returncode == 0

    def translate(self, exc: BaseException) -> KubeMagicsError:
        return translate(exc, base_url=self.base_url)


# Daemon messages, the CLI's own words kept; a hint for what a learner does next.
_HINTS: tuple[tuple[str, str], ...] = (
    (r"port is already allocated|address already in use",
     "another container or program holds that host port: pick another (-p 18081:8080) or stop the one "
     "that holds it (%docker ps)"),
    (r"is already in use by container",
     "remove the old container (%docker rm -f NAME) or choose another --name"),
    (r"No such image|pull access denied|repository does not exist|manifest unknown|not found: manifest",
     "build it (%%dockerfile -t NAME) or pull it (%docker pull NAME); %docker images lists what the engine has"),
    (r"No such container", "%docker ps -a lists the containers"),
    (r"You cannot remove a running container|cannot remove container .* stop the container",
     "stop it first (%docker stop NAME), or remove it with -f"),
    (r"conflict: unable to (?:delete|remove)", "remove the containers that use it first (%docker ps -a), or use -f"),
    (r"dial tcp|lookup .* on|TLS handshake timeout|Client.Timeout|i/o timeout",
     "no image registry is reachable from the engine: build the base image locally, or load it from a file "
     "with the docker CLI (docker load -i FILE) in a terminal"),
    (r"FROM requires either one or three arguments",
     "a `#` starts a comment only at the beginning of a line; a comment after an instruction becomes its "
     "arguments: move it to a line of its own"),
    (r"unknown instruction", "check the instruction's spelling (FROM, RUN, COPY, ADD, WORKDIR, ENV, EXPOSE, CMD ...)"),
)


def hint_for(message: str) -> str | None:
    for pattern, hint in _HINTS:
        if re.search(pattern, message, re.I):
            return hint
    return None


def translate(exc: BaseException, *, base_url: str = DEFAULT_HOST) -> KubeMagicsError:
    """An SDK or transport error as the docker CLI reports it, with a hint."""
    if isinstance(exc, KubeMagicsError):
        return exc
    from docker.errors import APIError, DockerException
    from requests.exceptions import ConnectionError as RequestsConnectionError
    from requests.exceptions import ReadTimeout

    if isinstance(exc, APIError):
        explanation = exc.explanation if isinstance(exc.explanation, str) else str(exc)
        text = f"Error response from daemon: {explanation.strip()}"
        return BackendError(text, hint=hint_for(text))
    if isinstance(exc, (RequestsConnectionError, ReadTimeout)):
        return BackendError(f"{_cannot_connect(base_url)} ({_short(exc)})", hint=NO_ENGINE_HINT)
    if isinstance(exc, DockerException):
        return BackendError(str(exc), hint=hint_for(str(exc)))
    return BackendError(f"{type(exc).__name__}: {exc}")
