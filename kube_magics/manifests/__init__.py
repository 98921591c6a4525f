"""Manifests: cell text -> Kubernetes objects that know where each of their fields is, and errors that say so.

    docs = parse(cell, variables=user_ns)          # templating, YAML, document shape; ManifestError on problems
    validate(docs)                                 # the API server's strict decoding, for every document
    explain_error(err, docs)                       # for the notebook: document, field, line, Kubernetes' words

`parse` renders `{{ expression }}` from `variables` (Jinja2, StrictUndefined) unless `template=False`, reads every
YAML document (empty ones skipped, `kind: List` expanded), and rejects what kubectl rejects before it sends
anything: YAML errors (named in plain words, with line and column), duplicate keys, a document that is not a
mapping, a missing apiVersion or kind.

Sits at the bottom of kube_magics: imports only errors, kinds, openapi and schema.
"""

from __future__ import annotations

from collections.abc import Sequence

from kube_magics.errors import ApplyError, KubeMagicsError, ManifestError
from kube_magics.kinds import CATALOGUE, ResourceCatalogue
from kube_magics.manifests.documents import Document, documents_of, parse
from kube_magics.manifests.explain import (
    error_paths,
    explain_error,
    find_document,
    hint_for,
    locate_error,
    to_manifest_error,
)
from kube_magics.manifests.templating import Rendered, render
from kube_magics.schema import check


def locate(doc: Document, path: str | Sequence[str | int] | None = None) -> tuple[int | None, int | None]:
    """(line, column) in the cell of the field at `path` in `doc`, or of its closest parent the cell spells out."""
    return doc.locate(path)


def validate(docs: Sequence[Document], *, catalogue: ResourceCatalogue = CATALOGUE) -> None:
    """Check every document against the API's schema (strict decoding) before anything is sent.

    One bad document raises its ManifestError (the Kubernetes error is its `cause`); several raise an
    ApplyError listing each, in document order.
    """
    problems: list[ManifestError] = []
    for doc in docs:
        try:
            check(doc.object, catalogue=catalogue)
        except KubeMagicsError as exc:
            problems.append(to_manifest_error(exc, doc))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ApplyError(problems)


__all__ = [
    "Document",
    "Rendered",
    "documents_of",
    "error_paths",
    "explain_error",
    "find_document",
    "hint_for",
    "locate",
    "locate_error",
    "parse",
    "render",
    "to_manifest_error",
    "validate",
]
