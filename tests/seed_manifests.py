"""The seed chapter's manifests, as the Kubernetes 1.35 recordings apply them (tests/data/k8s-1.35): its nginx Pod,
its nginx Deployment (the one `python -m kube_magics.demo` runs), and the ConfigMap and Secret of the config
recording. One copy for every tier of tests; the magics tests put `%%k8s` in front."""

from __future__ import annotations

from kube_magics.demo import DEPLOYMENT as SEED_DEPLOYMENT

SEED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
spec:
  containers:
    - name: nginx
      image: nginx:1.20
      ports:
        - containerPort: 80
"""

SEED_CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  MODE: production
  LOG_LEVEL: info
---
apiVersion: v1
kind: Secret
metadata:
  name: db-secret
type: Opaque
stringData:
  PASSWORD: s3cr3t
"""

__all__ = ["SEED_CONFIG", "SEED_DEPLOYMENT", "SEED_POD"]
