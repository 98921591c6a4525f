"""The pod board's static picture: a progress bar per Deployment, then every pod as a tile coloured by STATUS.

Up to 60 pods get tiles with their names; more are drawn as small squares (a thousand fit on a screen), each
with its name and status as a tooltip. The live board draws the same rows as HTML (`static/pods.js`).

Must not: read the cluster; everything comes from the board snapshot.
"""

from __future__ import annotations

from typing import Any

from kube_magics.widgets.scene import INK, MUTED, Scene, fit
from kube_magics.widgets.scenes import legend
from kube_magics.widgets.status import CATEGORY_COLOURS

M = 16
WIDTH = 880
TILE_W, TILE_H, TILE_GAP = 206, 22, 6
SQUARE, SQ_GAP = 12, 3
MAX_NAMED = 60
BAR_W = 320


def rollout_bar(scene: Scene, dep: dict[str, Any], x: float, y: float) -> None:
    """Updated and available | updated, not yet available | old replicas, on a scale of the larger of the
    desired and the current number of replicas."""
    total = max(dep["desired"], dep["replicas"], 1)
    scale = BAR_W / total
    scene.rect(x, y, BAR_W, 12, fill="#eaeef2", rx=3)
    avail = min(dep["available"], dep["updated"])
    parts = ((avail, "#2f9e55"), (dep["updated"] - avail, "#b7d96b"), (max(0, dep["replicas"] - dep["updated"]),
                                                                       "#9b87c9"))
    cx = x
    for count, colour in parts:
        if count > 0:
            scene.rect(cx, y, count * scale, 12, fill=colour, rx=3)
            cx += count * scale
    if dep["desired"] < total:  # scaling down: mark where the rollout is heading
        scene.line(x + dep["desired"] * scale, y - 3, x + dep["desired"] * scale, y + 15, stroke=INK, sw=1.5)


def board_scene(snap: dict[str, Any], labels: dict[str, str], *, title: str) -> dict[str, Any]:
    scene = Scene(WIDTH, 0)
    scene.text(M, M + 12, title, size=14, weight="bold")
    y: float = M + 28
    for dep in snap["deployments"]:
        key = f"deploy:{dep['key']}"
        scene.text(M, y + 10, fit(f"deployment/{dep['name']}", 200, 12), size=12, weight="bold", key=key)
        rollout_bar(scene, dep, M + 210, y)
        scene.text(M + 220 + BAR_W, y + 10, f"{dep['ready']}/{dep['desired']}", size=12, fill=INK)
        scene.text(M + 210, y + 28, fit(dep["message"], WIDTH - 2 * M - 210, 11), size=11, fill=MUTED)
        y += 40
    rows = snap["pods"]
    if not rows:
        scene.text(M, y + 14, labels["no_pods"], size=12, fill=MUTED)
        y += 24
    elif len(rows) <= MAX_NAMED:
        y = _tiles(scene, rows, y)
    else:
        y = _squares(scene, rows, y)
    y = legend(scene, M, y + 8, WIDTH - 2 * M)
    scene.height = y + M
    return scene.to_json()


def _tiles(scene: Scene, rows: list[list[Any]], y: float) -> float:
    per_row = int((WIDTH - 2 * M + TILE_GAP) // (TILE_W + TILE_GAP))
    for i, row in enumerate(rows):
        key, name, _ready, status, restarts, _age, _node, cat = row
        x = M + (i % per_row) * (TILE_W + TILE_GAP)
        ty = y + (i // per_row) * (TILE_H + TILE_GAP)
        fill, ink = CATEGORY_COLOURS[cat]
        scene.rect(x, ty, TILE_W, TILE_H, fill=fill, rx=4, key=f"pod:{key}", title=f"{name} {status}",
                   cls="km-pod")
        label = status + (f" ({restarts})" if restarts else "")
        scene.text(x + 6, ty + 15, fit(name, TILE_W - 124, 11), size=11, fill=ink, key=f"pod:{key}")
        scene.text(x + TILE_W - 6, ty + 15, fit(label, 110, 10), size=10, fill=ink, anchor="end", key=f"pod:{key}")
    return y + -(-len(rows) // per_row) * (TILE_H + TILE_GAP)


def _squares(scene: Scene, rows: list[list[Any]], y: float) -> float:
    per_row = int((WIDTH - 2 * M + SQ_GAP) // (SQUARE + SQ_GAP))
    for i, row in enumerate(rows):
        key, name, _ready, status, _restarts, _age, _node, cat = row
        x = M + (i % per_row) * (SQUARE + SQ_GAP)
        sy = y + (i // per_row) * (SQUARE + SQ_GAP)
        scene.rect(x, sy, SQUARE, SQUARE, fill=CATEGORY_COLOURS[cat][0], rx=2, key=f"pod:{key}",
                   title=f"{name} {status}", cls="km-pod")
    return y + -(-len(rows) // per_row) * (SQUARE + SQ_GAP)
