"""What the simulator's speed-ups must not cost: memory a discarded cluster holds comes back, and watchers added or
removed between changes hear exactly the changes made while they were subscribed."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from kube_magics.sim import SimCluster, runtime

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}},
}


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}


def test_a_discarded_cluster_is_collected_after_a_big_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every step counts as big: what it leaves alive is frozen rather than scanned when the collector resumes.
    monkeypatch.setattr(runtime, "DEFER_COLLECTION_ABOVE", -1)
    c = SimCluster(workers=1, seed=0)
    c.apply(DEPLOYMENT)
    c.advance(10)
    assert gc.isenabled()
    assert len(c.list("pods")) == 3
    gone = weakref.ref(c.rt)
    del c
    monkeypatch.setattr(runtime, "DEFER_COLLECTION_ABOVE", 10**12)
    SimCluster(workers=1, seed=0).advance(1)  # the simulator runs again: what was frozen is the collector's again
    gc.collect()
    assert gone() is None
    assert gc.isenabled()


def test_watchers_hear_the_changes_made_while_they_are_subscribed() -> None:
    c = SimCluster(workers=1, seed=0)
    first: list[str] = []
    second: list[str] = []
    stop_first = c.watch(lambda e: first.append(f"{e['type']} {e['object']['metadata']['name']}"), kinds=["pods"])
    c.create(pod("a"))
    stop_first()
    c.create(pod("b"))
    stop_second = c.watch(lambda e: second.append(f"{e['type']} {e['object']['metadata']['name']}"),
                          kinds=["pods"])
    c.create(pod("c"))
    stop_second()
    c.create(pod("d"))
    # Each create settles the cluster, so the scheduler's binding of that pod is heard too; nothing of the others.
    assert first[0] == "ADDED a" and {e.split()[1] for e in first} == {"a"}
    assert second[0] == "ADDED c" and {e.split()[1] for e in second} == {"c"}
