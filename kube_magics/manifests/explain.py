"""Errors about manifests, explained for a notebook: which document, which field, which line, and a hint.

`explain_error(err, docs)` takes any error that a check or an apply raised (a ManifestError from reading the
cell, a DecodeError from the schema check, an InvalidError from API validation, a kind the API does not serve,
an ApplyError listing several) and the cell's Documents, and returns the text to show: Kubernetes' own message
unchanged, then where each problem is. `locate_error` gives the Locations themselves.

Must not: raise, or reword Kubernetes' messages (hints are added, never substituted).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kube_magics.errors import ApiError, ApplyError, KubeMagicsError, Location, ManifestError
from kube_magics.kinds import CATALOGUE
from kube_magics.manifests.documents import Document
from kube_magics.schema import DecodeError, UnknownKindError, field_path

_YAML_WORDS = "yes/no, on/off, y/n and true/false"

# (pattern in a Kubernetes message, hint). The first that matches is shown.
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), h) for p, h in (
    (r"cannot unmarshal bool into Go struct field \S+ of type ",
     f"YAML reads {_YAML_WORDS} as booleans: quote the value (\"on\") if it is meant as a string"),
    (r"cannot unmarshal number into Go struct field \S+ of type string",
     "this field is a string: quote the value (\"1.0\", \"8080\") so that YAML keeps it one"),
    (r"cannot unmarshal string into Go struct field \S+ of type int(32|64)",
     "this field is a number: write it without quotes and without units (replicas: 3)"),
    (r"cannot unmarshal (string|object|number|bool) into Go struct field \S+ of type \[\]",
     "this field is a list: write its items on lines that start with '- '"),
    (r"cannot unmarshal number \S+ into Go struct field \S+ of type int",
     "this field is a whole number (no decimal point, no quotes)"),
    (r"cannot unmarshal (string|array) into Go struct field \S+ of type \w+\.[A-Z]\w*$",
     "this field is a mapping of its own: write its fields indented on the lines below it"),
    (r"illegal base64 data", "values under `data` must be base64 (echo -n 'value' | base64); "
                             "put plain text under `stringData` instead"),
    (r"quantities must match|quantity's suffix",
     "quantities look like 500m or 0.5 (CPU) and 128Mi or 1Gi (memory)"),
    (r"`selector` does not match template `labels`",
     "every label under spec.selector.matchLabels must also be in spec.template.metadata.labels"),
    (r"restartPolicy: Unsupported value: \"\w+\": supported values: \"Always\"$",
     "Deployments, ReplicaSets, DaemonSets and StatefulSets keep their containers running (restartPolicy: "
     "Always); use a Job for work that runs to completion"),
    (r"restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
     "a Job's pods run to completion: set spec.template.spec.restartPolicy to OnFailure or Never"),
    (r"spec.selector: Invalid value: .*: field is immutable",
     "a selector cannot change: delete the object and create it again, or keep the old selector"),
    (r"field is immutable when `immutable` is set",
     "this object is immutable: delete it and create it again to change its data"),
    (r"pod updates may not change fields other than",
     "most of a Pod's spec cannot change: delete the pod and create it again (or let a Deployment do that)"),
    (r"a lowercase RFC 1123 (subdomain|label)|a DNS-1035 label",
     "names are lower case letters, digits and '-' (and '.' for most kinds), e.g. nginx-pod"),
    (r"must be less than or equal to \S+ limit",
     "a container may not request more than its limit: raise the limit or lower the request"),
    (r"must be between 1 and 65535", "ports are numbers from 1 to 65535"),
    (r"provided port is not in the valid range",
     "leave nodePort out to get one allocated, or pick one in 30000-32767"),
))


def locate_error(err: BaseException, docs: Sequence[Document] = ()) -> list[Location]:
    """Where the problems of `err` are: one Location per field it names (at least one)."""
    if isinstance(err, ApplyError):
        return [loc for e in err.errors for loc in locate_error(e, docs)]
    if isinstance(err, ManifestError):
        return [err.location]
    doc = find_document(err, docs)
    paths = error_paths(err)
    if doc is None:
        own = getattr(err, "location", None)
        if isinstance(own, Location):
            return [own]
        kind, name = _kind_name(err)
        return [Location(kind=kind, name=name, path=p) for p in paths] or [Location(kind=kind, name=name)]
    return [doc.location(p) for p in paths] or [doc.location()]


def explain_error(err: BaseException, docs: Sequence[Document] = ()) -> str:
    """The text a notebook shows for `err`: where (document, kind/name, line, field), Kubernetes' message, a hint.

        document 2 (Deployment/web), line 9, field spec.replicas
        The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0
    """
    if isinstance(err, ApplyError):
        parts = [explain_error(e.cause if isinstance(e.cause, ApiError) else e, docs) for e in err.errors]
        return "\n\n".join(parts) + f"\n({err.message})"
    if isinstance(err, ManifestError) and not isinstance(err.cause, KubeMagicsError):
        return str(err)
    inner = err.cause if isinstance(err, ManifestError) and err.cause is not None else err
    locations = locate_error(inner, docs)
    message = _kubectl_text(inner)
    lines = [_where(locations[0])] if locations[0].describe() or locations[0].path else []
    lines.append(message)
    if len(locations) > 1:
        lines.extend(f"  {loc.path}: line {loc.line}" for loc in locations if loc.path and loc.line)
    hint = hint_for(inner, find_document(inner, docs))
    if hint:
        lines.append(f"hint: {hint}")
    return "\n".join(line for line in lines if line)


def to_manifest_error(err: KubeMagicsError, doc: Document | None) -> ManifestError:
    """A ManifestError that carries `err` (its `cause`) and where it is in `doc`."""
    if isinstance(err, ManifestError):
        return err
    paths = error_paths(err)
    location = doc.location(paths[0] if paths else None) if doc is not None else Location()
    return ManifestError(_kubectl_text(err), location=location, hint=hint_for(err, doc), cause=err)


def hint_for(err: BaseException, doc: Document | None = None) -> str | None:
    """A hint for a Kubernetes error: the error's own (unknown kinds), a close field name, or a known remedy."""
    own = getattr(err, "hint", None)
    if own:
        return str(own)
    if isinstance(err, DecodeError) and err.suggestions:
        path, name = next(iter(err.suggestions.items()))
        return f'did you mean "{name}" (not "{path[-1]}")?'
    text = _kubectl_text(err) if isinstance(err, KubeMagicsError) else str(err)
    for pattern, hint in _HINTS:
        if pattern.search(text):
            return hint
    return None


def find_document(err: BaseException, docs: Sequence[Document]) -> Document | None:
    """The document an error is about: the one its location names, else the one with its kind and name."""
    own = getattr(err, "location", None)
    if isinstance(own, Location) and own.document is not None:
        for doc in docs:
            if doc.index == own.document and (own.name is None or doc.name == own.name):
                return doc
    kind, name = _kind_name(err)
    for doc in docs:
        if name is not None and doc.name != name:
            continue
        if kind is None or _same_kind(kind, doc.kind):
            return doc
    return None


def error_paths(err: BaseException) -> list[str]:
    """The field paths an error names (Kubernetes' notation), in its order."""
    if isinstance(err, DecodeError):
        return [field_path(p) for p in err.paths]
    if isinstance(err, UnknownKindError):
        return [err.field]
    if isinstance(err, ApiError):
        if err.causes:
            seen: dict[str, None] = {}
            for cause in err.causes:
                seen.setdefault(cause.field, None)
            return [p for p in seen if p]
        if err.reason == "AlreadyExists":
            return ["metadata.name"]
        if err.reason == "NotFound" and err.kind == "namespaces":
            return ["metadata.namespace"]
    return []


def _kind_name(err: BaseException) -> tuple[str | None, str | None]:
    kind = getattr(err, "kind", None)
    name = getattr(err, "name", None)
    if isinstance(err, ApiError) and err.reason == "NotFound" and err.kind == "namespaces":
        return None, None  # the missing namespace is named, not the object that lives in it
    return (kind if isinstance(kind, str) else None), (name if isinstance(name, str) else None)


def _same_kind(kind: str, doc_kind: str | None) -> bool:
    if doc_kind is None:
        return False
    if kind == doc_kind:
        return True
    try:
        rk = CATALOGUE.by_kind(doc_kind)
    except KubeMagicsError:
        return kind.lower() == doc_kind.lower()
    return kind in (rk.plural, rk.resource_group, rk.singular)


def _kubectl_text(err: BaseException) -> str:
    if isinstance(err, ApiError):
        return err.kubectl_text()
    if isinstance(err, KubeMagicsError):
        return err.message
    return str(err)


def _where(loc: Location) -> str:
    text = loc.describe()
    if loc.path:
        text = f"{text}, field {loc.path}" if text else f"field {loc.path}"
    return text


def explain_all(errors: Sequence[Any], docs: Sequence[Document] = ()) -> str:
    """Several errors, explained one after another (for a batch checked as a whole)."""
    return "\n\n".join(explain_error(e, docs) for e in errors)
