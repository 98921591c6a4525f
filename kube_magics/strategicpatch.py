"""Strategic merge patch: applying one as the API server does, and computing one as kubectl does.

Lists merge by the field's patch strategy (`x-kubernetes-patch-strategy: merge`) and merge key (containers by
`name`, a container's ports by `containerPort`, a Service's ports by `port`); other lists are replaced whole.
Directives: `$patch: replace | delete | merge` (in a map, or as a list item), `$retainKeys`,
`$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`. The order of a merged list follows Kubernetes:
`$setElementOrder` first, then the patch's order, then the live order, new items before the live ones.

`apply(original, patch, t)` is the server's merge; `two_way(original, modified, t)` and
`three_way(original, modified, current, t)` compute patches (the latter is `kubectl apply`'s).
Errors are raised as `StrategicPatchError` with Kubernetes' message and the HTTP status it answers with.

Pure functions on JSON-shaped values; inputs are never changed.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass
from typing import Any

from kube_magics.gojson import go_format, go_type, same
from kube_magics.strategicorder import (
    DELETE,
    DIRECTIVE,
    StrategicPatchError,
    dedup_scalars,
    element_kind,
    no_merge_key,
    normalize_order,
    partition,
)
from kube_magics.typeinfo import TypeNode

REPLACE, MERGE = "replace", "merge"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"


def _bad_format(what: str) -> StrategicPatchError:
    return StrategicPatchError(f"invalid patch format of {what}", 400)


@dataclass(frozen=True)
class MergeOptions:
    parallel_lists: bool = True  # the server merges `$deleteFromPrimitiveList`; kubectl keeps it in the patch
    ignore_unmatched_nulls: bool = True


@dataclass(frozen=True)
class DiffOptions:
    set_element_order: bool = False
    ignore_changes_and_additions: bool = False
    ignore_deletions: bool = False
    build_retain_keys: bool = False


# --- schema -------------------------------------------------------------------------------------------------------


def _meta(t: TypeNode, key: str) -> tuple[TypeNode, bool, str, str]:
    """(child type, retainKeys?, the other strategy, merge key) of field `key`."""
    child = t.field(key) if t.kind == "map" else t.element()
    parts = [s for s in child.strategy.split(",") if s] if child.strategy else []
    retain = "retainKeys" in parts
    others = [s for s in parts if s != "retainKeys"]
    if len(others) > 1:
        raise StrategicPatchError(f"unexpected patch strategy: [{' '.join(parts)}]")
    return child, retain, (others[0] if others else ""), child.merge_key


# --- Go-shaped helpers ----------------------------------------------------------------------------------------------


def copy(value: Any) -> Any:
    return marshal.loads(marshal.dumps(value))


def _items(child: TypeNode) -> TypeNode:
    """The type of a merged list's items (a field typed as one item, with a merge key, holds a list of them)."""
    return child.element() if child.kind == "list" else child


def extract_key(key: str, prefix: str) -> str:
    head, sep, rest = key.partition("/")
    if not sep or head != prefix:
        if prefix == DELETE_FROM_PRIMITIVE_LIST:
            raise _bad_format("primitive list")
        if prefix == SET_ELEMENT_ORDER:
            raise _bad_format("setElementOrder list")
        raise StrategicPatchError(f'fail to find unknown prefix "{prefix}" in {key}\n')
    return rest


def remove_directives(obj: Any) -> tuple[Any, bool]:
    """`obj` without `$patch` maps in it; False when `obj` itself is one."""
    if isinstance(obj, dict):
        if DIRECTIVE in obj:
            return None, False
        out = {}
        for k, v in obj.items():
            nv, keep = remove_directives(v)
            if keep:
                out[k] = nv
        return out, True
    if isinstance(obj, list):
        res = []
        for v in obj:
            nv, keep = remove_directives(v)
            if keep:
                res.append(nv)
        return res, True
    return obj, True


def discard_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: discard_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [discard_nulls(v) for v in value]
    return value


# --- applying a patch ---------------------------------------------------------------------------------------------


def apply(original: dict[str, Any], patch: dict[str, Any], t: TypeNode) -> dict[str, Any]:
    """`original` with the strategic merge patch applied, as the API server applies it."""
    return merge_map(copy(original), copy(patch), t, MergeOptions())


def merge_map(original: dict[str, Any] | None, patch: dict[str, Any], t: TypeNode,
              opts: MergeOptions) -> dict[str, Any]:
    """Merge `patch` into `original` (both private copies, changed in place)."""
    if DIRECTIVE in patch:
        return _map_directive(patch[DIRECTIVE], patch)
    if original is None:
        original = {}
    _retain_keys(original, patch, opts)
    _set_element_orders(original, patch, t, opts)
    for key in list(patch):
        value = patch[key]
        delete_list = False
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            if not opts.parallel_lists:
                original[key] = value
                continue
            key = extract_key(key, DELETE_FROM_PRIMITIVE_LIST)
            delete_list = True
        if value is None:
            original.pop(key, None)
            if opts.ignore_unmatched_nulls:
                continue
        if key not in original or go_type(original[key]) != go_type(value):
            if not delete_list:
                _take_patch_value(original, key, value, opts)
            continue
        _merge_value(original, key, value, t, opts, delete_list)
    return original


def _take_patch_value(original: dict[str, Any], key: str, value: Any, opts: MergeOptions) -> None:
    if opts.ignore_unmatched_nulls:
        value = discard_nulls(value)
    cleaned, keep = remove_directives(value)
    if keep:
        original[key] = cleaned
    else:
        original.pop(key, None)


def _merge_value(original: dict[str, Any], key: str, value: Any, t: TypeNode, opts: MergeOptions,
                 delete_list: bool) -> None:
    current = original[key]
    if isinstance(current, dict):
        child, _, strategy, _ = _meta(t, key)
        original[key] = value if strategy == REPLACE else merge_map(current, value, child, opts)
    elif isinstance(current, list):
        child, _, strategy, merge_key = _meta(t, key)
        if strategy == MERGE or delete_list:
            original[key] = merge_list(current, value, _items(child), merge_key, opts, delete_list)
        else:
            original[key] = value
    else:
        cleaned, keep = remove_directives(value)
        if keep:
            original[key] = cleaned
        else:
            del original[key]


def _map_directive(directive: Any, patch: dict[str, Any]) -> dict[str, Any]:
    if directive == REPLACE:
        del patch[DIRECTIVE]
        return patch
    if directive == DELETE:
        return {}
    raise StrategicPatchError(f"unknown patch type: {go_format(directive)} in map: {go_format(patch)}")


def _retain_keys(original: dict[str, Any], patch: dict[str, Any], opts: MergeOptions) -> None:
    if RETAIN_KEYS not in patch:
        return
    keys = patch.pop(RETAIN_KEYS)
    if not opts.parallel_lists:
        if RETAIN_KEYS in original and original[RETAIN_KEYS] != keys:
            raise StrategicPatchError(f"{go_format(original[RETAIN_KEYS])} and {go_format(keys)} are not deep "
                                      "equal: this may happen when calculating the 3-way diff patch")
        original.setdefault(RETAIN_KEYS, keys)
        return
    if not isinstance(keys, list):
        raise _bad_format("retainKeys")
    for k, v in patch.items():
        if v is None or k.startswith(DELETE_FROM_PRIMITIVE_LIST) or k.startswith(SET_ELEMENT_ORDER):
            continue
        if not any(same(k, r) for r in keys):
            raise _bad_format("retainKeys")
    for k in list(original):
        if not any(same(k, r) for r in keys):
            del original[k]


def _set_element_orders(original: dict[str, Any], patch: dict[str, Any], t: TypeNode, opts: MergeOptions) -> None:
    for key in [k for k in patch if k.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(key)
        if not opts.parallel_lists:
            if key in original and original[key] != order:
                raise _bad_format("setElementOrder list")
            original.setdefault(key, order)
        if not isinstance(order, list):
            raise StrategicPatchError(f"expected a []interface {{}}, but received a {go_type(order)}")
        name = extract_key(key, SET_ELEMENT_ORDER)
        current, patched = original.get(name), patch.get(name)
        for v in (current, patched):
            if v is not None and not isinstance(v, list):
                raise StrategicPatchError(f"expected a []interface {{}}, but received a {go_type(v)}")
        child, _, strategy, merge_key = _meta(t, name)
        _validate_order(patched or [], order, merge_key)
        if current is None and patched is None:
            continue
        if patched is None:
            merged = current
        elif current is None:
            merged = remove_directives(patched)[0]
        elif strategy == MERGE:
            merged = merge_list(current, patched, _items(child), merge_key, opts, False)
        else:
            merged = patched
        kind = element_kind(current or [], patched or [])
        inside, outside = partition(merged or [], order, merge_key, kind)
        original[name] = normalize_order(inside, outside, order, current or [], merge_key, kind)
        patch.pop(name, None)


def _validate_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """Items of the patch list must appear in `$setElementOrder` in the same relative order."""
    if not order or not patch_list:
        return
    items = [i for i in patch_list if not (merge_key and isinstance(i, dict) and i.get(DIRECTIVE) == DELETE)]
    pi = oi = 0
    while pi < len(items) and oi < len(order):
        if isinstance(items[pi], dict) and DIRECTIVE in items[pi]:
            pi += 1
            continue
        if merge_key:
            a, b = items[pi], order[oi]
            if not isinstance(a, dict) or merge_key not in a:
                raise no_merge_key(a, merge_key)
            if not isinstance(b, dict) or merge_key not in b:
                raise no_merge_key(b, merge_key)
            equal = same(a[merge_key], b[merge_key])
        else:
            equal = same(items[pi], order[oi])
        if equal:
            pi += 1
        oi += 1
    if pi < len(items):
        raise StrategicPatchError(f"The order in patch list:\n{go_format(patch_list)}\n doesn't match "
                                  f"{SET_ELEMENT_ORDER} list:\n{go_format(order)}\n")


def merge_list(original: list[Any], patch: list[Any], elem: TypeNode, merge_key: str, opts: MergeOptions,
               delete_list: bool) -> list[Any]:
    if not original and not patch:
        return original
    kind = element_kind(original, patch)
    if kind != "map":
        if opts.parallel_lists and delete_list:
            return [v for v in original if not any(same(v, d) for d in patch)]
        merged = dedup_scalars(original + patch)
    else:
        if not merge_key:
            raise StrategicPatchError(f"cannot merge lists without merge key for {elem.name}")
        original, patch = _special_items(original, patch, merge_key)
        merged = _merge_items(list(original), patch, merge_key, elem, opts)
    inside, outside = partition(merged, patch, merge_key, kind)
    return normalize_order(inside, outside, patch, original, merge_key, kind)


def _special_items(original: list[Any], patch: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    plain = []
    replace_all = False
    for item in patch:
        directive = item.get(DIRECTIVE, None) if isinstance(item, dict) else None
        if not isinstance(item, dict) or DIRECTIVE not in item:
            plain.append(item)
        elif directive == DELETE:
            if merge_key not in item:
                raise no_merge_key(item, merge_key)
            original = [o for o in original if not (isinstance(o, dict) and merge_key in o
                                                   and same(o[merge_key], item[merge_key]))]
        elif directive == REPLACE:
            replace_all = True
        elif directive == MERGE:
            raise StrategicPatchError("merging lists cannot yet be specified in the patch")
        else:
            raise StrategicPatchError(f"unknown patch type: {go_format(directive)} in map: {go_format(item)}")
    if replace_all:
        return plain, []
    return original, plain


def _merge_items(original: list[Any], patch: list[Any], merge_key: str, elem: TypeNode,
                 opts: MergeOptions) -> list[Any]:
    for item in patch:
        if merge_key not in item:
            raise no_merge_key(item, merge_key)
        for i, o in enumerate(original):
            if not isinstance(o, dict):
                raise StrategicPatchError(f"value for key {i} is not a map")
            if merge_key in o and same(o[merge_key], item[merge_key]):
                original[i] = merge_map(o, item, elem, opts)
                break
        else:
            original.append(item)
    return original
