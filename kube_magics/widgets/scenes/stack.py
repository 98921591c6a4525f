"""The seed chapter's two stacks, side by side: app / guest OS / hypervisor / host OS / hardware, against app /
container / (image layers) / Docker engine / host OS / hardware; then the totals as bars, with source marks.

Input: the parameters and totals of `stackmodel` and the labels of one language. Output: a `Scene`.
Must not: compute totals (that is `stackmodel.totals`) or talk to Docker.
"""

from __future__ import annotations

from typing import Any

from kube_magics.widgets import stackmodel as sm
from kube_magics.widgets.scene import INK, MUTED, Scene, fit, wrap

M = 16
COL_W = 400
GAP = 40
WIDTH = 2 * M + 2 * COL_W + GAP
BAND_H = 30
APP_H = 34
MAX_LAYERS = 6
COLOURS = {
    "app": ("#ddf4ff", "#54aeff"), "guest": ("#ffebe9", "#ff8182"), "hyper": ("#fff8c5", "#d4a72c"),
    "container": ("#dafbe1", "#4ac26b"), "layer": ("#eef1f4", "#8c959f"), "engine": ("#fbefff", "#c297ff"),
    "host": ("#eaeef2", "#8c959f"), "hw": ("#d0d7de", "#6e7781"),
}


def _band(scene: Scene, x: float, y: float, w: float, text: str, kind: str, *, h: float = BAND_H,
          note: str = "", size: float = 12) -> None:
    fill, stroke = COLOURS[kind]
    scene.rect(x, y, w, h, fill=fill, stroke=stroke, rx=6)
    scene.text(x + w / 2, y + h / 2 + 4, fit(text, w - 12, size), size=size, anchor="middle", fill=INK)
    if note:
        scene.text(x + w - 6, y + h - 5, fit(note, w / 2, 9), size=9, anchor="end", fill=MUTED)


def _apps(scene: Scene, x: float, y: float, n: int, labels: dict[str, str], under: str | None) -> float:
    """N app boxes in a row, each with its own `under` box (guest OS or container); returns the y below."""
    gap = 6
    w = (COL_W - (n - 1) * gap) / n
    size = 12 if w > 90 else 10
    for i in range(n):
        bx = x + i * (w + gap)
        app = labels["app"].format(n=i + 1)
        label = app if w > 64 else str(i + 1)
        _band(scene, bx, y, w, label, "app", h=APP_H, size=size)
        if under:
            kind = "guest" if under == "guest_os" else "container"
            _band(scene, bx, y + APP_H + 4, w, labels[under] if w > 64 else labels[under][:3], kind, h=APP_H,
                  size=size)
    return y + (2 * APP_H + 8 if under else APP_H + 4)


def _vm_side(scene: Scene, p: sm.StackParams, labels: dict[str, str], top: float) -> float:
    x = M
    scene.text(x, top, labels["vm_side"], size=14, weight="bold")
    scene.text(x + COL_W, top, labels["vm_note"], size=11, fill="#cf222e", anchor="end")
    y = _apps(scene, x, top + 12, p.apps, labels, "guest_os")
    for key, kind in (("hypervisor", "hyper"), ("host_os", "host"), ("hardware", "hw")):
        _band(scene, x, y, COL_W, labels[key], kind)
        y += BAND_H + 4
    return y


def _container_side(scene: Scene, p: sm.StackParams, labels: dict[str, str], top: float, image: str) -> float:
    x = M + COL_W + GAP
    scene.text(x, top, labels["ct_side"], size=14, weight="bold")
    scene.text(x + COL_W, top, labels["ct_note"], size=11, fill="#1a7f37", anchor="end")
    y = _apps(scene, x, top + 12, p.apps, labels, "container")
    layers = list(sm.image_layers(p))
    shown = layers[-MAX_LAYERS:]
    caption = labels["layers"] + (f" · {labels['image'].format(name=image)}" if image else "")
    scene.text(x, y + 10, fit(caption, COL_W, 10), size=10, fill=MUTED)
    y += 14
    if len(layers) > len(shown):
        hidden = sum(layer.size for layer in layers[:-MAX_LAYERS])
        shown.insert(0, sm.Layer(f"… {len(layers) - MAX_LAYERS} more", hidden))
    for layer in reversed(shown):  # the top layer first, as an image stacks them
        _band(scene, x, y, COL_W, fit(layer.instruction, COL_W - 90, 11), "layer", h=20,
              note=sm.mb(layer.size / sm.MB), size=11)
        y += 22
    y += 2
    for key, kind in (("engine", "engine"), ("host_os", "host"), ("hardware", "hw")):
        _band(scene, x, y, COL_W, labels[key], kind)
        y += BAND_H + 4
    return y


def _bars(scene: Scene, t: sm.Totals, labels: dict[str, str], y: float) -> float:
    rows = (("memory", t.vm_memory_mb, t.ct_memory_mb, sm.mib, "4"),
            ("disk", t.vm_disk_mb, t.ct_disk_mb, sm.mb, "4,5"),
            ("start", t.vm_start_s, t.ct_start_s, sm.seconds, "2,1,3" if t.ct_start_source == "3" else "2,1"))
    for key, vm, ct, fmt, refs in rows:
        scene.text(M, y + 12, labels[key], size=12, weight="bold")
        top = max(vm, ct, 1e-9)
        for i, (value, colour) in enumerate(((vm, "#ff8182"), (ct, "#4ac26b"))):
            by = y + 18 + i * 16
            scene.rect(M + 120, by, max(2.0, 520 * value / top), 12, fill=colour, rx=3)
            side = labels["vm_short"] if i == 0 else labels["ct_short"]
            measured = i == 1 and key == "start" and t.ct_start_source == "measured"
            note = f"{fmt(value)}  ({labels['start_basis_measured']})" if measured else fmt(value)
            scene.text(M + 110, by + 10, fit(side, 105, 10), size=10, fill=MUTED, anchor="end")
            scene.text(M + 126 + max(2.0, 520 * value / top), by + 10, note, size=11, fill=INK)
        scene.text(WIDTH - M, y + 12, f"[{refs}]", size=10, fill=MUTED, anchor="end")
        y += 56
    microvm = f"{labels['microvm']}: {sm.seconds(sm.MICROVM_BOOT_S)} [1]"
    scene.text(M + 120, y + 2, microvm, size=10, fill=MUTED)
    return y + 16


def stack_scene(p: sm.StackParams, t: sm.Totals, labels: dict[str, str], *, image: str = "",
                sources: bool = True) -> dict[str, Any]:
    """The picture; `sources=False` leaves the list of sources out (the live view lists them as links)."""
    scene = Scene(WIDTH, 0)
    scene.text(M, M + 12, labels["stack_title"], size=16, weight="bold")
    top = M + 44
    bottom = max(_vm_side(scene, p, labels, top), _container_side(scene, p, labels, top, image))
    y = _bars(scene, t, labels, bottom + 14)
    if not sources:
        scene.height = y + 4
        return scene.to_json()
    scene.text(M, y + 4, labels["sources"], size=11, weight="bold", fill=MUTED)
    for src in sm.SOURCES:
        for line in wrap(f"[{src.ref}] {src.text}", WIDTH - 2 * M, 10):
            y += 14
            scene.text(M, y + 4, line, size=10, fill=MUTED)
    scene.height = y + M
    return scene.to_json()
