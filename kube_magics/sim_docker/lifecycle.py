"""The simulated engine's container verbs: run, stop, rm, logs, exec, and the removal of `--rm` containers.

`run` does what the daemon does, in its order and words: the image (pulled first when absent), the name
(`Conflict. The container name "/web" is already in use ...`), the published ports (`Bind for 0.0.0.0:8080
failed: port is already allocated`, the container left `Created`), the start (a command the runtime cannot find
leaves it `Created` with exit code 127). In the foreground it waits for the process to exit and returns what
it printed and its exit code. A process that never exits (a server) cannot hold a notebook cell the way it holds
a terminal: the simulated engine shows what it printed while starting and leaves it running, with a note.
`stop` and `exec` wait, on the engine's clock, for what they wait for (see clock.py).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kube_magics.docker.containers import RunOutcome, RunSpec, env_list, parse_publish
from kube_magics.docker.engine import hint_for
from kube_magics.errors import BackendError, UsageError
from kube_magics.images import normalise
from kube_magics.sim.behaviour import Context, command_of, plan
from kube_magics.sim_docker.containers import Binding, Container, random_name

if TYPE_CHECKING:
    from random import Random

    from kube_magics.sim_docker.clock import EngineClock
    from kube_magics.sim_docker.images import LocalImage

GRACE = 10.0  # docker stop's default timeout
EPHEMERAL = 32768  # the first host port the engine picks for `-p 80` (the kernel's ephemeral range)
SETTLE = 0.01  # how long after its last start-up line a server that runs in the foreground is left
CPUS = 4  # the machine the simulated engine runs on (nginx starts a worker per CPU)
_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
_KILL = ("KILL", "SIGKILL", "9")


def daemon_error(text: str) -> BackendError:
    """An error as the CLI prints the daemon's answer, with the real engine's hint for it."""
    message = f"Error response from daemon: {text}"
    return BackendError(message, hint=hint_for(message))


class ContainerOps:
    """The container verbs of `SimDockerEngine`, which provides the attributes and the three methods below."""

    clock: EngineClock
    containers_by_id: dict[str, Container]
    rng_names: Random

    def now(self) -> float: ...  # type: ignore[empty-body]
    def new_id(self) -> str: ...  # type: ignore[empty-body]
    def image_for_run(self, ref: str) -> tuple[LocalImage, list[str]]: ...  # type: ignore[empty-body]

    # --- lookups ---------------------------------------------------------------------------------------------

    def containers(self, *, all: bool = False) -> list[Container]:
        """Newest first; only running ones unless `all`."""
        now = self.now()
        found = list(reversed(self.containers_by_id.values()))
        return found if all else [c for c in found if c.running(now)]

    def find_container(self, ref: str) -> Container | None:
        name = ref.lstrip("/")
        for c in self.containers_by_id.values():
            if c.name == name or c.id == ref:
                return c
        found = [c for c in self.containers_by_id.values() if ref and c.id.startswith(ref)]
        return found[0] if len(found) == 1 else None

    def container(self, ref: str) -> Container:
        found = self.find_container(ref)
        if found is None:
            raise daemon_error(f"No such container: {ref}")
        return found

    def reap(self) -> None:
        """Remove the `--rm` containers whose process has ended."""
        now = self.now()
        for c in list(self.containers_by_id.values()):
            if c.auto_remove and c.started is not None and not c.running(now):
                del self.containers_by_id[c.id]

    # --- run ---------------------------------------------------------------------------------------------------

    def run(self, spec: RunSpec) -> RunOutcome:
        _refuse_unmodelled(spec)
        if spec.name is not None and not _NAME.match(spec.name):
            err = daemon_error(f"Invalid container name ({spec.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
            raise BackendError("docker: " + err.message)
        image, preface = self.image_for_run(spec.image)
        container = self._create(spec, image)
        self._start(container)
        if spec.detach:
            return RunOutcome(container.id, "".join(line + "\n" for line in preface), 0)
        return self._foreground(container, preface)

    def _create(self, spec: RunSpec, image: LocalImage) -> Container:
        if spec.name is not None:
            held = self.find_container(spec.name)
            if held is not None and held.name == spec.name.lstrip("/"):
                err = daemon_error(f'Conflict. The container name "/{held.name}" is already in use by container '
                                   f'"{held.id}". You have to remove (or rename) that container to be able to '
                                   "reuse that name.")
                raise BackendError("docker: " + err.message, hint=err.hint)
        ident = self.new_id()
        taken = {c.name for c in self.containers_by_id.values()}
        name = spec.name.lstrip("/") if spec.name else random_name(self.rng_names, taken)
        config, argv, env = _config(spec, image, ident)
        ctx = Context(env=dict(e.partition("=")[::2] for e in env), node_cpus=CPUS,
                      hostname=config["Hostname"], declared_ports=frozenset(_ports_of(spec)),
                      image_ports=frozenset(int(p.split("/")[0]) for p in image.config.get("ExposedPorts") or {}),
                      image_behaviour=image.behaviour, image_ref=image.tags[0] if image.tags else normalise(
                          spec.image), built_here=image.built is not None, workdir=config.get("WorkingDir") or "/")
        container = Container(ident, name, spec.image, image.id, argv, env, config, plan(argv, ctx), self.now(),
                              auto_remove=spec.remove, labels=dict(config.get("Labels") or {}), context=ctx)
        container.bindings = self._bind(spec, container)
        self.containers_by_id[ident] = container
        return container

    def _bind(self, spec: RunSpec, container: Container) -> list[Binding]:
        _, bindings = parse_publish(spec.publish)
        used = {b.host_port for c in self.containers_by_id.values() if c.running(self.now()) for b in c.bindings}
        out = []
        for key, hosts in bindings.items():
            port, _, proto = key.partition("/")
            for ip, host in hosts:
                if host is None:
                    host = next(p for p in range(EPHEMERAL, 65536) if p not in used)
                used.add(host)
                out.append(Binding(ip or "0.0.0.0", host, int(port), proto))
        return out

    def _start(self, c: Container) -> None:
        now = self.now()
        held = {(b.host_ip, b.host_port, b.proto): other for other in self.containers_by_id.values()
                if other is not c and other.running(now) for b in other.bindings}
        for b in c.bindings:
            if (b.host_ip, b.host_port, b.proto) in held:
                err = daemon_error(f"driver failed programming external connectivity on endpoint {c.name} ({c.id}): "
                                   f"Bind for {b.host_ip}:{b.host_port} failed: port is already allocated")
                raise BackendError("docker: " + err.message, hint=err.hint)
        if c.process.start_error:
            c.start_error = _runtime_words(c.process.start_error)
            if c.auto_remove:
                del self.containers_by_id[c.id]
            err = daemon_error(c.start_error)
            raise BackendError("docker: " + err.message, hint=err.hint)
        c.started = now
        c.ip = self._address(now)

    def _address(self, now: float) -> str:
        used = {c.ip for c in self.containers_by_id.values() if c.ip and c.running(now)}
        return next(f"172.17.0.{n}" for n in range(2, 255) if f"172.17.0.{n}" not in used)

    def _foreground(self, c: Container, preface: list[str]) -> RunOutcome:
        started = c.started if c.started is not None else self.now()
        end = c.natural_end()
        if end is not None:
            self.clock.wait(end - self.now())
            lines = c.logs(self.now())
            code = c.exit_code(self.now())
            self.reap()
            return RunOutcome(c.id, "".join(line + "\n" for line in [*preface, *lines]), code)
        startup = max((ln.at for ln in c.process.lines), default=0.0)
        self.clock.wait(max(startup, c.process.serving_after or 0.0) + SETTLE - (self.now() - started))
        note = (f"(the container keeps running: a terminal would stay attached to it until Ctrl-C; here it runs "
                f"on in the background: %docker logs {c.name}, %docker stop {c.name})")
        lines = [*preface, *c.logs(self.now()), note]
        return RunOutcome(c.id, "".join(line + "\n" for line in lines), None)

    # --- stop, rm, logs, exec ----------------------------------------------------------------------------------

    def stop(self, refs: list[str], *, timeout: float | None = None, signal: str | None = None) -> None:
        """Stop each container; waits until the last has stopped."""
        now = self.now()
        kill = (signal or "").upper() in _KILL
        ends = [self.container(ref).stop(now, GRACE if timeout is None else timeout, kill=kill) for ref in refs]
        self.clock.wait(max(ends, default=now) - now)
        self.reap()

    def remove(self, ref: str, *, force: bool = False) -> None:
        c = self.container(ref)
        now = self.now()
        if c.running(now):
            if not force:
                raise daemon_error(f"You cannot remove a running container {c.id}. Stop the container before "
                                   "attempting removal or force remove")
            c.stop(now, 0.0, kill=True)
        del self.containers_by_id[c.id]

    def logs(self, ref: str, *, tail: int | None = None) -> list[str]:
        lines = self.container(ref).logs(self.now())
        return lines[-tail:] if tail else ([] if tail == 0 else lines)

    def exec(self, ref: str, argv: list[str], *, env: list[str] | None = None, workdir: str | None = None
             ) -> tuple[list[str], int | None]:
        """Run `argv` in a running container, as the behaviour model predicts it: (output lines, exit code)."""
        c = self.container(ref)
        if not c.running(self.now()):
            raise daemon_error(f"Container {c.id} is not running")
        variables = dict(e.partition("=")[::2] for e in [*c.env, *env_list(env or [])])
        base = c.context or Context()
        process = plan(argv, replace(base, env=variables, workdir=workdir or base.workdir))
        if process.start_error:
            return [f"OCI runtime exec failed: exec failed: unable to start container process: exec: "
                    f'"{argv[0]}": executable file not found in $PATH: unknown'], 126
        if process.exit_after is None:
            return [*process.render(0.0, 0.0), "(the command keeps running in the container; the simulated "
                    "engine does not wait for it)"], None
        self.clock.wait(process.exit_after)
        return process.render(0.0, process.exit_after), process.exit_code


def _refuse_unmodelled(spec: RunSpec) -> None:
    for flag, value, ok in (("--network", spec.network, ("bridge", "default")), ("--restart", spec.restart, ("no",)),
                            ("--platform", spec.platform, ("linux/amd64", "linux/x86_64"))):
        if value is not None and value not in ok:
            raise UsageError(f"the simulated Docker engine does not model {flag} {value}",
                             hint="use the real engine for it (%docker context use default)")


def _ports_of(spec: RunSpec) -> list[int]:
    ports, _ = parse_publish(spec.publish)
    return [p if isinstance(p, int) else int(p[0]) for p in ports]


def _config(spec: RunSpec, image: LocalImage, ident: str) -> tuple[dict[str, Any], list[str], list[str]]:
    """The container's Config, its argv, and its environment (the image's, then `-e`)."""
    base = image.config
    env: dict[str, str] = {}
    for item in [*(base.get("Env") or []), *env_list(spec.env)]:
        key, _, value = str(item).partition("=")
        env[key] = value
    container: dict[str, Any] = {}
    if spec.entrypoint is not None:
        container["command"] = [spec.entrypoint] if spec.entrypoint else []
        container["args"] = list(spec.command)
    elif spec.command:
        container["args"] = list(spec.command)
    argv = command_of(container, base)
    exposed = dict(base.get("ExposedPorts") or {})
    exposed.update({f"{p}/tcp": {} for p in _ports_of(spec)})
    exposed.update({(p if "/" in p else f"{p}/tcp"): {} for p in spec.expose})
    entrypoint = ([spec.entrypoint] if spec.entrypoint else None) if spec.entrypoint is not None else \
        base.get("Entrypoint")
    env_list_out = [f"{k}={v}" for k, v in env.items()]
    config: dict[str, Any] = {"Hostname": spec.hostname or ident[:12], "User": spec.user or base.get("User", ""),
              "ExposedPorts": exposed or None, "Env": env_list_out,
              "Cmd": list(spec.command) or (None if spec.entrypoint is not None else base.get("Cmd")),
              "Image": spec.image, "WorkingDir": spec.workdir or base.get("WorkingDir", ""),
              "Entrypoint": entrypoint, "Labels": {**(base.get("Labels") or {}),
                                                   **dict(lbl.partition("=")[::2] for lbl in spec.labels)}}
    if base.get("StopSignal"):
        config["StopSignal"] = base["StopSignal"]
    return config, argv, env_list_out


def _runtime_words(error: str) -> str:
    """The behaviour model's runtime error (containerd's words under a kubelet) as the Docker daemon reports it."""
    text = error[error.find("failed to create shim task"):] if "failed to create shim task" in error else error
    return text.replace("error during container init: ", "")
