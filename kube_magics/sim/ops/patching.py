"""SimCluster verbs: Patches: JSON patch, JSON merge patch, strategic merge patch, server-side apply patches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube_magics.sim.objects import deep_copy

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]


class PatchOps:
    rt: Runtime

    def patch(self, resource: str, name: str, patch: Any, *, namespace: str = "default",
              patch_type: str = "strategic", manager: str | None = None, force: bool = False,
              dry_run: bool = False, subresource: str | None = None) -> Obj:
        """Patch an object as `kubectl patch` does, and return it (for `subresource="scale"`, its Scale).

        `patch_type`: "strategic" (kubectl's default: lists merge by their keys, e.g. containers by name),
        "merge" (RFC 7386: null deletes, lists are replaced), "json" (RFC 6902 operations), or "apply"
        (server-side apply of the given fields by `manager`, with `force` to take fields others own); the
        request content types (`application/merge-patch+json`, ...) are accepted too. `patch` is data or JSON
        (YAML for "apply"). `subresource`: "status" or "scale".

            c.patch("deploy", "web", {"spec": {"replicas": 5}})
            c.patch("deploy", "web", [{"op": "replace", "path": "/spec/replicas", "value": 2}], patch_type="json")
            c.patch("deploy", "web", {"spec": {"replicas": 4}}, subresource="scale", patch_type="merge")
        """
        rk = self.rt.catalogue.resolve(resource)
        obj, _ = self.rt.api.patch(rk.kind, namespace, name, patch, patch_type=patch_type, manager=manager,
                                   force=force, dry_run=dry_run, subresource=subresource or "")
        self.rt.settle()
        return deep_copy(obj)
