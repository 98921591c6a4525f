"""Events as the two kubectl commands print them.

- `kubectl get events` is an ordinary table (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; more with -o wide) in the
  order the API lists events (by name), or sorted by `--sort-by=.lastTimestamp`: use `get.get` with the events.
- `kubectl events` (`kubectl_events` here) sorts by when each event last happened, shows `Kind/name` and
  `(x4 over 2m)` counts, and says `No events found in default namespace.` when there are none.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kube_magics.printers.gosort import go_sort
from kube_magics.printers.tabwriter import align_get
from kube_magics.printers.util import as_epoch, meta, since, timestamp

Obj = Mapping[str, Any]


def event_time(event: Obj) -> float:
    """When an event last happened: series, then lastTimestamp, then eventTime (kubectl events' eventTime)."""
    series = event.get("series") or {}
    for value in (series.get("lastObservedTime"), event.get("lastTimestamp"), event.get("eventTime")):
        t = timestamp(value)
        if t is not None:
            return t
    return float("-inf")


def interval(event: Obj, now: float) -> str:
    """`3s`, or `2m (x4 over 10m)` for a repeated event."""
    first = since(event.get("eventTime"), now) if event.get("eventTime") else since(event.get("firstTimestamp"), now)
    series = event.get("series")
    if series:
        return f"{since(series.get('lastObservedTime'), now)} (x{series.get('count', 0)} over {first})"
    if (event.get("count") or 0) > 1:
        return f"{since(event.get('lastTimestamp'), now)} (x{event['count']} over {first})"
    return first


def kubectl_events(events: Sequence[Obj], *, now: float | datetime, namespace: str = "default",
                   all_namespaces: bool = False, types: Sequence[str] = (), no_headers: bool = False) -> str:
    """What `kubectl events [-A] [--types=Warning]` prints."""
    at = as_epoch(now)
    wanted = {t.lower() for t in types}
    items = [e for e in events if not wanted or str(e.get("type", "")).lower() in wanted]
    if not items:
        return "No events found.\n" if all_namespaces else f"No events found in {namespace} namespace.\n"
    items = sorted(items, key=lambda e: (str(meta(e).get("namespace", "")), str(meta(e).get("name", ""))))
    go_sort(items, lambda a, b: event_time(a) < event_time(b))
    lines = []
    if not no_headers:
        lines.append(("NAMESPACE\t" if all_namespaces else "") + "LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE")
    for e in items:
        ref = e.get("involvedObject") or {}
        ns = f"{meta(e).get('namespace', '')}\t" if all_namespaces else ""
        lines.append(f"{ns}{interval(e, at)}\t{e.get('type', '')}\t{e.get('reason', '')}\t"
                     f"{ref.get('kind', '')}/{ref.get('name', '')}\t{str(e.get('message', '')).strip()}")
    return align_get("".join(line + "\n" for line in lines))
