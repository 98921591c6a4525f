"""`kubectl rollout history` for Deployments (from their ReplicaSets) and DaemonSets/StatefulSets (from their
ControllerRevisions), with and without `--revision=N`.

`rollout_history(deployment, replicasets)` gives kubectl's text: the object's name, then the REVISION /
CHANGE-CAUSE table (aligned with padding 2), then a blank line; with a revision, the pod template of that
revision as kubectl's describer writes it, tabs left as tabs (kubectl prints it without a tabwriter).

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics.errors import UsageError
from kube_magics.printers.describe import pod_template_text
from kube_magics.printers.formats import qualified_name
from kube_magics.printers.tabwriter import align_describe
from kube_magics.printers.util import meta

Obj = Mapping[str, Any]

CHANGE_CAUSE = "kubernetes.io/change-cause"
REVISION = "deployment.kubernetes.io/revision"


def _owned(owner: Obj, objects: Sequence[Obj]) -> list[Obj]:
    uid = meta(owner).get("uid")
    return [o for o in objects
            if any(r.get("controller") and r.get("uid") == uid for r in meta(o).get("ownerReferences") or [])]


def _history(owner: Obj, related: Sequence[Obj]) -> dict[int, tuple[str, Any]]:
    """revision -> (change cause, pod template)."""
    history: dict[int, tuple[str, Any]] = {}
    for item in _owned(owner, related):
        annotations = meta(item).get("annotations") or {}
        if item.get("kind") == "ControllerRevision":
            revision = item.get("revision")
            template = copy.deepcopy(((item.get("data") or {}).get("spec") or {}).get("template"))
            if isinstance(template, dict):
                template.pop("$patch", None)
        else:
            revision = annotations.get(REVISION)
            template = copy.deepcopy((item.get("spec") or {}).get("template"))
        try:
            number = int(revision)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        cause = str(annotations.get(CHANGE_CAUSE) or "")
        if cause and isinstance(template, dict) and item.get("kind") != "ControllerRevision":
            md = template.setdefault("metadata", {})
            md["annotations"] = {**(md.get("annotations") or {}), CHANGE_CAUSE: cause}
        history[number] = (cause, template)
    return history


def rollout_history(obj: Obj, related: Sequence[Obj], *, revision: int = 0) -> str:
    """What `kubectl rollout history KIND/NAME [--revision=N]` prints. `related` are the ReplicaSets of a
    Deployment or the ControllerRevisions of a DaemonSet or StatefulSet (others are ignored)."""
    history = _history(obj, related)
    name = qualified_name(obj)
    if not history:
        body = "No rollout history found."
    elif revision > 0:
        if revision not in history:
            raise UsageError("unable to find the specified revision")
        body = pod_template_text(history[revision][1])
    else:
        rows = "".join(f"{r}\t{history[r][0] or '<none>'}\n" for r in sorted(history))
        body = align_describe("REVISION\tCHANGE-CAUSE\n" + rows)
    head = f"with revision #{revision}" if revision > 0 else ""
    return f"{name} {head}\n{body}\n"
