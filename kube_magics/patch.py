"""Patches, as the Kubernetes API applies them and kubectl computes them: pure functions on objects (dicts).

- `json_patch(doc, ops)`: JSON patch (RFC 6902: add, remove, replace, move, copy, test).
- `merge_patch(doc, patch)`: JSON merge patch (RFC 7386: maps merge, null deletes, lists are replaced).
- `strategic_merge_patch(doc, patch, api_version=, kind=)`: Kubernetes' strategic merge patch, with each field's
  patch strategy and merge key from the API schema (see `strategicpatch.py`).
- `apply_patch(doc, patch, patch_type, ...)`: one of the three by name or content type, raising the API server's
  errors (400 for a patch that does not decode, 422 for one that does not apply, 415 for an unknown type).
- `create_two_way_merge_patch(original, modified, ...)`: the strategic merge patch from one object to another.
- `client_side_apply(live, applied, last_applied)`: the patch `kubectl apply` (client-side, its default) sends:
  a three-way merge of the last applied configuration (the `kubectl.kubernetes.io/last-applied-configuration`
  annotation), the new configuration and the live object; `last_applied_configuration(applied)` is the annotation.

Server-side apply is not here: it needs field ownership, which the simulator's API logic keeps (`sim/merge.py`).

Imports only the bottom of kube_magics (errors, typeinfo, the strategic patch modules).
"""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
import jsonpointer
import yaml

from kube_magics.errors import (
    BadRequestError,
    InvalidError,
    KubeMagicsError,
    UnknownServerError,
    UnsupportedMediaTypeError,
)
from kube_magics.gojson import go_json
from kube_magics.strategicdiff import three_way, two_way
from kube_magics.strategicpatch import StrategicPatchError, copy
from kube_magics.strategicpatch import apply as strategic_apply
from kube_magics.typeinfo import TypeNode, type_for

Obj = dict[str, Any]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# Patch types by the content type a PATCH request carries, in the order the API server lists them.
CONTENT_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}
PATCH_TYPES = ("json", "merge", "strategic", "apply")

REJECTED = "the server rejected our request due to an error in our request"


def patch_type_of(name: str, *, strategic: bool = True) -> str:
    """"json", "merge", "strategic" or "apply" from a name or a content type; 415 for anything else.

    `strategic=False` for kinds the server has no Go types for (custom resources), which take no strategic patch.
    """
    base = name.split(";", 1)[0].strip()
    kind = CONTENT_TYPES.get(base, base)
    if kind in PATCH_TYPES and (strategic or kind != "strategic"):
        return kind
    accepted = [c for c, k in CONTENT_TYPES.items() if strategic or k != "strategic"]
    raise UnsupportedMediaTypeError("the body of the request was in an unknown format - accepted media types "
                                    "include: " + ", ".join(accepted))


def decode(patch: Any, patch_type: str) -> Any:
    """A patch given as text (JSON, or YAML for apply patches) as data; data is returned as it is."""
    if not isinstance(patch, (str, bytes)):
        return patch
    try:
        if patch_type == "apply":
            return yaml.safe_load(patch)
        return json.loads(patch)
    except (ValueError, yaml.YAMLError) as exc:
        raise BadRequestError(f"error decoding patch: {exc}") from None


# --- the three patch types ------------------------------------------------------------------------------------


def json_patch(doc: Any, ops: Any) -> Any:
    """RFC 6902. A patch that is not a list of operations is a 400; one that fails (a `test` that does not hold,
    a path that does not exist) is the API server's 422 (the underlying reason is in the error's hint)."""
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        shape = "object" if isinstance(ops, dict) else type(ops).__name__
        raise BadRequestError(f"json: cannot unmarshal {shape} into Go value of type jsonpatch.Patch")
    result = copy(doc)
    for op in ops:
        try:
            result = jsonpatch.JsonPatch([op]).apply(result, in_place=True)
        except jsonpatch.JsonPatchTestFailed:
            raise InvalidError(REJECTED, hint=f"testing value {op.get('path')} failed: test failed") from None
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, KeyError, IndexError,
                TypeError) as exc:
            what = op.get("op", "unknown")
            raise InvalidError(REJECTED, hint=f"{what} operation does not apply: {op.get('path')}: {exc}") from None
    return result


def merge_patch(doc: Any, patch: Any) -> Any:
    """RFC 7386: maps merge key by key, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy(patch)
    out = dict(doc) if isinstance(doc, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def strategic_merge_patch(doc: Obj, patch: Any, *, api_version: str | None = None, kind: str | None = None,
                          t: TypeNode | None = None) -> Obj:
    """Kubernetes' strategic merge patch of `doc`, by the schema of its kind (or `t`)."""
    if not isinstance(patch, dict):
        raise BadRequestError(f"json: cannot unmarshal {type(patch).__name__} into Go value of type "
                              "map[string]interface {}")
    t = t or type_for(api_version or doc.get("apiVersion", ""), kind or doc.get("kind", ""))
    try:
        return strategic_apply(doc, patch, t)
    except StrategicPatchError as exc:
        raise _smp_error(exc) from None


def _smp_error(exc: StrategicPatchError) -> KubeMagicsError:
    if exc.status == 400:
        return BadRequestError(str(exc))
    if exc.status == 422:
        return InvalidError(REJECTED, hint=str(exc))
    return UnknownServerError(str(exc))


def apply_patch(doc: Obj, patch: Any, patch_type: str, *, t: TypeNode | None = None) -> Obj:
    """`doc` patched with a "json", "merge" or "strategic" patch (given as data or text)."""
    kind = patch_type_of(patch_type)
    if kind == "apply":
        raise BadRequestError("apply patches need field management: use the API's apply")
    data = decode(patch, kind)
    if kind == "json":
        result = json_patch(doc, data)
    elif kind == "merge":
        if not isinstance(data, dict) and isinstance(data, list):
            raise BadRequestError("Invalid JSON Patch")
        result = merge_patch(doc, data)
    else:
        result = strategic_merge_patch(doc, data, t=t)
    if not isinstance(result, dict):
        raise InvalidError(REJECTED, hint="the patched document is not an object")
    return result


# --- computing patches ----------------------------------------------------------------------------------------------


def create_two_way_merge_patch(original: Obj, modified: Obj, *, api_version: str | None = None,
                               kind: str | None = None) -> Obj:
    """The strategic merge patch that turns `original` into `modified`."""
    t = type_for(api_version or modified.get("apiVersion", ""), kind or modified.get("kind", ""))
    try:
        return two_way(original, modified, t)
    except StrategicPatchError as exc:
        raise _smp_error(exc) from None


def last_applied_configuration(applied: Obj) -> str:
    """The annotation kubectl writes: the configuration as compact JSON, without the annotation itself, with an
    `annotations` map even when empty, and a final newline."""
    obj = copy(applied)
    meta = obj.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations
    return go_json(obj) + "\n"


def modified_configuration(applied: Obj) -> Obj:
    """The configuration as `kubectl apply` sends it: with the last-applied annotation set to itself."""
    obj = copy(applied)
    meta = obj.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations[LAST_APPLIED] = last_applied_configuration(applied)
    meta["annotations"] = annotations
    return obj


def client_side_apply(live: Obj, applied: Obj, last_applied: Obj | str | None = None) -> Obj:
    """The strategic merge patch `kubectl apply` sends to update `live` to `applied` (empty: nothing to do).

    `last_applied` defaults to the live object's annotation; without one, nothing is deleted (as kubectl does
    for objects it did not create).
    """
    if last_applied is None:
        last_applied = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if isinstance(last_applied, str):
        last_applied = json.loads(last_applied) if last_applied.strip() else None
    modified = modified_configuration(applied)
    t = type_for(applied.get("apiVersion", ""), applied.get("kind", ""))
    try:
        return three_way(last_applied, modified, live, t)
    except StrategicPatchError as exc:
        raise _smp_error(exc) from None
