"""`%kube stack`: virtual machines against containers, side by side, with numbers and their sources.

Sliders set the number of applications, the memory each needs, the guest OS's memory and disk, and the app's
files; the view shows both stacks (one guest OS per VM; one shared kernel and one image's shared layers for the
containers) and the totals of memory, disk and start time. Given an image (anything with `.layers`, e.g. one
built with %%dockerfile), its layers are the container side's layers. Where a Docker engine is reachable, a button
measures a real container start here and uses that figure; where none is, the button is disabled with a note.

Traits the browser draws from: the parameters (`apps`, `app_memory_mb`, ...), `scene`, `sources`, `docker`
({"available", "note", "busy"}), `measured` ({"ms", "image"} once measured), `labels`.

Must not: touch Docker unless the view is shown (probe) or the button pressed (measure).
"""

from __future__ import annotations

from contextlib import suppress
from html import escape
from typing import Any

from traitlets import Dict, Int, List, Unicode, observe

from kube_magics.errors import KubeMagicsError
from kube_magics.widgets import measure
from kube_magics.widgets import stackmodel as sm
from kube_magics.widgets.scenes.stack import stack_scene
from kube_magics.widgets.svg import render_html, render_svg
from kube_magics.widgets.view import LocalisedWidget, asset, esm

PARAMS = ("apps", "app_memory_mb", "guest_os_memory_mb", "guest_os_disk_mb", "app_disk_mb")


class StackView(LocalisedWidget):
    _esm = esm("scene.js", "stack.js")
    _css = asset("widgets.css")

    apps = Int(3, min=1, max=10).tag(sync=True)
    app_memory_mb = Int(256, min=16, max=8192).tag(sync=True)
    guest_os_memory_mb = Int(1024, min=128, max=16384).tag(sync=True)
    guest_os_disk_mb = Int(4000, min=500, max=100_000).tag(sync=True)
    app_disk_mb = Int(50, min=1, max=10_000).tag(sync=True)
    image = Unicode("").tag(sync=True)
    layers: List[list[Any]] = List().tag(sync=True)  # [[instruction, size in bytes], ...], base first
    scene = Dict().tag(sync=True)
    sources: List[dict[str, str]] = List().tag(sync=True)
    docker = Dict({"available": False, "note": "", "busy": False, "probed": False}).tag(sync=True)
    measured = Dict().tag(sync=True)
    summary_text = Unicode("").tag(sync=True)

    def __init__(self, *, image: Any = None, lang: str | None = None, **params: Any) -> None:
        super().__init__(**params)
        if image is not None:
            self.layers = [list(layer) for layer in sm.layers_of(image)]
            self.image = sm.image_name(image)
        self.sources = [s._asdict() for s in sm.SOURCES]
        self._init_language(lang)
        self._redraw()
        self.on_msg(self._on_msg)

    def params(self) -> sm.StackParams:
        return sm.StackParams(self.apps, self.app_memory_mb, self.guest_os_memory_mb, self.guest_os_disk_mb,
                              self.app_disk_mb, tuple(sm.Layer(str(i), int(s)) for i, s in self.layers))

    def totals(self, *, live: bool = True) -> sm.Totals:
        """The totals; `live=False` ignores a measurement made here (what the static rendering shows)."""
        ms = self.measured.get("ms") if live else None
        return sm.totals(self.params(), measured_s=None if ms is None else ms / 1000)

    def _scene(self, *, live: bool) -> dict[str, Any]:
        return stack_scene(self.params(), self.totals(live=live), self.labels, image=self.image, sources=not live)

    @observe(*PARAMS, "layers", "measured")
    def _params_changed(self, _change: dict[str, Any]) -> None:
        self._redraw()

    def _relabel(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if not self.labels:
            return
        with self.hold_sync():
            self.scene = self._scene(live=True)
            self.summary_text = self._summary(live=True)

    # --- Docker ------------------------------------------------------------------------------------------------

    def _on_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        handlers = {"probe": self.probe_docker, "measure": self._measure_from_button}
        if isinstance(content, dict) and str(content.get("action")) in handlers:
            handlers[str(content["action"])]()

    def _measure_from_button(self) -> None:
        with suppress(KubeMagicsError):  # the note under the button says what went wrong
            self.measure()

    def probe_docker(self) -> bool:
        found = measure.probe()
        self.docker = {"available": found.available, "note": found.note if found.available else
                       f"{self.labels['no_docker']} ({found.note})", "busy": False, "probed": True}
        return found.available

    def measure(self) -> dict[str, Any]:
        """Measure a real container start with the reachable Docker engine; the view then uses that figure."""
        self.docker = {**self.docker, "busy": True}
        try:
            result = measure.container_start()
        except KubeMagicsError as exc:
            self.docker = {**self.docker, "busy": False, "note": str(exc)}
            raise
        self.docker = {**self.docker, "busy": False}
        self.measured = {"ms": round(result.seconds * 1000, 1), "image": result.image,
                         "runs_ms": [round(t * 1000, 1) for t in result.runs]}
        return dict(self.measured)

    # --- static renderings -------------------------------------------------------------------------------------

    def summary(self) -> str:
        return self._summary(live=False)

    def _summary(self, *, live: bool) -> str:
        t = self.totals(live=live)
        return self.labels["stack_summary"].format(
            apps=self.apps, vm_mem=sm.mib(t.vm_memory_mb), ct_mem=sm.mib(t.ct_memory_mb), vm_disk=sm.mb(t.vm_disk_mb),
            ct_disk=sm.mb(t.ct_disk_mb), vm_start=sm.seconds(t.vm_start_s), ct_start=sm.seconds(t.ct_start_s))

    def svg(self) -> str:
        return render_svg(self._scene(live=False), title=self.labels["stack_title"])

    def html(self) -> str:
        links = "".join(f'<li>[{s.ref}] <a href="{escape(s.url)}">{escape(s.text)}</a></li>' for s in sm.SOURCES)
        return render_html(self.svg(), css_class="kube-magics-stack",
                           after=f'<ol style="list-style:none;padding:0;font-size:11px">{links}</ol>')


def stack(image: Any = None, *, apps: int = 3, app_memory_mb: int = 256, guest_os_memory_mb: int = 1024,
          guest_os_disk_mb: int = 4000, app_disk_mb: int = 50, lang: str | None = None) -> StackView:
    """The VM-vs-container comparison. `image`: a built image (anything with `.layers`, each with an instruction
    and a size in bytes) whose layers become the container side's."""
    return StackView(image=image, lang=lang, apps=apps, app_memory_mb=app_memory_mb,
                     guest_os_memory_mb=guest_os_memory_mb, guest_os_disk_mb=guest_os_disk_mb, app_disk_mb=app_disk_mb)
