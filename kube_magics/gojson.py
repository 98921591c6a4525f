"""JSON values as Kubernetes' Go code sees them, for matching its outputs and messages exactly.

- `go_type`: the Go type a decoded JSON value has (`map`, `slice`, `string`, `int64`, `float64`, `bool`, `nil`).
- `same`: Go's `==` on decoded values (equal type and value: `true` is not `1`).
- `go_format`: Go's `%v` (`map[image:x name:y]`, `[a b]`, `<nil>`), as error messages and templates print
  values; `go_float` for a float64.
- `go_json`: `encoding/json` output: compact, map keys sorted, `<`, `>`, `&` escaped.

Imports nothing of kube_magics.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def go_type(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "slice"
    return type(value).__name__


def same(a: Any, b: Any) -> bool:
    return go_type(a) == go_type(b) and a == b


def go_format(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{go_format(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    return str(value)


def go_float(value: float) -> str:
    """Go's `%v` for a float64 (strconv 'g', shortest; Python's repr writes the exponent as Go does: `1e-05`)."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)


def go_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if "<" in text or ">" in text or "&" in text or "\u2028" in text or "\u2029" in text:
        text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return text
