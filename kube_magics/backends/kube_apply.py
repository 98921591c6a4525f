"""Server-side apply of a cell's documents on a real cluster: all checked before any is written.

For each document: the resource from discovery (the manifest's own apiVersion decides the URL), its namespace
(the document's, else the one given, else the context's), then a PATCH with `application/apply-patch+yaml`,
`fieldManager=kube-magics` (`force=true` for `--force-conflicts`) and `fieldValidation=Strict`, as
`kubectl apply --server-side` sends it.

The batch is atomic as far as a cluster allows, as on the simulator: every document is first applied with
`dryRun=All` (the server runs defaulting, admission and validation and writes nothing); a namespace or a CRD
created earlier in the same cell counts as existing for the later documents. Only if every check passes are the
documents applied for real, in order. `created` / `configured` / `unchanged` come from the live object read
before (none: created) and the resourceVersion after (the same: unchanged), as the simulator reports them.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kube_magics.backends.base import Applied
from kube_magics.backends.kube_client import CONTENT_TYPES, path_of
from kube_magics.errors import ApiError, ApplyError, KubeMagicsError, NotFoundError, UnknownResourceError
from kube_magics.kinds import ResourceKind

if TYPE_CHECKING:
    from kube_magics.backends.kube import KubeBackend

Obj = dict[str, Any]


@dataclass
class _Planned:
    index: int
    doc: Obj
    name: str
    namespace: str | None
    rk: ResourceKind | None
    provisional: bool = False  # its kind comes from a CRD earlier in the cell, not yet from discovery


def apply_all(backend: KubeBackend, docs: builtins.list[Obj], *, namespace: str | None, dry_run: bool,
              force: bool, manager: str) -> builtins.list[Applied]:
    plans = [_plan(backend, i, d, namespace) for i, d in enumerate(docs)]
    _resolve_later_kinds(plans)
    checked = _check(backend, plans, force=force, manager=manager)
    results = []
    for p in plans:
        assert p.rk is not None
        if p.provisional and not dry_run:  # its CRD was applied just before: wait until discovery serves it
            p.rk = _wait_for_kind(backend, p.doc)
        live = _live(backend, p)
        if dry_run:  # the check was the dry run (a document in a namespace of the cell is shown as written)
            out = checked.get(p.index) or _with_namespace(p.doc, p.namespace)
        else:
            out = _send(backend, p, force=force, manager=manager, dry_run=False)
        results.append(Applied(p.rk, p.name, p.namespace, _action(live, out, dry_run), out))
    return results


def _plan(backend: KubeBackend, index: int, doc: Obj, namespace: str | None) -> _Planned:
    meta = doc.get("metadata") or {}
    try:
        rk: ResourceKind | None = backend.catalogue.for_kind(str(doc.get("apiVersion")), str(doc.get("kind")))
    except UnknownResourceError:
        rk = None
    ns = None
    if rk is None or rk.namespaced:
        ns = meta.get("namespace") or namespace or backend.default_namespace
    return _Planned(index, doc, str(meta.get("name") or ""), ns, rk)


def _resolve_later_kinds(plans: builtins.list[_Planned]) -> None:
    """A kind discovery does not know is fine if a CRD earlier in the cell defines it; otherwise kubectl's error."""
    defined: dict[tuple[str, str], ResourceKind] = {}
    for p in plans:
        if p.doc.get("kind") == "CustomResourceDefinition":
            spec = p.doc.get("spec") or {}
            names = spec.get("names") or {}
            for v in spec.get("versions") or ():
                rk = ResourceKind(str(names.get("plural")), str(names.get("kind")), str(spec.get("group")),
                                  str(v.get("name")), spec.get("scope") == "Namespaced")
                defined[(rk.api_version, rk.kind)] = rk
        elif p.rk is None and (str(p.doc.get("apiVersion")), str(p.doc.get("kind"))) in defined:
            p.rk = defined[(str(p.doc.get("apiVersion")), str(p.doc.get("kind")))]
            p.provisional = True
            if not p.rk.namespaced:
                p.namespace = None
        elif p.rk is None:
            raise UnknownResourceError(
                f'resource mapping not found for name: "{p.name}" namespace: "{p.namespace or ""}" from "cell": '
                f'no matches for kind "{p.doc.get("kind")}" in version "{p.doc.get("apiVersion")}"',
                hint="ensure CRDs are installed first")


def _check(backend: KubeBackend, plans: builtins.list[_Planned], *, force: bool, manager: str) -> dict[int, Obj]:
    """Dry-run every document; raise what failed (one error as it is, several as an ApplyError)."""
    planned_namespaces: set[str] = set()
    checked: dict[int, Obj] = {}
    failed: builtins.list[tuple[KubeMagicsError, _Planned]] = []
    for p in plans:
        if not p.provisional:
            try:
                checked[p.index] = _send(backend, p, force=force, manager=manager, dry_run=True)
            except ApiError as exc:
                if not _namespace_planned(exc, planned_namespaces):
                    failed.append((exc, p))
        if p.doc.get("kind") == "Namespace":
            planned_namespaces.add(p.name)
    if failed:
        raise _rejection(failed, len(plans))
    return checked


def _namespace_planned(exc: ApiError, planned: set[str]) -> bool:
    return isinstance(exc, NotFoundError) and exc.kind == "namespaces" and exc.name in planned


def _rejection(failed: builtins.list[tuple[KubeMagicsError, _Planned]], total: int) -> KubeMagicsError:
    from kube_magics import manifests

    located = []
    for exc, p in failed:
        doc = manifests.documents_of([p.doc])[0]
        doc.index = p.index + 1 if total > 1 else None
        located.append((exc, doc))
    if len(located) == 1:
        exc, doc = located[0]
        if exc.location is None:
            paths = manifests.error_paths(exc)
            exc.location = doc.location(paths[0] if paths else None)
        return exc
    return ApplyError([manifests.to_manifest_error(exc, doc) for exc, doc in located])


def _send(backend: KubeBackend, p: _Planned, *, force: bool, manager: str, dry_run: bool) -> Obj:
    assert p.rk is not None
    if not dry_run:
        backend.guard.check(f"apply {p.rk.qualified}/{p.name}")
    doc = _with_namespace(p.doc, p.namespace)
    query = [("fieldManager", manager), ("fieldValidation", "Strict"), ("force", "true" if force else None),
             ("dryRun", "All" if dry_run else None)]
    backend.writes += 1
    out: Obj = backend.rest.request("PATCH", path_of(p.rk, p.namespace, p.name, api_version=doc.get("apiVersion")),
                                    query=query, body=doc, content_type=CONTENT_TYPES["apply"])
    if not dry_run and doc.get("kind") == "CustomResourceDefinition":
        backend.forget_discovery()
    return out


def _with_namespace(doc: Obj, namespace: str | None) -> Obj:
    if namespace and (doc.get("metadata") or {}).get("namespace") != namespace:
        return {**doc, "metadata": {**(doc.get("metadata") or {}), "namespace": namespace}}
    return doc


def _live(backend: KubeBackend, p: _Planned) -> Obj | None:
    assert p.rk is not None
    try:
        live: Obj = backend.rest.request("GET", path_of(p.rk, p.namespace, p.name))
        return live
    except NotFoundError:
        return None


def _action(live: Obj | None, out: Obj, dry_run: bool) -> str:
    if live is None:
        return "created"
    if dry_run:
        return "unchanged" if _without_bookkeeping(live) == _without_bookkeeping(out) else "configured"
    same = live["metadata"].get("resourceVersion") == out["metadata"].get("resourceVersion")
    return "unchanged" if same else "configured"


def _without_bookkeeping(obj: Obj) -> Obj:
    meta = {k: v for k, v in obj["metadata"].items() if k not in ("managedFields", "resourceVersion")}
    return {**obj, "metadata": meta}


def _wait_for_kind(backend: KubeBackend, doc: Obj, seconds: float = 30.0,
                   clock: Callable[[], float] = time.monotonic) -> ResourceKind:
    """A CRD's kind appears in discovery once the CRD is Established (a second or two)."""
    deadline = clock() + seconds
    while True:
        try:
            return backend.catalogue.for_kind(str(doc.get("apiVersion")), str(doc.get("kind")))
        except UnknownResourceError:
            if clock() > deadline:
                raise
        time.sleep(0.5)
        backend.forget_discovery()
