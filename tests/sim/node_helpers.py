"""Helpers shared by the scenario tests of the node side (scheduler, kubelet, DaemonSets, kube-system)."""

from __future__ import annotations

from typing import Any

from kube_magics.sim import SimCluster


def pod(name: str, image: str = "nginx:1.20", **container: Any) -> dict[str, Any]:
    """A one-container pod manifest; `spec` (a dict) goes into the pod's spec, the rest into the container."""
    spec = container.pop("spec", {})
    c = {"name": container.pop("cname", "app"), "image": image, **container}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [c], **spec}}


def container_status(c: SimCluster, name: str, namespace: str = "default") -> dict[str, Any]:
    return c.get("pod", name, namespace=namespace)["status"]["containerStatuses"][0]  # type: ignore[no-any-return]


def messages(c: SimCluster, name: str, reason: str | None = None) -> list[str]:
    return [e["message"] for e in c.events(c.get("pod", name)) if reason is None or e["reason"] == reason]


def run_until(c: SimCluster, predicate: Any, timeout: float = 300.0) -> float:
    """Advance until `predicate(c)` holds; returns the virtual seconds it took (fails the test on timeout)."""
    start = c.elapsed
    assert c.rt.run_until(lambda: predicate(c), timeout=timeout), "timed out"
    return c.elapsed - start
