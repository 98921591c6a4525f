"""Kubeconfig files for the tests: several contexts, local-looking and remote-looking, as kind, minikube, k3d and
managed clusters write them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def kubeconfig(path: Path, contexts: dict[str, str], *, current: str = "", namespaces: dict[str, str] | None = None,
               token: str = "t0ken", extra_cluster: dict[str, Any] | None = None) -> Path:
    """Write a kubeconfig with one cluster and one user per context (`contexts`: name -> server URL)."""
    namespaces = namespaces or {}
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": current,
        "clusters": [{"name": name, "cluster": {"server": server, **(extra_cluster or {})}}
                     for name, server in contexts.items()],
        "users": [{"name": name, "user": {"token": token}} for name in contexts],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name,
                                                 **({"namespace": namespaces[name]} if name in namespaces else {})}}
                     for name in contexts],
        "preferences": {},
    }
    path.write_text(yaml.safe_dump(doc))
    return path


# A workshop laptop: local clusters of every common flavour, and two remote clusters from work.
WORKSHOP = {
    "kind-workshop": "https://127.0.0.1:40123",
    "minikube": "https://192.168.49.2:8443",
    "k3d-dev": "https://0.0.0.0:33445",
    "docker-desktop": "https://kubernetes.docker.internal:6443",
    "rancher-desktop": "https://127.0.0.1:6443",
    "orbstack": "https://k8s.orb.local:26443",
    "kube-magics-sim": "http://127.0.0.1:38001",
    "homelab-on-localhost": "https://localhost:16443",
    "ipv6-loopback": "https://[::1]:6443",
    "gke_acme_europe-west1_prod": "https://34.77.10.20",
    "arn:aws:eks:eu-west-1:123456789012:cluster/staging": "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
}
REMOTE = ("gke_acme_europe-west1_prod", "arn:aws:eks:eu-west-1:123456789012:cluster/staging")
