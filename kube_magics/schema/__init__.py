"""Strict decoding of an object against the Kubernetes 1.35 schema, reported as the API server reports it.

The API server decodes a request body (JSON, which kubectl makes from the YAML with sorted keys) into its Go
types with a strict decoder, and refuses it as a 400 BadRequest:

    Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].portz"
    Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct
        field DeploymentSpec.spec.replicas of type int32
    Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3

The version in the first words is the API version without its group (`apps/v1` gives "v1"): the handler names
the kind and `gvk.Version`. The decoder walks keys in sorted order; a wrong type is remembered and decoding goes
on (the first one is reported), a value a type decodes itself (a quantity, an int-or-string, a time) stops it at
once, and unknown fields are reported, all of them, only when nothing else went wrong.

Per-type checkers are compiled once from the schema (`openapi.py`) and reused for every object; an unknown kind
or version is reported in kubectl's words with a hint. Imports only the bottom of kube_magics.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from kube_magics import openapi
from kube_magics.errors import BadRequestError, UnknownResourceError
from kube_magics.kinds import CATALOGUE, ResourceCatalogue
from kube_magics.schema.decode import State, walk
from kube_magics.schema.nodes import LIST, MAP, STRUCT, Node, compiled
from kube_magics.schema.paths import MapKey, Path, field_path, format_path, parse_path


class DecodeError(BadRequestError):
    """A body the API server cannot decode. `paths` are the exact field paths involved (with list indexes),
    for pointing into the manifest; `suggestions` maps an unknown field's path to a close known name."""

    def __init__(self, message: str, *, kind: str, name: str | None, group: str, paths: list[Path],
                 suggestions: dict[Path, str] | None = None, hint: str | None = None) -> None:
        super().__init__(message, kind=kind, name=name, group=group, hint=hint)
        self.paths = paths
        self.suggestions = dict(suggestions or {})

    @property
    def fields(self) -> list[str]:
        """The paths in Kubernetes' field notation (`data[tls.crt]`, `spec.containers[0].image`)."""
        return [field_path(p) for p in self.paths]


class UnknownKindError(UnknownResourceError):
    """A kind the API does not serve in that version, in kubectl's words (`no matches for kind ...`)."""

    def __init__(self, message: str, *, api_version: str, kind: str, name: str | None,
                 hint: str | None = None, field: str = "kind") -> None:
        super().__init__(message, hint=hint)
        self.api_version = api_version
        self.kind = kind
        self.name = name
        self.field = field  # "apiVersion" when the kind exists in another version, else "kind"


# --- the checks -----------------------------------------------------------------------------------------------


def check_kind(obj: dict[str, Any], *, catalogue: ResourceCatalogue = CATALOGUE) -> None:
    """Raise UnknownKindError unless the API serves `obj`'s kind in its apiVersion."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not kind or not isinstance(api_version, str) or not api_version:
        return
    try:
        catalogue.for_kind(api_version, kind)
    except UnknownResourceError:
        name = (obj.get("metadata") or {}).get("name") if isinstance(obj.get("metadata"), dict) else None
        raise UnknownKindError(
            f'no matches for kind "{kind}" in version "{api_version}"\nensure CRDs are installed first',
            api_version=api_version, kind=kind, name=name if isinstance(name, str) else None,
            hint=_kind_hint(api_version, kind, catalogue),
            field="apiVersion" if any(rk.kind == kind for rk in catalogue) else "kind",
        ) from None


def _kind_hint(api_version: str, kind: str, catalogue: ResourceCatalogue) -> str | None:
    served = {rk.kind: rk for rk in catalogue}
    if kind in served:
        right = served[kind].api_version
        return f"{kind} is in {right}: use apiVersion: {right}"
    close = difflib.get_close_matches(kind, list(served), n=1, cutoff=0.6) or \
        [k for k in served if k.lower() == kind.lower()]
    if close:
        return f"did you mean kind: {close[0]} (apiVersion: {served[close[0]].api_version})?"
    return None


def check(obj: dict[str, Any], *, catalogue: ResourceCatalogue = CATALOGUE) -> None:
    """Decode `obj` strictly, as the API server does with `fieldValidation=Strict` (kubectl's default).

    Raises UnknownKindError for a kind the API does not serve in that version, DecodeError (BadRequest) for what
    the decoder refuses. Kinds served without a published schema (metrics) pass.
    """
    check_kind(obj, catalogue=catalogue)
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return
    definition = openapi.definition_name(api_version, kind)
    if definition is None:
        return
    st = State()
    walk(obj, compiled(definition), (), (), "", st)
    if st.fatal is None and st.saved is None and not st.unknown:
        return
    if st.fatal is not None or st.saved is not None:
        detail, where = st.fatal or st.saved  # type: ignore[misc]
        paths = [where]
    else:
        detail = "strict decoding error: " + ", ".join(f'unknown field "{format_path(p)}"' for p in st.unknown)
        paths = list(st.unknown)
    group, _, version = api_version.rpartition("/")
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) and isinstance(meta.get("name"), str) else None
    raise DecodeError(f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}',
                      kind=kind, name=name, group=group, paths=paths, suggestions=st.suggest)


def field_names(api_version: str, kind: str, path: Iterable[str | int]) -> list[str]:
    """The field names the schema knows at `path` of a kind (for suggestions and `explain`)."""
    definition = openapi.definition_name(api_version, kind)
    if definition is None:
        return []
    node: Node | None = compiled(definition)
    for part in path:
        while node is not None and node.code in (LIST, MAP):
            node = node.elem
        if node is None or node.code != STRUCT or isinstance(part, int):
            continue
        node = node.fields.get(part)
    while node is not None and node.code in (LIST, MAP):
        node = node.elem
    return sorted(node.fields) if node is not None and node.code == STRUCT else []




__all__ = [
    "DecodeError",
    "MapKey",
    "Path",
    "UnknownKindError",
    "check",
    "check_kind",
    "compiled",
    "field_names",
    "field_path",
    "format_path",
    "parse_path",
]
