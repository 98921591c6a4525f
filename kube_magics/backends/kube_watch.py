"""Watch streams from a real cluster, in background threads, delivered as `{"type", "object"}` dicts.

One `ResourceWatch` thread per resource, as client-go's reflector runs one: it lists (to learn the
resourceVersion the watch starts from and what exists), then watches from there and delivers each ADDED,
MODIFIED and DELETED event. When a stream ends (the server closes watches after `timeoutSeconds`) it resumes from
the last resourceVersion it saw; when the server answers 410 Gone (that version is too old, `Expired`) it lists
again and delivers the difference between what it knew and what is there now, as an informer's re-list does, then
watches from the new list's version. Bookmarks move the resourceVersion on without an event.

The objects are the raw JSON of the stream (the API's exact shape). The callback runs in the watch's thread;
`stop()` ends the stream at once (it shuts the connection down) and waits for the thread.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

from kube_magics.backends.kube_client import Rest, path_of, with_kind
from kube_magics.errors import GoneError, KubeMagicsError
from kube_magics.kinds import ResourceKind

Obj = dict[str, Any]
WATCH_SECONDS = 300  # the server ends each watch after this long; the thread then resumes it
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)  # waits between attempts after an error, as a reflector backs off


class ResourceWatch(threading.Thread):
    """Watches one resource in every namespace (or one namespace) until stopped."""

    def __init__(self, rest: Rest, rk: ResourceKind, callback: Callable[[Obj], None], *,
                 namespace: str | None = None, resource_version: str | None = None) -> None:
        super().__init__(name=f"kube-magics-watch-{rk.resource_group}", daemon=True)
        self.rest, self.rk, self.callback = rest, rk, callback
        self.path = path_of(rk, namespace)
        self.resource_version = resource_version
        self.known: dict[str, Obj] = {}  # uid -> last object seen
        self.relists = 0  # how many times a 410 made it list again
        self.error: KubeMagicsError | None = None  # the last error, while retrying
        self._stopped = threading.Event()
        self._response: Any = None
        self._lock = threading.Lock()

    # --- control --------------------------------------------------------------------------------------------------

    def stop(self, timeout: float = 5.0) -> None:
        self._stopped.set()
        with self._lock:
            response = self._response
        if response is not None:
            with contextlib.suppress(Exception):  # the connection may already be closed
                response.response.shutdown()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    # --- the loop -------------------------------------------------------------------------------------------------

    def run(self) -> None:
        failures = 0
        while not self.stopped:
            try:
                if self.resource_version is None:
                    self._list(deliver=bool(self.relists))
                self._watch()
                failures = 0
            except GoneError:
                self._gone()
            except KubeMagicsError as exc:
                if self.stopped:
                    return
                self.error = exc
                self._stopped.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
                failures += 1
            except Exception:
                if self.stopped:  # reading a stream that stop() shut down
                    return
                raise

    def _gone(self) -> None:
        self.relists += 1
        self.resource_version = None

    def _list(self, *, deliver: bool) -> None:
        listed = self.rest.list_all(self.path)
        now = {str(o["metadata"].get("uid")): o for o in listed["items"]}
        if deliver:
            for uid, obj in now.items():
                old = self.known.get(uid)
                if old is None:
                    self._deliver("ADDED", obj)
                elif old["metadata"].get("resourceVersion") != obj["metadata"].get("resourceVersion"):
                    self._deliver("MODIFIED", obj)
            for uid, obj in self.known.items():
                if uid not in now:
                    self._deliver("DELETED", obj)
        self.known = now
        self.resource_version = str((listed.get("metadata") or {}).get("resourceVersion") or "")

    def _watch(self) -> None:
        from kubernetes.watch.watch import iter_resp_lines

        query = [("watch", "true"), ("resourceVersion", self.resource_version or None),
                 ("allowWatchBookmarks", "true"), ("timeoutSeconds", WATCH_SECONDS)]
        response = self.rest.open("GET", self.path, query=query, timeout=(10.0, WATCH_SECONDS + 30.0))
        with self._lock:
            self._response = response
        if self.stopped:
            return
        try:
            for line in iter_resp_lines(response.response):
                if self.stopped:
                    return
                if line:
                    self._event(json.loads(line))
        finally:
            with self._lock:
                self._response = None
            response.response.release_conn()

    def _event(self, event: Obj) -> None:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            from kube_magics.backends.kube_errors import from_status

            raise from_status(int(obj.get("code") or 500), obj, self.rest.context)
        version = (obj.get("metadata") or {}).get("resourceVersion")
        if version:
            self.resource_version = str(version)
        if kind == "BOOKMARK":
            return
        obj = with_kind(obj, {"kind": self.rk.kind + "List", "apiVersion": self.rk.api_version})
        uid = str(obj["metadata"].get("uid"))
        if kind == "DELETED":
            self.known.pop(uid, None)
        else:
            self.known[uid] = obj
        self._deliver(str(kind), obj)

    def _deliver(self, kind: str, obj: Obj) -> None:
        if not self.stopped:
            self.callback({"type": kind, "object": obj})


def start(rest: Rest, kinds: list[ResourceKind], callback: Callable[[Obj], None], *,
          namespace: str | None = None, resource_version: str | None = None) -> list[ResourceWatch]:
    """Start one watch per resource; each is listed before this returns, so no later change is missed."""
    watches = []
    for rk in kinds:
        w = ResourceWatch(rest, rk, callback, namespace=namespace, resource_version=resource_version)
        if resource_version is None:
            w._list(deliver=False)
        watches.append(w)
    for w in watches:
        w.start()
    return watches
