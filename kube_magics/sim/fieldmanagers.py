"""Every object's `metadata.managedFields`, kept beside the store and worked out when someone looks.

The API logic reports each write here: a user's create with the fields it set (`create_fields`, `on_create`), a
controller's create and every update as a note (`on_create`, `on_update`), an apply or patch with the managers
it computed (`replace`). Notes are not computed when written: controllers write pods thousands of times a second,
and nobody reads most of those entries. When an object's entries are read (`managed_fields`, `managers`), its
notes are folded in, in order, with the update rules of `merge.py`. Consecutive updates by the same manager to the
same object are noted as one (from the first old object to the last new one), which gives the same entries unless
a write is undone by that manager's very next write; a status write keeps only the old status.

A user's create is computed at once, against the object before admission (the API server's field manager runs
before admission); a controller's create is worked out later from the stored object, without what admission adds
to pods (`before_admission`).

Owns: the entries per object, the manager a write is attributed to (`actor`: the controller running now; its
component: kube-controller-manager, kube-scheduler or kubelet), which fields each write path resets. Must not:
change stored objects; stored objects never carry managedFields (`with_managed_fields` adds them to a copy).
"""

from __future__ import annotations

import marshal
from typing import TYPE_CHECKING, Any

from kube_magics.sim import managedfields as mf
from kube_magics.sim import merge
from kube_magics.sim.managedfields import Entry, Managers, Node
from kube_magics.sim.strategies import strategy_for
from kube_magics.sim.typed import ABSENT, compare
from kube_magics.timefmt import rfc3339
from kube_magics.typeinfo import TypeNode, type_for, zero_value

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime
    from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]

# Components (controller names) whose writes carry another field manager than kube-controller-manager's.
COMPONENT_MANAGERS = {"kubelet": "kubelet", "default-scheduler": "kube-scheduler", "kube-scheduler": "kube-scheduler",
                      "kube-proxy": "kube-proxy"}
# Who writes an object outside any controller (the cluster's own bootstrap): the API server and the kubelets.
_BOOTSTRAP_MANAGERS = {"Namespace": "kube-apiserver", "Node": "kubelet"}
_META_STRIPPED = frozenset({"name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation",
                            "managedFields", "resourceVersion"})
# What the status subresource resets besides spec (the kind's status strategy's reset fields).
_STATUS_RESETS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Pod": (("spec",), ("metadata", "deletionTimestamp"), ("metadata", "ownerReferences")),
    "Deployment": (("spec",), ("metadata", "labels")),
    "ReplicaSet": (("spec",), ("metadata", "labels")),
    "StatefulSet": (("spec",), ("metadata", "labels")),
    "DaemonSet": (("spec",), ("metadata", "labels")),
}
_MAX_NOTES = 16
_CACHE_SIZE = 4096
_CREATE = "<create>"  # the subresource slot of a noted create
_OLD_STATUS: Any = object()  # the old-object slot of a noted status write that keeps only the old status
_NO_MANAGERS: Managers = {}  # shared by books with no entries yet: never changed in place


# What admission adds to a pod on create (ServiceAccount, DefaultTolerationSeconds, Priority, LimitRanger's
# defaults, which its annotation lists): the field manager runs before admission, so the creator does not own these.
_SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
_DEFAULT_TOLERATIONS = tuple({"effect": "NoExecute", "key": k, "operator": "Exists", "tolerationSeconds": 300}
                             for k in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"))


def before_admission(obj: Obj) -> Obj:
    """A controller-created object as it was before admission (what its creator set)."""
    if obj.get("kind") != "Pod" or not isinstance(obj.get("spec"), dict):
        return obj
    obj = _without_limit_ranger_defaults(obj)
    spec = dict(obj["spec"])
    for key in ("priority", "preemptionPolicy"):
        spec.pop(key, None)
    if spec.get("serviceAccountName") == "default":
        spec.pop("serviceAccountName")
        spec.pop("serviceAccount", None)
    _drop_items(spec, "volumes", lambda v: str(v.get("name", "")).startswith("kube-api-access-"))
    _drop_items(spec, "tolerations", lambda t: t in _DEFAULT_TOLERATIONS)
    for group in ("initContainers", "containers"):
        if isinstance(spec.get(group), list):
            spec[group] = [_without_sa_mount(c) for c in spec[group]]
    out = dict(obj)
    out["spec"] = spec
    return out


_LIMIT_RANGER = "kubernetes.io/limit-ranger"


def _without_limit_ranger_defaults(pod: Obj) -> Obj:
    """The pod without what LimitRanger set ("LimitRanger plugin set: cpu, memory request for container app; cpu
    limit for init container setup") and without its annotation."""
    annotations = pod["metadata"].get("annotations") or {}
    note = annotations.get(_LIMIT_RANGER)
    if not isinstance(note, str) or not note.startswith("LimitRanger plugin set: "):
        return pod
    added: dict[tuple[str, str], dict[str, list[str]]] = {}
    for part in note[len("LimitRanger plugin set: "):].split("; "):
        names, _, rest = part.partition(" request for " if " request for " in part else " limit for ")
        which = "requests" if " request for " in part else "limits"
        group, _, container = rest.partition(" ")
        if group == "init":
            group, container = "initContainers", container.partition(" ")[2]
        else:
            group = "containers"
        added.setdefault((group, container), {}).setdefault(which, []).extend(names.split(", "))
    spec = dict(pod["spec"])
    for group in ("containers", "initContainers"):
        if isinstance(spec.get(group), list):
            spec[group] = [_without_resources(c, added.get((group, c.get("name", "")), {}))
                           if isinstance(c, dict) else c for c in spec[group]]
    meta = dict(pod["metadata"])
    meta["annotations"] = {k: v for k, v in annotations.items() if k != _LIMIT_RANGER}
    if not meta["annotations"]:
        del meta["annotations"]
    return {**pod, "metadata": meta, "spec": spec}


def _without_resources(container: Obj, added: dict[str, list[str]]) -> Obj:
    if not added:
        return container
    resources = dict(container.get("resources") or {})
    for which, names in added.items():
        kept = {k: v for k, v in (resources.get(which) or {}).items() if k not in names}
        if kept:
            resources[which] = kept
        else:
            resources.pop(which, None)
    return {**container, "resources": resources}


def _without_sa_mount(container: Any) -> Any:
    if not isinstance(container, dict) or not container.get("volumeMounts"):
        return container
    c = dict(container)
    _drop_items(c, "volumeMounts", lambda m: m.get("mountPath") == _SA_MOUNT)
    return c


def _drop_items(parent: dict[str, Any], key: str, drop: Any) -> None:
    items = parent.get(key)
    if not isinstance(items, list):
        return
    kept = [i for i in items if not (isinstance(i, dict) and drop(i))]
    if kept:
        parent[key] = kept
    else:
        del parent[key]


def ignored_fields(kind: str, subresource: str = "") -> Node:
    """Fields a write through this path cannot own: status through the main resource of a kind with a status
    subresource; spec (and a few metadata fields) through `/status`."""
    if subresource == "status":
        return merge.reset_fields(_STATUS_RESETS.get(kind, (("spec",),)))
    if subresource == "" and strategy_for(kind).status_subresource:
        return _STATUS_ONLY
    return mf.EMPTY


_STATUS_ONLY = merge.reset_fields((("status",),))


class _Book:
    __slots__ = ("encoded", "managers", "notes", "uid")

    def __init__(self, uid: str, managers: Managers) -> None:
        self.uid = uid
        self.managers = managers
        # Writes not folded in yet: [manager, actor, subresource, old, new, time, old status]
        self.notes: list[list[Any]] = []
        self.encoded: list[dict[str, Any]] | None = None


class FieldManagers:
    """The managedFields of every object of one simulated cluster."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.actor: str | None = None  # the controller writing now (set by the controller manager)
        self._books: dict[tuple[str, str, str], _Book] = {}
        self._create_cache: dict[tuple[str, bytes], Node] = {}
        self._kinds: dict[tuple[str, str], tuple[TypeNode, Any, Node]] = {}
        self._memo: dict[int, tuple[Node, dict[str, Any]]] = {}  # serialised sets shared between objects
        self._time_of = -1.0
        self._time = ""
        rt.store.subscribe(self._on_event, types=("DELETED",), skip=("Event",))

    # --- recording writes -----------------------------------------------------------------------------------------

    def create_fields(self, obj: Obj) -> Node:
        """The fields a create of `obj` (defaulted, before admission) gives its manager.

        Computed against the kind's zero value, through a cache keyed by the object's serialised form without its
        name: the pods a ReplicaSet creates share it.
        """
        kind_info = self._kinds.get((obj.get("apiVersion", ""), obj["kind"]))
        if kind_info is None:
            kind_info = self._kind_info(obj.get("apiVersion", ""), obj["kind"])
        t, zero, ignore = kind_info
        sections = {k: v for k, v in obj.items() if k != "apiVersion" and k != "kind" and "f:" + k not in ignore}
        meta = sections.get("metadata")
        if isinstance(meta, dict):
            sections["metadata"] = {k: v for k, v in meta.items() if k not in _META_STRIPPED}
        try:
            cache_key: tuple[str, bytes] | None = (t.name, marshal.dumps(sections))
        except ValueError:
            cache_key = None
        node = self._create_cache.get(cache_key) if cache_key is not None else None
        if node is None:
            node = {}
            for key, value in sections.items():
                section = self._section_fields(t, key, zero.get(key, ABSENT), value)
                if section:
                    node["f:" + key] = section
            if cache_key is not None:
                if len(self._create_cache) >= _CACHE_SIZE:
                    self._create_cache.clear()
                self._create_cache[cache_key] = node
        return node

    def _kind_info(self, api_version: str, kind: str) -> tuple[TypeNode, Any, Node]:
        t = type_for(api_version, kind)
        info = (t, zero_value(t), ignored_fields(kind))
        self._kinds[(api_version, kind)] = info
        return info

    @staticmethod
    def _section_fields(t: TypeNode, key: str, zero: Any, value: Any) -> Node:
        added, modified, _ = compare(zero, value, t.field(key))
        node = mf.union(added, modified)
        return mf.difference(node, mf.MEMBER) if key == "metadata" else node

    def _now(self) -> str:
        now = self.rt.clock.now
        if now != self._time_of:
            self._time_of, self._time = now, rfc3339(now)
        return self._time

    def on_create(self, stored: Obj, fields: Node | None, manager: str | None) -> None:
        """Record a create: with the fields it set (`create_fields` of the object before admission), or, for a
        controller's create (`fields` None), noted and worked out from the stored object when read."""
        meta = stored["metadata"]
        key = (stored["kind"], meta.get("namespace") or "", meta["name"])
        book = self._books[key] = _Book(meta["uid"], _NO_MANAGERS)
        if fields is None:
            book.notes.append([manager, self.actor, _CREATE, None, stored, self.rt.clock.now, None])
        elif fields:
            name = manager or self._default_manager(stored["kind"], self.actor)
            mk = mf.update_key(name, stored["apiVersion"])
            book.managers = {mk: Entry(fields, stored["apiVersion"], self._now())}

    def on_update(self, old: Obj, new: Obj, manager: str | None, *, subresource: str = "",
                  status_only: bool = False) -> None:
        """Note a non-apply write (worked out when the entries are next read). `status_only`: the write changed
        nothing but `status` (the note then keeps only the old status, not the whole old object)."""
        if subresource == "binding":
            return  # pods/binding sets spec.nodeName without the field manager, as the API server's binding does
        meta = new["metadata"]
        book = self._books.get((new["kind"], meta.get("namespace") or "", meta["name"]))
        if book is None or book.uid != meta.get("uid"):
            return  # an object nobody tracked: the API server does not start tracking on update either
        notes = book.notes
        actor = self.actor
        book.encoded = None
        if notes:
            last = notes[-1]
            if (last[4] is old and last[0] == manager and last[1] == actor and last[2] == subresource
                    and (last[3] is _OLD_STATUS) == status_only):
                last[4] = new
                last[5] = self.rt.clock.now
                return
        if status_only:  # keep the old status only: the rest of the old object was the new one's
            notes.append([manager, actor, subresource, _OLD_STATUS, new, self.rt.clock.now, old.get("status")])
        else:
            notes.append([manager, actor, subresource, old, new, self.rt.clock.now, None])
        if len(notes) > _MAX_NOTES:
            self._fold(book)

    def replace(self, obj: Obj, managers: Managers) -> None:
        """Set an object's managers outright (after an apply or a patch computed them)."""
        meta = obj["metadata"]
        self._books[(obj["kind"], meta.get("namespace") or "", meta["name"])] = _Book(meta["uid"], dict(managers))

    # --- reading ----------------------------------------------------------------------------------------------------

    def managers(self, obj: Obj) -> Managers:
        """The managers of a stored object (empty when nothing tracked it)."""
        book = self._book(obj)
        if book is None:
            return {}
        if book.notes:
            self._fold(book)
        return dict(book.managers)

    def managed_fields(self, obj: Obj) -> list[dict[str, Any]] | None:
        """`metadata.managedFields` of a stored object, as the API server writes it (None when untracked)."""
        book = self._book(obj)
        if book is None:
            return None
        if book.notes:
            self._fold(book)
        if book.encoded is None:
            if len(self._memo) > _CACHE_SIZE:
                self._memo.clear()
            book.encoded = mf.encode(book.managers, self._memo)
        return book.encoded

    def with_managed_fields(self, obj: Obj) -> Obj:
        """A shallow copy of `obj` whose metadata carries its managedFields (`obj` itself when it has none).

        The entries are shared with the ledger: callers copy the result before handing it out.
        """
        entries = self.managed_fields(obj)
        if not entries:
            return obj
        out = dict(obj)
        out["metadata"] = {**obj["metadata"], "managedFields": entries}
        return out

    def forget(self, kind: str, namespace: str, name: str) -> None:
        self._books.pop((kind, namespace, name), None)

    # --- internals ------------------------------------------------------------------------------------------------

    def _book(self, obj: Obj) -> _Book | None:
        meta = obj["metadata"]
        book = self._books.get((obj["kind"], meta.get("namespace") or "", meta["name"]))
        if book is None or (meta.get("uid") and book.uid != meta["uid"]):
            return None
        return book

    def _fold(self, book: _Book) -> None:
        managers = book.managers
        for manager, actor, subresource, old, new, when, old_status in book.notes:
            name = manager or self._default_manager(new["kind"], actor)
            if subresource is _CREATE:
                fields = self.create_fields(before_admission(new))
                if fields:
                    managers = {mf.update_key(name, new["apiVersion"]): Entry(fields, new["apiVersion"],
                                                                               rfc3339(when))}
                continue
            if not managers:
                continue  # the API server does not start tracking an object on update
            if old is _OLD_STATUS:
                old = {**new, "status": old_status} if old_status is not None else \
                    {k: v for k, v in new.items() if k != "status"}
            t = type_for(new.get("apiVersion", ""), new["kind"])
            key = mf.update_key(name, new["apiVersion"], subresource)
            managers = merge.update(managers, old, new, t, key, time=rfc3339(when),
                                    ignore=ignored_fields(new["kind"], subresource))
        book.managers = managers
        book.notes = []
        book.encoded = None

    @staticmethod
    def _default_manager(kind: str, actor: str | None) -> str:
        if actor is None:
            return _BOOTSTRAP_MANAGERS.get(kind, "kube-controller-manager")
        return COMPONENT_MANAGERS.get(actor, "kube-controller-manager")

    def _on_event(self, event: WatchEvent) -> None:
        if event.type == "DELETED":
            meta = event.object["metadata"]
            key = (event.kind, meta.get("namespace") or "", meta["name"])
            book = self._books.get(key)
            if book is not None and book.uid == meta.get("uid"):
                del self._books[key]

