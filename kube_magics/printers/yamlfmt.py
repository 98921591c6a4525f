"""YAML exactly as `kubectl get -o yaml` writes it (sigs.k8s.io/yaml, i.e. go-yaml v2 over the JSON form).

go-yaml and PyYAML share libyaml's emitter (sorted keys, block style, sequences not indented inside mappings, lines
folded at spaces after column 80, `|` blocks for multi-line strings), so PyYAML does the emitting. What differs is
deciding when a string must be quoted: go-yaml quotes, with double quotes, every string that would read back as
something else under its own YAML 1.1 rules (`"1615"`, `"True"`, `"2026-11-27T11:21:15Z"`, `""`, `"y"`), and leaves
the rest to the emitter, which single-quotes strings that plain style cannot carry (`'a: b'`). `go_yaml_tag`
implements those rules; the Dumper below uses them instead of PyYAML's resolver.

Imports nothing of kube_magics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

STR, BOOL, NULL, INT, FLOAT, TIMESTAMP, MERGE = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "bool", "null", "int", "float", "timestamp", "merge"))

_WORDS = {
    **{w: BOOL for w in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
                         "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")},
    **{w: NULL for w in ("", "~", "null", "Null", "NULL")},
    **{w: FLOAT for w in (".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                          "-.inf", "-.Inf", "-.INF")},
    "<<": MERGE,
}
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_TIMESTAMPS = (
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"),
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?$"),
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$"),
)
_GO_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$")


def go_yaml_tag(s: str) -> str:
    """The tag go-yaml v2 resolves a plain scalar `s` to (its `resolve` function)."""
    if s in _WORDS:
        return _WORDS[s]
    first = s[0]
    if first in "+-0123456789":
        if first.isdigit() and any(p.match(s) for p in _TIMESTAMPS):
            return TIMESTAMP
        plain = s.replace("_", "")
        if _GO_INT.match(plain) and _fits_int(plain):
            return INT
        if _FLOAT.match(plain):
            return FLOAT
        return STR
    if first == "." and _FLOAT.match(s.replace("_", "")):
        return FLOAT
    return STR


def _fits_int(plain: str) -> bool:
    try:
        value = int(plain.replace("0o", "0").replace("0O", "0"), 0) if not re.match(r"^[-+]?0[0-7]+$", plain) \
            else int(plain, 8)
    except ValueError:
        return False
    return -(2**63) <= value < 2**64


def needs_double_quotes(s: str) -> bool:
    """Whether go-yaml writes `s` double-quoted (it would otherwise read back as a non-string)."""
    return go_yaml_tag(s) != STR or bool(_BASE60.match(s))


# libyaml's emitter (PyYAML's C binding), the same emitter go-yaml is a port of, and forty times faster than the
# pure-Python one; the pure-Python one is the fallback where PyYAML was built without libyaml.
_Base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):
    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return go_yaml_tag(value)
        return super().resolve(kind, value, implicit)


def _represent_str(dumper: Any, data: str) -> yaml.ScalarNode:
    style = None
    if "\n" in data:
        style = "|"
    elif needs_double_quotes(data):
        style = '"'
    return dumper.represent_scalar(STR, data, style=style)


def _represent_float(dumper: Any, data: float) -> yaml.ScalarNode:
    if data.is_integer() and abs(data) < 2**63:
        return dumper.represent_scalar(INT, str(int(data)))
    text = repr(data)
    if "e" in text:
        mantissa, exp = text.split("e")
        text = f"{mantissa}e{'-' if exp.startswith('-') else '+'}{exp.lstrip('+-').rjust(2, '0')}"
    return dumper.represent_scalar(FLOAT, text)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(float, _represent_float)


def to_yaml(obj: Mapping[str, Any] | list[Any]) -> str:
    """`obj` as kubectl's YAML printer writes it (keys sorted, two-space indent, folded at 80 columns)."""
    return yaml.dump(obj, Dumper=_Dumper, default_flow_style=False, sort_keys=True, allow_unicode=True, width=80)
