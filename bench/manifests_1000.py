"""One %%k8s cell of 1,000 documents: templated, parsed, schema-checked and validated (target: at most 2 s).

    python3 bench/manifests_1000.py

Prints the wall time of each stage for a cell of 1,000 documents (Deployments, Services and ConfigMaps in turn,
with `{{ }}` expressions and YAML flow mappings), and of the whole check that `%%k8s` runs before it writes:
rendering and reading the cell, strict decoding of every document, then the API server's defaulting, admission
and validation as a dry run of the batch on a simulated cluster.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's kube_magics, run from anywhere

from kube_magics import manifests
from kube_magics.sim import SimCluster

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  labels: {{app: web-{i}, tier: "{{{{ tier }}}}"}}
spec:
  replicas: {{{{ replicas }}}}
  selector:
    matchLabels:
      app: web-{i}
  template:
    metadata:
      labels:
        app: web-{i}
    spec:
      containers:
        - name: web
          image: "{{{{ image }}}}"
          ports:
            - containerPort: 80
          resources:
            requests: {{cpu: 100m, memory: 64Mi}}
            limits: {{cpu: 200m, memory: 128Mi}}
          env:
            - name: MODE
              value: "{{{{ mode }}}}"
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: web-{i}
spec:
  selector: {{app: web-{i}}}
  ports:
    - name: http
      port: 80
      targetPort: 80
"""
CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: config-{i}
data:
  MODE: "{{{{ mode }}}}"
  LEVEL: info
"""
VARIABLES = {"tier": "frontend", "replicas": 2, "image": "nginx:1.25", "mode": "production"}


def cell(n: int = 1000) -> str:
    shapes = (DEPLOYMENT, SERVICE, CONFIGMAP)
    return "---\n".join(shapes[i % 3].format(i=i) for i in range(n))


def timed(text: str) -> tuple[int, float, float, float]:
    c = SimCluster()
    t0 = time.perf_counter()
    docs = manifests.parse(text, variables=VARIABLES)
    t1 = time.perf_counter()
    manifests.validate(docs)
    t2 = time.perf_counter()
    c.apply(docs, dry_run=True)
    t3 = time.perf_counter()
    return len(docs), t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    text = cell()
    manifests.validate(manifests.parse(cell(3), variables=VARIABLES))  # load the schema once, as a kernel has
    runs = [timed(text) for _ in range(3)]
    n, parse, decode, dry = min(runs, key=lambda r: sum(r[1:]))
    print(f"cell: {n} documents, {text.count(chr(10))} lines (best of {len(runs)} runs)")
    print(f"template + YAML + positions: {parse:.3f} s")
    print(f"strict schema decoding:       {decode:.3f} s")
    print(f"API dry run (defaults, admission, validation): {dry:.3f} s")
    print(f"total: {parse + decode + dry:.3f} s (target: at most 2 s)")


if __name__ == "__main__":
    main()
