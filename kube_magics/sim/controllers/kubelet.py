"""The simulated kubelets: one controller serves every node, with per-node state (`NodeRuntime`).

For each pod bound to a node it runs the pod's life (`kubelet_stages.py`): the sandbox and pod IP, image pulls,
init containers in order, containers started, probed, restarted with back-off, stopped gracefully on deletion;
and writes the pod status a real kubelet writes (`kubelet_status.py`) and its events (Pulling, Pulled, Created,
Started, Killing, BackOff, Failed, Unhealthy) through the core/v1 recorder, source `kubelet` on the node.
Container logs are kept per container instance (current and previous) for `SimCluster.logs`, with the access lines
of the requests the instance served (`accesslog.py`) merged in by time. Volumes and each container's
configuration (ConfigMaps, Secrets, the downward API, service links) are `kubelet_config.py`'s: the kubelet also
watches the ConfigMaps and Secrets its pods use.

Node side: the node's image cache in `node.status.images`; Leases in kube-node-lease. A real kubelet renews its
Lease every 10 s and posts node status every 5 min when nothing changes. Here one timer renews the Leases of all
live nodes in one pass (a small write each, no per-node timers), and the 5-minute heartbeat rides on the same
timer. To keep the cost bounded in large clusters, the renewal period is 10 s up to 200 nodes and 30 s beyond
(still well inside the Lease's 40 s duration and the node monitor's 50 s grace period, so a live node never
looks late): 1,000 nodes cost about 33 small writes per virtual second, about a second of work per virtual
hour. Pods cost nothing while nothing about them changes: probe results and exits are computed ahead (the
behaviour model knows them), so a pod sleeps until its next transition.

A stopped kubelet (`set_alive`, node faults) renews nothing and leaves its pods be; back, it posts its node's and
pods' status (`kubelet_node.py`).

Must not: schedule pods (the scheduler binds them), create or delete pods other than mirror pods' deletion
finishing (`api.finish_deletion`), or read the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_magics.errors import BadRequestError, not_found
from kube_magics.images import normalise
from kube_magics.sim.behaviour import Context, Process, command_of, env_of, plan
from kube_magics.sim.clock import quantize
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers import kubelet_node
from kube_magics.sim.controllers import kubelet_stages as stages
from kube_magics.sim.controllers.kubelet_config import ConfigManager, ContainerConfig
from kube_magics.sim.controllers.kubelet_runtime import NodeRuntime
from kube_magics.sim.controllers.kubelet_state import CState, Instance, PodRuntime
from kube_magics.sim.controllers.kubelet_status import pod_status
from kube_magics.sim.objects import set_condition
from kube_magics.sim.registry import Image, registry_of
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import rfc3339, rfc3339_micro

Obj = dict[str, Any]
LEASE_RENEW = 10.0
LEASE_RENEW_LARGE = 30.0  # for clusters of more than 200 nodes
LEASE_DURATION = 40
HEARTBEAT = 300.0


class KubeletController(Controller):
    name = "kubelet"
    watches = ("Pod", "Node", "ConfigMap", "Secret")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.nodes: dict[str, NodeRuntime] = {}
        self.pods: dict[tuple[str, str], PodRuntime] = {}
        self.registry = registry_of(rt.services)
        self._plans: dict[tuple[Any, ...], tuple[str | None, Process]] = {}
        self._last_heartbeat = rt.clock.now
        self._wakeups: dict[float, dict[Any, None]] = {}
        self.config = ConfigManager(self)
        rt.services["kubelet"] = self

    # --- informer ----------------------------------------------------------------------------------------------

    def start(self) -> None:
        super().start()
        self.queue.add(("leases",))

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        obj = event.object
        if event.kind == "Node":
            return (("node", obj["metadata"]["name"]),)
        if event.kind != "Pod":
            return self.config.keys_for(event)
        if not obj["spec"].get("nodeName"):
            return ()
        old = event.old
        if (event.type == "MODIFIED" and old is not None and old["spec"] is obj["spec"]
                and old["metadata"].get("deletionTimestamp") == obj["metadata"].get("deletionTimestamp")
                and old["metadata"].get("labels") == obj["metadata"].get("labels")
                and old["metadata"].get("annotations") == obj["metadata"].get("annotations")):
            return ()  # a status write (ours, or the scheduler's): nothing for the kubelet to do
        return (("pod", obj["metadata"]["namespace"], obj["metadata"]["name"]),)

    def reconcile(self, key: Any) -> None:
        if key[0] == "pod":
            self._sync_pod(key[1], key[2])
        elif key[0] == "node":
            self._sync_node(key[1])
        elif key[0] == "source":
            self.config.source_changed(key[1], key[2], key[3])
        elif key[0] == "leases":
            self._renew_leases()
            self.queue.add_after(("leases",), LEASE_RENEW if len(self.nodes) <= 200 else LEASE_RENEW_LARGE)

    # --- nodes -------------------------------------------------------------------------------------------------

    def _wake_at(self, when: float, key: Any) -> None:
        """Sync `key` again at `when`. Pods due at the same instant share one timer (thousands of pods started
        together reach their next stage together)."""
        keys = self._wakeups.get(when)
        if keys is None:
            keys = self._wakeups[when] = {}
            self.rt.clock.at(when, lambda: self._wake(when))
        keys[key] = None

    def _wake(self, when: float) -> None:
        for key in self._wakeups.pop(when, {}):
            self.queue.add(key)

    def node_runtime(self, name: str) -> NodeRuntime:
        return self.nodes[name]

    def _sync_node(self, name: str) -> None:
        node = self.rt.store.get("Node", "", name)
        if node is None:
            self.nodes.pop(name, None)
            return
        nr = self.nodes.get(name)
        if nr is None:
            nr = self.nodes[name] = _node_runtime(node)
            for item in (node.get("status") or {}).get("images") or ():
                for ref in item.get("names") or ():
                    image = self.registry.resolve(ref) if "@" not in ref else None
                    if image is not None:
                        nr.images[normalise(ref)] = image
            self._ensure_lease(node)
            nr.unschedulable = bool(node["spec"].get("unschedulable"))
        kubelet_node.note_schedulable(self, node)
        if nr.images_dirty:
            nr.images_dirty = False
            status = dict(node.get("status") or {})
            status["images"] = nr.status_images()
            self.rt.api.write_status(node, status)

    def set_alive(self, name: str, alive: bool) -> None:
        """Stop or restart a node's kubelet (for node faults): a stopped kubelet renews no Lease and leaves its
        pods as they are; once back, it syncs every pod bound to the node."""
        nr = self.nodes.get(name)
        if nr is None or nr.alive == alive:
            return
        nr.alive = alive
        if alive:
            kubelet_node.come_back(self, name)
            for pod in self.rt.store.iter("Pod"):
                if pod["spec"].get("nodeName") == name:
                    self.queue.add(("pod", pod["metadata"]["namespace"], pod["metadata"]["name"]))

    def images_changed(self, node: str) -> None:
        self.queue.add(("node", node))

    def _ensure_lease(self, node: Obj) -> None:
        name = node["metadata"]["name"]
        if self.rt.store.get("Lease", "kube-node-lease", name) is not None:
            return
        if self.rt.store.get("Namespace", "", "kube-node-lease") is None:
            return
        self.rt.api.create({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name, "namespace": "kube-node-lease", "ownerReferences": [{
                "apiVersion": "v1", "kind": "Node", "name": name, "uid": node["metadata"]["uid"]}]},
            "spec": {"holderIdentity": name, "leaseDurationSeconds": LEASE_DURATION,
                     "renewTime": rfc3339_micro(self.rt.clock.now)},
        }, trusted=True)

    def _renew_leases(self) -> None:
        now = self.rt.clock.now
        stamp = rfc3339_micro(now)
        store = self.rt.store
        for name, nr in self.nodes.items():
            if not nr.alive:
                continue
            lease = store.get("Lease", "kube-node-lease", name)
            if lease is None:
                continue
            new = dict(lease)
            new["spec"] = dict(lease["spec"], renewTime=stamp)
            store.update(new)  # the kubelet's own object, changed in one field: no need for the full API path
        if now - self._last_heartbeat >= HEARTBEAT:
            self._last_heartbeat = now
            for name, nr in self.nodes.items():
                node = store.get("Node", "", name)
                if nr.alive and node is not None:
                    self._heartbeat(node, now)

    def _heartbeat(self, node: Obj, now: float) -> None:
        status = dict(node.get("status") or {})
        conds = status.get("conditions") or []
        for cond in list(conds):
            updated = dict(cond, lastHeartbeatTime=rfc3339(now))
            conds = set_condition(conds, updated)
        status["conditions"] = conds
        self.rt.api.write_status(node, status)

    # --- pods --------------------------------------------------------------------------------------------------

    def _sync_pod(self, namespace: str, name: str) -> None:
        pod = self.rt.store.get("Pod", namespace, name)
        prt = self.pods.get((namespace, name))
        if prt is not None and (pod is None or pod["metadata"]["uid"] != prt.uid):
            self._forget(prt)
            prt = None
        if pod is None:
            return
        now = self.rt.clock.now
        if prt is None:
            nr = self.nodes.get(pod["spec"].get("nodeName", ""))
            if nr is None or not nr.alive or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                if nr is not None and nr.alive and pod["metadata"].get("deletionTimestamp"):
                    self.rt.api.finish_deletion("Pod", namespace, name)
                return
            prt = self._accept(pod, now)
        node = self.nodes.get(prt.node)
        if node is None or not node.alive:
            return  # a dead kubelet does nothing: its pods keep the status last written
        if pod["spec"] is not prt.obj["spec"] and not prt.terminating:
            self._redefine(prt, pod, now)
        if pod is not prt.obj:
            self.config.pod_changed(prt, pod, now)
        prt.obj = pod
        if pod["metadata"].get("deletionTimestamp") and not prt.terminating:
            self._begin_termination(prt, now)
        self._advance(prt, now)
        self._write(prt, now)
        if prt.terminating and all(c.stage in ("done", "idle", "image-never") or c.due is None
                                   for c in prt.containers):
            self._finish(prt)
            return
        due = prt.next_due()
        if due is not None:
            self._wake_at(due, ("pod", namespace, name))

    def _accept(self, pod: Obj, now: float) -> PodRuntime:
        meta, spec = pod["metadata"], pod["spec"]
        prt = PodRuntime(meta["namespace"], meta["name"], meta["uid"], spec["nodeName"], pod, accepted=now,
                         sandbox_due=quantize(now + stages.DELAYS["sandbox"]))
        inits = spec.get("initContainers") or []
        for c in inits:
            prt.inits.append(CState(c["name"], c, True, waiting=("PodInitializing", "")))
        for c in spec.get("containers") or []:
            prt.mains.append(CState(c["name"], c, False,
                                    waiting=("PodInitializing" if inits else "ContainerCreating", "")))
        prt.containers = prt.inits + prt.mains
        self.pods[(prt.namespace, prt.name)] = prt
        self.config.accept(prt, now)
        return prt

    def _advance(self, prt: PodRuntime, now: float) -> None:
        for _ in range(10_000):
            progressed = self.config.step(prt, now)
            if prt.sandbox_ready is None and not prt.terminating and not prt.mounting and prt.sandbox_due <= now:
                prt.sandbox_ready = prt.sandbox_due
                nr = self.nodes[prt.node]
                prt.ip = nr.ip if prt.obj["spec"].get("hostNetwork") else nr.allocate_ip()
                progressed = True
            if prt.sandbox_ready is not None and not prt.terminating:
                self._activate(prt, now)
            for c in prt.containers:
                if c.due is not None and c.due <= now:
                    step = stages.STAGES.get(c.stage)
                    if step is None:
                        c.due = None
                        continue
                    step(self, prt, c, now)
                    progressed = True
            if not progressed:
                return

    def _redefine(self, prt: PodRuntime, pod: Obj, now: float) -> None:
        specs = {(False, c["name"]): c for c in pod["spec"].get("containers") or []}
        specs.update({(True, c["name"]): c for c in pod["spec"].get("initContainers") or []})
        for c in prt.containers:
            new = specs.get((c.init, c.name))
            if new is not None and new.get("image") != c.spec.get("image"):
                stages.redefine(self, prt, c, new, now)

    def _activate(self, prt: PodRuntime, now: float) -> None:
        """Start the next init container, or all containers once the init containers have completed."""
        for c in prt.inits:
            if c.succeeded:
                continue
            if c.stage == "idle":
                c.stage, c.due = "image", now
            return
        for c in prt.mains:
            if c.stage == "idle":
                c.stage, c.due = "image", now
                if c.waiting[0] == "PodInitializing":
                    c.waiting = ("ContainerCreating", "")

    def _begin_termination(self, prt: PodRuntime, now: float) -> None:
        prt.terminating = True
        grace = float(prt.obj["metadata"].get("deletionGracePeriodSeconds") or 0)
        for c in prt.containers:
            if c.stage == "running" and c.current is not None:
                self.container_event(prt, c, "Normal", "Killing", f"Stopping container {c.name}")
                stages.stop(self, prt, c, now, grace)
            elif c.stage != "stopping":
                c.stage, c.due = "done", None

    def _finish(self, prt: PodRuntime) -> None:
        prt.finished = True
        self._forget(prt)
        self.rt.api.finish_deletion("Pod", prt.namespace, prt.name)

    def _forget(self, prt: PodRuntime) -> None:
        self.pods.pop((prt.namespace, prt.name), None)
        self.config.forget(prt)
        nr = self.nodes.get(prt.node)
        if nr is not None and prt.ip and prt.ip != nr.ip:
            nr.release_ip(prt.ip)

    def _write(self, prt: PodRuntime, now: float) -> None:
        """Post the pod's status if anything visible changed. (The sandbox alone is not: the kubelet generates
        a status at the start of a sync, so the pod IP first shows with the containers it started.)"""
        mark = _fingerprint(prt, now)
        if mark == prt.written:
            return
        prt.written = mark
        live = self.rt.store.get("Pod", prt.namespace, prt.name)
        if live is None:
            return
        status = pod_status(prt, host_ip=self.nodes[prt.node].ip, now=now, old=live.get("status") or {})
        if status != live.get("status"):
            prt.obj = self.rt.api.write_status(live, status)

    # --- what the stages use -------------------------------------------------------------------------------------

    def container_event(self, prt: PodRuntime, c: CState, type_: str, reason: str, message: str) -> None:
        self.rt.events.record(prt.obj, type_, reason, message, component="kubelet", host=prt.node,
                              field_path=c.field_path)

    def plan(self, prt: PodRuntime, c: CState, cfg: ContainerConfig | None = None) -> Process:
        """The behaviour model's prediction for the container, given its configuration (environment, expanded
        command and args, the mounted files it names); containers of one template on nodes of one size share it
        (unless what it prints names the pod)."""
        image: Image | None = c.image
        nr = self.nodes[prt.node]
        config = image.config if image is not None else {}
        spec = c.spec if cfg is None else cfg.applied_to(c.spec)
        env = env_of(c.spec, config) if cfg is None else cfg.env
        files = {} if cfg is None else cfg.files
        # The service-account volume's name is random per pod and irrelevant to what the process does; so is
        # HOSTNAME unless the process prints it (then the plan is the pod's own).
        key = (repr([(k, v) for k, v in spec.items() if k != "volumeMounts"]), id(image), nr.cpus,
               tuple((k, v) for k, v in env.items() if k != "HOSTNAME"), tuple(files.items()))
        hit = self._plans.get(key)
        if hit is not None and (hit[0] is None or hit[0] == prt.name):
            return hit[1]
        argv = command_of(spec, config)
        ports = frozenset(int(p.get("containerPort", 0)) for p in c.spec.get("ports") or ())
        image_ports = frozenset(int(str(k).split("/")[0]) for k in (config.get("ExposedPorts") or {}))
        needs_host = "httpd" in c.image_ref or any("host" in a.lower() or "env" in a for a in argv)
        ctx = Context(env=env, node_cpus=nr.cpus, hostname=prt.name, declared_ports=ports, image_ports=image_ports,
                      image_behaviour=image.behaviour if image else "sleep",
                      image_ref=c.image_key, built_here=bool(image and image.built_here),
                      workdir=str(c.spec.get("workingDir") or config.get("WorkingDir") or "/"), files=files)
        process = plan(argv, ctx)
        self._plans[key] = (prt.name if needs_host else None, process)
        return process

    # --- logs ----------------------------------------------------------------------------------------------------

    def logs(self, namespace: str, name: str, container: str | None = None, *, previous: bool = False) -> list[str]:
        """What a container printed, as `kubectl logs` returns it (the API server's errors included)."""
        pod = self.rt.store.get("Pod", namespace, name)
        if pod is None:
            raise not_found("pods", name)
        names = [c["name"] for c in pod["spec"].get("containers") or []]
        inits = [c["name"] for c in pod["spec"].get("initContainers") or []]
        if container is None:
            default = (pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
            container = default if default in names else names[0]
        if container not in names and container not in inits:
            raise BadRequestError(f"container {container} is not valid for pod {name}", kind="pods", name=name)
        prt = self.pods.get((namespace, name))
        c = next((x for x in prt.containers if x.name == container), None) if prt else None
        if previous:
            inst = None
            if c is not None:
                inst = c.current if c.waiting[0] and c.current and c.current.finished else c.previous
            if inst is None:
                raise BadRequestError(f'previous terminated container "{container}" in pod "{name}" not found',
                                      kind="pods", name=name)
            return self._render(inst)
        if c is None or c.current is None or (c.waiting[0] and c.current.finished is None):
            reason = c.waiting[0] if c is not None and c.waiting[0] else "ContainerCreating"
            raise BadRequestError(f'container "{container}" in pod "{name}" is waiting to start: {reason}',
                                  kind="pods", name=name)
        return self._render(c.current)

    def _render(self, inst: Instance) -> list[str]:
        """A container run's output, with the access lines of the requests it served (accesslog.py)."""
        until = inst.finished or self.rt.clock.now
        access = self.rt.services.get("access-log")
        extra = access.lines(inst.id, until) if access is not None else ()
        return inst.process.render(inst.started, until, stopped_at=inst.signalled, extra=extra)


def _fingerprint(prt: PodRuntime, now: float) -> tuple[Any, ...]:
    parts: list[Any] = [prt.terminating]
    for c in prt.containers:
        inst = c.current
        parts.append((c.waiting, c.restarts, c.succeeded, c.stage == "done",
                      None if inst is None else (inst.id, inst.finished, inst.ready,
                                                 inst.started_ok is not None and inst.started_ok <= now)))
    return tuple(parts)


def _node_runtime(node: Obj) -> NodeRuntime:
    name = node["metadata"]["name"]
    cidr = (node.get("spec") or {}).get("podCIDR") or "10.244.0.0/24"
    base = cidr.split("/")[0].rsplit(".", 1)[0] + "."
    ip = next((a["address"] for a in (node.get("status") or {}).get("addresses") or ()
               if a.get("type") == "InternalIP"), "")
    cpus = (node.get("status") or {}).get("capacity", {}).get("cpu", "4")
    try:
        n_cpus = max(1, int(float(str(cpus).rstrip("m")) / (1000 if str(cpus).endswith("m") else 1)))
    except ValueError:
        n_cpus = 4
    index = int(base.split(".")[2]) if base.count(".") == 3 else 0
    return NodeRuntime(name, index, ip, base, cpus=n_cpus)
