"""`%kube watch [-l selector] [-n ns]`: the live pod board.

Pods as a grid of tiles or a table (NAME, READY, STATUS, RESTARTS, AGE, NODE, as kubectl prints them), coloured by
status; a rollout progress bar per Deployment with kubectl rollout status's line; a feed of recent events. Built
for 1,000 pods: updates are batched (at most 25 a second, see `binding.py`) and each pod is one compact row.

Traits the browser draws from: `board_json` (`snapshots.board`: rows, deployments, events, counts, as JSON bytes;
`board` is the same as a dict), `layout`
("grid" or "table", switchable in the view), `summary_text`, `details`, `labels`.

Must not: read simulator internals.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bytes, Unicode

from kube_magics.backends.base import Backend
from kube_magics.widgets import snapshots
from kube_magics.widgets.scenes.board import board_scene
from kube_magics.widgets.svg import html_table, render_html, render_svg
from kube_magics.widgets.view import ClusterView, asset, esm, packed

STATIC_ROWS = 50  # rows in the static HTML table; the picture shows every pod


class PodBoard(ClusterView):
    _esm = esm("scene.js", "pods.js")
    _css = asset("widgets.css")

    board_json = Bytes(b"").tag(sync=True)
    layout = Unicode("grid").tag(sync=True)

    def __init__(self, backend: Backend, *, selector: str | None = None, namespace: str | None = None,
                 **kwargs: Any) -> None:
        self.selector = selector
        self.namespace = namespace
        self.board: dict[str, Any] = {}
        super().__init__(backend, **kwargs)

    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        with self.feed.lock:
            return self._board(self.backend.now() if now is None else now)

    def _board(self, now: float) -> dict[str, Any]:
        return snapshots.board(self.state, now=now, namespace=self.namespace, selector=self.selector)

    def _snapshot(self, now: float) -> dict[str, Any]:
        snap = self._board(now)
        return {"board": snap, "board_json": packed(snap), "summary_text": self._summary(snap)}

    def _scope(self) -> str:
        scope = self.namespace if self.namespace is not None else self.labels["all_namespaces"]
        return f"{scope} ({self.selector})" if self.selector else scope

    def _summary(self, snap: dict[str, Any]) -> str:
        states = ", ".join(f"{n} {s}" for s, n in snap["counts"]["pod_states"]) or self.labels["none"]
        return self.labels["board_summary"].format(scope=self._scope(), pods=snap["counts"]["pods"], pod_states=states)

    def summary(self) -> str:
        return self._summary(self.snapshot())

    def svg(self) -> str:
        snap = self.snapshot()
        return render_svg(board_scene(snap, self.labels, title=self._summary(snap)), title=self._summary(snap))

    def html(self) -> str:
        snap = self.snapshot()
        rows = [r[1:7] for r in snap["pods"][:STATIC_ROWS]]
        more = len(snap["pods"]) - len(rows)
        table = html_table(["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"], rows)
        if more > 0:
            table += f"<div>{self.labels['more_rows'].format(n=more)}</div>"
        events = [[e["age"], e["type"], e["reason"], e["object"], e["message"]] for e in snap["events"]]
        if events:
            table += html_table(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], events,
                                caption=self.labels["recent_events"])
        svg = render_svg(board_scene(snap, self.labels, title=self._summary(snap)), title=self._summary(snap))
        return render_html(svg, css_class="kube-magics-pod-board", after=table)


def pod_board(backend: Backend, selector: str | None = None, namespace: str | None = None, *,
              lang: str | None = None, **options: Any) -> PodBoard:
    """A live board of the pods in `namespace` (None: every namespace) that match the label `selector`."""
    return PodBoard(backend, selector=selector, namespace=namespace, lang=lang, **options)
