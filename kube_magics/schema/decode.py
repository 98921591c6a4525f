"""The strict decoder's walk over an object: what the API server's JSON decoder would refuse, and where.

Keys are visited in sorted order (kubectl sends JSON with sorted keys). A wrong type is remembered and the walk
goes on (the first is reported); a value that a type decodes itself (a quantity, an int-or-string, a time) stops
it; unknown fields are collected (at most 100, as the decoder keeps them).
"""

from __future__ import annotations

import difflib
from typing import Any

from kube_magics.schema.go import base64_error, go_float, quantity_error, time_error
from kube_magics.schema.nodes import (
    BOOL,
    BYTES,
    FLOAT,
    INT,
    INTSTR,
    LIST,
    MAP,
    QUANTITY,
    STR,
    STRUCT,
    TIME,
    Node,
)
from kube_magics.schema.paths import MapKey, Path

_INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class State:
    __slots__ = ("fatal", "saved", "suggest", "unknown")

    def __init__(self) -> None:
        self.fatal: tuple[str, Path] | None = None
        self.saved: tuple[str, Path] | None = None
        self.unknown: list[Path] = []
        self.suggest: dict[Path, str] = {}

    def type_error(self, value: Any, node: Node, fs: tuple[str, ...], owner: str, path: Path, *,
                   fatal: bool = False, described: str | None = None) -> None:
        what = described or _json_kind(value)
        where = f"Go struct field {owner}.{'.'.join(fs)}" if owner or fs else "Go value"
        message = f"json: cannot unmarshal {what} into {where} of type {node.go}"
        if fatal:
            self.fatal = (message, path)
        elif self.saved is None:
            self.saved = (message, path)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def walk(value: Any, node: Node, path: Path, fs: tuple[str, ...], owner: str, st: State) -> None:
    if value is None or st.fatal is not None:
        return
    code = node.code
    if code == STRUCT:
        if not isinstance(value, dict):
            st.type_error(value, node, fs, owner, path)
            return
        fields = node.fields
        for key in sorted(value):
            sub = fields.get(key)
            if sub is None:
                _unknown(st, (*path, key), fields)
                continue
            walk(value[key], sub, (*path, key), (*fs, key), node.struct, st)
            if st.fatal is not None:
                return
    elif code == LIST:
        if not isinstance(value, list):
            st.type_error(value, node, fs, owner, path)
            return
        elem = node.elem
        assert elem is not None
        for i, item in enumerate(value):
            walk(item, elem, (*path, i), fs, owner, st)
    elif code == MAP:
        if not isinstance(value, dict):
            st.type_error(value, node, fs, owner, path)
            return
        elem = node.elem
        assert elem is not None
        for key in sorted(value):
            walk(value[key], elem, (*path, MapKey(key)), fs, owner, st)
    elif code == STR:
        if not isinstance(value, str):
            st.type_error(value, node, fs, owner, path)
    else:
        _scalar(value, node, path, fs, owner, st)


def _scalar(value: Any, node: Node, path: Path, fs: tuple[str, ...], owner: str, st: State) -> None:
    code = node.code
    if code == INT:
        _integer(value, node, path, fs, owner, st, fatal=False)
    elif code == BOOL:
        if not isinstance(value, bool):
            st.type_error(value, node, fs, owner, path)
    elif code == FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            st.type_error(value, node, fs, owner, path)
    elif code == BYTES:
        if isinstance(value, str):
            problem = base64_error(value)
            if problem and st.saved is None:
                st.saved = (problem, path)
        elif not isinstance(value, list):
            st.type_error(value, node, fs, owner, path)
    elif code == INTSTR:
        # IntOrString decodes itself: a string, or else json.Unmarshal into its int32 (errors stop decoding).
        if not isinstance(value, str):
            _integer(value, Node(INT, "int32", bits="int32"), path, fs, owner, st, fatal=True)
    elif code == QUANTITY:
        problem = quantity_error(value)
        if problem:
            st.fatal = (problem, path)
    elif code == TIME:
        if not isinstance(value, str):
            st.type_error(value, Node(STR, "string"), fs, owner, path, fatal=True)
        else:
            problem = time_error(value)
            if problem:
                st.fatal = (problem, path)


def _integer(value: Any, node: Node, path: Path, fs: tuple[str, ...], owner: str, st: State, *,
             fatal: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        st.type_error(value, node, fs, owner, path, fatal=fatal)
        return
    if isinstance(value, float) and not value.is_integer():
        st.type_error(value, node, fs, owner, path, fatal=fatal, described=f"number {go_float(value)}")
        return
    low, high = _INT_RANGE[node.bits or "int64"]
    if not low <= value <= high:
        text = str(int(value)) if isinstance(value, int) else go_float(value)
        st.type_error(value, node, fs, owner, path, fatal=fatal, described=f"number {text}")


def _unknown(st: State, path: Path, fields: dict[str, Node]) -> None:
    if len(st.unknown) >= 100 or path in st.unknown:
        return
    st.unknown.append(path)
    close = difflib.get_close_matches(str(path[-1]), list(fields), n=1, cutoff=0.6)
    if not close:
        lower = str(path[-1]).lower()
        close = [name for name in fields if name.lower() == lower]
    if close:
        st.suggest[path] = close[0]


