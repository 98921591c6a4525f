"""A drawing as data: rectangles, texts and lines with their coordinates and colours, JSON-able.

Each view lays its picture out once, in Python, as a `Scene`; `svg.py` writes it as a static SVG and the view's
ESM module (`static/scene.js`) draws the same items in the browser, adding clicks on items that carry a `key`.
So the live view and the static rendering cannot drift apart, and the layout is tested in Python.

Coordinates are rounded to a tenth of a pixel so that a scene serialises to the same bytes every time.
Text widths are estimated (Hangul and other wide characters count as one em, others as about 0.6 em), which is
enough to size boxes and to shorten long names with an ellipsis.

Must not: know Kubernetes or any view.
"""

from __future__ import annotations

import unicodedata
from typing import Any

Item = dict[str, Any]

FONT = "'Noto Sans CJK KR','Noto Sans KR','Apple SD Gothic Neo','Malgun Gothic','Segoe UI',Helvetica,Arial,sans-serif"
INK = "#1f2328"
MUTED = "#57606a"
LINE = "#8c959f"


def _r(v: float) -> float | int:
    if type(v) is int:
        return v
    r = round(v, 1)
    return int(r) if r.is_integer() else r


def text_width(text: str, size: float) -> float:
    """Estimated width in pixels of `text` at font size `size`."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            width += 1.0
        elif ch in "il.,:;|'!1 ":
            width += 0.32
        elif ch.isupper() or ch in "mwMW@%":
            width += 0.72
        else:
            width += 0.56
    return width * size


def fit(text: str, width: float, size: float) -> str:
    """`text`, shortened with an ellipsis so that it fits in `width` pixels."""
    if text_width(text, size) <= width:
        return text
    out = text
    while out and text_width(out + "…", size) > width:
        out = out[:-1]
    return out + "…"


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines of at most `width` pixels, at spaces (a word longer than a line is cut)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return [fit(line, width, size) for line in lines]


class Scene:
    def __init__(self, width: float, height: float) -> None:
        self.width = width
        self.height = height
        self.items: list[Item] = []

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str, stroke: str | None = None,
             sw: float = 1, rx: float = 0, dash: str | None = None, key: str | None = None,
             title: str | None = None, cls: str | None = None) -> Item:
        item: Item = {"t": "rect", "x": _r(x), "y": _r(y), "w": _r(w), "h": _r(h), "fill": fill}
        if stroke:
            item["stroke"] = stroke
            item["sw"] = _r(sw)
        # (spelt out rather than through _extras: a 1,000-pod topology draws a rect per pod per batch)
        if rx:
            item["rx"] = _r(rx)
        if dash is not None:
            item["dash"] = dash
        if key is not None:
            item["key"] = key
        if title is not None:
            item["title"] = title
        if cls is not None:
            item["cls"] = cls
        self.items.append(item)
        return item

    def text(self, x: float, y: float, text: str, *, size: float = 12, fill: str = INK, weight: str | None = None,
             anchor: str = "start", key: str | None = None, title: str | None = None, cls: str | None = None) -> Item:
        item: Item = {"t": "text", "x": _r(x), "y": _r(y), "text": text, "size": _r(size), "fill": fill}
        self._extras(item, weight=weight, anchor=None if anchor == "start" else anchor, key=key, title=title,
                     cls=cls)
        self.items.append(item)
        return item

    def line(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = LINE, sw: float = 1,
             dash: str | None = None, cls: str | None = None, title: str | None = None) -> Item:
        item: Item = {"t": "line", "x1": _r(x1), "y1": _r(y1), "x2": _r(x2), "y2": _r(y2), "stroke": stroke,
                      "sw": _r(sw)}
        self._extras(item, dash=dash, cls=cls, title=title)
        self.items.append(item)
        return item

    @staticmethod
    def _extras(item: Item, **extras: Any) -> None:
        for k, v in extras.items():
            if v is not None:
                item[k] = v

    def to_json(self) -> dict[str, Any]:
        return {"w": _r(self.width), "h": _r(self.height), "items": self.items}
