"""Cell text -> Documents: Kubernetes objects that remember where each of their fields is in the cell.

`parse` renders the `{{ }}` template (unless told not to), reads every YAML document (empty ones skipped, a
`kind: List` expanded into its items), and checks what kubectl checks before it talks to a server: each document
is a mapping with `apiVersion` and `kind`. Problems are ManifestErrors with a Location (document, kind/name,
line, column, field path). `Document.locate` finds the closest known line for any field path: a missing field
points at its parent.

Must not: check the schema or talk to a cluster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_magics.errors import Location, ManifestError
from kube_magics.manifests.templating import Rendered, TemplateProblem, plain, render
from kube_magics.manifests.yamlload import Path, Positions, RawDocument, YamlProblem, compose
from kube_magics.schema import field_path, parse_path

# Field names that Kubernetes' messages use but a manifest spells differently: the API server fills clusterIPs
# from clusterIP, folds a Secret's stringData into data, and reports pod template labels as `template.labels`
# (handled in _closest).
_ALIASES = {"clusterIPs": "clusterIP", "data": "stringData"}


@dataclass
class Document:
    """One Kubernetes object from a cell, with the positions of its fields (0-based, in the rendered text)."""

    object: dict[str, Any]
    index: int | None = None  # 1-based, among the cell's non-empty documents
    positions: Positions = field(default_factory=dict, repr=False)
    start: int | None = None  # 0-based first line in the rendered text
    rendered: Rendered | None = field(default=None, repr=False)
    source: str | None = None

    @property
    def kind(self) -> str | None:
        kind = self.object.get("kind")
        return kind if isinstance(kind, str) else None

    @property
    def api_version(self) -> str | None:
        value = self.object.get("apiVersion")
        return value if isinstance(value, str) else None

    @property
    def name(self) -> str | None:
        meta = self.object.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        return name if isinstance(name, str) else None

    @property
    def namespace(self) -> str | None:
        meta = self.object.get("metadata")
        ns = meta.get("namespace") if isinstance(meta, dict) else None
        return ns if isinstance(ns, str) else None

    @property
    def line(self) -> int | None:
        """The document's first line in the cell (1-based)."""
        return self._cell_line(self.start)[0] if self.start is not None else None

    def locate(self, path: str | Sequence[str | int] | None = None) -> tuple[int | None, int | None]:
        """(line, column) in the cell, 1-based, of the field at `path` or of its closest parent that the
        manifest spells out; the document's first line when none is. Column is None when templating changed
        that line."""
        parts = parse_path(path) if isinstance(path, str) else tuple(path or ())
        found = _closest(self.positions, parts)
        if found is None:
            return self.line, None
        return self._cell_line(found[0], found[1])

    def location(self, path: str | Sequence[str | int] | None = None) -> Location:
        line, column = self.locate(path)
        text = path if isinstance(path, str) or path is None else field_path(path)
        return Location(line=line, column=column, document=self.index, kind=self.kind, name=self.name,
                        path=text or None, source=self.source)

    def _cell_line(self, line: int, column: int | None = None) -> tuple[int, int | None]:
        if self.rendered is None:
            return line + 1, (column + 1 if column is not None else None)
        cell = self.rendered.source_line(line) + 1
        exact = column is not None and self.rendered.unchanged(line)
        return cell, (column + 1 if exact and column is not None else None)


def _closest(positions: Positions, parts: Path) -> tuple[int, int] | None:
    """The position of `parts`, or of the longest prefix of it that has one."""
    probe: list[str | int] = []
    best = None
    for part in parts:
        candidates: list[str | int] = [part]
        if isinstance(part, int):
            candidates.append(str(part))
        if isinstance(part, str) and part in _ALIASES:
            candidates.append(_ALIASES[part])
        for candidate in candidates:
            here = (*probe, candidate)
            if here in positions:
                probe.append(candidate)
                best = positions[here]
                break
            # `spec.template.labels` in a message is `spec.template.metadata.labels` in the manifest.
            via_meta = (*probe, "metadata", candidate)
            if isinstance(candidate, str) and via_meta in positions:
                probe.extend(("metadata", candidate))
                best = positions[via_meta]
                break
        else:
            break
    return best


# --- parsing --------------------------------------------------------------------------------------------------


def parse(text: str, *, variables: Mapping[str, Any] | None = None, template: bool = True,
          source: str | None = None) -> list[Document]:
    """The documents of a cell (or file), in order, after `{{ }}` templating from `variables`.

    Raises ManifestError (template, YAML or document-shape problems), with the line in the cell.
    """
    try:
        rendered = render(text, variables) if template else plain(text)
    except TemplateProblem as exc:
        raise ManifestError(exc.message, location=Location(line=exc.line, source=source), hint=exc.hint) from None
    docs: list[Document] = []
    try:
        for raw in compose(rendered.text):
            docs.extend(_documents(raw, len(docs) + 1, rendered, source))
    except YamlProblem as exc:
        raise _yaml_error(exc, rendered, len(docs) + 1, source) from None
    return docs


def documents_of(objects: Sequence[Mapping[str, Any] | Document]) -> list[Document]:
    """Documents for objects given as dicts (no positions: locations name the document only) or as Documents
    already; a `kind: List` is expanded. Dicts are not required to name apiVersion (the API layer decides)."""
    docs: list[Document] = []
    for i, obj in enumerate(objects, 1):
        if isinstance(obj, Document):
            docs.append(obj)
        elif isinstance(obj, Mapping):
            docs.extend(_expand(Document(dict(obj), index=i), require=False))
        else:
            raise ManifestError(f"a manifest must be a mapping, not {type(obj).__name__}",
                                location=Location(document=i))
    return docs


def _documents(raw: RawDocument, index: int, rendered: Rendered, source: str | None) -> list[Document]:
    doc = Document(raw.value, index=index, positions=raw.positions, start=raw.line, rendered=rendered,
                   source=source)
    if not isinstance(raw.value, dict):
        raise ManifestError(
            f"document {index} is {_what(raw.value)}, not a mapping: each document must be one object "
            "(apiVersion, kind, metadata, ...)",
            location=Location(line=doc.line, document=index, source=source),
            hint="separate objects with a line of three dashes (---)" if isinstance(raw.value, list) else None,
        )
    return _expand(doc)


def _expand(doc: Document, *, require: bool = True) -> list[Document]:
    """A `kind: List` (or `...List` with items) becomes its items, each a Document of its own."""
    obj = doc.object
    kind = obj.get("kind")
    if isinstance(kind, str) and (kind == "List" or (kind.endswith("List") and "items" in obj)):
        items = obj.get("items") or []
        if not isinstance(items, list):
            raise ManifestError(f"items of a {kind} must be a list", location=doc.location("items"))
        out = []
        for i, item in enumerate(items):
            prefix = ("items", i)
            positions = {p[2:]: pos for p, pos in doc.positions.items() if p[:2] == prefix}
            start = doc.positions.get(prefix, (doc.start or 0, 0))[0] if doc.positions else doc.start
            sub = Document(item, index=doc.index, positions=positions, start=start, rendered=doc.rendered,
                           source=doc.source)
            if not isinstance(item, dict):
                raise ManifestError(f"items[{i}] of a {kind} is {_what(item)}, not a mapping",
                                    location=doc.location(prefix))
            if require:
                _require_type_meta(sub)
            out.append(sub)
        return out
    if require:
        _require_type_meta(doc)
    return [doc]


def _require_type_meta(doc: Document) -> None:
    """kubectl's own check before it sends anything: `error validating data: [apiVersion not set, ...]`."""
    obj = doc.object
    missing = [key for key in ("apiVersion", "kind") if not obj.get(key)]
    if missing:
        text = missing[0] + " not set" if len(missing) == 1 else "[" + ", ".join(f"{m} not set" for m in missing) + "]"
        near = [(m, k) for m in missing for k in obj if isinstance(k, str) and k != m and k.lower() == m.lower()]
        hint = (f"the key is spelled {near[0][0]}, not {near[0][1]}" if near else
                "every document needs apiVersion and kind, e.g. apiVersion: apps/v1 and kind: Deployment")
        raise ManifestError(f"error validating data: {text}", location=doc.location(), hint=hint)
    for key in ("apiVersion", "kind"):
        if not isinstance(obj[key], str):
            what = "bool" if isinstance(obj[key], bool) else "number" if isinstance(obj[key], (int, float)) \
                else "array" if isinstance(obj[key], list) else "object"
            raise ManifestError(f"json: cannot unmarshal {what} into Go struct field TypeMeta.{key} of type string",
                                location=doc.location(key))


def _what(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f'a string ("{short}")'
    return f"a {type(value).__name__}"


def _yaml_error(exc: YamlProblem, rendered: Rendered, index: int, source: str | None) -> ManifestError:
    line = column = None
    if exc.line is not None:
        line = rendered.source_line(exc.line) + 1
        if exc.column is not None and rendered.unchanged(exc.line):
            column = exc.column + 1
    hint = exc.hint
    if hint and exc.other_line is not None:
        hint = hint.replace("{other_line}", str(rendered.source_line(exc.other_line) + 1))
    return ManifestError(exc.message, location=Location(line=line, column=column, document=index, source=source),
                         hint=hint)
