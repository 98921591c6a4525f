"""Node objects as a kind cluster registers them: names, labels, taints, pod CIDRs, capacity, addresses.

kind names nodes `<cluster>-control-plane`, `<cluster>-worker`, `<cluster>-worker2`, ...; the control-plane node
carries the `node-role.kubernetes.io/control-plane:NoSchedule` taint; each node gets a /24 from 10.244.0.0/16 in
the order it joins, and an address on the `kind` Docker network (172.18.0.0/16).
"""

from __future__ import annotations

import hashlib
from typing import Any

from kube_magics.sim.runtime import SimConfig
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]

CONTROL_PLANE_TAINT = {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}


def node_names(config: SimConfig) -> list[str]:
    names = [f"{config.name}-control-plane"]
    for i in range(config.workers):
        names.append(f"{config.name}-worker" + ("" if i == 0 else str(i + 1)))
    return names


def node_ip(index: int) -> str:
    """172.18.0.2 for the first node, as Docker's `kind` network hands them out."""
    n = index + 2
    return f"172.18.{n // 256}.{n % 256}"


def pod_cidr(index: int) -> str:
    return f"10.244.{index}.0/24"


def make_node(config: SimConfig, name: str, index: int, *, now: float, control_plane: bool = False,
              cpu: str | None = None, memory: str | None = None, pods: int | None = None,
              gpus: int | None = None, labels: dict[str, str] | None = None) -> Obj:
    stamp = rfc3339(now)
    node_labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    if control_plane:
        node_labels["node-role.kubernetes.io/control-plane"] = ""
        node_labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    node_labels.update(labels or {})
    capacity: dict[str, Any] = {
        "cpu": cpu or config.node_cpu,
        "ephemeral-storage": config.node_ephemeral_storage,
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": memory or config.node_memory,
        "pods": str(pods if pods is not None else config.node_pods),
    }
    n_gpus = config.node_gpus if gpus is None and not control_plane else (gpus or 0)
    if n_gpus:
        capacity["nvidia.com/gpu"] = str(n_gpus)
    spec: Obj = {"podCIDR": pod_cidr(index), "podCIDRs": [pod_cidr(index)],
                 "providerID": f"kind://docker/{config.name}/{name}"}
    if control_plane:
        spec["taints"] = [dict(CONTROL_PLANE_TAINT)]

    def cond(ctype: str, status: str, reason: str, message: str) -> Obj:
        return {"type": ctype, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}

    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": node_labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "addresses": [{"address": node_ip(index), "type": "InternalIP"},
                          {"address": name, "type": "Hostname"}],
            "allocatable": dict(capacity),
            "capacity": capacity,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
                     "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": [],
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": _uuid(f"{config.name}/{name}/boot"),
                "containerRuntimeVersion": "containerd://2.1.3",
                "kernelVersion": "6.8.0-sim",
                "kubeProxyVersion": "",  # deprecated: a 1.35 kubelet no longer reports it (describe shows it blank)
                "kubeletVersion": config.kubernetes_version,
                "machineID": hashlib.sha256(f"{config.name}/{name}/machine".encode()).hexdigest()[:32],
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": _uuid(f"{config.name}/{name}/system"),
            },
        },
    }


def _uuid(seed: str) -> str:
    """A UUID-shaped identifier derived from `seed` (the same node always gets the same one)."""
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
