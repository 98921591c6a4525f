"""Objects read through their schema, as structured-merge-diff reads them for server-side apply.

- `field_set(value, t)`: the fields a value sets (what an applier owns when it applies that value): every scalar,
  every atomic list or map as one field, every list item (`.` of its `k:`/`v:` node), every key of a string map,
  a struct field that is null or an empty map; a struct field is not itself a member when it has fields below.
- `compare(old, new, t)`: the fields added, modified and removed between two versions (what an Update takes).
- `merge(live, config, t)`: an applied configuration merged into the live object: scalars and atomic values from
  the configuration, maps merged key by key, associative lists merged by key in structured-merge-diff's order.
- `item_pe(item, t)`: the path element of a list item (`k:{...}` with defaulted key fields, or `v:...`).

Values are JSON-shaped (dicts, lists, scalars). `ABSENT` stands for a missing field (None is a JSON null).
Inputs are never changed; outputs share unchanged subtrees with the inputs.
"""

from __future__ import annotations

from typing import Any

from kube_magics.sim.managedfields import EMPTY, MEMBER, Node, field_pe, key_pe, value_pe, with_member
from kube_magics.typeinfo import TypeNode, deduced


class _Absent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def item_pe(item: Any, t: TypeNode) -> str | None:
    """The path element of an item of associative list `t`, or None when the item cannot have one."""
    if t.keys:
        if not isinstance(item, dict):
            return None
        fields = {}
        for k in t.keys:
            if k in item:
                fields[k] = item[k]
            elif k in t.key_defaults:
                fields[k] = t.key_defaults[k]
        return key_pe(fields) if fields else None
    if isinstance(item, (dict, list)) or item is None:
        return None
    return value_pe(item)


def _granular_list(value: Any, t: TypeNode) -> bool:
    return t.kind == "list" and not t.atomic and isinstance(value, list)


# --- field sets -------------------------------------------------------------------------------------------------


def field_set(value: Any, t: TypeNode) -> Node:
    """The set of fields `value` sets; its own path is a member when it is a leaf (scalar or atomic)."""
    t = deduced(value, t)
    if isinstance(value, dict):
        if t.atomic:
            return MEMBER
        out: Node = {}
        for key, child in value.items():
            declared = t.has_field(key)
            node = field_set(child, t.field(key))
            if child is None or (isinstance(child, dict) and not child) or not declared:
                node = with_member(node)
            if node:
                out[field_pe(key)] = node
        return out
    if isinstance(value, list):
        if t.atomic or t.kind != "list":
            return MEMBER
        return _list_field_set(value, t)
    if value is None and t.kind in ("map", "list"):
        return EMPTY
    return MEMBER


def _list_field_set(items: list[Any], t: TypeNode) -> Node:
    out: Node = {}
    seen: dict[str, int] = {}
    pes = [item_pe(item, t) for item in items]
    for pe in pes:
        if pe is not None:
            seen[pe] = seen.get(pe, 0) + 1
    elem = t.element()
    for item, pe in zip(items, pes):
        if pe is None:
            continue
        if seen[pe] > 1:
            out[pe] = MEMBER  # duplicates are owned as a whole, not field by field
            continue
        out[pe] = with_member(field_set(item, elem))
    return out


# --- compare ------------------------------------------------------------------------------------------------------

Diff = tuple[Node, Node, Node]  # (added, modified, removed)
_NO_DIFF: Diff = (EMPTY, EMPTY, EMPTY)


def compare(old: Any, new: Any, t: TypeNode) -> Diff:
    """Fields added, modified and removed from `old` to `new` (either may be ABSENT)."""
    if old is new:
        return _NO_DIFF
    if old is ABSENT:
        return every_path(new, t), EMPTY, EMPTY
    if new is ABSENT:
        return EMPTY, EMPTY, every_path(old, t)
    added, modified, removed, leaf = _compare(old, new, t)
    if not leaf:
        if old is ABSENT:
            added = with_member(added)
        elif new is ABSENT:
            removed = with_member(removed)
    return added, modified, removed


def every_path(value: Any, t: TypeNode) -> Node:
    """Every path of `value` as a member: what comparing it with nothing finds added (or removed)."""
    t = deduced(value, t)
    if t.kind in ("scalar", "untyped") or t.atomic or not value or not isinstance(value, (dict, list)):
        return MEMBER
    out: Node = {".": {}}
    if isinstance(value, dict):
        for key, child in value.items():
            out["f:" + key] = every_path(child, t.field(key))
        return out
    elem = t.element()
    counts: dict[str, int] = {}
    pes = [item_pe(item, t) for item in value]
    for pe in pes:
        if pe is not None:
            counts[pe] = counts.get(pe, 0) + 1
    for item, pe in zip(value, pes):
        if pe is not None:
            out[pe] = every_path(item, elem) if counts[pe] == 1 else MEMBER
    return out


def _compare(old: Any, new: Any, t: TypeNode) -> tuple[Node, Node, Node, bool]:
    probe = new if new is not ABSENT else old
    t = deduced(probe, t)
    if _is_leaf(old, new, t):
        if old is ABSENT:
            return MEMBER, EMPTY, EMPTY, True
        if new is ABSENT:
            return EMPTY, EMPTY, MEMBER, True
        if not _json_equal(old, new):
            return EMPTY, MEMBER, EMPTY, True
        return EMPTY, EMPTY, EMPTY, True
    if t.kind == "list":
        return (*_compare_lists(old, new, t), False)
    return (*_compare_maps(old, new, t), False)


def _is_leaf(old: Any, new: Any, t: TypeNode) -> bool:
    if t.kind in ("scalar", "untyped") or t.atomic:
        return True
    container = list if t.kind == "list" else dict
    o = old if isinstance(old, container) else None
    n = new if isinstance(new, container) else None
    if (old is not ABSENT and old is not None and o is None) or (new is not ABSENT and new is not None and n is None):
        return True  # a value of the wrong shape is compared as a whole
    return not o and not n


def _compare_maps(old: Any, new: Any, t: TypeNode) -> Diff:
    o = old if isinstance(old, dict) else {}
    n = new if isinstance(new, dict) else {}
    added: Node = {}
    modified: Node = {}
    removed: Node = {}
    for key, nv in n.items():
        ov = o.get(key, ABSENT)
        if ov is nv:
            continue
        _put(key, compare(ov, nv, t.field(key)), added, modified, removed)
    for key, ov in o.items():
        if key not in n:
            _put(key, compare(ov, ABSENT, t.field(key)), added, modified, removed)
    return added, modified, removed


def _put(key: str, diff: Diff, added: Node, modified: Node, removed: Node) -> None:
    pe = field_pe(key)
    if diff[0]:
        added[pe] = diff[0]
    if diff[1]:
        modified[pe] = diff[1]
    if diff[2]:
        removed[pe] = diff[2]


def _compare_lists(old: Any, new: Any, t: TypeNode) -> Diff:
    elem = t.element()
    o = _index(old if isinstance(old, list) else [], t)
    n = _index(new if isinstance(new, list) else [], t)
    added: Node = {}
    modified: Node = {}
    removed: Node = {}
    for pe in list(o) + [pe for pe in n if pe not in o]:
        ol, nl = o.get(pe, ()), n.get(pe, ())
        if len(ol) <= 1 and len(nl) <= 1:
            diff = compare(ol[0] if ol else ABSENT, nl[0] if nl else ABSENT, elem)
            for target, part in zip((added, modified, removed), diff):
                if part:
                    target[pe] = part
        elif len(ol) >= 2 and len(nl) >= 2:
            if not _json_equal(list(ol), list(nl)):
                modified[pe] = MEMBER
        elif len(ol) >= 2:
            removed[pe] = MEMBER
        else:
            added[pe] = MEMBER
    return added, modified, removed


def _index(items: list[Any], t: TypeNode) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for item in items:
        pe = item_pe(item, t)
        if pe is not None:
            out[pe] = (*out.get(pe, ()), item)
    return out


def _json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values (true is not 1, as it is for Python's ==)."""
    if a is b:
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return bool(a == b)


# --- merge --------------------------------------------------------------------------------------------------------


def merge(live: Any, config: Any, t: TypeNode) -> Any:
    """`config` merged into `live` (either may be ABSENT); `live` itself when nothing changes."""
    if config is ABSENT:
        return live
    if live is ABSENT:
        return config
    t = deduced(config, t)
    if _is_leaf(live, config, t):
        return config
    # A null configuration over a non-empty live map or list keeps the live items (structured-merge-diff merges
    # them with nothing).
    if t.kind == "list":
        return _merge_lists(live if isinstance(live, list) else [], config if isinstance(config, list) else [], t)
    return _merge_maps(live if isinstance(live, dict) else {}, config if isinstance(config, dict) else {}, t)


def _merge_maps(live: dict[str, Any], config: dict[str, Any], t: TypeNode) -> Any:
    out = None
    for key, cv in config.items():
        lv = live.get(key, ABSENT)
        merged = merge(lv, cv, t.field(key))
        if merged is not lv:
            if out is None:
                out = dict(live)
            out[key] = merged
    return live if out is None else out


def _merge_lists(live: list[Any], config: list[Any], t: TypeNode) -> list[Any]:
    """Associative lists merged as structured-merge-diff merges them: items keep the live order, except that items
    both lists share follow the configuration's order, and new items come where the configuration puts them."""
    elem = t.element()
    lpes = [item_pe(i, t) for i in live]
    rpes = [item_pe(i, t) for i in config]
    lmap = {pe: item for pe, item in zip(lpes, live) if pe is not None}
    rmap = {pe: item for pe, item in zip(rpes, config) if pe is not None}
    shared = [pe for pe in rpes if pe in lmap]
    out: list[Any] = []
    done: set[str | None] = set()
    li = ri = si = 0
    while li < len(lpes) or ri < len(rpes):
        if li < len(lpes) and ri < len(rpes):
            pe = lpes[li]
            if pe is not None and pe == rpes[ri]:
                out.append(merge(lmap[pe], rmap[pe], elem))
                done.add(pe)
                li, ri, si = li + 1, ri + 1, si + 1
                continue
            if pe in rmap and si < len(shared) and shared[si] != pe:
                li += 1
                continue
        if li < len(lpes):
            pe = lpes[li]
            if pe not in rmap:
                out.append(live[li])
                li += 1
                continue
            if pe in done:
                li += 1
        if ri < len(rpes):
            pe = rpes[ri]
            if pe is None:  # an item without its keys: structured-merge-diff rejects it; keep it as given
                out.append(config[ri])
                ri += 1
                continue
            done.add(pe)
            out.append(merge(lmap.get(pe, ABSENT), rmap[pe], elem))
            ri += 1
            if si < len(shared) and shared[si] == pe:
                si += 1
    if len(out) == len(live) and all(a is b for a, b in zip(out, live)):
        return live
    return out
