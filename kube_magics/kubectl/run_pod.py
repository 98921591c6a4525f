"""`kubectl run`: a pod from an image.

    %k8s run web --image=nginx:1.20 --port=80                          pod/web created
    %k8s run web --image=nginx --port=80 --expose                      pod/web created, service/web created
    %k8s run once --image=busybox --restart=Never -- sh -c 'echo hi'
    %k8s run once --image=busybox --restart=Never --rm -i -- echo hi   waits for it, prints its output, deletes it

A cell has no terminal, so `-t` is refused; `-i`/`--attach` wait for the pod to finish (or to run for
`--pod-running-timeout`) and print what it wrote, as kubectl does when it falls back to streaming logs.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from kube_magics.errors import ApiError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import WAIT_CAP, CommandError, created, fail, namespace, result
from kube_magics.kubectl.flags import DRY_RUN, FIELD_MANAGER, PRINT, Command, Flag, Options, dry_run, parse
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

RUN = Command("run", "kubectl run NAME --image=image [--env=\"key=value\"] [--port=port] "
                     "[--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...]", (
    *PRINT, DRY_RUN, FIELD_MANAGER, Flag("image", kind="str", default=""), Flag("env", kind="array"),
    Flag("port", kind="str", default=""), Flag("labels", "l", "str", default=""), Flag("annotations", kind="array"),
    Flag("restart", kind="str", default="Always"), Flag("command"), Flag("expose"), Flag("rm"),
    Flag("stdin", "i"), Flag("tty", "t"), Flag("attach"), Flag("quiet", "q"), Flag("privileged"),
    Flag("image-pull-policy", kind="str", default=""), Flag("overrides", kind="str", default=""),
    Flag("pod-running-timeout", kind="duration", default=60.0), Flag("leave-stdin-open"),
    Flag("save-config"),
))

_IMAGE = re.compile(r"[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?"
                    r"(@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?")


@verb("run")
def run(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(RUN, argv)
    args = [a for a in args if a != "--"] if args[:1] != ["--"] else args[1:]
    _validate(o, args)
    strategy = dry_run(RUN, o)
    name, command = args[0], args[1:]
    labels = _pairs(o.labels, "label") if o.labels else {"run": name}
    pod = _pod(o, name, labels, command)
    ns = namespace(session, o)
    if o.was_set("namespace") or strategy != "client":
        pod["metadata"]["namespace"] = ns
    manager = o.field_manager or "kubectl-run"
    text, made = created(session, pod, output=o.output, strategy=strategy, manager=manager)
    objects = [made]
    if o.expose:
        svc = _service(name, labels, int(o.port), ns)
        svc_text, svc_made = created(session, svc, output=o.output, strategy=strategy, manager=manager)
        text += svc_text
        objects.append(svc_made)
    if (o.stdin or o.attach) and strategy == "none":
        text = _attach(session, o, made)  # kubectl prints what the pod wrote instead of `pod/x created`
    return result(text, objects=objects)


def _validate(o: Options, args: list[str]) -> None:
    if not args:
        raise RUN.error("NAME is required for run")
    if not o.image:
        raise RUN.error("--image is required")
    if not _IMAGE.fullmatch(o.image):
        raise RUN.error(f'invalid image name "{o.image}": invalid reference format')
    if o.tty:
        raise RUN.error("-t/--tty needs a terminal, and a notebook cell has none: use -i (or --attach) to see "
                        "the output, or %k8s exec for a command in a running pod")
    if o.expose and not o.port:
        raise RUN.error("--port must be set when exposing a service")
    if o.port and not o.port.isdigit():
        raise RUN.error("--port must be a number")
    if o.rm and not (o.stdin or o.attach):
        raise RUN.error("--rm should only be used for attached containers")
    if (o.stdin or o.attach) and dry_run(RUN, o) != "none":
        raise RUN.error("--dry-run=[server|client] can't be used with attached containers options (--attach, "
                        "--stdin, or --tty)")
    if o.restart not in ("Always", "OnFailure", "Never"):
        raise RUN.error(f"invalid restart policy: {o.restart}, valid values are: Always, OnFailure, Never")
    if o.image_pull_policy not in ("", "Always", "IfNotPresent", "Never"):
        raise RUN.error(f"invalid image pull policy: {o.image_pull_policy}, valid values are: Always, "
                        "IfNotPresent, Never")


def _pairs(text: str, what: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        key, eq, value = part.partition("=")
        if not eq or "=" in value:
            raise RUN.error(f"unexpected {what} spec: {part}")
        if not key:
            raise RUN.error(f"unexpected empty {what} key")
        out[key] = value
    return out


def _pod(o: Options, name: str, labels: dict[str, str], command: list[str]) -> Obj:
    container: Obj = {"image": o.image, "name": name, "resources": {}}
    if command:
        container["command" if o.command else "args"] = command
    if o.env:
        container["env"] = [_env(e) for e in o.env]
    if o.image_pull_policy:
        container["imagePullPolicy"] = o.image_pull_policy
    if o.port:
        container["ports"] = [{"containerPort": int(o.port)}]
    if o.stdin:
        container["stdin"] = True
        if not o.leave_stdin_open:
            container["stdinOnce"] = True
    if o.privileged:
        container["securityContext"] = {"privileged": True}
    meta: Obj = {"labels": labels, "name": name}
    if o.annotations:
        meta["annotations"] = _pairs(",".join(o.annotations), "annotation")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": o.restart},
            "status": {}}


def _env(text: str) -> Obj:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise RUN.error(f"invalid env: {text}")
    return {"name": key, "value": value}


def _service(name: str, labels: dict[str, str], port: int, ns: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"ports": [{"port": port, "protocol": "TCP", "targetPort": port}], "selector": labels},
            "status": {"loadBalancer": {}}}


def _attach(session: Session, o: Options, pod: Obj) -> str:
    """kubectl run's attach, without a terminal: wait for the pod (to finish with --restart=Never or OnFailure,
    else to run, within --pod-running-timeout), print what it wrote, delete it with --rm.

    kubectl ends with the container's exit code and no message when it fails; a cell says it in a line."""
    backend = session.backend
    meta = pod["metadata"]
    finishes = o.restart in ("Never", "OnFailure")
    done = ("Succeeded", "Failed") if finishes else ("Running", "Succeeded", "Failed")

    def phase() -> str:
        return str((backend.get("pods", meta["name"], meta["namespace"]).get("status") or {}).get("phase", ""))

    backend.wait_until(lambda: phase() in done, timeout=WAIT_CAP if finishes else float(o.pod_running_timeout))
    live = backend.get("pods", meta["name"], meta["namespace"])
    text = ""
    with contextlib.suppress(ApiError):  # a container that never started has nothing to show
        text += backend.logs(meta["name"], meta["namespace"])
    if o.rm:
        backend.delete("pods", meta["name"], meta["namespace"])
        backend.wait_until(lambda: not backend.list("pods", meta["namespace"],
                                                     field_selector=f"metadata.name={meta['name']}"), timeout=WAIT_CAP)
        text += f'pod "{meta["name"]}" deleted from {meta["namespace"]} namespace\n'
    statuses: list[Obj] = (live.get("status") or {}).get("containerStatuses") or []
    state: Obj = ((statuses[0].get("state") if statuses else None) or {}).get("terminated") or {}
    if finishes and (live["status"].get("phase") == "Failed" or state.get("exitCode")):
        raise fail(text, [CommandError(f"error: pod {meta['namespace']}/{meta['name']} terminated "
                                       f"({state.get('reason', 'Error')}) with exit code {state.get('exitCode')}")])
    return text
