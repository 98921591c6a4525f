"""The order of merged lists, as Kubernetes' strategic merge patch decides it, and its helpers on list items.

`normalize_order`: items the patch names, in the patch's (or `$setElementOrder`'s) order, interleaved with the
items only the live object has, which keep their live order relative to them; a new item goes before the live
items it cannot be placed among. Items are matched by their merge key (maps) or by value (scalars), with Go's
`==` (`gojson.same`).

Pure functions; inputs are never changed.
"""

from __future__ import annotations

from typing import Any

from kube_magics.gojson import go_format, go_type, same

DIRECTIVE = "$patch"
DELETE = "delete"


class StrategicPatchError(Exception):
    """A patch the server cannot apply. `status` is 400 (bad format), 422 (invalid) or 500 (anything else)."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.status = status


def no_merge_key(item: Any, key: str) -> StrategicPatchError:
    return StrategicPatchError(f"map: {go_format(item)} does not contain declared merge key: {key}")


def element_kind(*lists: list[Any]) -> str:
    kind = None
    for lst in lists:
        for v in lst:
            k = go_type(v)
            if kind is None:
                if k == "slice":
                    raise StrategicPatchError("lists of lists are not supported", 422)
                kind = k
            elif k != kind:
                raise StrategicPatchError(f"list element types are not identical: {go_format(list(lists))}")
    if kind is None:
        raise StrategicPatchError("no elements in any of the given slices")
    return kind


def index(items: list[Any], value: Any, merge_key: str, kind: str) -> int:
    probe = value.get(merge_key) if kind == "map" and isinstance(value, dict) else value
    for i, item in enumerate(items):
        candidate = item.get(merge_key) if kind == "map" and isinstance(item, dict) else item
        if same(candidate, probe):
            return i
    return -1


def sort_by_order(items: list[Any], order: list[Any], merge_key: str, kind: str) -> list[Any]:
    deletes: list[Any] = []
    if kind == "map":
        for item in [*items, *order]:
            if not isinstance(item, dict) or merge_key not in item:
                raise no_merge_key(item, merge_key)
        deletes = [i for i in items if i.get(DIRECTIVE) == DELETE]
        items = [i for i in items if i.get(DIRECTIVE) != DELETE]
    ranked = sorted(range(len(items)), key=lambda i: (rank(order, items[i], merge_key, kind), i))
    return [items[i] for i in ranked] + deletes


def rank(order: list[Any], item: Any, merge_key: str, kind: str) -> int:
    i = index(order, item, merge_key, kind)
    return i if i >= 0 else len(order)


def merge_sorted(left: list[Any], right: list[Any], server_order: list[Any], merge_key: str,
                  kind: str) -> list[Any]:
    """Interleave server-only items (`left`) into patch items (`right`) by their live order."""
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            out.append(right[j])
            j += 1
        elif j >= len(right):
            out.append(left[i])
            i += 1
        else:
            li = index(server_order, left[i], merge_key, kind)
            ri = index(server_order, right[j], merge_key, kind)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def normalize_order(patch_items: list[Any], server_only: list[Any], patch_order: list[Any],
                     server_order: list[Any], merge_key: str, kind: str) -> list[Any]:
    patch_items = sort_by_order(patch_items, patch_order, merge_key, kind)
    server_only = sort_by_order(server_only, server_order, merge_key, kind)
    return merge_sorted(server_only, patch_items, server_order, merge_key, kind)


def partition(merged: list[Any], by: list[Any], merge_key: str, kind: str) -> tuple[list[Any], list[Any]]:
    inside: list[Any] = []
    outside: list[Any] = []
    for v in merged:
        if kind == "map":
            if not isinstance(v, dict) or merge_key not in v:
                raise no_merge_key(v, merge_key)
            found = any(isinstance(b, dict) and same(b.get(merge_key), v[merge_key]) for b in by)
        else:
            found = any(same(b, v) for b in by)
        (inside if found else outside).append(v)
    return inside, outside


def dedup_scalars(items: list[Any]) -> list[Any]:
    s = list(items)
    last = len(s) - 1
    i = 0
    while i < last:
        j = i + 1
        while j <= last:
            if same(s[i], s[j]):
                s[j] = s[last]
                s = s[:last]
                last -= 1
                j -= 1
            j += 1
        i += 1
    return s
