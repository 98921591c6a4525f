"""Probes, answered by the behaviour model: pure functions, no state.

`outcome(probe, ...)` says whether one probe succeeds at a moment of a container's life, with the message a
failing probe gives (`Get "http://10.244.1.5:8080/healthz": dial tcp 10.244.1.5:8080: connect: connection
refused`, `HTTP probe failed with statuscode: 404`, `cat: can't open '/tmp/healthy': No such file or directory`).
Because a process's behaviour is known in advance, the kubelet does not probe every period: `next_flip` finds
the probe at which the result has been the other way for `threshold` probes in a row, jumping over the spans in
which nothing about the process changes. So a pod that stays healthy costs nothing between transitions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kube_magics.sim.behaviour import Process

FILE_COMMANDS = frozenset({"cat", "test", "ls", "stat", "["})
SERVING_COMMANDS = frozenset({"redis-cli", "pg_isready", "mysqladmin", "curl", "wget", "nc", "grpc_health_probe"})


def _port(value: Any, container: Mapping[str, Any]) -> int:
    if isinstance(value, int):
        return value
    for p in container.get("ports") or ():
        if p.get("name") == value:
            return int(p.get("containerPort", 0))
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _exec_target(command: list[str]) -> tuple[str, str]:
    """What an exec probe checks: ("file", path), ("serving", ""), ("true"|"false", "")."""
    argv = list(command)
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash") and argv[1] == "-c":
        argv = argv[2].replace(";", " ").replace("&&", " ").split()
    if not argv:
        return "true", ""
    name = argv[0].rsplit("/", 1)[-1]
    if name in FILE_COMMANDS:
        paths = [a for a in argv[1:] if a.startswith("/")]
        return ("file", paths[0]) if paths else ("true", "")
    if name in SERVING_COMMANDS:
        return "serving", ""
    if name == "false":
        return "false", ""
    return "true", ""


def outcome(probe: Mapping[str, Any], process: Process, offset: float, *, ip: str,
            container: Mapping[str, Any]) -> tuple[bool, str]:
    """Does `probe` succeed `offset` seconds after the container started? (success, failure message)"""
    serving = process.serving_after is not None and offset >= process.serving_after
    if "exec" in probe:
        kind, path = _exec_target([str(a) for a in (probe["exec"].get("command") or [])])
        if kind == "file":
            if process.file_exists(path, offset):
                return True, ""
            return False, f"cat: can't open '{path}': No such file or directory"
        if kind == "serving":
            return (True, "") if serving else (False, "Could not connect to the server")
        return (kind == "true"), ""
    if "httpGet" in probe:
        http = probe["httpGet"]
        port = _port(http.get("port"), container)
        path = http.get("path") or "/"
        scheme = (http.get("scheme") or "HTTP").lower()
        if not serving or port not in process.ports:
            return False, (f'Get "{scheme}://{ip}:{port}{path}": dial tcp {ip}:{port}: connect: connection refused')
        if process.http_paths is not None and path not in process.http_paths:
            return False, "HTTP probe failed with statuscode: 404"
        return True, ""
    if "tcpSocket" in probe or "grpc" in probe:
        spec = probe.get("tcpSocket") or probe.get("grpc") or {}
        port = _port(spec.get("port"), container)
        if serving and port in process.ports:
            return True, ""
        return False, f"dial tcp {ip}:{port}: connect: connection refused"
    return True, ""


def change_points(probe: Mapping[str, Any], process: Process) -> list[float]:
    """Offsets at which a probe's answer may change."""
    points = []
    if process.serving_after is not None:
        points.append(process.serving_after)
    for _, created, removed in process.files:
        points.append(created)
        if removed is not None:
            points.append(removed)
    return sorted(set(points))


def next_flip(probe: Mapping[str, Any], process: Process, *, started: float, after: float, want: bool,
              threshold: int, ip: str, container: Mapping[str, Any], limit: float = 10 * 365 * 86400.0) -> float | None:
    """The absolute time of the first probe after `after` at which the answer has been `want` for `threshold`
    probes in a row, or None. Probes run at started + initialDelaySeconds + k * periodSeconds."""
    delay = float(probe.get("initialDelaySeconds") or 0)
    period = float(probe.get("periodSeconds") or 10)
    first = started + delay
    k = max(0, math.ceil((after - first) / period - 1e-9)) if after > first else 0
    points = [started + p for p in change_points(probe, process)]
    run = 0
    steps = 0
    while steps < 100_000:
        t = first + k * period
        if t - started > limit:
            return None
        if process.exit_after is not None and t - started >= process.exit_after:
            return None
        ok, _ = outcome(probe, process, t - started, ip=ip, container=container)
        if ok == want:
            run += 1
            if run >= threshold:
                return t
            k += 1
        else:
            run = 0
            upcoming = [p for p in points if p > t]
            if not upcoming:
                return None
            k = max(k + 1, math.ceil((upcoming[0] - first) / period - 1e-9))
        steps += 1
    return None


def probe_times(probe: Mapping[str, Any], *, started: float, after: float, until: float) -> list[float]:
    """The probe times in (after, until]."""
    delay = float(probe.get("initialDelaySeconds") or 0)
    period = float(probe.get("periodSeconds") or 10)
    first = started + delay
    k = max(0, math.floor((after - first) / period) + 1) if after >= first else 0
    out: list[float] = []
    while first + k * period <= until and len(out) < 10_000:
        out.append(first + k * period)
        k += 1
    return out
