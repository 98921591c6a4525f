"""Sizes, durations, ids and column layout exactly as the docker CLI prints them (go-units, tabwriter, stringid).

- `human_size(2184425)` -> `2.18MB` (units.HumanSizeWithPrecision(size, 3): powers of 1000, `%.3g`).
- `human_duration(37 * 60)` -> `37 minutes` (units.HumanDuration: `Less than a second`, `About a minute` ...).
- `ellipsis(text, 20)` -> at most 20 display columns, the last one `…` when cut (wide characters count two).
- `tabulate(rows)` -> text/tabwriter with the CLI's settings (minwidth 10, padding 3): every cell but the last
  of a line is padded.
- `status_text(state, now)` -> the daemon's `Up 2 minutes` / `Exited (137) 3 seconds ago` from an inspect State.

Pure: takes values and a `now` (seconds since the epoch), reads no clock. Imports nothing of kube_magics.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

_DECIMAL = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def human_size(size: float, precision: int = 3) -> str:
    """go-units HumanSizeWithPrecision: `0B`, `276B`, `200kB`, `2.18MB` (precision 4 gives `2.048kB`)."""
    value, i = float(size), 0
    while value >= 1000.0 and i < len(_DECIMAL) - 1:
        value /= 1000.0
        i += 1
    return f"{value:.{precision}g}{_DECIMAL[i]}"


def human_duration(seconds: float) -> str:
    """go-units HumanDuration: what `docker ps` and `docker images` put before `ago`."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = s // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def truncate_id(ident: str) -> str:
    """stringid.TruncateID: drop the algorithm, keep 12 hex digits."""
    if ":" in ident:
        ident = ident.split(":", 1)[1]
    return ident[:12]


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def ellipsis(text: str, width: int) -> str:
    """The CLI's formatter.Ellipsis: cut to `width` display columns, ending in `…` when cut."""
    if width <= 0:
        return ""
    if width == 1:
        return text[:1]
    total = sum(_width(c) for c in text)
    if total <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def tabulate(lines: Sequence[Sequence[str]], *, minwidth: int = 10, padding: int = 3) -> str:
    """Go's text/tabwriter as the docker CLI configures it; each line ends with a newline."""
    ncols = max((len(line) for line in lines), default=0)
    widths = [minwidth] * ncols
    for line in lines:
        for i, cell in enumerate(line[:-1]):
            widths[i] = max(widths[i], len(cell) + padding)
    out = []
    for line in lines:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(line[:-1])]
        out.append("".join(cells) + (line[-1] if line else ""))
    return "".join(text + "\n" for text in out)


def parse_time(text: str | None) -> float | None:
    """RFC 3339 with nanoseconds (`2026-11-27T12:01:08.376166526Z`) -> seconds; None for Go's zero time."""
    if not text or text.startswith("0001-01-01"):
        return None
    body = text.rstrip("Z")
    offset = "+00:00"
    for sign in ("+", "-"):
        head, sep, tail = body.rpartition(sign)
        if sep and "T" in head and ":" in tail and len(tail) == 5:
            body, offset = head, sign + tail
            break
    if "." in body:
        body, frac = body.split(".", 1)
        body += "." + frac[:6].ljust(6, "0")
    return datetime.fromisoformat(body + offset).timestamp()


def go_time(seconds: float) -> str:
    """time.Time.String() in UTC, as `CreatedAt` shows: `2026-11-27 12:01:08 +0000 UTC`."""
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_text(state: Mapping[str, Any], now: float) -> str:
    """The daemon's State.String(): what the `Status` field of a container list entry says."""
    started = parse_time(state.get("StartedAt"))
    finished = parse_time(state.get("FinishedAt"))
    code = state.get("ExitCode", 0)
    if state.get("Running"):
        up = human_duration(now - (started or now))
        if state.get("Paused"):
            return f"Up {up} (Paused)"
        if state.get("Restarting"):
            return f"Restarting ({code}) {human_duration(now - (finished or now))} ago"
        health = (state.get("Health") or {}).get("Status")
        if health:
            return f"Up {up} (health: starting)" if health == "starting" else f"Up {up} ({health})"
        return f"Up {up}"
    if state.get("RemovalInProgress"):
        return "Removal In Progress"
    if state.get("Dead"):
        return "Dead"
    if started is None:
        return "Created"
    if finished is None:
        return ""
    return f"Exited ({code}) {human_duration(now - finished)} ago"
