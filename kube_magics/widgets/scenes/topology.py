"""The cluster as the seed chapter draws it: the control plane on top, the worker nodes below it with their
kubelet, kube-proxy and container runtime and their pods, then the Services with lines to their endpoints.

Input is the topology snapshot (`snapshots.topology`) and the labels of one language; output a `Scene`. Pods are
coloured by their STATUS; a node's border says Ready (green), NotReady (red) or cordoned (dashed); a Service's
line to a pod is solid when the pod is a ready endpoint, dashed when the pod is selected but not ready.

Must not: read the cluster; everything comes from the snapshot.
"""

from __future__ import annotations

from typing import Any

from kube_magics.widgets.scene import LINE, MUTED, Scene, fit
from kube_magics.widgets.scenes import legend
from kube_magics.widgets.status import CATEGORY_COLOURS

M = 16  # margin
NODE_W = 260
GAP = 22
CHIP_H = 20
CHIP_GAP = 4
MAX_NAMED = 12  # more pods than this on a node are drawn as small squares
SQUARE = 14
PER_ROW = 4
SERVICE_W = 210
SERVICE_PALETTE = ("#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e")
NODE_BORDER = {"Ready": "#2f9e55", "NotReady": "#d93b3b", "Unknown": "#d93b3b"}
CP_COMPONENTS = ("api_server", "etcd", "scheduler", "controller_manager")


def _pods_height(n: int, width: float) -> float:
    if n == 0:
        return 0
    if n <= MAX_NAMED:
        return n * (CHIP_H + CHIP_GAP)
    per_row = int((width + 3) // (SQUARE + 3))
    return -(-n // per_row) * (SQUARE + 3) + 2


def _node_height(node: dict[str, Any]) -> float:
    return 32 + 2 * 24 + 6 + _pods_height(len(node["pods"]), NODE_W - 16) + 6


class TopologyLayout:
    """Places everything, then draws boxes, then edges, then pods, so that lines run under the pods."""

    def __init__(self, snap: dict[str, Any], labels: dict[str, str]) -> None:
        self.snap, self.L = snap, labels
        self.workers = [n for n in snap["nodes"] if not n["control_plane"]]
        self.cps = [n for n in snap["nodes"] if n["control_plane"]]
        cols = max(1, min(PER_ROW, len(self.workers)))
        self.width = max(600, 2 * M + cols * NODE_W + (cols - 1) * GAP)
        self.pod_anchor: dict[str, tuple[float, float]] = {}
        self.chips: list[tuple[dict[str, Any], float, float, float]] = []  # pod, x, y, width

    def build(self) -> Scene:
        self.scene = Scene(self.width, 0)
        y = self._control_plane(M)
        y = self._workers(y + 40)
        y = self._unscheduled(y)
        y, edges = self._services(y)
        for args in edges:
            self.scene.line(*args[:4], stroke=args[4], sw=1.6 if args[5] else 1.2, dash=None if args[5] else "4 3",
                            cls="km-edge")
        for pod, x, py, w in self.chips:
            self._pod(pod, x, py, w)
        y = legend(self.scene, M, y + 6, self.width - 2 * M)
        self.scene.height = y + M
        self._reorder()
        return self.scene

    def _reorder(self) -> None:
        """Service boxes were placed before the pods; draw them last so that edges start under them."""
        items = self.scene.items
        services = [i for i in items if i.get("cls") == "km-svc"]
        self.scene.items = [i for i in items if i.get("cls") != "km-svc"] + services

    # --- control plane ---------------------------------------------------------------------------------------

    def _control_plane(self, y: float) -> float:
        s, L = self.scene, self.L
        pods = [p for n in self.cps for p in n["pods"]]
        h = 30 + 34 + 8 + _pods_height(len(pods), self.width - 2 * M - 16)
        status = self.cps[0]["status"] if self.cps else "Ready"
        key = f"node:{self.cps[0]['name']}" if self.cps else None
        s.rect(M, y, self.width - 2 * M, h, fill="#f6f8fa", stroke=_border(status), sw=2, rx=8, key=key,
               dash="6 4" if "SchedulingDisabled" in status else None)
        names = ", ".join(n["name"] for n in self.cps)
        head = L["control_plane"] + (f" · {names}" if names else "")
        s.text(M + 10, y + 20, head, size=13, weight="bold", key=key)
        if self.cps:
            s.text(self.width - M - 10, y + 20, status, size=12, fill=_border(status), anchor="end", weight="bold")
        bw = (self.width - 2 * M - 20 - 3 * 8) / 4
        for i, comp in enumerate(CP_COMPONENTS):
            bx = M + 10 + i * (bw + 8)
            s.rect(bx, y + 30, bw, 28, fill="#ddf4ff", stroke="#54aeff", rx=5)
            s.text(bx + bw / 2, y + 48, fit(L[comp], bw - 8, 12), size=12, anchor="middle")
        self._place_pods(pods, M + 10, y + 66, self.width - 2 * M - 20)
        self.cp_bottom = y + h
        return y + h

    # --- worker nodes ----------------------------------------------------------------------------------------

    def _workers(self, y: float) -> float:
        s = self.scene
        if not self.workers:
            return y
        mid = self.width / 2
        s.line(mid, self.cp_bottom, mid, y - 20, cls="km-bus")
        for start in range(0, len(self.workers), PER_ROW):
            row = self.workers[start:start + PER_ROW]
            row_w = len(row) * NODE_W + (len(row) - 1) * GAP
            x0 = (self.width - row_w) / 2
            if start == 0:
                s.line(x0 + NODE_W / 2, y - 20, x0 + row_w - NODE_W / 2, y - 20, cls="km-bus")
            height = max(_node_height(n) for n in row)
            for i, node in enumerate(row):
                x = x0 + i * (NODE_W + GAP)
                if start == 0:
                    s.line(x + NODE_W / 2, y - 20, x + NODE_W / 2, y, cls="km-bus")
                self._node(node, x, y, height)
            y += height + GAP
        return y

    def _node(self, node: dict[str, Any], x: float, y: float, h: float) -> None:
        s, L = self.scene, self.L
        status, key = node["status"], f"node:{node['name']}"
        down = not status.startswith("Ready")
        s.rect(x, y, NODE_W, h, fill="#fdecec" if down else "#ffffff", stroke=_border(status), sw=2, rx=8, key=key,
               dash="6 4" if node["cordoned"] else None, title=f"{node['name']}: {status}")
        s.text(x + 10, y + 20, fit(node["name"], NODE_W - 110, 13), size=13, weight="bold", key=key)
        badge = status.replace(",SchedulingDisabled", f" · {L['cordoned']}")
        s.text(x + NODE_W - 10, y + 20, fit(badge, 120, 11), size=11, weight="bold", fill=_border(status),
               anchor="end", key=key)
        half = (NODE_W - 20 - 6) / 2
        for i, comp in enumerate(("kubelet", "kube_proxy")):
            s.rect(x + 10 + i * (half + 6), y + 30, half, 20, fill="#fff8c5", stroke="#d4a72c", rx=4)
            s.text(x + 10 + i * (half + 6) + half / 2, y + 44, L[comp], size=11, anchor="middle")
        s.rect(x + 10, y + 54, NODE_W - 20, 20, fill="#fbefff", stroke="#c297ff", rx=4)
        s.text(x + NODE_W / 2, y + 68, fit(L["runtime"], NODE_W - 30, 11), size=11, anchor="middle")
        self._place_pods(node["pods"], x + 8, y + 86, NODE_W - 16)

    # --- pods --------------------------------------------------------------------------------------------------

    def _place_pods(self, pods: list[dict[str, Any]], x: float, y: float, width: float) -> None:
        if len(pods) <= MAX_NAMED:
            for i, pod in enumerate(pods):
                py = y + i * (CHIP_H + CHIP_GAP)
                self.chips.append((pod, x, py, width))
                self.pod_anchor[pod["key"]] = (x + width, py + CHIP_H / 2)
            return
        per_row = int((width + 3) // (SQUARE + 3))
        for i, pod in enumerate(pods):
            px, py = x + (i % per_row) * (SQUARE + 3), y + (i // per_row) * (SQUARE + 3)
            self.chips.append((pod, px, py, SQUARE))
            self.pod_anchor[pod["key"]] = (px + SQUARE / 2, py + SQUARE)

    def _pod(self, pod: dict[str, Any], x: float, y: float, w: float) -> None:
        fill, ink = CATEGORY_COLOURS[pod["cat"]]
        key = f"pod:{pod['key']}"
        if w == SQUARE:
            self.scene.rect(x, y, SQUARE, SQUARE, fill=fill, rx=2, key=key, title=f"{pod['name']} {pod['status']}",
                            cls="km-pod")
            return
        title = f"{pod['name']}  {pod['ready']}  {pod['status']}  restarts {pod['restarts']}"
        self.scene.rect(x, y, w, CHIP_H, fill=fill, rx=4, key=key, title=title, cls="km-pod")
        status_w = min(110.0, w * 0.42)
        self.scene.text(x + 6, y + 14, fit(pod["name"], w - status_w - 10, 11), size=11, fill=ink, key=key)
        self.scene.text(x + w - 6, y + 14, fit(pod["status"], status_w, 10), size=10, fill=ink, anchor="end",
                        key=key)

    def _unscheduled(self, y: float) -> float:
        pods = self.snap["unscheduled"]
        if not pods:
            return y
        per_row = max(1, int((self.width - 2 * M - 20) // 230))
        rows = -(-len(pods) // per_row)
        h = 28 + rows * (CHIP_H + CHIP_GAP) + 6
        self.scene.rect(M, y, self.width - 2 * M, h, fill="#f6f8fa", stroke=LINE, rx=8, dash="4 3")
        self.scene.text(M + 10, y + 19, self.L["unscheduled"], size=12, weight="bold", fill=MUTED)
        for i, pod in enumerate(pods):
            px = M + 10 + (i % per_row) * 230
            py = y + 28 + (i // per_row) * (CHIP_H + CHIP_GAP)
            self.chips.append((pod, px, py, 220))
            self.pod_anchor[pod["key"]] = (px + 110, py + CHIP_H)
        return y + h + GAP

    # --- services ----------------------------------------------------------------------------------------------

    def _services(self, y: float) -> tuple[float, list[tuple[Any, ...]]]:
        services = self.snap["services"]
        edges: list[tuple[Any, ...]] = []
        if not services:
            return y, edges
        self.scene.text(M, y + 4, self.L["services"], size=12, weight="bold", fill=MUTED)
        per_row = max(1, int((self.width - 2 * M + 12) // (SERVICE_W + 12)))
        top = y + 16
        for i, svc in enumerate(services):
            x = M + (i % per_row) * (SERVICE_W + 12)
            sy = top + (i // per_row) * 56
            colour = SERVICE_PALETTE[i % len(SERVICE_PALETTE)]
            key = f"service:{svc['key']}"
            self.scene.rect(x, sy, SERVICE_W, 42, fill="#ffffff", stroke=colour, sw=2, rx=21, key=key, cls="km-svc")
            self.scene.text(x + 16, sy + 18, fit(svc["name"], SERVICE_W - 30, 12), size=12, weight="bold",
                            fill=colour, key=key, cls="km-svc")
            detail = f"{svc['type']} {svc['cluster_ip']} {svc['ports']}".strip()
            self.scene.text(x + 16, sy + 33, fit(detail, SERVICE_W - 30, 10), size=10, fill=MUTED, key=key,
                            cls="km-svc")
            for ep in svc["endpoints"]:
                if ep["pod"] in self.pod_anchor:
                    px, py = self.pod_anchor[ep["pod"]]
                    edges.append((x + SERVICE_W / 2, sy, px, py, colour if ep["ready"] else LINE, ep["ready"]))
        rows = -(-len(services) // per_row)
        return top + rows * 56, edges


def _border(status: str) -> str:
    return NODE_BORDER.get(status.split(",")[0], "#d93b3b")


def topology_scene(snap: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    return TopologyLayout(snap, labels).build().to_json()
