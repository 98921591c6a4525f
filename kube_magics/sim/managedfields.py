"""Field sets as `metadata.managedFields` carries them (`fieldsType: FieldsV1`), and the entries around them.

A set is a trie of path elements, the same trie that `fieldsV1` serialises:

    {"f:spec": {"f:replicas": {".": {}}, "f:template": {...}}}

Keys are path elements as the API spells them: `f:<field>`, `k:{"name":"nginx"}` (an item of a list keyed by
map keys, keys sorted, compact JSON), `v:"x"` (an item of a set), `i:3` (by index). The key "." marks the path
of its node as a member of the set; a node without "." only leads to members below it. Internally a leaf member is
`{".": {}}`; serialised it is `{}`, as the API writes it. Empty sets are `{}`.

Sets are values: the functions here never change their arguments and share unchanged subtrees, so a set may be
shared between objects, entries and caches.

Owns: set algebra (union, difference, recursive difference, intersection), path elements and their order,
`fieldsV1` serialisation, path strings for conflict messages (`.spec.template.spec.containers[name="nginx"].image`),
and managedFields entries (encode and sort as the API server does). Must not: know objects' schemas (that is
`typed.py`) or the apply and update rules (`merge.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from kube_magics.gojson import go_json

Node = dict[str, Any]

MEMBER: Node = {".": {}}
EMPTY: Node = {}


# --- path elements ------------------------------------------------------------------------------------------------


def field_pe(name: str) -> str:
    return "f:" + name


def key_pe(fields: dict[str, Any]) -> str:
    """`k:{"containerPort":80,"protocol":"TCP"}` for the key fields of a list-map item."""
    try:
        return _key_pe(tuple(fields.items()))
    except TypeError:  # a key field holding a list or map
        return "k:" + go_json(fields)


@lru_cache(maxsize=65536)
def _key_pe(items: tuple[tuple[str, Any], ...]) -> str:
    return "k:" + go_json(dict(items))


def value_pe(value: Any) -> str:
    return "v:" + go_json(value)


def index_pe(index: int) -> str:
    return f"i:{index}"


def _value_order(value: Any) -> tuple[Any, ...]:
    # structured-merge-diff's value order: numbers < strings < booleans < lists < maps < null.
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    if isinstance(value, list):
        return (3, tuple(_value_order(v) for v in value))
    if isinstance(value, dict):
        return (4, tuple((k, _value_order(v)) for k, v in sorted(value.items())))
    return (5,)


@lru_cache(maxsize=65536)
def pe_order(pe: str) -> tuple[Any, ...]:
    """Sort key of a path element: fields, then keys, then values, then indexes, each in their own order."""
    prefix, _, rest = pe.partition(":")
    if prefix == "f":
        return (0, rest)
    if prefix == "k":
        fields = json.loads(rest)
        return (1, tuple((name, _value_order(fields[name])) for name in sorted(fields)))
    if prefix == "v":
        return (2, _value_order(json.loads(rest)))
    if prefix == "i":
        return (3, int(rest))
    return (4, pe)


@lru_cache(maxsize=65536)
def pe_string(pe: str) -> str:
    """How a path element prints in a path: `.replicas`, `[name="nginx"]`, `[=x]`, `[3]`."""
    prefix, _, rest = pe.partition(":")
    if prefix == "f":
        return "." + rest
    if prefix == "k":
        fields = json.loads(rest)
        return "[" + ",".join(f"{k}={_go_string(fields[k])}" for k in sorted(fields)) + "]"
    if prefix == "v":
        return f"[={_go_string(json.loads(rest))}]"
    return f"[{rest}]"


def _go_string(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def path_string(path: tuple[str, ...]) -> str:
    return "".join(pe_string(pe) for pe in path)


# --- set algebra ----------------------------------------------------------------------------------------------------


def union(a: Node, b: Node) -> Node:
    if a is b or not b:
        return a
    if not a:
        return b
    out = dict(a)
    for key, vb in b.items():
        va = out.get(key)
        if va is None:
            out[key] = vb
        elif key != "." and va is not vb:
            out[key] = union(va, vb)
    return out


def difference(a: Node, b: Node) -> Node:
    """Members of `a` that are not members of `b` (a member of `b` does not remove what lies below it in `a`)."""
    if not a or not b:
        return a
    if a is b:
        return EMPTY
    out: Node = {}
    changed = False
    for key, va in a.items():
        vb = b.get(key)
        if vb is None:
            out[key] = va
        elif key == ".":
            changed = True
        else:
            d = difference(va, vb)
            if d is not va:
                changed = True
            if d:
                out[key] = d
    return out if changed else a


def recursive_difference(a: Node, b: Node) -> Node:
    """`a` without the members of `b` and everything below them."""
    if not a or not b:
        return a
    out: Node = {}
    changed = False
    for key, va in a.items():
        vb = b.get(key)
        if vb is None:
            out[key] = va
        elif key == "." or "." in vb:
            changed = True
        else:
            d = recursive_difference(va, vb)
            if d is not va:
                changed = True
            if d:
                out[key] = d
    return out if changed else a


def intersection(a: Node, b: Node) -> Node:
    if not a or not b:
        return EMPTY
    if a is b:
        return a
    out: Node = {}
    for key, va in a.items():
        vb = b.get(key)
        if vb is None:
            continue
        if key == ".":
            out["."] = va
        else:
            i = intersection(va, vb)
            if i:
                out[key] = i
    return out


def with_member(node: Node) -> Node:
    """`node` with its own path a member."""
    if "." in node:
        return node
    if not node:
        return MEMBER
    out = dict(node)
    out["."] = {}
    return out


def from_paths(*paths: tuple[str, ...]) -> Node:
    """A set of these paths (tuples of path elements)."""
    out: Node = {}
    for path in paths:
        out = union(out, _single(path))
    return out


def _single(path: tuple[str, ...]) -> Node:
    node: Node = MEMBER
    for pe in reversed(path):
        node = {pe: node}
    return node


def has(node: Node, path: tuple[str, ...]) -> bool:
    for pe in path:
        node = node.get(pe)  # type: ignore[assignment]
        if node is None:
            return False
    return "." in node


def iter_paths(node: Node, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Members in the API's order (a path before the paths below it)."""
    for pe in sorted((k for k in node if k != "."), key=pe_order):
        child = node[pe]
        path = (*prefix, pe)
        if "." in child:
            yield path
        yield from iter_paths(child, path)


# --- fieldsV1 ---------------------------------------------------------------------------------------------------------


def to_fields_v1(node: Node, memo: dict[int, tuple[Node, dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The `fieldsV1` document: "." first, then path elements in order; a member without children is `{}`.

    `memo` (by node identity) lets sets shared between objects be serialised once; the documents it returns
    are shared too, and must not be changed.
    """
    if memo is not None:
        hit = memo.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
    out: dict[str, Any] = {}
    if "." in node and len(node) > 1:
        out["."] = {}
    children = [k for k in node if k != "."]
    if len(children) > 1:
        children.sort(key=pe_order)
    for pe in children:
        child = node[pe]
        out[pe] = to_fields_v1(child, memo) if len(child) > 1 or "." not in child else {}
    if memo is not None and len(node) > 2:
        memo[id(node)] = (node, out)
    return out


def from_fields_v1(fields: dict[str, Any]) -> Node:
    """The set a `fieldsV1` document describes (unknown path element kinds are dropped, as the server does)."""
    out: Node = {}
    for key, value in fields.items():
        if key == ".":
            continue
        if key[:2] not in ("f:", "k:", "v:", "i:"):
            continue
        child = from_fields_v1(value) if isinstance(value, dict) else {}
        if not child or "." in (value or {}):
            child = with_member(child)
        out[key] = child
    return out


# --- managedFields entries ------------------------------------------------------------------------------------------


class ManagerKey(NamedTuple):
    """Who owns a set: the API keys Apply entries by manager and subresource, Update entries also by apiVersion."""

    manager: str
    operation: str  # "Apply" | "Update"
    api_version: str  # "" for Apply
    subresource: str = ""

    def identifier(self) -> str:
        """The manager identifier the API server sorts and compares (JSON of the entry without fields and time)."""
        entry: dict[str, str] = {"manager": self.manager, "operation": self.operation}
        if self.api_version:
            entry["apiVersion"] = self.api_version
        if self.subresource:
            entry["subresource"] = self.subresource
        return json.dumps(entry, separators=(",", ":"))

    def describe(self) -> str:
        """How conflict messages name a manager: `"kubectl-client-side-apply" using apps/v1`."""
        text = json.dumps(self.manager)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text


class Entry(NamedTuple):
    fields: Node
    api_version: str
    time: str | None  # RFC 3339, or None (an entry the server wrote without a time)


Managers = dict[ManagerKey, Entry]


def update_key(manager: str, api_version: str, subresource: str = "") -> ManagerKey:
    return ManagerKey(manager or "unknown", "Update", api_version, subresource)


def apply_key(manager: str, subresource: str = "") -> ManagerKey:
    return ManagerKey(manager, "Apply", "", subresource)


def encode(managers: Managers, memo: dict[int, tuple[Node, dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """`metadata.managedFields` for these managers, sorted as the API server sorts them: Apply before Update,
    then by time, manager, apiVersion, subresource. (`memo`: see `to_fields_v1`.)"""
    entries = []
    for key, entry in managers.items():
        doc: dict[str, Any] = {
            "apiVersion": entry.api_version,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(entry.fields, memo),
            "manager": key.manager,
            "operation": key.operation,
        }
        if key.subresource:
            doc["subresource"] = key.subresource
        if entry.time is not None:
            doc["time"] = entry.time
        entries.append(doc)
    entries.sort(key=lambda e: (e["operation"], e.get("time") or "", e["manager"], e["apiVersion"],
                                e.get("subresource", "")))
    return entries


def decode(entries: list[dict[str, Any]]) -> Managers:
    """Managers from `metadata.managedFields` (entries with another fieldsType or operation are dropped)."""
    out: Managers = {}
    for e in entries or ():
        if e.get("fieldsType") != "FieldsV1" or e.get("operation") not in ("Apply", "Update"):
            continue
        if e["operation"] == "Apply":
            key = apply_key(e.get("manager", ""), e.get("subresource", ""))
        else:
            key = update_key(e.get("manager", ""), e.get("apiVersion", ""), e.get("subresource", ""))
        out[key] = Entry(from_fields_v1(e.get("fieldsV1") or {}), e.get("apiVersion", ""), e.get("time"))
    return out
