"""What managedFields bookkeeping costs on the controllers' hot paths, at 10,000 pods.

Drives the writes a ReplicaSet's pods go through (create by the ReplicaSet controller, a scheduler write of
spec.nodeName (recorded; a pods/binding write would not be), three status writes by the kubelet) straight through
the API logic, with the field managers as they are and with their recording switched off, alternately, best of
ROUNDS in CPU time (other processes add noise, not speed). Prints the time per write, the memory left allocated,
and what reading every pod's managedFields once costs (the work deferred to reads).

    python3 bench/managedfields_overhead.py [PODS] [ROUNDS]
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from typing import Any

from kube_magics.sim import SimCluster
from kube_magics.sim.fieldmanagers import FieldManagers
from kube_magics.sim.managedfields import EMPTY
from kube_magics.sim.objects import deep_copy

TEMPLATE = {
    "metadata": {"labels": {"app": "web", "pod-template-hash": "5d8f7c9b6"}},
    "spec": {"containers": [{"name": "web", "image": "nginx:1.20", "ports": [{"containerPort": 80}],
                             "resources": {"requests": {"cpu": "100m"}}}]},
}


def pod_from_template(i: int, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"web-5d8f7c9b6-{i:05d}", "generateName": "web-5d8f7c9b6-", "namespace": "default",
                     "labels": dict(TEMPLATE["metadata"]["labels"]), "ownerReferences": [owner]},
        "spec": deep_copy(TEMPLATE["spec"]),
    }


def statuses(pod: dict[str, Any], node: str) -> list[dict[str, Any]]:
    t = "2026-01-05T09:00:01Z"
    cond = [{"type": c, "status": "True", "lastProbeTime": None, "lastTransitionTime": t}
            for c in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
    base = {"phase": "Pending", "qosClass": "Burstable", "hostIP": "172.18.0.2", "hostIPs": [{"ip": "172.18.0.2"}],
            "startTime": t}
    waiting = {**base, "conditions": [dict(c, status="False") for c in cond],
               "containerStatuses": [{"name": "web", "ready": False, "restartCount": 0, "image": "nginx:1.20",
                                      "state": {"waiting": {"reason": "ContainerCreating"}}}]}
    running = {**base, "phase": "Running", "podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}],
               "conditions": cond,
               "containerStatuses": [{"name": "web", "ready": True, "restartCount": 0, "image": "nginx:1.20",
                                      "started": True, "state": {"running": {"startedAt": t}}}]}
    return [{**base, "conditions": [cond[-1]]}, waiting, running]


def run(pods: int, *, record: bool, trace: bool = False) -> tuple[float, int, SimCluster]:
    """Time `pods` pods' writes; with `trace`, measure the memory they leave allocated instead (slower)."""
    c = SimCluster(workers=2, seed=0)
    rt = c.rt
    fm = rt.field_managers
    if not record:
        fm.create_fields = lambda obj: EMPTY  # type: ignore[method-assign]
        fm.on_create = lambda *a, **k: None  # type: ignore[method-assign]
        fm.on_update = lambda *a, **k: None  # type: ignore[method-assign]
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f7c9b6", "uid": "0000-rs",
             "controller": True, "blockOwnerDeletion": True}
    api = rt.api
    gc.collect()
    if trace:
        tracemalloc.start()
    start = time.process_time()
    for i in range(pods):
        fm.actor = "replicaset-controller"
        pod = api.create(pod_from_template(i, owner), trusted=True)
        fm.actor = "default-scheduler"
        bound = dict(pod)
        bound["spec"] = {**pod["spec"], "nodeName": "sim-worker"}
        pod = api.write(bound)
        fm.actor = "kubelet"
        for status in statuses(pod, "sim-worker"):
            pod = api.write_status(pod, status)
    elapsed = time.process_time() - start
    fm.actor = None
    mem = 0
    if trace:
        mem = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    return elapsed, mem, c


def main() -> None:
    pods = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    writes = pods * 5
    run(200, record=True)  # warm the schema and caches
    # Alternate the two, best of `rounds` each, in CPU time: other processes on the machine add noise.
    offs, ons = [], []
    for _ in range(rounds):
        offs.append(run(pods, record=False)[0])
        ons.append(run(pods, record=True)[0])
    off, on = min(offs), min(ons)
    print(f"{pods} pods, {writes} writes (create, bind, 3 status writes each); best of {rounds}")
    print(f"  without managedFields: {off:6.2f} s  ({off / writes * 1e6:5.1f} us/write)")
    print(f"  with managedFields:    {on:6.2f} s  ({on / writes * 1e6:5.1f} us/write)")
    print(f"  overhead:              {on - off:6.2f} s  ({(on - off) / writes * 1e6:5.1f} us/write, "
          f"{(on - off) / off * 100:4.1f}%)")
    _, mem_off, _ = run(pods, record=False, trace=True)
    _, mem_on, c = run(pods, record=True, trace=True)
    print(f"  memory left allocated: {mem_off / 2**20:.0f} MiB without, {mem_on / 2**20:.0f} MiB with "
          f"({(mem_on - mem_off) / 2**20:+.1f} MiB)")
    fm: FieldManagers = c.rt.field_managers
    start = time.process_time()
    for pod in c.rt.store.iter("Pod"):
        fm.managed_fields(pod)
    read = time.process_time() - start
    print(f"  reading every pod's managedFields once (the deferred work): {read:.2f} s ({read / pods * 1e6:.0f} "
          "us/pod)")
    sample = next(iter(c.rt.store.iter("Pod")))
    print("  a pod's entries:", ", ".join(f"{e['manager']}/{e['operation']}/{e.get('subresource', '-')}"
                                         for e in fm.managed_fields(sample) or ()))


if __name__ == "__main__":
    main()
