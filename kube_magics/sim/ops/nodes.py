"""SimCluster verbs: nodes and containers: logs, adding nodes, node faults (fail, recover), cordon, uncordon, drain,
and the Eviction API.

A failed node is one whose kubelet stopped talking to the API server (a crashed machine, a cut network): it renews
no Lease and posts no status, and its containers keep running as far as anyone can tell. What follows is the
control plane's doing, on the virtual clock (`controllers/nodelifecycle.py`, `taintmanager.py`, `podgc.py`):
NotReady after the 50 s grace period, the `unreachable` taints, pods evicted 300 s later and stuck Terminating
until the node comes back (`recover_node`) or its Node object is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kube_magics.errors import DrainError, KubeMagicsError, not_found
from kube_magics.sim import eviction
from kube_magics.sim.drain import DrainOptions, drain_pods
from kube_magics.sim.nodes import make_node
from kube_magics.sim.objects import deep_copy
from kube_magics.timefmt import parse_duration

if TYPE_CHECKING:
    from kube_magics.sim.controllers.kubelet import KubeletController
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
EVICTION_AFTER = 300  # the DefaultTolerationSeconds admission plugin's not-ready/unreachable tolerations


@dataclass(frozen=True)
class NodeNotice:
    """What a node fault or recovery did; `str()` is one line saying what happens next and when."""

    node: str
    text: str
    not_ready_in: float | None = None  # virtual seconds until the node controller marks it NotReady

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class DrainResult:
    """A finished drain: the pods evicted, and what kubectl would have printed (`str()`)."""

    node: str
    evicted: list[str]
    output: str

    def __str__(self) -> str:
        return self.output.rstrip("\n")


class NodeOps:
    rt: Runtime

    def logs(self, pod: str, container: str | None = None, *, namespace: str = "default", previous: bool = False,
             tail: int | None = None) -> str:
        """What a container printed, as `kubectl logs` shows it (`previous`: the run before the last restart;
        `tail`: only the last lines). Raises the API server's errors for a container that has not started."""
        kubelet: KubeletController = self.rt.services["kubelet"]
        lines = kubelet.logs(namespace, pod, container, previous=previous)
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        return "".join(line + "\n" for line in lines)

    def add_node(self, name: str | None = None, *, cpu: str | None = None, memory: str | None = None,
                 pods: int | None = None, gpus: int | None = None, labels: dict[str, str] | None = None,
                 taints: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Join a worker node (named as kind would name the next one unless given); returns a copy of it."""
        index = self.rt.store.count("Node")
        if name is None:
            existing = {n["metadata"]["name"] for n in self.rt.store.iter("Node")}
            i = index
            name = f"{self.rt.config.name}-worker" + ("" if i == 1 else str(i))
            while name in existing:
                i += 1
                name = f"{self.rt.config.name}-worker{i}"
        node = make_node(self.rt.config, name, index, now=self.rt.now, cpu=cpu, memory=memory, pods=pods, gpus=gpus,
                         labels=labels)
        if taints:
            node["spec"]["taints"] = [dict(t) for t in taints]
        created = self.rt.api.create(node, trusted=True)
        self.rt.settle()
        return deep_copy(created)

    # --- faults ----------------------------------------------------------------------------------------------------

    def fail_node(self, name: str) -> NodeNotice:
        """Stop the node's kubelet: no more Lease renewals or status, its containers left running. The node
        controller marks it NotReady once the 50 s grace period has passed since it last heard from it, taints it
        `node.kubernetes.io/unreachable`, and pods that tolerate that for the default 300 s are evicted then (and
        replaced elsewhere by their controllers); they stay Terminating while the node is down.

            c.fail_node("sim-worker2")   # sim-worker2 stopped reporting: NotReady in 52s, pods evicted 300s later
        """
        kubelet = self._kubelet(name)
        if not kubelet.node_runtime(name).alive:
            return NodeNotice(name, f"{name} is already down")
        kubelet.set_alive(name, False)
        self.rt.settle()
        monitor = self.rt.services.get("node-lifecycle")
        when = None if monitor is None else monitor.silent_deadline(name)
        if when is None:
            return NodeNotice(name, f"{name} stopped reporting (no node controller runs here: nothing will notice)")
        seconds = round(when - self.rt.now)
        return NodeNotice(name, f"{name} stopped reporting: NotReady in {seconds}s (node-monitor-grace-period 50s), "
                                f"pods evicted {EVICTION_AFTER}s after that", not_ready_in=when - self.rt.now)

    def recover_node(self, name: str) -> NodeNotice:
        """Start the node's kubelet again: it posts Ready and renews its Lease at once, so the node controller
        lifts the taints (the NoExecute one at its next pass, within 5 s) and pods stuck Terminating finish."""
        kubelet = self._kubelet(name)
        if kubelet.node_runtime(name).alive:
            return NodeNotice(name, f"{name} is already up")
        kubelet.set_alive(name, True)
        self.rt.settle()
        stuck = sum(1 for p in self.rt.store.iter("Pod")
                    if p["spec"].get("nodeName") == name and p["metadata"].get("deletionTimestamp"))
        tail = f", {stuck} Terminating pod{'s' if stuck != 1 else ''} finish" if stuck else ""
        return NodeNotice(name, f"{name} is reporting again: Ready now, taints removed within 5s{tail}")

    def _kubelet(self, name: str) -> KubeletController:
        if self.rt.store.get("Node", "", name) is None:
            raise not_found("nodes", name)
        kubelet: KubeletController | None = self.rt.services.get("kubelet")
        if kubelet is None or name not in kubelet.nodes:
            raise KubeMagicsError(f"{name} has no simulated kubelet (this cluster runs without \"kubelet\")")
        return kubelet

    # --- maintenance -----------------------------------------------------------------------------------------------

    def cordon(self, name: str) -> str:
        """Mark the node unschedulable, as `kubectl cordon` does; returns its line (`node/x cordoned`)."""
        return self._cordon(name, True)

    def uncordon(self, name: str) -> str:
        """Make the node schedulable again (`kubectl uncordon`); returns its line (`node/x uncordoned`)."""
        return self._cordon(name, False)

    def _cordon(self, name: str, desired: bool) -> str:
        node = self.rt.api.get("Node", "", name)
        word = "cordoned" if desired else "uncordoned"
        if bool((node.get("spec") or {}).get("unschedulable")) == desired:
            return f"node/{name} already {word}"
        # kubectl's cordon helper sends a strategic merge patch (field manager: its user agent, "kubectl").
        self.rt.api.patch("Node", "", name, {"spec": {"unschedulable": True if desired else None}},
                          patch_type="strategic", manager="kubectl")
        self.rt.settle()
        return f"node/{name} {word}"

    def drain(self, name: str, *, ignore_daemonsets: bool = True, delete_emptydir_data: bool = False,
              force: bool = False, grace_period: int | None = None, timeout: float | str = "10m") -> DrainResult:
        """`kubectl drain`: cordon the node, evict its pods through the Eviction API (PodDisruptionBudgets
        honoured; DaemonSet-managed and mirror pods stay), and wait until they are gone, the virtual clock moving
        meanwhile. Raises DrainError with kubectl's message (and `output`) when it cannot finish: DaemonSet pods
        without `ignore_daemonsets`, emptyDir data without `delete_emptydir_data`, bare pods without `force`, or
        pods still there after `timeout` (a failed node's pods never go)."""
        lines = [self._cordon(name, True)]
        options = DrainOptions(ignore_daemonsets, delete_emptydir_data, force, grace_period,
                               parse_duration(timeout))
        try:
            more, evicted = drain_pods(self.rt, name, options)
        except DrainError as exc:
            exc.output = "".join(line + "\n" for line in lines) + exc.output + \
                f'error: unable to drain node "{name}" due to error: {exc.message}, continuing command...\n' \
                f"There are pending nodes to be drained:\n {name}\n"
            raise
        lines += [*more, f"node/{name} drained"]
        return DrainResult(name, evicted, "".join(line + "\n" for line in lines))

    def evict(self, pod: str, namespace: str = "default", *, grace_period: int | None = None,
              dry_run: bool = False) -> Obj:
        """The Eviction API (`POST pods/<name>/eviction`): a graceful delete that a PodDisruptionBudget may refuse
        (TooManyRequestsError, 429). Returns the pod as the delete left it."""
        gone = eviction.evict(self.rt, namespace, pod, grace=grace_period, dry_run=dry_run)
        self.rt.settle()
        return deep_copy(gone)
