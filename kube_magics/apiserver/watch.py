"""Watches: a chunked stream of `{"type": ..., "object": ...}` lines, one per change, as the API server sends them.

Where a watch starts:
- without `resourceVersion`, or with `"0"`, or with `sendInitialEvents=true`: an ADDED event for every object
  there is now, then the changes after now (with `sendInitialEvents`, a BOOKMARK annotated
  `k8s.io/initial-events-end: "true"` marks the end of the initial events);
- with a resourceVersion: every change after it, from the store's change history, then the live ones; a version
  the history no longer reaches is an ERROR event carrying a 410 Expired Status, and the stream ends.

Selectors are applied as the watch cache applies them: an object that starts matching arrives as ADDED, one that
stops matching as DELETED. `allowWatchBookmarks=true` adds a BOOKMARK with the current resourceVersion every few
seconds. The stream ends after `timeoutSeconds` (30 minutes by default), when the client goes away, or when the
server stops. With `Accept: ...;as=Table`, each object is a one-row Table (column definitions in the first only,
as the API server saves bandwidth), which `kubectl get -w` prints.

Events are taken from the store inside the simulation step (under the lock) and only queued; the connection's
thread filters, converts and serialises them. An object that is still the stored version carries its
managedFields (worked out under the lock once per batch of events); older versions go without them.

Owns: watch semantics. Must not: write to the simulator.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from kube_magics.apiserver import listing, protocol
from kube_magics.apiserver.convert import to_served
from kube_magics.apiserver.host import Host
from kube_magics.apiserver.protocol import Request, Response
from kube_magics.errors import BadRequestError, GoneError
from kube_magics.kinds import ResourceKind
from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]
DEFAULT_TIMEOUT = 1800.0
BOOKMARK_EVERY = 5.0
POLL = 0.25  # how often a quiet stream looks at the stop flag
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class Feed:
    """The events of one watch: pushed by the store (under the simulator's lock), taken by the connection."""

    def __init__(self) -> None:
        self._events: deque[WatchEvent] = deque()
        self._cond = threading.Condition(threading.Lock())

    def push(self, event: WatchEvent) -> None:
        with self._cond:
            self._events.append(event)
            self._cond.notify()

    def take(self, timeout: float) -> list[WatchEvent]:
        with self._cond:
            if not self._events and timeout > 0:
                self._cond.wait(timeout)
            out = list(self._events)
            self._events.clear()
        return out


class _Encoder:
    """Event lines in the form the client asked for."""

    def __init__(self, host: Host, r: ResourceKind, form: str, include: str | None) -> None:
        self.host, self.r, self.form, self.include = host, r, form, include
        self.columns = True

    def line(self, kind: str, obj: Obj) -> bytes:
        """The event's line; the same event in the same form is encoded once for all the watches that send it
        (within a virtual second, since Table rows print ages)."""
        meta = obj["metadata"]
        now = self.host.rt.now
        key = (self.r.group, self.r.plural, self.form, self.include, self.columns, kind, meta.get("namespace"),
               meta["name"], meta.get("resourceVersion"), "managedFields" in meta)
        stamp = (0, int(now))
        kept = self.host.lines.get(key, stamp)
        if kept is not None:
            self.columns = False
            return kept[0]
        if self.form == protocol.TABLE:
            rv = {"resourceVersion": meta.get("resourceVersion", "")}
            payload = listing.table([obj], self.r, now, rv, self.include, columns=self.columns)
            self.columns = False
        elif self.form == protocol.PARTIAL:
            payload = listing.partial(obj)
        else:
            payload = to_served(obj, self.r)
        line = json.dumps({"type": kind, "object": payload}, separators=(",", ":")).encode() + b"\n"
        self.host.lines.put(key, stamp, line, "")
        return line

    def bookmark(self, rv: int, *, initial_end: bool = False) -> bytes:
        meta: Obj = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        obj = {"kind": self.r.kind, "apiVersion": self.r.api_version, "metadata": meta}
        return json.dumps({"type": "BOOKMARK", "object": obj}, separators=(",", ":")).encode() + b"\n"


def watch(host: Host, req: Request, r: ResourceKind, namespace: str | None, name: str | None = None) -> Response:
    form = protocol.negotiate(req.headers.get("Accept"), table=True)
    opts = listing.ListOptions.parse(req, r, name=name, watch=True)
    rv = req.param("resourceVersion") or ""
    initial = req.flag("sendInitialEvents")
    bookmarks = req.flag("allowWatchBookmarks")
    if initial and not bookmarks:
        raise BadRequestError("allowWatchBookmarks: Required value: sendInitialEvents requires setting "
                              "allowWatchBookmarks to true")
    timeout = req.integer("timeoutSeconds")
    limit = float(timeout) if timeout and timeout > 0 else DEFAULT_TIMEOUT
    feed = Feed()
    expired: GoneError | None = None
    with host.lock:
        store = host.rt.store
        unsubscribe = store.subscribe(feed.push, [r.kind])
        start_rv = store.resource_version
        if initial or rv in ("", "0"):
            first = [WatchEvent("ADDED", r.kind, o, None, start_rv) for o in store.list(r.kind, namespace)]
        else:
            try:
                first = store.events_since(_version(rv), [r.kind])
            except GoneError as exc:
                first, expired = [], exc
    encoder = _Encoder(host, r, form, req.param("includeObject"))
    keep = _filter(opts, namespace)
    stream = _stream(host, feed, unsubscribe, first, keep, encoder, expired=expired,
                     initial_end=start_rv if initial else None, bookmarks=bookmarks, limit=limit)
    return Response(200, content_type=protocol.JSON, stream=stream)


def _version(rv: str) -> int:
    try:
        return int(rv)
    except ValueError:
        raise BadRequestError(f'resourceVersion: Invalid value: "{rv}": must be an integer') from None


def _filter(opts: listing.ListOptions, namespace: str | None) -> Callable[[WatchEvent], str | None]:
    """The event type a client sees for a store event (None: not at all), by namespace and selectors."""
    passes = listing.selected(opts)

    def ok(obj: Obj | None) -> bool:
        if obj is None:
            return False
        if namespace is not None and obj["metadata"].get("namespace") != namespace:
            return False
        return passes(obj)

    def kind_of(event: WatchEvent) -> str | None:
        if event.type == "ADDED":
            return "ADDED" if ok(event.object) else None
        if event.type == "DELETED":
            return "DELETED" if ok(event.old if event.old is not None else event.object) else None
        now, before = ok(event.object), ok(event.old)
        if now:
            return "MODIFIED" if before else "ADDED"
        return "DELETED" if before else None

    return kind_of


def _stream(host: Host, feed: Feed, unsubscribe: Callable[[], None], first: list[WatchEvent],
            keep: Callable[[WatchEvent], str | None], encoder: _Encoder, *, expired: GoneError | None,
            initial_end: int | None, bookmarks: bool, limit: float) -> Iterator[bytes]:
    try:
        if expired is not None:
            line = {"type": "ERROR", "object": expired.status()}
            yield json.dumps(line, separators=(",", ":")).encode() + b"\n"
            return
        yield _lines(first, keep, encoder)
        if initial_end is not None:
            yield encoder.bookmark(initial_end, initial_end=True)
        deadline = time.monotonic() + limit
        next_bookmark = time.monotonic() + BOOKMARK_EVERY
        while not host.stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            chunk = _lines(feed.take(min(POLL, left)), keep, encoder)
            if bookmarks and time.monotonic() >= next_bookmark:
                with host.lock:
                    rv = host.rt.store.resource_version
                    pending = feed.take(0)  # everything up to rv is queued by now
                chunk += _lines(pending, keep, encoder) + encoder.bookmark(rv)
                next_bookmark = time.monotonic() + BOOKMARK_EVERY
            if chunk:
                yield chunk
    finally:
        with host.lock:
            unsubscribe()


def _lines(events: list[WatchEvent], keep: Callable[[WatchEvent], str | None], encoder: _Encoder) -> bytes:
    kept = [(kind, event.object) for event in events if (kind := keep(event)) is not None]
    if kept and encoder.form in (protocol.JSON, protocol.YAML):
        kept = _with_managed_fields(encoder.host, kept)
    return b"".join(encoder.line(kind, obj) for kind, obj in kept)


def _with_managed_fields(host: Host, kept: list[tuple[str, Obj]]) -> list[tuple[str, Obj]]:
    """Objects that are still the stored version get their managedFields (worked out under the lock, once per
    batch); older versions and deleted objects go as they are, since their entries are no longer kept."""
    store, fm = host.rt.store, host.rt.field_managers
    with host.lock:
        out = []
        for kind, obj in kept:
            meta = obj["metadata"]
            current = store.get(obj["kind"], meta.get("namespace") or "", meta["name"]) is obj
            out.append((kind, fm.with_managed_fields(obj) if current else obj))
    return out
