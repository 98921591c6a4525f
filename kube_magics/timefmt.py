"""Times and durations as Kubernetes writes and kubectl prints them.

- `rfc3339(t)`: metav1.Time (`2026-11-27T11:21:15Z`, whole seconds); `rfc3339_micro(t)`: metav1.MicroTime.
- `human_duration(s)`: kubectl's AGE column (`3s`, `6m33s`, `10m`, `5h2m`, `3d4h`).
- `describe_time(t)`: `Fri, 27 Nov 2026 11:21:16 +0000`, as `kubectl describe` prints times.
- `parse_duration("1h30m")`: Go's time.ParseDuration, for `%kube advance` and `--timeout`.

Imports nothing of kube_magics but errors. Times are float seconds since the Unix epoch (virtual or real).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache

from kube_magics.errors import UsageError

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def rfc3339(t: float) -> str:
    return _rfc3339_second(int(t))


@lru_cache(maxsize=4096)
def _rfc3339_second(second: int) -> str:
    # The simulator stamps thousands of objects within the same virtual second: format each second once.
    return datetime.fromtimestamp(second, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=4096)
def rfc3339_micro(t: float) -> str:
    # Scheduler events and Leases stamp thousands of objects at the same virtual instant.
    micros = round(t * 1_000_000)
    dt = datetime.fromtimestamp(micros // 1_000_000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{micros % 1_000_000:06d}Z"


@lru_cache(maxsize=4096)
def parse_rfc3339(text: str) -> float:
    """Seconds since the epoch for `2026-11-27T11:21:15Z` or `...15.123456Z`."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text).timestamp()


def describe_time(t: float) -> str:
    return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")


def human_duration(seconds: float) -> str:
    """kubectl's HumanDuration: exact below two minutes, then coarser the older a thing is."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def short_duration(seconds: float) -> str:
    """kubectl's ShortHumanDuration (used in `describe` event ages such as `(x4 over 2m)`)."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 60 * 2:
        return f"{s}s"
    minutes = s // 60
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


def parse_duration(text: str | float | int) -> float:
    """Go's time.ParseDuration (`90s`, `2m`, `1h30m`, `1.5h`); a bare number means seconds."""
    if isinstance(text, (int, float)):
        return float(text)
    t = text.strip()
    if re.fullmatch(r"\d+(?:\.\d*)?", t):
        return float(t)
    sign = 1.0
    if t[:1] in "+-":
        sign = -1.0 if t[0] == "-" else 1.0
        t = t[1:]
    pos, total = 0, 0.0
    for m in _DURATION.finditer(t):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(t) or not t:
        raise UsageError(f'invalid duration "{text}": use a number with a unit, e.g. 30s, 2m, 1h30m')
    return sign * total
