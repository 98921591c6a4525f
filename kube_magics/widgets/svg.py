"""Static renderings: a scene as hand-written SVG, and the HTML that carries it.

Shown where widgets cannot run (GitHub, nbviewer, exported HTML) and compared by nbval, so the output depends on
the scene alone: no ids, no timestamps, no version strings; attributes in a fixed order; numbers as the scene
rounded them. Items with a `key` get a `data-key` attribute, as in the live view.

Must not: know Kubernetes or any view.
"""

from __future__ import annotations

from html import escape
from typing import Any

from kube_magics.widgets.scene import FONT

_ATTRS = {  # scene field -> SVG attribute, per item type, in output order
    "rect": (("x", "x"), ("y", "y"), ("w", "width"), ("h", "height"), ("rx", "rx"), ("fill", "fill"),
             ("stroke", "stroke"), ("sw", "stroke-width"), ("dash", "stroke-dasharray")),
    "text": (("x", "x"), ("y", "y"), ("size", "font-size"), ("weight", "font-weight"), ("anchor", "text-anchor"),
             ("fill", "fill")),
    "line": (("x1", "x1"), ("y1", "y1"), ("x2", "x2"), ("y2", "y2"), ("stroke", "stroke"), ("sw", "stroke-width"),
             ("dash", "stroke-dasharray")),
}


def _attr(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _item(item: dict[str, Any]) -> str:
    kind = item["t"]
    parts = [f'{name}="{_attr(item[field])}"' for field, name in _ATTRS[kind] if field in item]
    if kind == "rect" and "stroke" not in item:
        parts.append('stroke="none"')
    if "key" in item:
        parts.append(f'data-key="{_attr(item["key"])}"')
    if "cls" in item:
        parts.append(f'class="{_attr(item["cls"])}"')
    title = f"<title>{escape(item['title'])}</title>" if "title" in item else ""
    body = escape(item["text"]) if kind == "text" else ""
    if not title and not body:
        return f"<{kind} {' '.join(parts)}/>"
    return f"<{kind} {' '.join(parts)}>{title}{body}</{kind}>"


def render_svg(scene: dict[str, Any], *, title: str) -> str:
    w, h = scene["w"], scene["h"]
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
            f'font-family="{_attr(FONT)}" role="img">')
    lines = [head, f"<title>{escape(title)}</title>", f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>']
    lines.extend(_item(item) for item in scene["items"])
    lines.append("</svg>")
    return "\n".join(lines)


def render_html(svg: str, *, css_class: str, after: str = "") -> str:
    """The SVG inline, in a block that scrolls sideways when the notebook is narrower than the drawing."""
    return f'<div class="{css_class}" style="overflow-x:auto;max-width:100%">\n{svg}\n{after}</div>'


def html_table(header: list[str], rows: list[list[Any]], *, caption: str = "") -> str:
    head = "".join(f"<th style=\"text-align:left;padding:1px 10px 1px 0\">{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style=\"padding:1px 10px 1px 0\">{escape(str(c))}</td>" for c in row)
                   + "</tr>" for row in rows)
    cap = f"<caption style=\"text-align:left\">{escape(caption)}</caption>" if caption else ""
    return (f'<table style="font-family:monospace;font-size:12px;border-collapse:collapse">{cap}'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
