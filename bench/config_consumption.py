"""What consuming ConfigMaps and Secrets costs the simulated kubelet.

    python3 bench/config_consumption.py                  # 20 workers, 2,000 pods
    python3 bench/config_consumption.py --pods 10000 --workers 100

Runs the same Deployment twice, on fresh clusters: plain nginx pods, then pods that read a ConfigMap and a Secret
(`envFrom`, a `valueFrom` key, `status.podIP` from the downward API, a ConfigMap volume and a Secret volume). For
each it prints the CPU time from the apply to every pod Running. Then it changes the ConfigMap and prints the CPU
time of the minute in which the kubelet rewrites every pod's volume, and checks one pod's file and environment.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kube_magics.sim import SimCluster

CONFIG = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"},
     "data": {"MODE": "production", "LOG_LEVEL": "info", "app.properties": "color=blue\nsize=10\n"}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-secret"}, "stringData": {"PASSWORD": "s3cr3t"}},
]


def deployment(pods: int, consume: bool) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "web", "image": "nginx:1.20"}
    spec: dict[str, Any] = {"containers": [container]}
    if consume:
        container["envFrom"] = [{"configMapRef": {"name": "app-config"}}]
        container["env"] = [
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-secret", "key": "PASSWORD"}}},
            {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]
        container["volumeMounts"] = [{"name": "config", "mountPath": "/etc/config"},
                                     {"name": "creds", "mountPath": "/etc/creds", "readOnly": True}]
        spec["volumes"] = [{"name": "config", "configMap": {"name": "app-config"}},
                           {"name": "creds", "secret": {"secretName": "db-secret"}}]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": pods, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}}}


def all_running(c: SimCluster, pods: int) -> bool:
    store = c.rt.store
    running = sum(1 for p in store.iter("Pod") if p["metadata"].get("namespace") == "default"
                  and (p.get("status") or {}).get("phase") == "Running")
    return running >= pods


def run(pods: int, workers: int, consume: bool) -> tuple[SimCluster, float]:
    c = SimCluster(workers=workers)
    c.apply(CONFIG)
    start = time.process_time()
    c.apply(deployment(pods, consume))
    assert c.rt.run_until(lambda: all_running(c, pods), timeout=3600, step=5)
    return c, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=20)
    args = parser.parse_args()
    _, plain = run(args.pods, args.workers, consume=False)
    print(f"{args.pods} plain pods Running:                     {plain:6.2f} s CPU")
    c, consuming = run(args.pods, args.workers, consume=True)
    extra = (consuming - plain) / args.pods * 1e6
    print(f"{args.pods} pods with env and volumes Running:      {consuming:6.2f} s CPU "
          f"({extra:+.0f} us per pod)")
    c.patch("configmap", "app-config", {"data": {"MODE": "maintenance"}})
    start = time.process_time()
    c.advance(60)
    update = time.process_time() - start
    name = next(p["metadata"]["name"] for p in c.list("pods", selector="app=web"))
    assert c.read_file(name, "/etc/config/MODE") == "maintenance" and c.exec_env(name)["MODE"] == "production"
    print(f"the minute in which {args.pods} pods' files are rewritten: {update:6.2f} s CPU")


if __name__ == "__main__":
    main()
