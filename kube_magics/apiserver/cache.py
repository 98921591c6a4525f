"""Answers to identical reads, kept while nothing has changed (what the API server's watch cache does for lists).

Many clients ask the same thing (a class of terminals running `kubectl get pods`, informers relisting): while the
store's resourceVersion and the virtual second stay the same, the same request has the same answer, so its bytes
are kept and sent again. The second is part of the stamp because Tables print ages (`AGE 5s`). A write moves the
resourceVersion, so an answer is never older than the state it was read at.

Owns: the kept answers (a small LRU). Must not: keep anything that depends on more than the request and the stamp.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

Stamp = tuple[int, int]  # (resourceVersion, virtual second)
SIZE = 128


class ResponseCache:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Stamp, bytes, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, stamp: Stamp) -> tuple[bytes, str] | None:
        """The body and content type kept for `key` at `stamp`, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != stamp:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1], item[2]

    def put(self, key: Hashable, stamp: Stamp, body: bytes, content_type: str) -> None:
        with self._lock:
            self._items[key] = (stamp, body, content_type)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
