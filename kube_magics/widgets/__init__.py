"""The views: VM-vs-container stack, cluster topology, live pod board (anywidget, with static renderings).

The Python API that the magics (and notebooks) call::

    from kube_magics import widgets

    widgets.stack(image=None, *, apps=3, app_memory_mb=256, guest_os_memory_mb=1024, guest_os_disk_mb=4000,
                  app_disk_mb=50, lang=None)            -> StackView         # %kube stack [image]
    widgets.topology(backend, *, namespace=None, include_system=False, lang=None, **options)
                                                        -> TopologyView      # %kube topology
    widgets.pod_board(backend, selector=None, namespace=None, *, lang=None, **options)
                                                        -> PodBoard          # %kube watch [-l sel] [-n ns]
    widgets.set_language("ko")                          -> "ko"              # %kube lang ko
    widgets.get_language()                              -> "en" | "ko"

`backend` is anything that satisfies `kube_magics.backends.base.Backend` (the simulated cluster or a real one); the
views see the cluster only through its `list` and `watch` (and `delete`, `sim.fail_node`/`recover_node`/`advance`,
and `scale(resource, name, replicas, namespace=...)` when a button asks). `namespace=None` means every namespace
(the magics pass the session's namespace for `%kube watch`, as kubectl would). Options of the cluster views:

- `player`: a `Player` to share (one per simulated cluster, so that all views' clock controls drive one clock);
  `lock`: the lock under which the simulator moves, when no player is given (the session's);
- `interval`, `time_source`, `scheduler`: the batching (at most one update per `interval`, 1/25 s by default).

Every view displays itself: in JupyterLab, Notebook 7, VS Code and Colab as a live widget; elsewhere (GitHub,
nbviewer, exported HTML) as a static SVG/HTML; with a stable one-line `text/plain` summary. `view.svg()`,
`view.html()` and `view.summary()` return those; `view.refresh()` sends pending changes at once; `view.close()`
stops its watch. Labels are Korean or English: the `lang` argument or trait of a view, else `set_language`
(also `c.WidgetSettings.lang` in IPython's config), else the environment variable KUBE_MAGICS_LANG, else English.

Must not: import the magics or the simulator; see a cluster other than through the Backend protocol.
"""

from __future__ import annotations

from kube_magics.widgets.i18n import WidgetSettings, get_language, set_language
from kube_magics.widgets.player import Player
from kube_magics.widgets.pods import PodBoard, pod_board
from kube_magics.widgets.stack import StackView, stack
from kube_magics.widgets.topology import TopologyView, topology

__all__ = [
    "Player",
    "PodBoard",
    "StackView",
    "TopologyView",
    "WidgetSettings",
    "get_language",
    "pod_board",
    "set_language",
    "stack",
    "topology",
]
