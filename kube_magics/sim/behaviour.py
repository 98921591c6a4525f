"""The behaviour model: what a container does when the simulated kubelet starts it.

Nothing runs inside a simulated container. Instead, `plan(...)` reads the container's command (Kubernetes'
`command`/`args` over the image's `Entrypoint`/`Cmd`, as the runtime resolves them) and predicts one run of its
main process as a `Process`: what it prints and when, when it starts serving its ports, when it exits and with
what code, how much memory it uses, and how it reacts to the stop signal. The kubelet turns that into container
states, restarts, probe results and logs; the same container always behaves the same way.

The model, in short (times are virtual seconds after the container starts):

- Known servers run until stopped and serve their ports after a realistic start-up time, printing their real
  start-up lines: nginx (port 80, ~0.05 s, SIGQUIT: graceful exit in ~1 s), httpd (80), redis (6379, "Ready to
  accept connections tcp"), postgres (5432, ~2.5 s; exits 1 without POSTGRES_PASSWORD, as the image does),
  mysql (3306, ~12 s, ~380 MiB; exits 1 without a root password option), `python -m http.server [port]` (8000),
  `node app.js` / `python app.py` in an image built here (its exposed and declared ports), and the components
  of a kind cluster (etcd, kube-apiserver, coredns, kube-proxy, kindnetd, ...).
- Commands do what they say: `sh -c "echo hi; sleep 5; exit 3"` prints, waits and exits 3; `sleep N`
  (`infinity`) waits; `echo` prints and exits 0; `cat FILE` fails for a file nobody wrote; `touch`/`rm` make
  and remove files that exec probes (`cat /tmp/healthy`) look for; `while true; do ...; done` repeats its body
  for ever (its output is produced on demand, so an endless loop costs nothing); `python -c "..."` is read
  statement by statement (`print`, `time.sleep`, `sys.exit`, `raise`, loops, and allocations such as
  `bytearray(300 * 1024 * 1024)`); `stress --vm-bytes 300M` allocates 300 MiB.
- Memory: each program has a resident footprint; allocations add to it over time. The kubelet kills a
  container whose memory passes its limit (OOMKilled, exit code 137) at the moment it does.
- CPU: each program has an idle baseline in millicores (nginx about half a millicore, the API server about 40m,
  `stress --cpu 2` two whole cores). Work done for requests is added on top by whoever generates it (the metrics
  API's `set_demand`), and the container's CPU limit caps the sum.
- The stop signal (SIGTERM, or the image's StopSignal): servers with a handler exit after their shutdown time;
  a process running as PID 1 without a handler (`sleep`, `sh -c`, `python`, `node`) ignores it, so the kubelet
  kills it when terminationGracePeriodSeconds runs out (exit code 137).
- An image with no command at all (`busybox`, `ubuntu`, `python` without args) starts a shell or REPL with no
  terminal and exits 0 at once, which under restartPolicy Always is a crash loop, as on a real cluster.

Programs are in `programs.py` and the script readers (shell, `python -c`) in `scripts.py`; this module holds
the shapes and the entry point. It must not know the kubelet, the store or the clock: times are offsets, and
absolute times come in only when logs are rendered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True)
class LogLine:
    """A line a process prints `at` seconds after it starts; `stamp` names the timestamp prefix its program
    writes (rendered at read time, from the absolute time), "" for none."""

    at: float
    text: str
    stamp: str = ""


@dataclass(frozen=True)
class Loop:
    """An endless loop from `start` on: each `period` seconds it prints `lines` (offsets within an iteration)
    and allocates `grow` bytes."""

    start: float
    period: float
    lines: tuple[LogLine, ...] = ()
    grow: int = 0


@dataclass(frozen=True)
class Process:
    """One run of a container's main process, as the model predicts it."""

    command: tuple[str, ...]
    lines: tuple[LogLine, ...] = ()
    loop: Loop | None = None
    exit_after: float | None = None  # None: runs until stopped
    exit_code: int = 0
    serving_after: float | None = None  # when its ports accept connections; None: never
    ports: frozenset[int] = frozenset()
    http_paths: frozenset[str] | None = None  # paths answered 200; None: every path
    memory: tuple[tuple[float, int], ...] = ((0.0, MIB),)  # (offset, resident bytes from then on)
    cpu: float = 0.0  # CPU used while idle, in millicores
    stop_seconds: float | None = None  # seconds to exit after the stop signal; None: ignores it
    stop_exit_code: int = 0
    stop_lines: tuple[LogLine, ...] = ()
    files: tuple[tuple[str, float, float | None], ...] = ()  # (path, created at, removed at or None)
    contents: tuple[tuple[str, str], ...] = ()  # what it wrote into files it created: (path, text)
    start_error: str = ""  # the runtime could not start it (exec: "x": executable file not found ...)

    def memory_at(self, offset: float) -> int:
        used = 0
        for at, value in self.memory:
            if at <= offset:
                used = value
        if self.loop is not None and self.loop.grow and offset >= self.loop.start and self.loop.period > 0:
            used += self.loop.grow * (1 + int((offset - self.loop.start) // self.loop.period))
        return used

    def oom_offset(self, limit: int) -> float | None:
        """When the process first uses more than `limit` bytes, or None if it never does."""
        for at, value in self.memory:
            if value > limit and (self.exit_after is None or at <= self.exit_after):
                return at
        loop = self.loop
        if loop is not None and loop.grow > 0 and loop.period > 0:
            base = self.memory_at(loop.start) - loop.grow
            iterations = max(1, math.floor((limit - base) / loop.grow) + 1)
            return loop.start + (iterations - 1) * loop.period
        return None

    def file_exists(self, path: str, offset: float) -> bool:
        exists = False
        for p, created, removed in self.files:
            if p == path and created <= offset and (removed is None or offset < removed):
                exists = True
        return exists

    def render(self, started_at: float, until: float, *, stopped_at: float | None = None,
               limit: int = 100_000, extra: Sequence[tuple[float, str]] = ()) -> list[str]:
        """The lines printed between `started_at` and `until` (absolute times), the stop lines included, with
        `extra` lines (absolute time, text: a server's access lines) merged in by time."""
        horizon = until - started_at
        out: list[tuple[float, str]] = [(ln.at, _stamp(ln, started_at)) for ln in self.lines if ln.at <= horizon]
        loop = self.loop
        if loop is not None and loop.lines and horizon >= loop.start:
            period = loop.period if loop.period > 0 else 1.0
            count = int((horizon - loop.start) // period) + 1
            first = max(0, count - limit // max(1, len(loop.lines)) - 1)
            for i in range(first, count):
                base = loop.start + i * period
                for ln in loop.lines:
                    if base + ln.at <= horizon:
                        out.append((base + ln.at, _stamp(ln, started_at + base)))
        out.extend((t - started_at, text) for t, text in extra if started_at <= t <= until)
        if stopped_at is not None:
            for ln in self.stop_lines:
                if stopped_at + ln.at <= until:
                    out.append((stopped_at - started_at + ln.at, _stamp(ln, stopped_at)))
        out.sort(key=lambda item: item[0])
        return [text for _, text in out[-limit:]]


# --- timestamps as programs print them ---------------------------------------------------------------------

def _stamp(line: LogLine, base: float) -> str:
    """The line's text with its timestamp: a prefix, or (`inline:<style>`) in place of each NUL character."""
    if not line.stamp:
        return line.text
    if line.stamp.startswith("inline:"):
        return line.text.replace("\0", STAMPS[line.stamp[7:]](base + line.at))
    return STAMPS[line.stamp](base + line.at) + line.text


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


STAMPS: dict[str, Callable[[float], str]] = {
    "nginx": lambda t: _dt(t).strftime("%Y/%m/%d %H:%M:%S "),
    "redis": lambda t: _dt(t).strftime("%d %b %Y %H:%M:%S.") + f"{int(t * 1000) % 1000:03d}",
    "postgres": lambda t: _dt(t).strftime("%Y-%m-%d %H:%M:%S.") + f"{int(t * 1000) % 1000:03d} UTC ",
    "mysql": lambda t: _dt(t).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1e6) % 1_000_000:06d}Z ",
    "klog": lambda t: _dt(t).strftime("I%m%d %H:%M:%S.") + f"{int(t * 1e6) % 1_000_000:06d}       1 ",
    "date": lambda t: _dt(t).strftime("%a %b ") + f"{_dt(t).day:2d}" + _dt(t).strftime(" %H:%M:%S UTC %Y"),
    "iso": lambda t: _dt(t).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}Z ",
}


# --- the entry point ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What a process can see when it starts."""

    env: Mapping[str, str] = field(default_factory=dict)
    node_cpus: int = 4
    hostname: str = "pod"
    declared_ports: frozenset[int] = frozenset()  # containerPort values of the container
    image_ports: frozenset[int] = frozenset()  # the image's ExposedPorts
    image_behaviour: str = "sleep"  # the catalogue's hint: web, db, shell, runtime, sleep, app
    image_ref: str = ""  # normalised image reference, e.g. "nginx:1.20"
    workdir: str = "/"  # the container's workingDir, else the image's WorkingDir
    files: Mapping[str, str] = field(default_factory=dict)  # mounted files the command names: path -> text

    def path(self, name: str) -> str:
        """A relative path as the process resolves it from its working directory."""
        return name if name.startswith("/") else self.workdir.rstrip("/") + "/" + name
    built_here: bool = False  # pushed to the simulated registry by a build (its files are unknown to us)


def command_of(container: Mapping[str, Any], config: Mapping[str, Any] | None) -> list[str]:
    """The argv the runtime runs: `command` + `args` over the image's Entrypoint and Cmd (as Docker and the
    kubelet combine them: a `command` drops the image's Cmd; `args` alone replace the Cmd)."""
    config = config or {}
    entrypoint = list(config.get("Entrypoint") or [])
    cmd = list(config.get("Cmd") or [])
    if container.get("command"):
        return [str(a) for a in container["command"]] + [str(a) for a in container.get("args") or []]
    if container.get("args"):
        return entrypoint + [str(a) for a in container["args"]]
    return entrypoint + cmd


ENTRYPOINT_WRAPPERS = frozenset({"/docker-entrypoint.sh", "docker-entrypoint.sh", "/usr/local/bin/docker-entrypoint.sh",
                                 "tini", "/tini", "dumb-init", "/usr/bin/dumb-init"})


def plan(argv: Sequence[str], ctx: Context) -> Process:
    """Predict one run of `argv` (already resolved with `command_of`)."""
    from kube_magics.sim import programs

    args = list(argv)
    while args and (args[0] in ENTRYPOINT_WRAPPERS or args[0] == "--"):
        args = args[1:]
    if not args:
        return Process(command=tuple(argv), exit_after=0.0, start_error="no command specified")
    return programs.run(args, ctx, tuple(argv))


def env_of(container: Mapping[str, Any], config: Mapping[str, Any] | None) -> dict[str, str]:
    """The environment: the image's Env, then the container's `env` (references count as set, their values
    are resolved by whoever owns ConfigMaps and Secrets)."""
    env: dict[str, str] = {}
    for item in (config or {}).get("Env") or []:
        key, _, value = str(item).partition("=")
        env[key] = value
    for item in container.get("env") or []:
        if isinstance(item, Mapping) and item.get("name"):
            env[str(item["name"])] = str(item.get("value", "")) if "valueFrom" not in item else "<set>"
    return env


def parse_size(text: str) -> int:
    """`300M`, `1g`, `512k`, `1024` as stress and friends read them (powers of 1024)."""
    text = text.strip()
    units = {"b": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}
    if text and text[-1].lower() in units:
        return int(float(text[:-1]) * units[text[-1].lower()])
    return int(float(text))


def parse_seconds(text: str) -> float | None:
    """`sleep`'s argument: `5`, `1.5`, `2m`, `1h`, `infinity` (None: for ever)."""
    text = text.strip()
    if text in ("infinity", "inf"):
        return None
    units = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)
