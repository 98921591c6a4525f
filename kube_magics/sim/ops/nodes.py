"""SimCluster verbs: Nodes and containers: logs, adding nodes (node faults join later)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube_magics.sim.nodes import make_node

if TYPE_CHECKING:
    from kube_magics.sim.controllers.kubelet import KubeletController
    from kube_magics.sim.runtime import Runtime


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
        from kube_magics.sim.objects import deep_copy

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
