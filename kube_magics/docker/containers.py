"""Running containers on the engine as `docker run` does: ports, environment, names, --rm, foreground or -d.

- `parse_publish(["18080:8080", "127.0.0.1::53/udp"])`: the `-p` forms (`[IP:][HOST:]CONTAINER[/PROTO]`,
  ranges `8000-8001:80-81`) as the SDK's `ports` and `port_bindings`.
- `run(engine, RunSpec(...))`: create, start; in the foreground wait for the exit and return the output and exit
  code (Ctrl-C stops the container); `--rm` removes it afterwards. An image that is not there locally is pulled
  first, as the CLI does (`Unable to find image 'x:latest' locally`).
- `pull_image(engine, ref)`: the pull's status lines as the CLI prints them without a terminal.
Must not format tables (format.py) or parse flags (flags.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from kube_magics.docker.engine import Engine
from kube_magics.errors import BackendError, UsageError


@dataclass
class RunSpec:
    image: str
    command: list[str] = field(default_factory=list)
    name: str | None = None
    detach: bool = False
    remove: bool = False
    publish: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    workdir: str | None = None
    user: str | None = None
    entrypoint: str | None = None
    labels: list[str] = field(default_factory=list)
    network: str | None = None
    hostname: str | None = None
    restart: str | None = None
    platform: str | None = None
    expose: list[str] = field(default_factory=list)


@dataclass
class RunOutcome:
    container_id: str
    output: str = ""
    exit_code: int | None = None


def split_ref(ref: str) -> tuple[str, str]:
    """`app:1` -> ("app", "1"); `localhost:5000/app` -> ("localhost:5000/app", "latest")."""
    if "@" in ref:
        repo, digest = ref.split("@", 1)
        return repo, digest
    name = ref.rsplit("/", 1)[-1]
    if ":" in name:
        repo, _, tag = ref.rpartition(":")
        return repo, tag
    return ref, "latest"


def normalize(ref: str) -> str:
    """The full reference containerd and the registry use: `seedapp:1` -> `docker.io/library/seedapp:1`."""
    repo, tag = split_ref(ref)
    first = repo.split("/")[0]
    if "/" in repo and ("." in first or ":" in first or first == "localhost"):
        name = repo
    elif "/" in repo:
        name = f"docker.io/{repo}"
    else:
        name = f"docker.io/library/{repo}"
    return f"{name}@{tag}" if tag.startswith("sha256:") else f"{name}:{tag}"


def _port_range(text: str, spec: str) -> list[int]:
    lo, _, hi = text.partition("-")
    try:
        first, last = int(lo), int(hi or lo)
    except ValueError:
        raise UsageError(f'invalid argument "{spec}" for "-p, --publish" flag: invalid port "{text}"') from None
    if not (0 < first <= last <= 65535):
        raise UsageError(f'invalid argument "{spec}" for "-p, --publish" flag: invalid range "{text}"')
    return list(range(first, last + 1))


def parse_publish(specs: list[str]) -> tuple[list[Any], dict[str, list[tuple[str, int | None]]]]:
    """The SDK's (ports, port_bindings) for `-p` values."""
    ports: list[Any] = []
    bindings: dict[str, list[tuple[str, int | None]]] = {}
    for spec in specs:
        body, _, proto = spec.partition("/")
        proto = proto or "tcp"
        ip = ""
        if body.startswith("["):  # [::1]:8080:80
            close = body.index("]")
            ip, body = body[1:close], body[close + 2:]
        parts = body.split(":")
        if len(parts) == 3:
            ip, host, container = parts
        elif len(parts) == 2:
            host, container = parts
        else:
            host, container = "", parts[0]
        container_ports = _port_range(container, spec)
        host_ports: list[int | None] = list(_port_range(host, spec)) if host else [None] * len(container_ports)
        if len(host_ports) != len(container_ports):
            raise UsageError(f'invalid argument "{spec}" for "-p, --publish" flag: the host and container port '
                             "ranges differ in length")
        for cport, hport in zip(container_ports, host_ports):
            key = f"{cport}/{proto}"
            ports.append((cport, proto) if proto != "tcp" else cport)
            bindings.setdefault(key, []).append((ip, hport))
    return ports, bindings


def env_list(items: list[str]) -> list[str]:
    """`-e K=V` as given; `-e K` takes K from this process's environment, as the CLI does (dropped if unset)."""
    out = []
    for item in items:
        if "=" in item:
            out.append(item)
        elif item in os.environ:
            out.append(f"{item}={os.environ[item]}")
    return out


def _labels(items: list[str]) -> dict[str, str]:
    return {k: v for k, _, v in (item.partition("=") for item in items)}


def _create(engine: Engine, spec: RunSpec) -> str:
    ports, bindings = parse_publish(spec.publish)
    ports += [int(p.split("/")[0]) for p in spec.expose]
    restart = None
    if spec.restart:
        policy, _, count = spec.restart.partition(":")
        restart = {"Name": policy, "MaximumRetryCount": int(count or 0)}
    host_config = engine.api.create_host_config(port_bindings=bindings or None, network_mode=spec.network,
                                                restart_policy=restart)
    created = engine.api.create_container(
        spec.image, command=spec.command or None, name=spec.name, environment=env_list(spec.env) or None,
        working_dir=spec.workdir, user=spec.user, entrypoint=spec.entrypoint, labels=_labels(spec.labels) or None,
        ports=ports or None, hostname=spec.hostname, host_config=host_config, platform=spec.platform,
        detach=spec.detach)
    return str(created["Id"])


def run(engine: Engine, spec: RunSpec) -> RunOutcome:
    from docker.errors import APIError, ImageNotFound

    preface = ""
    try:
        container_id = _create(engine, spec)
    except ImageNotFound:
        repo, tag = split_ref(spec.image)
        preface = f"Unable to find image '{repo}:{tag}' locally\n"
        try:
            preface += pull_image(engine, spec.image, platform=spec.platform)
        except BackendError as exc:
            raise BackendError(preface + "docker: " + exc.message, hint=exc.hint) from None
        container_id = _create(engine, spec)
    try:
        engine.api.start(container_id)
    except APIError as exc:
        engine.api.remove_container(container_id, force=True)  # as the CLI leaves no half-made container with --rm
        raise BackendError("docker: " + engine.translate(exc).message, hint=engine.translate(exc).hint) from None
    if spec.detach:
        return RunOutcome(container_id, preface)
    return _foreground(engine, spec, container_id, preface)


def _foreground(engine: Engine, spec: RunSpec, container_id: str, preface: str) -> RunOutcome:
    interrupted = False
    try:
        code = engine.api.wait(container_id).get("StatusCode")
    except KeyboardInterrupt:
        interrupted = True
        engine.api.stop(container_id, timeout=2)
        code = engine.api.inspect_container(container_id)["State"].get("ExitCode")
    output = engine.api.logs(container_id, stdout=True, stderr=True).decode("utf-8", "replace")
    if spec.remove:
        engine.api.remove_container(container_id, force=True)
    if interrupted:
        output += f"(interrupted: the container was stopped, exit code {code})\n"
    return RunOutcome(container_id, preface + output, code)


def pull_image(engine: Engine, ref: str, *, platform: str | None = None, quiet: bool = False) -> str:
    """Pull, and return the status lines as the CLI prints them without a terminal."""
    repo, tag = split_ref(ref)
    order: list[str] = []
    latest: dict[str, str] = {}
    try:
        for message in engine.api.pull(repo, tag=tag, stream=True, decode=True, platform=platform):
            if "error" in message:
                raise BackendError(f"Error response from daemon: {message['error']}")
            key = message.get("id", "") + "\x00" + ("" if message.get("id") else str(len(order)))
            if key not in latest:
                order.append(key)
            status = str(message.get("status", ""))
            latest[key] = f"{message['id']}: {status}" if message.get("id") else status
    except BackendError as exc:
        raise BackendError(exc.message, hint=_pull_hint()) from None
    except Exception as exc:
        from docker.errors import APIError

        if isinstance(exc, APIError):
            raise BackendError(engine.translate(exc).message, hint=_pull_hint()) from None
        raise
    full = normalize(ref)
    lines = [] if quiet else [latest[k] for k in order]
    return "".join(line + "\n" for line in [*lines, full])


def _pull_hint() -> str:
    return ("the engine could not fetch the image from its registry (is one reachable from here?): build it "
            "locally (%%dockerfile -t NAME) or load it from a file (docker load)")
