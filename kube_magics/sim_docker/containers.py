"""The simulated engine's containers: a process predicted by the behaviour model, and its state at any instant.

Nothing runs. A container holds what `docker run` was given, the `Process` the behaviour model predicts for its
command (kube_magics.sim.behaviour, the same model the simulated kubelet uses), when it started, and when it was
asked to stop. Its state at a time `t` follows from these alone:

- it exits by itself `exit_after` seconds after starting, with the process's exit code (`sh -c "exit 3"`: 3);
- `docker stop` sends the stop signal (the image's StopSignal, else SIGTERM): a process with a handler exits
  after its shutdown time with its own code (nginx: 0, about a second); one without a handler (`sleep`,
  `sh -c` as PID 1) is killed when the grace period (10 s, `-t`) ends: 137; whichever comes first counts;
- `rm -f` and `stop -s KILL` kill it at once: 137;
- a command the runtime cannot start leaves the container `Created`, with exit code 127.

The list entry and inspect document have the Engine API's shapes (`State`, `Status` as the daemon words it), so
`docker ps` and `docker inspect` print them with the CLI's own formatters. Must not format tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_magics.docker.units import status_text
from kube_magics.sim.behaviour import Context, Process
from kube_magics.sim_docker.images import rfc3339_nano

KILLED = 137
EPS = 1e-6  # instants this close are the same (a wait that ends at an exit lands on it within float rounding)
ZERO_TIME = "0001-01-01T00:00:00Z"

_ADJECTIVES = ("admiring", "brave", "busy", "clever", "eager", "elegant", "focused", "friendly", "gallant",
               "happy", "hopeful", "jolly", "keen", "kind", "lucid", "modest", "nifty", "optimistic", "peaceful",
               "quirky", "relaxed", "serene", "sharp", "stoic", "sweet", "tender", "vibrant", "wizardly", "zen")
_NAMES = ("babbage", "bohr", "curie", "darwin", "einstein", "euclid", "faraday", "feynman", "galileo", "hopper",
          "hypatia", "johnson", "kepler", "lamport", "liskov", "lovelace", "meitner", "newton", "noether",
          "pasteur", "ritchie", "shannon", "thompson", "turing", "wozniak", "yalow")


def random_name(rng: Any, taken: set[str]) -> str:
    """A name as Docker makes one (`adjective_surname`), from a seeded generator, never one in use."""
    while True:
        name = f"{rng.choice(_ADJECTIVES)}_{rng.choice(_NAMES)}"
        if name not in taken:
            return name


@dataclass
class Binding:
    host_ip: str
    host_port: int
    container_port: int
    proto: str = "tcp"


@dataclass
class Container:
    id: str
    name: str
    image: str  # as given to `docker run`
    image_id: str
    argv: list[str]
    env: list[str]
    config: dict[str, Any]  # the container's Config (Image, Cmd, Entrypoint, Env, WorkingDir, ExposedPorts ...)
    process: Process
    created: float
    bindings: list[Binding] = field(default_factory=list)
    auto_remove: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    ip: str = ""
    started: float | None = None
    start_error: str = ""
    stop_at: float | None = None  # when the stop signal was sent
    end_at: float | None = None  # when a stop or kill ends it
    end_code: int = 0
    context: Context | None = None  # what the process saw when it started (exec'd commands see it too)

    # --- state -------------------------------------------------------------------------------------------------

    def natural_end(self) -> float | None:
        if self.started is None or self.process.exit_after is None:
            return None
        return self.started + self.process.exit_after

    def finished(self) -> tuple[float, int] | None:
        """(when, exit code) if the process has ended (at any time), else None."""
        natural = self.natural_end()
        if natural is not None and (self.end_at is None or natural <= self.end_at):
            return natural, self.process.exit_code
        if self.end_at is not None:
            return self.end_at, self.end_code
        return None

    def running(self, now: float) -> bool:
        if self.started is None:
            return False
        done = self.finished()
        return done is None or done[0] > now + EPS

    def exit_code(self, now: float) -> int:
        if self.started is None:
            return 127 if self.start_error else 0
        done = self.finished()
        return done[1] if done is not None and done[0] <= now + EPS else 0

    def stop(self, now: float, grace: float, *, kill: bool = False) -> float:
        """Send the stop signal (or SIGKILL) at `now`; returns when the container will have stopped."""
        if not self.running(now):
            done = self.finished()
            return min(now, done[0]) if done else now
        shutdown = self.process.stop_seconds
        if kill or shutdown is None or shutdown > grace:
            end, code = now + (0.0 if kill else grace), KILLED
        else:
            end, code = now + shutdown, self.process.stop_exit_code
        self.stop_at, self.end_at, self.end_code = now, end, code
        done = self.finished()
        return done[0] if done else end

    def state(self, now: float) -> dict[str, Any]:
        """The inspect document's `State`."""
        running = self.running(now)
        done = self.finished()
        ended = not running and self.started is not None and done is not None
        status = "running" if running else ("exited" if ended else "created")
        return {"Status": status, "Running": running, "Paused": False, "Restarting": False, "OOMKilled": False,
                "Dead": False, "Pid": 1000 + int(self.id[:4], 16) % 30000 if running else 0,
                "ExitCode": self.exit_code(now), "Error": self.start_error,
                "StartedAt": rfc3339_nano(self.started) if self.started is not None else ZERO_TIME,
                "FinishedAt": rfc3339_nano(done[0]) if ended and done else ZERO_TIME}

    # --- what the API shows -------------------------------------------------------------------------------------

    def command_text(self) -> str:
        """The list entry's Command, as the daemon joins it (arguments with a space in single quotes)."""
        if not self.argv:
            return ""
        args = [f"'{a}'" if " " in a else a for a in self.argv[1:]]
        return " ".join([self.argv[0], *args])

    def ports(self, now: float) -> list[dict[str, Any]]:
        if not self.running(now):
            return []
        out: list[dict[str, Any]] = []
        published = {(b.container_port, b.proto) for b in self.bindings}
        for b in self.bindings:
            out.append({"IP": b.host_ip, "PrivatePort": b.container_port, "PublicPort": b.host_port,
                        "Type": b.proto})
            if b.host_ip == "0.0.0.0":
                out.append({"IP": "::", "PrivatePort": b.container_port, "PublicPort": b.host_port,
                            "Type": b.proto})
        for key in sorted(self.config.get("ExposedPorts") or {}):
            port, _, proto = key.partition("/")
            if (int(port), proto or "tcp") not in published:
                out.append({"PrivatePort": int(port), "Type": proto or "tcp"})
        return out

    def list_entry(self, now: float) -> dict[str, Any]:
        """`GET /containers/json`: what `docker ps` formats."""
        state = self.state(now)
        return {"Id": self.id, "Names": [f"/{self.name}"], "Image": self.image, "ImageID": self.image_id,
                "Command": self.command_text(), "Created": int(self.created), "Ports": self.ports(now),
                "Labels": dict(self.labels), "State": state["Status"], "Status": status_text(state, now),
                "SizeRw": 0, "HostConfig": {"NetworkMode": "default"},
                "NetworkSettings": {"Networks": {"bridge": {"IPAddress": self.ip if state["Running"] else ""}}},
                "Mounts": []}

    def inspect(self, now: float) -> dict[str, Any]:
        """`GET /containers/{id}/json`, the fields this simulator knows, in Docker's order."""
        state = self.state(now)
        port_map: dict[str, Any] = {}
        for b in self.bindings:
            port_map.setdefault(f"{b.container_port}/{b.proto}", []).append(
                {"HostIp": b.host_ip, "HostPort": str(b.host_port)})
        ip = self.ip if state["Running"] else ""
        return {"Id": self.id, "Created": rfc3339_nano(self.created), "Path": self.argv[0] if self.argv else "",
                "Args": self.argv[1:], "State": state, "Image": self.image_id, "Name": f"/{self.name}",
                "RestartCount": 0, "Driver": "overlay2", "Platform": "linux",
                "HostConfig": {"PortBindings": port_map or None, "AutoRemove": self.auto_remove,
                               "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}},
                "Config": dict(self.config),
                "NetworkSettings": {"IPAddress": ip, "Ports": port_map if state["Running"] else {},
                                    "Networks": {"bridge": {"IPAddress": ip, "Gateway": "172.17.0.1"
                                                            if ip else ""}}}}

    def logs(self, now: float) -> list[str]:
        """What the container has printed by `now` (the stop lines included)."""
        if self.started is None:
            return []
        done = self.finished()
        until = min(now, done[0]) if done else now
        stopped = self.stop_at if self.stop_at is not None and self.stop_at <= until else None
        return self.process.render(self.started, until + EPS, stopped_at=stopped)
