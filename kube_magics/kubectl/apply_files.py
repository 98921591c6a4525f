"""Manifests in files: `kubectl apply -f FILE|DIR`, and the `-f` of delete, create, get, describe and the others.

    %k8s apply -f nginx-deployment.yaml          deployment.apps/nginx-deployment created
    %k8s apply -f manifests/ -R                  every .yaml, .yml and .json under it (-R: subdirectories too)
    %k8s delete -f manifests/

A directory's files are read in name order, as kubectl reads them. `apply` is server-side apply with the field
manager `kube-magics`, the same as a `%%k8s` cell, and every document is checked before any is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kube_magics.backends.base import Backend
from kube_magics.errors import KubeMagicsError, ManifestError, UsageError
from kube_magics.kinds import ResourceKind
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import namespace, result
from kube_magics.kubectl.flags import (
    DRY_RUN,
    FIELD_MANAGER,
    FILENAME,
    PRINT,
    RECURSIVE,
    Command,
    Flag,
    Options,
    dry_run,
    parse,
)
from kube_magics.manifests import Document
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

EXTENSIONS = (".json", ".yaml", ".yml")

APPLY = Command("apply", "kubectl apply (-f FILENAME | -k DIRECTORY)", (
    *PRINT, DRY_RUN, FIELD_MANAGER, FILENAME, RECURSIVE, Flag("server-side", default=True),
    Flag("force-conflicts"), Flag("validate", kind="str", default="strict", no_opt="strict"),
    Flag("prune"), Flag("selector", "l", "str"), Flag("wait"), Flag("overwrite", default=True),
))


@dataclass(frozen=True)
class Named:
    """What a document names: its resource, name and namespace."""

    resource: ResourceKind
    name: str
    namespace: str | None


def files(paths: list[str], recursive: bool) -> list[Path]:
    """The files `-f` names: files as given, directories expanded (in name order; subdirectories with -R)."""
    out: list[Path] = []
    for text in paths:
        path = Path(text)
        if not path.exists():
            raise UsageError(f'error: the path "{text}" does not exist')
        if path.is_file():
            out.append(path)
            continue
        pattern = "**/*" if recursive else "*"
        out.extend(p for p in sorted(path.glob(pattern)) if p.is_file() and p.suffix in EXTENSIONS)
    return out


def load(paths: list[str], recursive: bool) -> list[Document]:
    """Every document in the files (`kind: List` expanded, empty documents skipped), with the file and line of
    each field; YAML problems name the file, the line and the column."""
    from kube_magics.manifests import parse as parse_manifests

    docs: list[Document] = []
    for path in files(paths, recursive):
        docs.extend(parse_manifests(path.read_text(), template=False, source=str(path)))
    return docs


def objects_in_files(backend: Backend, paths: list[str], recursive: bool) -> list[Named]:
    """What the objects in the files name (for delete, get, describe ... -f)."""
    out = []
    for doc in load(paths, recursive):
        meta = doc.object.get("metadata") or {}
        try:
            rk = backend.catalogue.for_kind(str(doc.object.get("apiVersion", "")), str(doc.object.get("kind", "")))
        except KubeMagicsError as exc:
            raise ManifestError(f'resource mapping not found for name: "{meta.get("name", "")}" namespace: '
                                f'"{meta.get("namespace", "")}" from "{doc.source}": {exc.message}\nensure CRDs '
                                "are installed first") from None
        out.append(Named(rk, str(meta.get("name", "")), meta.get("namespace")))
    if not out:
        raise UsageError("error: no objects passed to create")
    return out


@verb("apply")
def apply(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(APPLY, argv)
    if args:
        raise APPLY.usage_error(f"Unexpected args: [{' '.join(args)}]")
    if not o.filename:
        raise APPLY.error("must specify one of -f and -k")
    strategy = dry_run(APPLY, o)
    if o.force_conflicts and not o.server_side:
        raise APPLY.error("--force-conflicts only works with --server-side")
    docs = load(o.filename, o.recursive)
    if not docs:
        raise APPLY.error("no objects passed to apply")
    applied = _apply(session, o, docs, strategy)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    if o.output and o.output != "name":
        from kube_magics.printers import render_output

        text = render_output(o.output, [a.object for a in applied], single=len(applied) == 1)
    else:
        text = "".join(f"{a.resource.qualified}/{a.name}" + ("" if o.output else f" {a.action}{suffix}") + "\n"
                       for a in applied)
    return result(text, objects=[a.object for a in applied])


def _apply(session: Session, o: Options, docs: list[Document], strategy: str) -> list[Any]:
    """Check every document (the schema's strict decoding, unless --validate=false), then apply them all."""
    from kube_magics.manifests import explain_error, validate

    try:
        if o.validate not in ("false", "ignore"):
            validate(docs)
        return session.backend.apply([d.object for d in docs], namespace=namespace(session, o),
                                     dry_run=strategy != "none", force=o.force_conflicts,
                                     manager=o.field_manager or "kube-magics")
    except KubeMagicsError as exc:
        raise ManifestError(explain_error(exc, docs)) from None


def create_from_files(session: Session, o: Options, strategy: str) -> TextResult:
    """`kubectl create -f`: create each object; one that exists is an error that names its file, and the others
    are still created (kubectl goes on after an error)."""
    from kube_magics.errors import ApiError
    from kube_magics.kubectl.common import created, fail

    lines: list[str] = []
    objects: list[Obj] = []
    errors: list[KubeMagicsError] = []
    ns = namespace(session, o)
    docs = load(o.filename, o.recursive)
    for doc in docs:
        obj = dict(doc.object)
        obj["metadata"] = {"namespace": ns, **(obj.get("metadata") or {})}
        try:
            text, made = created(session, obj, output=o.output, strategy=strategy)
        except ApiError as exc:
            exc.message = f'error when creating "{doc.source}": {exc.message}'
            errors.append(exc)
            continue
        lines.append(text)
        objects.append(made)
    if errors:
        raise fail("".join(lines), errors, objects)
    if not docs:
        raise UsageError("error: no objects passed to create")
    return result("".join(lines), objects=objects)
