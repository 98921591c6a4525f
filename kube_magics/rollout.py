"""Rollouts as kubectl drives them, on plain API dicts: history, undo, restart, pause, resume, status, scale and
set image.

kubectl does these on the client side (`polymorphichelpers`): a rollback copies an old ReplicaSet's pod
template back into the Deployment, a restart stamps the template with `kubectl.kubernetes.io/restartedAt`,
pause and resume flip `spec.paused`, and `rollout status` reads the Deployment's status. Each function here takes
the live objects and returns the new object to write (or raises with kubectl's own words), so the simulated
backend and a real cluster's backend share one implementation and print the same lines.

Imports nothing of kube_magics but errors; never talks to a cluster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_magics.errors import KubeMagicsError, UsageError, WaitTimeoutError

Obj = dict[str, Any]

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"
TIMED_OUT = "ProgressDeadlineExceeded"
# Deployment annotations a rollback keeps (and does not take from the ReplicaSet), as kubectl's annotationsToSkip.
KEEP_ON_ROLLBACK = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration", REVISION, "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
})


class RolloutError(KubeMagicsError):
    """What kubectl reports as `error: ...` for a rollout: the lines it printed before, if any, in `lines`."""

    def __init__(self, message: str, *, lines: Sequence[str] = (), hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.lines = list(lines)


class RolloutTimeoutError(RolloutError, WaitTimeoutError):
    """`rollout status --timeout` ran out: `timed out waiting for the condition`."""


@dataclass(frozen=True)
class ActionResult:
    """One line kubectl prints after changing an object: `deployment.apps/web rolled back`.

    `action` is empty when kubectl prints nothing (a `set image` that changes nothing).
    """

    resource: str  # deployment.apps
    name: str
    action: str
    object: Obj | None = None

    def __str__(self) -> str:
        return f"{self.resource}/{self.name} {self.action}" if self.action else ""


@dataclass(frozen=True)
class Revision:
    number: int
    change_cause: str | None
    template: Obj
    replicaset: str


@dataclass
class RolloutHistory:
    """`kubectl rollout history`: `str()` is what kubectl prints (the pod template of one revision comes from
    `describe_template`)."""

    resource: str
    name: str
    revisions: list[Revision]
    revision: int | None = None

    def selected(self) -> Revision | None:
        return next((r for r in self.revisions if r.number == self.revision), None)

    def __str__(self) -> str:
        if self.revision:
            chosen = self.selected()
            body = describe_template(chosen.template) if chosen else ""
            return f"{self.resource}/{self.name} with revision #{self.revision}\n{body}\n"
        if not self.revisions:
            return f"{self.resource}/{self.name} \nNo rollout history found.\n"
        rows = [("REVISION", "CHANGE-CAUSE")] + [(str(r.number), r.change_cause or "<none>") for r in self.revisions]
        width = max(len(a) for a, _ in rows) + 2
        table = "".join(f"{a.ljust(width)}{b}\n" for a, b in rows)
        return f"{self.resource}/{self.name} \n{table}\n"


@dataclass
class RolloutStatus:
    """`kubectl rollout status`: one line per update of the Deployment it saw, and whether it finished."""

    lines: list[str] = field(default_factory=list)
    done: bool = False

    def __str__(self) -> str:
        return "".join(line + "\n" for line in self.lines)


# --- reading ------------------------------------------------------------------------------------------------------


def revision_of(obj: Mapping[str, Any]) -> int | None:
    text = (obj["metadata"].get("annotations") or {}).get(REVISION)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _semantic(value: Any) -> Any:
    if isinstance(value, Mapping):
        out = {k: _semantic(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ({}, [], None)}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def template_without_hash(template: Mapping[str, Any]) -> Obj:
    meta = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != HASH_LABEL}
    if labels:
        meta["labels"] = labels
    else:
        meta.pop("labels", None)
    return {**template, "metadata": meta}


def equal_ignore_hash(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """EqualIgnoreHash: two pod templates are the same apart from the pod-template-hash label (the Deployment
    controller's test for its new ReplicaSet, and `rollout undo`'s for a no-op)."""
    a, b = template_without_hash(a), template_without_hash(b)
    # A ReplicaSet's template is usually a copy of its Deployment's: compare as is first, semantically if not.
    return a == b or _semantic(a) == _semantic(b)


def history(d: Mapping[str, Any], replicasets: Sequence[Mapping[str, Any]], *, resource: str = "deployment.apps",
            revision: int | None = None) -> RolloutHistory:
    """The revisions of a Deployment, from the ReplicaSets it controls (a later one wins a shared number)."""
    by_number: dict[int, Revision] = {}
    for rs in replicasets:
        number = revision_of(rs)
        if number is None:
            continue
        cause = (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
        by_number[number] = Revision(number, cause, rs["spec"].get("template") or {}, rs["metadata"]["name"])
    result = RolloutHistory(resource, d["metadata"]["name"], [by_number[n] for n in sorted(by_number)], revision)
    if revision and revision > 0 and result.selected() is None:
        raise RolloutError("unable to find the specified revision")
    return result


def status(d: Mapping[str, Any], revision: int = 0) -> tuple[str, bool]:
    """kubectl's DeploymentStatusViewer: the line `rollout status` prints, and whether the rollout is done."""
    meta, spec, st = d.get("metadata") or {}, d.get("spec") or {}, d.get("status") or {}
    name = meta.get("name")
    if revision > 0:
        current = revision_of(d) or 0
        if revision != current:
            raise RolloutError(f"desired revision ({revision}) is different from the running revision ({current})")
    if int(meta.get("generation") or 0) > int(st.get("observedGeneration") or 0):
        return "Waiting for deployment spec update to be observed...", False
    cond = next((c for c in st.get("conditions") or () if c.get("type") == "Progressing"), None)
    if cond is not None and cond.get("reason") == TIMED_OUT:
        raise RolloutError(f'deployment "{name}" exceeded its progress deadline')
    want = int(spec.get("replicas", 1))
    updated, replicas, available = (int(st.get(k) or 0) for k in ("updatedReplicas", "replicas",
                                                                   "availableReplicas"))
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < want:
        return f"{waiting}{updated} out of {want} new replicas have been updated...", False
    if replicas > updated:
        return f"{waiting}{replicas - updated} old replicas are pending termination...", False
    if available < updated:
        return f"{waiting}{available} of {updated} updated replicas are available...", False
    return f'deployment "{name}" successfully rolled out', True


# --- changing -----------------------------------------------------------------------------------------------------


def _deployment_only(obj: Mapping[str, Any], resource: str, what: str) -> None:
    if obj.get("kind") != "Deployment":
        raise RolloutError(f'{resource} "{obj["metadata"]["name"]}" {what} is not supported')


def rollback(d: Mapping[str, Any], replicasets: Sequence[Mapping[str, Any]], to_revision: int = 0) -> tuple[Obj | None,
                                                                                                          str]:
    """kubectl's DeploymentRollbacker: (the Deployment to write, or None to skip; what kubectl prints)."""
    if to_revision < 0:
        raise RolloutError(f"unable to find specified revision {to_revision} in history")
    target = _revision_replicaset(d, replicasets, to_revision)
    name = d["metadata"]["name"]
    if d["spec"].get("paused"):
        raise RolloutError("you cannot rollback a paused deployment; resume it first with "
                           f"'kubectl rollout resume deployment/{name}' and try again")
    template = target["spec"].get("template") or {}
    if equal_ignore_hash(template, d["spec"].get("template") or {}):
        return None, f"skipped rollback (current template already matches revision {to_revision})"
    annotations = {k: v for k, v in (d["metadata"].get("annotations") or {}).items() if k in KEEP_ON_ROLLBACK}
    annotations.update({k: v for k, v in (target["metadata"].get("annotations") or {}).items()
                        if k not in KEEP_ON_ROLLBACK})
    new = dict(d)
    new["metadata"] = {**d["metadata"], "annotations": annotations}
    new["spec"] = {**d["spec"], "template": template_without_hash(template)}
    return new, "rolled back"


def _revision_replicaset(d: Mapping[str, Any], replicasets: Sequence[Mapping[str, Any]],
                         to_revision: int) -> Mapping[str, Any]:
    latest: tuple[int, Mapping[str, Any] | None] = (-1, None)
    previous: tuple[int, Mapping[str, Any] | None] = (-1, None)
    for rs in replicasets:
        number = revision_of(rs)
        if number is None:
            continue
        if to_revision == 0:
            if latest[0] < number:
                previous, latest = latest, (number, rs)
            elif previous[0] < number:
                previous = (number, rs)
        elif number == to_revision:
            return rs
    if to_revision > 0:
        raise RolloutError(f"unable to find specified revision {to_revision} in history")
    if previous[1] is None:
        raise RolloutError(f'no rollout history found for deployment "{d["metadata"]["name"]}"')
    return previous[1]


def restarted(obj: Mapping[str, Any], stamp: str, *, resource: str = "deployment.apps") -> Obj:
    """The object with its pod template stamped `restartedAt` (an RFC 3339 time), as `rollout restart` does."""
    name = obj["metadata"]["name"]
    if obj.get("kind") == "Deployment" and obj["spec"].get("paused"):
        raise RolloutError(f'{resource} "{name}" can\'t restart paused deployment (run rollout resume first)')
    if obj.get("kind") not in ("Deployment", "DaemonSet", "StatefulSet"):
        raise RolloutError(f'{resource} "{name}" restarting is not supported')
    template = obj["spec"].get("template") or {}
    meta = dict(template.get("metadata") or {})
    annotations = dict(meta.get("annotations") or {})
    if annotations.get(RESTARTED_AT) == stamp:
        raise RolloutError(f"failed to create patch for {name}: if restart has already been triggered within the "
                           "past second, please wait before attempting to trigger another")
    annotations[RESTARTED_AT] = stamp
    meta["annotations"] = annotations
    return {**obj, "spec": {**obj["spec"], "template": {**template, "metadata": meta}}}


def paused(obj: Mapping[str, Any], pause: bool, *, resource: str = "deployment.apps") -> Obj:
    """`rollout pause` (pause=True) or `rollout resume`: the object with spec.paused flipped."""
    _deployment_only(obj, resource, "pausing" if pause else "resuming")
    if bool(obj["spec"].get("paused")) == pause:
        state = "is already paused" if pause else "is not paused"
        raise RolloutError(f'{resource} "{obj["metadata"]["name"]}" {state}')
    spec = dict(obj["spec"])
    if pause:
        spec["paused"] = True
    else:
        spec.pop("paused", None)
    return {**obj, "spec": spec}


def scaled(obj: Mapping[str, Any], replicas: int) -> Obj:
    if replicas < 0:
        raise UsageError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    return {**obj, "spec": {**obj["spec"], "replicas": replicas}}


def with_images(obj: Mapping[str, Any], images: Mapping[str, str]) -> tuple[Obj, list[str]]:
    """`set image`: (the object with those containers' images, the names no container has).

    `"*"` sets every container. Init containers count, as in kubectl.
    """
    if not images:
        raise UsageError("at least one image update is required")
    if len(images) > 1 and "*" in images:
        raise UsageError("all containers are already specified by *, but saw more than one "
                         "container_name=container_image pairs")
    template = obj["spec"].get("template") or {}
    spec = dict(template.get("spec") or {})
    missing = []
    for name, image in images.items():
        found = False
        for group in ("initContainers", "containers"):
            items = []
            for c in spec.get(group) or ():
                if c.get("name") == name or name == "*":
                    c = {**c, "image": image}
                    found = True
                items.append(c)
            if group in spec:
                spec[group] = items
        if not found:
            missing.append(name)
    return {**obj, "spec": {**obj["spec"], "template": {**template, "spec": spec}}}, missing


# --- printing one revision's pod template ----------------------------------------------------------------------------


def describe_template(template: Mapping[str, Any]) -> str:
    """`Pod Template:` as kubectl's DescribePodTemplate writes it for `rollout history --revision` (tab-separated)."""
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    out = ["Pod Template:\n", _multiline("  Labels", meta.get("labels"))]
    if meta.get("annotations"):
        out.append(_multiline("  Annotations", meta["annotations"]))
    if spec.get("serviceAccountName"):
        out.append(f"  Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        out.append(_containers("Init Containers", spec["initContainers"]))
    out.append(_containers("Containers", spec.get("containers") or ()))
    out.append(_volumes(spec.get("volumes") or ()))
    out.append(_multiline("  Node-Selectors", spec.get("nodeSelector")))
    out.append(_tolerations(spec.get("tolerations") or ()))
    if spec.get("priorityClassName"):
        out.append(f"  Priority Class Name:\t{spec['priorityClassName']}\n")
    return "".join(out)


def _multiline(title: str, values: Mapping[str, str] | None) -> str:
    if not values:
        return f"{title}:\t<none>\n"
    lines = [f"{k}={values[k]}\n" for k in sorted(values)]
    return f"{title}:\t" + "\t".join(lines)


def _containers(label: str, containers: Sequence[Mapping[str, Any]]) -> str:
    out = [f"  {label}:\n"]
    for c in containers:
        out.append(f"   {c.get('name')}:\n    Image:\t{c.get('image', '')}\n")
        ports = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or ())
        hosts = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or ())
        out.append(f"    {'Ports' if ',' in ports else 'Port'}:\t{ports or '<none>'}\n")
        out.append(f"    {'Host Ports' if ',' in hosts else 'Host Port'}:\t{hosts or '<none>'}\n")
        for key, title in (("command", "Command"), ("args", "Args")):
            if c.get(key):
                out.append(f"    {title}:\n" + "".join(f"      {line}\n" for arg in c[key]
                                                       for line in str(arg).split("\n")))
        resources = c.get("resources") or {}
        for key, title in (("limits", "Limits"), ("requests", "Requests")):
            if resources.get(key):
                out.append(f"    {title}:\n" + "".join(f"      {k}:\t{v}\n" for k, v in sorted(resources[key].items())))
        env = c.get("env") or ()
        out.append("    Environment:" + ("\t<none>\n" if not env else "\n"))
        for e in env:
            out.append(f"      {e.get('name')}:\t{e.get('value', '')}\n")
        mounts = sorted(c.get("volumeMounts") or (), key=lambda m: m.get("mountPath", ""))
        out.append("    Mounts:" + ("\t<none>\n" if not mounts else "\n"))
        for m in mounts:
            out.append(f"      {m.get('mountPath')} from {m.get('name')} ({'ro' if m.get('readOnly') else 'rw'})\n")
    return "".join(out)


def _volumes(volumes: Sequence[Mapping[str, Any]]) -> str:
    if not volumes:
        return "  Volumes:\t<none>\n"
    out = ["  Volumes:\n"]
    for v in volumes:
        kind = next((k for k in v if k != "name"), "")
        out.append(f"   {v.get('name')}:\n    Type:\t{kind}\n")
    return "".join(out)


def _tolerations(tolerations: Sequence[Mapping[str, Any]]) -> str:
    if not tolerations:
        return "  Tolerations:\t<none>\n"
    lines = []
    for t in tolerations:
        text = t.get("key", "") + (f"={t['value']}" if t.get("value") else "")
        text += f":{t['effect']}" if t.get("effect") else ""
        text += f" op={t['operator']}" if t.get("operator") == "Exists" else ""
        text += f" for {t['tolerationSeconds']}s" if t.get("tolerationSeconds") is not None else ""
        lines.append(text + "\n")
    return "  Tolerations:\t" + "\t".join(lines)
