"""A real cluster as a Backend, through the official `kubernetes` client (kind, minikube, k3d, any kubeconfig).

The same protocol as the simulator's adapter, with objects as the API serves them (raw JSON, see `kube_client`),
so the printers, the kubectl verbs and the views work unchanged. What differs from the simulator:

- time is the wall clock: `wait_until` polls its predicate (and wakes as soon as a watch of this backend sees a
  change), `now()` is `time.time()`;
- writes first pass the workshop guard (`contexts.WriteGuard`: local-looking or allowed contexts only), decided
  from the kubeconfig alone; dry runs are not writes and go to any context (the server checks them and writes
  nothing); `writes` counts the requests that changed (or dry-ran a change on) the cluster, so that the magics
  can name the context in their output;
- every request's errors are translated in `kube_errors` (the one error boundary of the real backend);
- `sim` is None: the simulator-only verbs say so.

The client is imported lazily: creating this backend loads it, `%load_ext` does not.
"""

from __future__ import annotations

import builtins
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from kube_magics.backends.base import Applied, ExecResult, WatchCallback
from kube_magics.backends.contexts import Context, WriteGuard
from kube_magics.backends.kube_client import CONTENT_TYPES, Rest, discover, path_of
from kube_magics.errors import BackendError, UnknownResourceError, UsageError
from kube_magics.kinds import ResourceCatalogue, ResourceKind

Obj = dict[str, Any]
# What `watch(callback)` without kinds follows on a real cluster (everything would be every kind's stream).
VIEW_KINDS = ("nodes", "pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "services",
              "horizontalpodautoscalers")
MANAGERS = {"create": "kubectl-create", "replace": "kubectl-replace", "patch": "kubectl-patch"}


class KubeBackend:
    """Backend over one kubeconfig context."""

    def __init__(self, context: Context, kubeconfig_paths: Iterable[str], *, allow_writes: bool = False,
                 allowed: Callable[[], Iterable[str]] = tuple, rest: Rest | None = None) -> None:
        self.context = context
        self.allow_writes = allow_writes
        self._allowed = allowed
        self.rest = rest if rest is not None else Rest(context, list(kubeconfig_paths))
        self.writes = 0
        self.server_version: str | None = None  # gitVersion, once `version()` has asked
        self._catalogue: ResourceCatalogue | None = None
        self._changed = threading.Event()  # set by this backend's watches: wait_until looks again at once

    # --- identity ----------------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.context.name

    @property
    def sim(self) -> None:
        return None

    @property
    def guard(self) -> WriteGuard:
        return WriteGuard.for_context(self.context, allow=self.allow_writes, allowed=self._allowed())

    @property
    def default_namespace(self) -> str:
        return self.context.namespace or "default"

    @property
    def catalogue(self) -> ResourceCatalogue:
        if self._catalogue is None:
            self._catalogue = discover(self.rest)
        return self._catalogue

    def forget_discovery(self) -> None:
        """Read discovery again on next use (after a CRD is created)."""
        self._catalogue = None

    def version(self) -> Obj:
        """The server's `/version` (gitVersion, platform)."""
        answer: Obj = self.rest.request("GET", "/version")
        self.server_version = str(answer.get("gitVersion") or "") or None
        return answer

    def now(self) -> float:
        return time.time()

    def close(self) -> None:
        self.rest.close()

    # --- reads -------------------------------------------------------------------------------------------------

    def _rk(self, resource: str) -> ResourceKind:
        return self.catalogue.resolve(resource)

    def _ns(self, rk: ResourceKind, namespace: str | None) -> str | None:
        return (namespace or self.default_namespace) if rk.namespaced else None

    def get(self, resource: str, name: str, namespace: str | None = "default") -> Obj:
        rk = self._rk(resource)
        found: Obj = self.rest.request("GET", path_of(rk, self._ns(rk, namespace), name))
        return found

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> builtins.list[Obj]:
        """Objects of a resource; `namespace=None` lists every namespace (the server sorts by namespace, name)."""
        rk = self._rk(resource)
        query = [("labelSelector", selector or None), ("fieldSelector", field_selector or None)]
        items: builtins.list[Obj] = self.rest.list_all(path_of(rk, namespace), query=query)["items"]
        return items

    def events_for(self, obj: Obj) -> builtins.list[Obj]:
        """core/v1 events about `obj`, found as `kubectl describe` finds them (involvedObject field selector)."""
        meta = obj["metadata"]
        fields = {"involvedObject.name": meta["name"], "involvedObject.namespace": meta.get("namespace") or "",
                  "involvedObject.kind": obj.get("kind") or "", "involvedObject.uid": meta.get("uid") or ""}
        selector = ",".join(f"{k}={v}" for k, v in fields.items() if v)
        found = self.list("events", meta.get("namespace"), field_selector=selector)
        return sorted(found, key=_event_time)

    def watch(self, callback: WatchCallback, kinds: Iterable[str] | None = None, *, namespace: str | None = None,
              resource_version: str | None = None) -> Callable[[], None]:
        """Watch streams (one thread per resource) delivering changes from now on; returns the stop function.
        Events of several resources reach `callback` one at a time."""
        from kube_magics.backends import kube_watch

        lock = threading.Lock()

        def deliver(event: Obj) -> None:
            with lock:
                callback(event)
            self._changed.set()

        names = builtins.list(kinds) if kinds is not None else builtins.list(VIEW_KINDS)
        resources = [self._rk(k) for k in names]
        watches = kube_watch.start(self.rest, resources, deliver, namespace=namespace,
                                   resource_version=resource_version)

        def stop() -> None:
            for w in watches:
                w.stop()

        stop.watches = watches  # type: ignore[attr-defined]
        return stop

    # --- writes ------------------------------------------------------------------------------------------------

    def _write(self, what: str, dry_run: bool) -> builtins.list[tuple[str, Any]]:
        """The guard (a dry run writes nothing and is always allowed); the dry-run query parameter."""
        if not dry_run:
            self.guard.check(what)
        self.writes += 1
        return [("dryRun", "All")] if dry_run else []

    def apply(self, docs: builtins.list[Obj], *, namespace: str | None = None, dry_run: bool = False,
              force: bool = False, manager: str = "kube-magics") -> builtins.list[Applied]:
        """Server-side apply of every document; all are checked (a server dry run) before any is written."""
        from kube_magics.backends.kube_apply import apply_all

        if not dry_run:  # decided before anything is sent (discovery included)
            self.guard.check("apply " + ", ".join(_what(d) for d in docs))
        return apply_all(self, docs, namespace=namespace, dry_run=dry_run, force=force, manager=manager)

    def _target(self, obj: Obj) -> tuple[ResourceKind, str | None]:
        rk = self.catalogue.for_kind(str(obj.get("apiVersion")), str(obj.get("kind")))
        return rk, self._ns(rk, (obj.get("metadata") or {}).get("namespace"))

    def create(self, obj: Obj, *, dry_run: bool = False, manager: str | None = None) -> Obj:
        query = self._write(f"create {_what(obj)}", dry_run)
        rk, ns = self._target(obj)
        query += [("fieldManager", manager or MANAGERS["create"]), ("fieldValidation", "Strict")]
        created: Obj = self.rest.request("POST", path_of(rk, ns, api_version=obj.get("apiVersion")), query=query,
                                         body=obj)
        return created

    def replace(self, obj: Obj, *, dry_run: bool = False, manager: str | None = None) -> Obj:
        query = self._write(f"replace {_what(obj)}", dry_run)
        rk, ns = self._target(obj)
        name = obj["metadata"]["name"]
        query += [("fieldManager", manager or MANAGERS["replace"]), ("fieldValidation", "Strict")]
        replaced: Obj = self.rest.request("PUT", path_of(rk, ns, name, api_version=obj.get("apiVersion")),
                                          query=query, body=obj)
        return replaced

    def patch(self, resource: str, name: str, patch: Any, *, namespace: str | None = "default",
              patch_type: str = "strategic", subresource: str | None = None, dry_run: bool = False,
              force: bool = False, manager: str | None = None) -> Obj:
        """PATCH as kubectl sends it: strategic (the default), merge, json, or apply (server-side apply with
        field manager kube-magics). `subresource="scale"` or `"status"` patches that subresource."""
        if patch_type not in CONTENT_TYPES:
            raise UsageError(f'error: --type must be "json", "merge", "strategic" or "apply", not "{patch_type}"')
        query = self._write(f"patch {resource}/{name}", dry_run)
        rk = self._rk(resource)
        manager = manager or ("kube-magics" if patch_type == "apply" else MANAGERS["patch"])
        query += [("fieldManager", manager), ("fieldValidation", "Strict"),
                  ("force", "true" if force and patch_type == "apply" else None)]
        body = _patch_body(patch)
        patched: Obj = self.rest.request("PATCH", path_of(rk, self._ns(rk, namespace), name, subresource=subresource),
                                         query=query, body=body, content_type=CONTENT_TYPES[patch_type])
        return patched

    def delete(self, resource: str, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None, propagation: str | None = None, dry_run: bool = False) -> Obj:
        """DELETE with kubectl's DeleteOptions (propagation Background unless given); returns the object as the
        server answers (a pod that is terminating, with its deletionTimestamp) or as it was."""
        query = self._write(f"delete {resource}/{name}", dry_run)
        rk = self._rk(resource)
        ns = self._ns(rk, namespace)
        options: Obj = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation or "Background"}
        if grace_period is not None and grace_period >= 0:
            options["gracePeriodSeconds"] = grace_period
        if dry_run:
            options["dryRun"] = ["All"]
        answer: Obj = self.rest.request("DELETE", path_of(rk, ns, name), query=query, body=options)
        if answer.get("kind") == "Status":  # some resources answer with a Status naming what went
            details = answer.get("details") or {}
            meta = {"name": details.get("name") or name, "uid": details.get("uid")}
            if ns:
                meta["namespace"] = ns
            return {"apiVersion": rk.api_version, "kind": rk.kind, "metadata": {k: v for k, v in meta.items() if v}}
        return answer

    def evict(self, pod: str, namespace: str | None = "default", *, grace_period: int | None = None,
              dry_run: bool = False) -> None:
        """The Eviction API, as `kubectl drain` uses it (a PodDisruptionBudget may refuse: 429)."""
        ns = namespace or self.default_namespace
        self._write(f"evict pod/{pod}", dry_run)
        options: Obj = {}
        if grace_period is not None and grace_period >= 0:
            options["gracePeriodSeconds"] = grace_period
        if dry_run:
            options["dryRun"] = ["All"]
        body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": pod, "namespace": ns},
                "deleteOptions": options}
        self.rest.request("POST", f"/api/v1/namespaces/{ns}/pods/{pod}/eviction", body=body)

    # --- containers ----------------------------------------------------------------------------------------------

    def logs(self, pod: str, namespace: str | None = "default", *, container: str | None = None,
             previous: bool = False, tail: int | None = None, follow: float = 0.0) -> str:
        """A container's log. `follow` > 0 streams new lines for that many seconds (kubectl's `-f`, bounded)."""
        ns = namespace or self.default_namespace
        query = [("container", container), ("previous", "true" if previous else None),
                 ("tailLines", tail if tail is not None and tail >= 0 else None)]
        path = f"/api/v1/namespaces/{ns}/pods/{pod}/log"
        if follow <= 0:
            return self.rest.text(path, query=query)
        from kube_magics.backends.kube_streams import follow_text

        return follow_text(self.rest, path, query=query, seconds=follow)

    def exec(self, pod: str, command: builtins.list[str], namespace: str | None = "default", *,
             container: str | None = None, timeout: float = 60.0) -> ExecResult:
        """`kubectl exec POD -- COMMAND` over the API's websocket (no terminal, no stdin). A write: guarded."""
        from kube_magics.backends.kube_streams import exec_command

        self._write(f"exec in pod/{pod}", False)
        return exec_command(self.rest, pod, namespace or self.default_namespace, command, container=container,
                            timeout=timeout)

    def metrics(self, resource: str, namespace: str | None = "default", *,
                selector: str | None = None) -> builtins.list[Obj]:
        """metrics.k8s.io, as metrics-server serves it; kubectl's `Metrics API not available` without it."""
        try:
            rk = self.catalogue.resolve(f"{resource}.metrics.k8s.io")
        except UnknownResourceError:
            raise BackendError("Metrics API not available",
                               hint=f"{self.name} has no metrics-server (kind does not install one): see "
                                    "docs/real-clusters.md, 'Metrics'") from None
        items: builtins.list[Obj] = self.rest.list_all(path_of(rk, namespace if rk.namespaced else None),
                                                       query=[("labelSelector", selector or None)])["items"]
        return items

    # --- time --------------------------------------------------------------------------------------------------

    def wait_until(self, predicate: Callable[[], bool], *, timeout: float) -> bool:
        """Until `predicate()` holds or `timeout` wall-clock seconds pass: it is asked again when a watch of this
        backend delivers a change, and at least every second."""
        deadline = time.monotonic() + timeout
        pause = 0.2
        while True:
            self._changed.clear()
            if predicate():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.wait(min(pause, left))
            pause = min(pause * 2, 1.0)

    def __repr__(self) -> str:
        return f"KubeBackend(context={self.name!r}, server={self.context.server!r}, {self.guard.describe()})"


def _patch_body(patch: Any) -> Any:
    """A patch given as text (JSON or YAML, as `kubectl patch -p` takes it) or as data."""
    if not isinstance(patch, str):
        return patch
    try:
        return json.loads(patch)
    except ValueError:
        import yaml

        try:
            return yaml.safe_load(patch)
        except yaml.YAMLError as exc:
            raise UsageError(f"error: unable to parse \"{patch}\": {exc}") from None


def _what(obj: Obj) -> str:
    """`Deployment/web`: an object named as the guard's message names it."""
    return f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"


def _event_time(e: Obj) -> str:
    return str(e.get("lastTimestamp") or e.get("eventTime") or e["metadata"].get("creationTimestamp") or "")
