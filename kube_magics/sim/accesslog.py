"""Access lines in the logs of the containers that served requests (`rt.services["access-log"]`).

Each request a container serves is a line in its log, in its server's format:

    nginx   10.244.0.1 - - [05/Jan/2026:09:00:12 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.11.1" "-"
    httpd   10.244.0.1 - - [05/Jan/2026:09:00:12 +0000] "GET / HTTP/1.1" 200 45
    python  10.244.0.1 - - [05/Jan/2026 09:00:12] "GET / HTTP/1.1" 200 -
    (other servers: nginx's combined format, size unknown)

Lines are not stored one by one. A burst (`send_requests`) is one record (a count at an instant); a sustained load
is a record of a rate from one instant to another (or on until now), and its lines are produced when the log is
read, evenly spaced. Only the newest `ACCESS_LOG_LINES` lines of a container run are kept, as the kubelet's log
rotation keeps only the newest lines, so 10,000 requests a second for an hour cost a few records and a read costs
at most that many lines. Lines belong to a container run (its instance id): a restarted container starts a new
log, and `previous` shows the old one's lines. Everything depends only on virtual times: logs are deterministic.

Must not: know the kubelet or the store; the kubelet merges these lines into what `SimCluster.logs` returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

ACCESS_LOG_LINES = 5000
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Request:
    """What the access line of a request says, apart from its time."""

    style: str  # nginx | httpd | python | combined
    client: str
    path: str = "/"
    status: int = 200
    size: str = "-"
    agent: str = "curl/8.11.1"

    def line(self, t: float) -> str:
        d = datetime.fromtimestamp(t, tz=timezone.utc)
        request = f'"GET {self.path} HTTP/1.1" {self.status}'
        if self.style == "python":
            return f"{self.client} - - [{d:%d}/{MONTHS[d.month - 1]}/{d:%Y %H:%M:%S}] {request} -"
        stamp = f"{d:%d}/{MONTHS[d.month - 1]}/{d:%Y:%H:%M:%S} +0000"
        if self.style == "httpd":
            return f"{self.client} - - [{stamp}] {request} {self.size}"
        return f'{self.client} - - [{stamp}] {request} {self.size} "-" "{self.agent}" "-"'


def request_for(command: tuple[str, ...], image: str, *, client: str, path: str, ok: bool, agent: str) -> Request:
    """The access line's shape for a server, from its command and image (`nginx:1.20` sends 612 bytes for its
    welcome page, later versions 615; 153 for its 404 page)."""
    words = {a.rsplit("/", 1)[-1] for a in command}
    status = 200 if ok else 404
    if words & {"nginx", "nginx-debug"}:
        tag = image.rsplit(":", 1)[-1] if ":" in image else "latest"
        size = "153" if not ok else ("612" if _version(tag) < (1, 21) else "615")
        return Request("nginx", client, path, status, size, agent)
    if words & {"httpd-foreground", "httpd", "apache2-foreground"}:
        return Request("httpd", client, path, status, "45" if ok else "196", agent)
    if "http.server" in command:
        return Request("python", client, path, status, "-", agent)
    return Request("combined", client, path, status, "-", agent)


def _version(tag: str) -> tuple[int, ...]:
    """(1, 20) for "1.20" or "1.20.2-alpine"; a tag without a version (latest, alpine) is the newest."""
    parts = []
    for piece in tag.split("-")[0].split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts) or (99,)


@dataclass
class Segment:
    """Requests served by one container run: `count` at `start` (a burst), or `rate` a second from `start` to
    `end` (None: still going)."""

    request: Request
    start: float
    rate: float = 0.0
    count: int = 0
    end: float | None = None

    def count_until(self, until: float) -> int:
        """How many lines it has printed by `until`."""
        if not self.rate:
            return self.count if self.start <= until else 0
        stop = min(until, self.end) if self.end is not None else until
        return max(0, math.floor((stop - self.start) * self.rate + 1e-9))

    def times(self, until: float, newest: int) -> list[float]:
        """The times of its newest `newest` lines up to `until`, oldest first."""
        n = self.count_until(until)
        if not self.rate:
            return [self.start] * min(n, newest)
        first = max(1, n - newest + 1)
        return [self.start + k / self.rate for k in range(first, n + 1)]


class AccessLog:
    def __init__(self, keep: int = ACCESS_LOG_LINES) -> None:
        self.keep = keep
        self._segments: dict[str, list[Segment]] = {}  # by container instance id
        self._by_pod: dict[str, dict[str, None]] = {}  # pod uid -> instance ids

    def burst(self, pod_uid: str, instance: str, request: Request, at: float, count: int) -> None:
        self._add(pod_uid, instance, Segment(request, at, count=count))

    def start(self, pod_uid: str, instance: str, request: Request, at: float, rate: float) -> None:
        self._add(pod_uid, instance, Segment(request, at, rate=rate))

    def stop(self, instance: str, at: float) -> None:
        for seg in self._segments.get(instance, ()):
            if seg.rate and seg.end is None:
                seg.end = at

    def lines(self, instance: str, until: float) -> list[tuple[float, str]]:
        """The newest kept lines of a container run up to `until`, as (time, text), oldest first."""
        out: list[tuple[float, str]] = []
        for seg in reversed(self._segments.get(instance, ())):
            room = self.keep - len(out)
            if room <= 0:
                break
            times = seg.times(until, room)
            out[:0] = [(t, seg.request.line(t)) for t in times]
        out.sort(key=lambda item: item[0])
        return out[-self.keep:]

    def forget_pod(self, pod_uid: str) -> None:
        for instance in self._by_pod.pop(pod_uid, {}):
            self._segments.pop(instance, None)

    def _add(self, pod_uid: str, instance: str, segment: Segment) -> None:
        segments = self._segments.setdefault(instance, [])
        segments.append(segment)
        self._by_pod.setdefault(pod_uid, {})[instance] = None
        # Drop records whose lines the newer ones have pushed out of the kept window.
        total = 0
        for i in range(len(segments) - 1, 0, -1):
            total += segments[i].count_until(segment.start)
            if total >= self.keep:
                del segments[:i]
                break


def access_log_of(services: dict[str, object]) -> AccessLog:
    log = services.get("access-log")
    if not isinstance(log, AccessLog):
        log = services["access-log"] = AccessLog()
    return log
