"""The views' pictures as scenes (see `scene.py`): one module per view, plus the status legend they share."""

from __future__ import annotations

from kube_magics.widgets.scene import INK, Scene, text_width
from kube_magics.widgets.status import CATEGORY_COLOURS, LEGEND


def legend(scene: Scene, x: float, y: float, width: float) -> float:
    """The STATUS colours, in rows no wider than `width`; returns the y below them."""
    left = x
    for name, cat in LEGEND:
        step = 16 + text_width(name, 10) + 14
        if x + step - 14 > left + width:
            x, y = left, y + 18
        scene.rect(x, y, 12, 12, fill=CATEGORY_COLOURS[cat][0], rx=2)
        scene.text(x + 16, y + 10, name, size=10, fill=INK)
        x += step
    return y + 14
