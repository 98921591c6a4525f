"""The simulator's object store: etcd and the API server's storage layer in one.

Owns: objects by (kind, namespace, name); uid; one cluster-wide, monotonically increasing resourceVersion;
generation (bumped when `spec` changes); creationTimestamp from the virtual clock; secondary indexes (owner uid,
and any a controller registers, e.g. pods by node); watch fan-out; a bounded history of changes so that a watch
can resume from a resourceVersion.

Must not: apply defaults, validate, or run admission (that is `api.py`), nor know any controller.

Stored objects are never mutated after they are written. Readers inside the simulator get the stored dict itself
(read-only by convention); everything that leaves the simulator is copied (`SimCluster` does that).
"""

from __future__ import annotations

import builtins
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from random import Random
from typing import Any, NamedTuple

from kube_magics.errors import ConflictError, GoneError
from kube_magics.sim.clock import Clock
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped kinds

# Kinds whose metadata.generation is tracked (their REST strategies set it); Pods since Kubernetes 1.33.
GENERATION_KINDS = frozenset({
    "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController",
    "PodDisruptionBudget", "Ingress", "NetworkPolicy", "HorizontalPodAutoscaler", "CustomResourceDefinition",
})


class WatchEvent(NamedTuple):
    type: str  # "ADDED" | "MODIFIED" | "DELETED"
    kind: str
    object: Obj
    old: Obj | None
    resource_version: int


Handler = Callable[[WatchEvent], None]
Subscription = tuple[Handler, frozenset[str], "frozenset[str] | None"]
IndexFunc = Callable[[Obj], Iterable[str]]


class Store:
    def __init__(self, clock: Clock, rng: Random, *, history: int = 20_000) -> None:
        self._clock = clock
        self._rng = rng
        self._objects: dict[str, dict[Key, Obj]] = {}
        self._rv = 0
        self._handlers: dict[str | None, list[Subscription]] = {}
        self._dispatch: dict[tuple[str, str], tuple[Handler, ...]] = {}  # (kind, event type) -> handlers, in order
        self._history: deque[WatchEvent] = deque(maxlen=history)
        self._indexers: dict[str, dict[str, IndexFunc]] = {}
        self._indexes: dict[tuple[str, str], dict[str, dict[Key, None]]] = {}
        self._owners: dict[str, dict[tuple[str, str, str], None]] = {}

    # --- reading -------------------------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        return self._rv

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        bucket = self._objects.get(kind)
        return bucket.get((namespace, name)) if bucket else None

    def list(self, kind: str, namespace: str | None = None) -> builtins.list[Obj]:
        """Objects of a kind, sorted by namespace and name as etcd's key order returns them."""
        bucket = self._objects.get(kind)
        if not bucket:
            return []
        if namespace is None:
            return [bucket[k] for k in sorted(bucket)]
        return [bucket[k] for k in sorted(k for k in bucket if k[0] == namespace)]

    def iter(self, kind: str) -> Iterator[Obj]:
        """Objects of a kind in no particular order (cheaper than `list` for scans)."""
        return iter(builtins.list((self._objects.get(kind) or {}).values()))

    def count(self, kind: str) -> int:
        return len(self._objects.get(kind) or ())

    def kinds(self) -> builtins.list[str]:
        return [k for k, v in self._objects.items() if v]

    # --- indexes -------------------------------------------------------------------------------------------

    def add_index(self, kind: str, name: str, func: IndexFunc) -> None:
        """Keep objects of `kind` findable by the values `func` returns (client-go's Indexer)."""
        self._indexers.setdefault(kind, {})[name] = func
        index: dict[str, dict[Key, None]] = {}
        for key, obj in (self._objects.get(kind) or {}).items():
            for value in func(obj):
                index.setdefault(value, {})[key] = None
        self._indexes[(kind, name)] = index

    def by_index(self, kind: str, name: str, value: str) -> builtins.list[Obj]:
        keys = self._indexes[(kind, name)].get(value)
        if not keys:
            return []
        bucket = self._objects[kind]
        return [bucket[k] for k in keys]

    def dependents(self, owner_uid: str) -> builtins.list[tuple[str, str, str]]:
        """(kind, namespace, name) of every object whose ownerReferences name this uid."""
        return builtins.list(self._owners.get(owner_uid) or ())

    def _reindex(self, kind: str, key: Key, old: Obj | None, new: Obj | None) -> None:
        for name, func in (self._indexers.get(kind) or {}).items():
            values_before = func(old) if old is not None else ()
            values_after = func(new) if new is not None else ()
            if values_before == values_after:
                continue  # most writes leave an object's index values as they were
            index = self._indexes[(kind, name)]
            before, after = set(values_before), set(values_after)
            for value in before - after:
                keys = index.get(value)
                if keys is not None:
                    keys.pop(key, None)
                    if not keys:
                        del index[value]
            for value in after - before:
                index.setdefault(value, {})[key] = None
        old_refs = old["metadata"].get("ownerReferences") if old is not None else None
        new_refs = new["metadata"].get("ownerReferences") if new is not None else None
        if old_refs is new_refs:
            return
        full = (kind, key[0], key[1])
        for ref in old_refs or ():
            owned = self._owners.get(ref.get("uid", ""))
            if owned is not None:
                owned.pop(full, None)
                if not owned:
                    del self._owners[ref["uid"]]
        for ref in new_refs or ():
            self._owners.setdefault(ref.get("uid", ""), {})[full] = None

    # --- writing -------------------------------------------------------------------------------------------

    def new_uid(self) -> str:
        """A version-4 UUID from the seeded generator (the same text as `uuid.UUID(int=n, version=4)`, made
        without building a UUID object: uids are drawn for every object and event)."""
        n = self._rng.getrandbits(128)
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)
        n = (n & ~(0xF000 << 64)) | (4 << 76)
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def create(self, obj: Obj) -> Obj:
        """Store a new object (the caller hands it over). Sets uid, resourceVersion, creationTimestamp."""
        kind = obj["kind"]
        meta = dict(obj["metadata"])
        key = (meta.get("namespace") or "", meta["name"])
        bucket = self._objects.get(kind)
        if bucket is None:
            bucket = self._objects[kind] = {}
        if key in bucket:
            raise ConflictError(f'object "{key[1]}" already exists')  # api.py reports AlreadyExists first
        self._rv += 1
        if not meta.get("uid"):  # a uid the API logic chose beforehand (a Job's selector names it) is kept
            meta["uid"] = self.new_uid()
        meta["resourceVersion"] = str(self._rv)
        meta.setdefault("creationTimestamp", rfc3339(self._clock.now))
        if kind in GENERATION_KINDS:
            meta["generation"] = 1
        stored = dict(obj)
        stored["metadata"] = meta
        bucket[key] = stored
        self._reindex(kind, key, None, stored)
        self._emit(WatchEvent("ADDED", kind, stored, None, self._rv))
        return stored

    def update(self, obj: Obj, *, expect_rv: str | None = None, keep_generation: bool = False) -> Obj:
        """Replace an object. Bumps resourceVersion, and generation when `spec` changed.

        `expect_rv` makes it a compare-and-swap, as an update carrying metadata.resourceVersion is.
        `keep_generation` is for subresources that change the spec without a new generation (pods/binding).
        """
        kind = obj["kind"]
        meta = dict(obj["metadata"])
        key = (meta.get("namespace") or "", meta["name"])
        bucket = self._objects.get(kind) or {}
        old = bucket.get(key)
        if old is None:
            raise KeyError(key)
        if expect_rv is not None and expect_rv != old["metadata"]["resourceVersion"]:
            raise ConflictError(
                f'Operation cannot be fulfilled on {kind.lower()}s "{key[1]}": the object has been modified; '
                "please apply your changes to the latest version and try again",
                kind=kind, name=key[1],
            )
        self._rv += 1
        meta["resourceVersion"] = str(self._rv)
        meta["uid"] = old["metadata"]["uid"]
        meta["creationTimestamp"] = old["metadata"]["creationTimestamp"]
        if kind in GENERATION_KINDS and not keep_generation:
            gen = old["metadata"].get("generation", 1)
            new_spec, old_spec = obj.get("spec"), old.get("spec")
            if new_spec is not old_spec and new_spec != old_spec:
                gen += 1
            elif meta.get("deletionTimestamp") and not old["metadata"].get("deletionTimestamp"):
                gen += 1  # graceful deletion bumps the generation
            meta["generation"] = gen
        if keep_generation and "generation" in old["metadata"]:
            meta["generation"] = old["metadata"]["generation"]
        stored = dict(obj)
        stored["metadata"] = meta
        bucket[key] = stored
        self._reindex(kind, key, old, stored)
        self._emit(WatchEvent("MODIFIED", kind, stored, old, self._rv))
        return stored

    def remove(self, kind: str, namespace: str, name: str) -> Obj | None:
        """Delete for good (finalizers are the API layer's business). The DELETED event carries a new rv."""
        bucket = self._objects.get(kind) or {}
        key = (namespace, name)
        old = bucket.pop(key, None)
        if old is None:
            return None
        self._rv += 1
        meta = dict(old["metadata"])
        meta["resourceVersion"] = str(self._rv)
        gone = dict(old)
        gone["metadata"] = meta
        self._reindex(kind, key, old, None)
        self._emit(WatchEvent("DELETED", kind, gone, old, self._rv))
        return gone

    # --- watching ------------------------------------------------------------------------------------------

    def subscribe(self, handler: Handler, kinds: Iterable[str] | None = None, *,
                  types: Iterable[str] | None = None, skip: Iterable[str] = ()) -> Callable[[], None]:
        """Call `handler` synchronously for every change of these kinds (all kinds if None, but those in `skip`),
        of these event types (all if None).

        Handlers must not write to the store; they enqueue work. Returns a function that unsubscribes. Filtering
        here rather than in the handler matters: events outnumber every other write, and a handler that only
        wants deletions need not be called for each of them.
        """
        entry = (handler, frozenset(skip), None if types is None else frozenset(types))
        slots: builtins.list[str | None] = [None] if kinds is None else builtins.list(kinds)
        for slot in slots:
            self._handlers.setdefault(slot, []).append(entry)
        self._dispatch.clear()

        def unsubscribe() -> None:
            for slot in slots:
                lst = self._handlers.get(slot) or []
                if entry in lst:
                    lst.remove(entry)
            self._dispatch.clear()

        return unsubscribe

    def _emit(self, event: WatchEvent) -> None:
        self._history.append(event)
        handlers = self._dispatch.get((event.kind, event.type))
        if handlers is None:
            handlers = self._dispatch[(event.kind, event.type)] = self._handlers_for(event.kind, event.type)
        for handler in handlers:
            handler(event)

    def _handlers_for(self, kind: str, etype: str) -> tuple[Handler, ...]:
        """Who hears a change of this kind and type: the kind's subscribers, then those of all kinds."""
        out = [handler for handler, _, types in self._handlers.get(kind, ()) if types is None or etype in types]
        out += [handler for handler, skip, types in self._handlers.get(None, ())
                if kind not in skip and (types is None or etype in types)]
        return tuple(out)

    def events_since(self, resource_version: int, kinds: Iterable[str] | None = None) -> builtins.list[WatchEvent]:
        """Changes after `resource_version`, for a watch that resumes; Gone (410) if history no longer has it."""
        wanted = None if kinds is None else set(kinds)
        if self._history and resource_version < self._history[0].resource_version - 1:
            raise GoneError(f"too old resource version: {resource_version} ({self._history[0].resource_version - 1})")
        return [e for e in self._history
                if e.resource_version > resource_version and (wanted is None or e.kind in wanted)]
