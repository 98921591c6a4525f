"""The served cluster and the one lock in front of it.

The simulator is single-threaded: every access to it from the server (a request's reads and writes, a watch
subscribing, the real-time driver moving the clock) and from the notebook (through the locked backend) holds
`Host.lock`, so they take turns. Critical sections are kept short: the store hands out immutable objects, so a
request takes what it needs under the lock and filters, converts and serialises it after releasing it.

Owns: the lock, the cluster's catalogue index by (group, version, resource), the OpenAPI documents, the stop
flag that ends watches and followed logs. Must not: be imported by the simulator.
"""

from __future__ import annotations

import threading

from kube_magics.apiserver.cache import ResponseCache
from kube_magics.apiserver.openapi import OpenAPIDocuments
from kube_magics.apiserver.routing import Index
from kube_magics.sim.cluster import SimCluster

FOLLOW_LIMIT = 3600.0  # wall-clock seconds a followed log streams at most


class Host:
    """A SimCluster as the server sees it: reached only under `lock`."""

    def __init__(self, cluster: SimCluster, *, lock: threading.RLock | None = None, address: str = "",
                 token: str = "") -> None:
        self.cluster = cluster
        self.token = token
        self.rt = cluster.rt
        self.lock = lock if lock is not None else threading.RLock()
        self.address = address
        self.version = cluster.config.kubernetes_version
        self.openapi = OpenAPIDocuments(cluster.rt.catalogue, self.version)
        self.stopping = threading.Event()
        self.follow_limit = FOLLOW_LIMIT
        self.reads = ResponseCache()
        self.lines = ResponseCache(size=4096)  # watch event lines, shared by the watches that send them
        self.routes = Index(cluster.rt.catalogue)

    def stamp(self) -> tuple[int, int]:
        """What identical reads' answers depend on: the resourceVersion and the virtual second (the caller holds
        the lock)."""
        return self.rt.store.resource_version, int(self.rt.now)

    def settle(self) -> None:
        """Let the controllers react to a write, at the current virtual instant (the caller holds the lock)."""
        self.rt.settle()
