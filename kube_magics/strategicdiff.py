"""Computing strategic merge patches, as kubectl computes them.

- `two_way(original, modified, t)`: the patch that turns `original` into `modified` (`kubectl edit`, `set`,
  `label` send these): changed and added fields, deleted fields as null, merged lists as their changed items plus
  `$patch: delete` items, `$setElementOrder/<list>` with the new order, `$deleteFromPrimitiveList/<list>`,
  `$retainKeys` for fields with that strategy.
- `three_way(original, modified, current, t)`: client-side `kubectl apply`: the changes from `current` (the live
  object) to `modified` (the new configuration) without deletions, plus the deletions from `original` (the last
  applied configuration) to `modified`.

Pure functions; inputs are never changed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kube_magics.gojson import go_format, go_type
from kube_magics.strategicorder import StrategicPatchError, element_kind, no_merge_key, sort_by_order
from kube_magics.strategicpatch import (
    DELETE,
    DELETE_FROM_PRIMITIVE_LIST,
    DIRECTIVE,
    MERGE,
    REPLACE,
    RETAIN_KEYS,
    SET_ELEMENT_ORDER,
    DiffOptions,
    MergeOptions,
    _items,
    _meta,
    copy,
    merge_map,
)
from kube_magics.typeinfo import TypeNode


def two_way(original: dict[str, Any], modified: dict[str, Any], t: TypeNode) -> dict[str, Any]:
    return diff_maps(original, modified, t, DiffOptions(set_element_order=True))


def three_way(original: dict[str, Any] | None, modified: dict[str, Any], current: dict[str, Any],
              t: TypeNode) -> dict[str, Any]:
    """kubectl apply's patch (with `--overwrite`, its default): live changes to fields the configuration does
    not mention survive; fields the last configuration had and this one has not are deleted."""
    delta = diff_maps(current, modified, t, DiffOptions(ignore_deletions=True, set_element_order=True))
    deletions = diff_maps(original or {}, modified, t,
                          DiffOptions(set_element_order=True, ignore_changes_and_additions=True))
    return merge_map(copy(deletions), copy(delta), t, MergeOptions(parallel_lists=False,
                                                                   ignore_unmatched_nulls=False))


def diff_maps(original: dict[str, Any], modified: dict[str, Any], t: TypeNode, opts: DiffOptions) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    retain: list[Any] = []
    for key, new in modified.items():
        if opts.build_retain_keys and new is not None:
            retain.append(key)
        if key not in original:
            if not opts.ignore_changes_and_additions:
                patch[key] = new
            continue
        old = original[key]
        if key == DIRECTIVE:
            if not isinstance(old, str) or not isinstance(new, str):
                raise StrategicPatchError(f"invalid value for special key: {DIRECTIVE}")
            if old != new:
                patch[DIRECTIVE] = new
            continue
        if go_type(old) != go_type(new):
            if not opts.ignore_changes_and_additions:
                patch[key] = new
            continue
        if isinstance(old, dict):
            _diff_map_field(key, old, new, patch, t, opts)
        elif isinstance(old, list):
            _diff_list_field(key, old, new, patch, t, opts)
        elif not opts.ignore_changes_and_additions and old != new:
            patch[key] = new
    if not opts.ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    if retain and (patch or any(v is not None and k not in modified for k, v in original.items())):
        patch[RETAIN_KEYS] = sorted(retain, key=go_format)
    return patch


def _diff_map_field(key: str, old: dict[str, Any], new: dict[str, Any], patch: dict[str, Any], t: TypeNode,
                    opts: DiffOptions) -> None:
    child, retain, strategy, _ = _meta(t, key)
    if strategy == REPLACE:
        if not opts.ignore_changes_and_additions:
            patch[key] = new
        return
    value = diff_maps(old, new, child, replace(opts, build_retain_keys=retain))
    if value:
        patch[key] = value


def _diff_list_field(key: str, old: list[Any], new: list[Any], patch: dict[str, Any], t: TypeNode,
                     opts: DiffOptions) -> None:
    child, retain, strategy, merge_key = _meta(t, key)
    if strategy != MERGE:
        if not opts.ignore_changes_and_additions and old != new:
            patch[key] = new
        return
    added, deleted, order = _diff_lists(old, new, _items(child), merge_key,
                                        replace(opts, build_retain_keys=retain))
    if added:
        patch[key] = added
    if deleted:
        patch[f"{DELETE_FROM_PRIMITIVE_LIST}/{key}"] = deleted
    if order:
        patch[f"{SET_ELEMENT_ORDER}/{key}"] = order


def _diff_lists(old: list[Any], new: list[Any], elem: TypeNode, merge_key: str,
                opts: DiffOptions) -> tuple[list[Any], list[Any], list[Any]]:
    if not old:
        if not new or opts.ignore_changes_and_additions:
            return [], [], []
        return list(new), [], []
    kind = element_kind(old, new)
    if kind == "map":
        items, deletes = _diff_lists_of_maps(old, new, elem, merge_key, opts)
        items = sort_by_order(items, new, merge_key, kind)
        order_same = len(old) == len(new) and all(_key_of(a, merge_key) == _key_of(b, merge_key)
                                                  for a, b in zip(old, new))
        items = items + deletes
        order: list[Any] = []
        if opts.set_element_order and ((not opts.ignore_changes_and_additions and (items or not order_same))
                                       or (not opts.ignore_deletions and items)):
            order = [{merge_key: m[merge_key]} for m in new]
        return items, [], order
    added, deleted = _diff_lists_of_scalars(old, new, opts)
    added = sort_by_order(added, new, merge_key, kind)
    order = []
    if opts.set_element_order and ((not opts.ignore_deletions and deleted)
                                   or (not opts.ignore_changes_and_additions and old != new)):
        order = list(new)
    return added, deleted, order


def _key_of(item: Any, merge_key: str) -> Any:
    if not isinstance(item, dict) or merge_key not in item:
        raise no_merge_key(item, merge_key)
    return (go_type(item[merge_key]), item[merge_key])


def _diff_lists_of_scalars(old: list[Any], new: list[Any], opts: DiffOptions) -> tuple[list[Any], list[Any]]:
    a = sorted(old, key=go_format)
    b = sorted(new, key=go_format)
    added: list[Any] = []
    deleted: list[Any] = []
    i = j = 0
    while i < len(a) or j < len(b):
        sa = go_format(a[i]) if i < len(a) else None
        sb = go_format(b[j]) if j < len(b) else None
        if sa is not None and sb is not None and sa == sb:
            i, j = i + 1, j + 1
        elif sa is None or (sb is not None and sa > sb):
            if not opts.ignore_changes_and_additions:
                added.append(b[j])
            j += 1
        else:
            if not opts.ignore_deletions:
                deleted.append(a[i])
            i += 1
    unique: list[Any] = []
    for d in deleted:
        if not any(go_type(d) == go_type(u) and d == u for u in unique):
            unique.append(d)
    return added, unique


def _diff_lists_of_maps(old: list[Any], new: list[Any], elem: TypeNode, merge_key: str,
                        opts: DiffOptions) -> tuple[list[Any], list[Any]]:
    def sort_key(item: Any) -> str:
        if not isinstance(item, dict) or merge_key not in item:
            raise no_merge_key(item, merge_key)
        return go_format(item[merge_key])

    a = sorted(old, key=sort_key)
    b = sorted(new, key=sort_key)
    items: list[Any] = []
    deletes: list[Any] = []
    i = j = 0
    while i < len(a) or j < len(b):
        sa = sort_key(a[i]) if i < len(a) else None
        sb = sort_key(b[j]) if j < len(b) else None
        if sa is not None and sb is not None and sa == sb:
            value = diff_maps(a[i], b[j], elem, opts)
            if value:
                value[merge_key] = b[j][merge_key]
                items.append(value)
            i, j = i + 1, j + 1
        elif sa is None or (sb is not None and sa > sb):
            if not opts.ignore_changes_and_additions:
                items.append(b[j])
            j += 1
        else:
            if not opts.ignore_deletions:
                deletes.append({merge_key: a[i][merge_key], DIRECTIVE: DELETE})
            i += 1
    return items, deletes
