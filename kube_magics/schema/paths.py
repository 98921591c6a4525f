"""Field paths, as the API server and kubectl write them.

`("spec", "containers", 0, "image")` is `spec.containers[0].image`; a key of a map (labels, data) is a MapKey
and prints in brackets (`data[tls.crt]`) in Kubernetes' field notation, while the strict decoder joins every key
with dots (`format_path`). Imports nothing of kube_magics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Path = tuple[str | int, ...]


class MapKey(str):
    """A path segment that is a key of a map (labels, data), not a field: shown as `data[key]`."""

    __slots__ = ()


def format_path(path: Iterable[str | int]) -> str:
    """`spec.containers[0].image` from ("spec", "containers", 0, "image")."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


_PLAIN_KEY = _PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$-]+$")


def field_path(path: Iterable[str | int]) -> str:
    """Kubernetes' field notation: keys that are not plain names in brackets (`metadata.labels[app.k8s.io/x]`)."""
    out = ""
    for part in path:
        if isinstance(part, (int, MapKey)) or not _PLAIN_KEY.match(part):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def parse_path(text: str) -> Path:
    """("spec", "containers", 0, "image") from `spec.containers[0].image`; `data[tls.crt]` keeps its key whole."""
    out: list[str | int] = []
    for m in _PATH_TOKEN.finditer(text):
        if m.group(1) is not None:
            out.append(m.group(1))
        else:
            key = m.group(2)
            out.append(int(key) if key.isdigit() else key)
    return tuple(out)
