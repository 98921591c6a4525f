"""What the two cluster views share: an anywidget fed by a `ClusterFeed`, its labels, its static renderings.

A `ClusterView` watches one backend (through the Backend protocol only), keeps the synced traits that its ESM
module draws from, and answers the browser's button messages (`actions.py`). Subclasses say what a flush sends
(`_snapshot`) and how the view looks where widgets cannot run (`summary`, `svg`, `html`).

`_repr_mimebundle_` gives the widget view plus `text/plain`, `text/html` and `image/svg+xml`; the last three depend
only on the cluster's state and time (and the language), so nbval sees the same bytes on every run.

Must not: move the simulator's clock unless asked (a press on Play or Step), or read simulator internals.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from typing import Any

import anywidget
from traitlets import Bool, Dict, Unicode, observe

from kube_magics.backends.base import Backend
from kube_magics.errors import KubeMagicsError
from kube_magics.timefmt import rfc3339
from kube_magics.widgets import actions, snapshots
from kube_magics.widgets.binding import MAX_UPDATES_PER_SECOND, Clock, ClusterFeed, Scheduler, default_scheduler
from kube_magics.widgets.i18n import WidgetSettings, get_language, labels, normalise_language
from kube_magics.widgets.player import Player
from kube_magics.widgets.reducers import ClusterState
from kube_magics.widgets.status import CATEGORY_COLOURS


def asset(name: str) -> str:
    """The text of a file shipped in `kube_magics/widgets/static/`."""
    return resources.files("kube_magics.widgets").joinpath("static").joinpath(name).read_text(encoding="utf-8")


def packed(value: Any) -> bytes:
    """A big snapshot as one JSON document in bytes: sent as a binary frame, it costs ipywidgets one buffer
    instead of a walk through every row (the walk, not the JSON, was most of a 1,000-pod batch's time)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def esm(*names: str) -> str:
    """One ES module from several files (anywidget loads a single module; no build step joins them)."""
    return "\n".join(asset(n) for n in names)


class LocalisedWidget(anywidget.AnyWidget):
    """A widget with `lang` and the `labels` of that language, following `set_language`."""

    lang = Unicode("en").tag(sync=True)
    labels = Dict().tag(sync=True)

    def _init_language(self, lang: str | None) -> None:
        self.lang = normalise_language(lang) if lang else get_language()
        self.labels = labels(self.lang)
        WidgetSettings.instance().register(self)

    @observe("lang")
    def _lang_changed(self, change: dict[str, Any]) -> None:
        code = normalise_language(change["new"])
        if code != change["new"]:
            self.lang = code
            return
        self.labels = labels(code)
        self._relabel()

    def _relabel(self) -> None:
        """Redraw what carries labels (a subclass hook)."""

    def summary(self) -> str:
        raise NotImplementedError

    def svg(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        shown = super()._repr_mimebundle_(**kwargs)
        if shown is None:
            return None
        data, meta = shown
        data = {**data, "text/plain": self.summary(), "text/html": self.html(), "image/svg+xml": self.svg()}
        return data, meta

    def __repr__(self) -> str:
        return self.summary()


class ClusterView(LocalisedWidget):
    """A live view of one cluster. Traits the browser draws from: see the subclasses."""

    summary_text = Unicode("").tag(sync=True)
    selected = Unicode("").tag(sync=True)  # "pod:ns/name" or "node:name", set by a click
    details = Dict().tag(sync=True)
    message = Unicode("").tag(sync=True)  # the last button's result, in kubectl's words, or its error
    failed = Bool(False).tag(sync=True)
    sim = Bool(False).tag(sync=True)  # clock controls and node faults are offered
    clock = Dict().tag(sync=True)  # {"playing", "speed", "speeds", "time", "elapsed"}
    palette = Dict({k: list(v) for k, v in CATEGORY_COLOURS.items()}).tag(sync=True)  # status class -> colours

    def __init__(self, backend: Backend, *, lang: str | None = None, player: Player | None = None,
                 lock: Any = None, interval: float = 1 / MAX_UPDATES_PER_SECOND, time_source: Clock = time.monotonic,
                 scheduler: Scheduler = default_scheduler, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backend = backend
        self.sim = backend.sim is not None
        self._own_player = player is None and backend.sim is not None
        if player is None and backend.sim is not None:
            player = Player(backend.sim, lock=lock)
        self.player = player
        self._unlisten = player.listen(self._clock_moved) if player is not None else None
        self._started_at = backend.now()
        self.feed = ClusterFeed(backend, self._flush, interval=interval, clock=time_source, scheduler=scheduler)
        self._init_language(lang)
        self.on_msg(self._on_msg)
        self.feed.start()
        self.feed.throttle.flush()

    # --- state -> traits ---------------------------------------------------------------------------------------

    @property
    def state(self) -> ClusterState:
        return self.feed.state

    def _snapshot(self, now: float) -> dict[str, Any]:
        """Trait name -> value for one flush (called with the feed's lock held)."""
        raise NotImplementedError

    def _flush(self) -> None:
        now = self.backend.now()
        with self.feed.lock:
            values = self._snapshot(now)
            values["details"] = snapshots.details(self.state, self.selected, now) if self.selected else {}
        values["clock"] = self._clock_state(now)
        with self.hold_sync():
            for name, value in values.items():
                setattr(self, name, value)

    def _clock_state(self, now: float) -> dict[str, Any]:
        state = self.player.state() if self.player is not None else {}
        return {**state, "time": rfc3339(now), "elapsed": round(now - self._started_at, 3)}

    def _clock_moved(self) -> None:
        self.feed.throttle.poke()

    def _relabel(self) -> None:
        self.feed.throttle.poke()
        self.feed.throttle.flush()

    @observe("selected")
    def _selected_changed(self, change: dict[str, Any]) -> None:
        with self.feed.lock:
            self.details = snapshots.details(self.state, change["new"], self.backend.now()) if change["new"] else {}

    def refresh(self) -> None:
        """Redraw now, without waiting for the next batch (ages move with the cluster's clock even when no object
        changed: call this after moving the clock)."""
        self.feed.throttle.poke()
        self.feed.throttle.flush()

    # --- browser -> cluster ------------------------------------------------------------------------------------

    def _on_msg(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        if not isinstance(content, dict) or "action" not in content:
            return
        self.act(content)

    def act(self, msg: dict[str, Any]) -> str:
        """Do what a button asks (`{"action": "delete_pod", "pod": "default/web-1"}`, ...); returns the message."""
        try:
            text = actions.run(self.backend, self.player, msg)
            self.failed = False
        except (KubeMagicsError, ValueError) as exc:
            text = str(exc)
            self.failed = True
        self.message = text
        return text

    def detach(self) -> None:
        """Stop following the cluster but keep showing its last state (the notebook switched clusters)."""
        self.feed.stop()
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self.player is not None and self._own_player:
            self.player.pause()

    def close(self) -> None:
        self.detach()
        super().close()

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        self.feed.throttle.flush()  # what is shown statically is the state now, not the last batch
        return super()._repr_mimebundle_(**kwargs)
