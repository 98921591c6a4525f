"""SimCluster verbs: Deployments and their kin: scale, set image, rollout history/undo/restart/pause/resume/status.

Each verb does what kubectl does (the logic is `kube_magics.rollout`, shared with the real-cluster backend): read
the live object, compute the change on the client side, write it through the API logic (defaults, validation),
and let the controllers run. Results print as kubectl prints them (`deployment.apps/web rolled back`). Verbs that
wait (`rollout_status`) advance the virtual clock instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kube_magics import rollout
from kube_magics.errors import NotFoundError
from kube_magics.kinds import ResourceKind
from kube_magics.sim.controllers.ownership import controlled_by
from kube_magics.sim.objects import deep_copy
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import parse_duration, rfc3339

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]

SCALABLE = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"})
STATUS_TIMEOUT = 3600.0  # virtual seconds `rollout_status` waits when no timeout is given


class WorkloadOps:
    rt: Runtime

    # --- scale and set image -------------------------------------------------------------------------------------

    def scale(self, resource: str, name: str, replicas: int, namespace: str = "default") -> rollout.ActionResult:
        """`kubectl scale <resource>/<name> --replicas=N`."""
        rk, live = self._live(resource, name, namespace)
        if rk.kind not in SCALABLE:
            raise NotFoundError("the server could not find the requested resource", kind=rk.plural, name=name)
        updated = self._write(rollout.scaled(live, replicas))
        return rollout.ActionResult(rk.qualified, name, "scaled", deep_copy(updated))

    def set_image(self, resource: str, name: str, images: Mapping[str, str] | None = None,
                  namespace: str = "default", **containers: str) -> rollout.ActionResult:
        """`kubectl set image deployment/web nginx=nginx:1.21` (`images={"nginx": "nginx:1.21"}` or `nginx=...`).

        A container name the template does not have raises kubectl's error after the others are updated.
        """
        rk, live = self._live(resource, name, namespace)
        wanted = {**(images or {}), **containers}
        new, missing = rollout.with_images(live, wanted)
        changed = new["spec"] != live["spec"]
        updated = self._write(new) if changed else live
        if missing:
            raise rollout.RolloutError(f'unable to find container named "{missing[0]}"')
        return rollout.ActionResult(rk.qualified, name, "image updated" if changed else "", deep_copy(updated))

    # --- rollout -------------------------------------------------------------------------------------------------

    def rollout_history(self, name: str, namespace: str = "default",
                        revision: int | None = None) -> rollout.RolloutHistory:
        """`kubectl rollout history deployment/<name> [--revision=N]`."""
        rk, d = self._deployment(name, namespace, "history")
        return rollout.history(d, self._replicasets(d), resource=rk.qualified, revision=revision)

    def rollout_undo(self, name: str, namespace: str = "default",
                     to_revision: int | None = None) -> rollout.ActionResult:
        """`kubectl rollout undo deployment/<name> [--to-revision=N]`: the previous revision by default."""
        rk, d = self._deployment(name, namespace, "rollback")
        new, action = rollout.rollback(d, self._replicasets(d), to_revision or 0)
        updated = self._write(new) if new is not None else d
        return rollout.ActionResult(rk.qualified, d["metadata"]["name"], action, deep_copy(updated))

    def rollout_restart(self, name: str, namespace: str = "default") -> rollout.ActionResult:
        rk, obj = self._live_target(name, namespace)
        updated = self._write(rollout.restarted(obj, rfc3339(self.rt.now), resource=rk.resource_group))
        return rollout.ActionResult(rk.qualified, obj["metadata"]["name"], "restarted", deep_copy(updated))

    def rollout_pause(self, name: str, namespace: str = "default") -> rollout.ActionResult:
        rk, obj = self._live_target(name, namespace)
        updated = self._write(rollout.paused(obj, True, resource=rk.resource_group))
        return rollout.ActionResult(rk.qualified, obj["metadata"]["name"], "paused", deep_copy(updated))

    def rollout_resume(self, name: str, namespace: str = "default") -> rollout.ActionResult:
        rk, obj = self._live_target(name, namespace)
        updated = self._write(rollout.paused(obj, False, resource=rk.resource_group))
        return rollout.ActionResult(rk.qualified, obj["metadata"]["name"], "resumed", deep_copy(updated))

    def rollout_status(self, name: str, namespace: str = "default", *, watch: bool = True,
                       timeout: float | str | None = None, revision: int = 0) -> rollout.RolloutStatus:
        """`kubectl rollout status deployment/<name>`: a line per update of the Deployment until it is rolled out.

        Advances the virtual clock while it waits (at most `timeout`, default an hour); raises `RolloutError` with
        kubectl's message (and the lines so far) when the progress deadline is exceeded, and
        `RolloutTimeoutError` when the time runs out.
        """
        _, d = self._deployment(name, namespace, "status")
        result = rollout.RolloutStatus()
        _observe(result, d, revision)
        if result.done or not watch:
            return result
        failures: list[rollout.RolloutError] = []
        meta = d["metadata"]

        def on_change(event: WatchEvent) -> None:
            obj = event.object["metadata"]
            if result.done or failures or obj["name"] != meta["name"] or obj.get("namespace") != meta["namespace"]:
                return
            if event.type == "DELETED":
                failures.append(rollout.RolloutError("object has been deleted"))
                return
            try:
                _observe(result, event.object, revision)
            except rollout.RolloutError as exc:
                failures.append(exc)

        stop = self.rt.store.subscribe(on_change, ["Deployment"])
        try:
            limit = STATUS_TIMEOUT if timeout is None else parse_duration(timeout)
            self.rt.run_until(lambda: result.done or bool(failures), timeout=limit)
        finally:
            stop()
        if failures:
            raise rollout.RolloutError(failures[0].message, lines=result.lines)
        if not result.done:
            raise rollout.RolloutTimeoutError("timed out waiting for the condition", lines=result.lines)
        return result

    # --- helpers -------------------------------------------------------------------------------------------------

    def _live(self, resource: str, name: str, namespace: str) -> tuple[ResourceKind, Obj]:
        rk = self.rt.catalogue.resolve(resource)
        return rk, self.rt.api.get(rk.kind, namespace, name)

    def _live_target(self, name: str, namespace: str) -> tuple[ResourceKind, Obj]:
        """`deployment/web`, `deploy/web` or plain `web` (a Deployment), as kubectl rollout takes them."""
        resource, _, short = name.rpartition("/")
        return self._live(resource or "deployment", short, namespace)

    def _deployment(self, name: str, namespace: str, what: str) -> tuple[ResourceKind, Obj]:
        rk, obj = self._live_target(name, namespace)
        if rk.kind != "Deployment":
            group_kind = f"{rk.kind}.{rk.group}" if rk.group else rk.kind
            raise rollout.RolloutError({
                "history": f'no history viewer has been implemented for "{group_kind}"',
                "status": f"no status viewer has been implemented for {group_kind}",
            }.get(what, f'no rollbacker has been implemented for "{group_kind}"'))
        return rk, obj

    def _replicasets(self, d: Obj) -> list[Obj]:
        return sorted(controlled_by(self.rt, d, "ReplicaSet"), key=lambda rs: rs["metadata"]["name"])

    def _write(self, obj: Obj) -> Obj:
        updated = self.rt.api.update(obj)
        self.rt.settle()
        return self.rt.store.get(updated["kind"], updated["metadata"].get("namespace", ""),
                                 updated["metadata"]["name"]) or updated


def _observe(result: rollout.RolloutStatus, d: Obj, revision: int) -> None:
    """Add the line kubectl prints for this state of the Deployment (errors carry the lines so far)."""
    try:
        line, done = rollout.status(d, revision)
    except rollout.RolloutError as exc:
        raise rollout.RolloutError(exc.message, lines=result.lines) from None
    result.lines.append(line)
    result.done = done
