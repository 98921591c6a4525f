"""Manifests and load for the autoscaling scenario tests (metrics, HPA, cluster autoscaler).

`start_load` drives CPU load onto a Service's pods. With the traffic model in the tree (`SimCluster.set_load`) it
uses it; without it, it does what the traffic model does through the metrics API's `set_demand`: `rps` requests
a second at 1 millicore-second each, spread evenly over the ready pods, spread again whenever a pod's readiness
changes. It returns which of the two ran ("set_load" or "set_demand") and a function that stops the load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_magics.sim import SimCluster

COST_MILLICORE_SECONDS = 1.0  # per request, the traffic model's default for the built-in web images

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.20
        ports: [{containerPort: 80}]
        resources:
          requests: {cpu: 100m}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"""

HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: {min}
  maxReplicas: {max}
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 50}
"""


def hpa(min_replicas: int = 2, max_replicas: int = 10, behavior: str = "") -> str:
    text = HPA.replace("{min}", str(min_replicas)).replace("{max}", str(max_replicas))
    return text + (f"  behavior:\n{behavior}" if behavior else "")


def ready(pod: dict[str, Any]) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or ())


def replicas(c: SimCluster, name: str = "web") -> int:
    return int(c.get("deploy", name)["spec"]["replicas"])


def advance_until(c: SimCluster, predicate: Callable[[], bool], *, timeout: float, step: float = 1.0) -> float:
    """Advance in steps until `predicate()` holds; returns the virtual seconds it took (fails after timeout)."""
    waited = 0.0
    while not predicate():
        assert waited < timeout, f"not within {timeout} virtual seconds"
        c.advance(step)
        waited += step
    return waited


def start_load(c: SimCluster, rps: float, *, service: str = "web", selector: str = "app=web",
               traffic_model: bool = True) -> tuple[str, Callable[[], None]]:
    """`traffic_model=False` takes the set_demand path even when the traffic model is there."""
    if traffic_model and hasattr(c, "set_load"):
        c.set_load(f"svc/{service}", rps=rps)
        return "set_load", lambda: c.set_load(f"svc/{service}", rps=0)
    level = {"rps": rps}

    def spread(_: Any = None) -> None:
        pods = c.list("pods", selector=selector)
        serving = [p for p in pods if ready(p)]
        for p in pods:
            share = level["rps"] * COST_MILLICORE_SECONDS / len(serving) if p in serving else 0.0
            c.set_demand(p["metadata"]["name"], share, source="traffic")

    stop_watch = c.watch(spread, ["pods"])
    spread()

    def stop() -> None:
        level["rps"] = 0.0
        spread()
        stop_watch()

    return "set_demand", stop
