"""`kubectl exec`: run a command in a container of a running pod.

    %k8s exec web-5d4f-abcde -- env
    %k8s exec web-5d4f-abcde -c app -- cat /etc/config/app.properties
    %k8s exec deploy/web -- sh -c 'echo $HOSTNAME'

A cell has no terminal, so an interactive shell (`-it -- sh`) cannot be opened: run the commands one at a time.
On the simulator, exec answers what follows from the pod's objects (environment, mounted ConfigMaps and Secrets,
hostname, /etc/hosts, /etc/resolv.conf; see `backends/sim_exec.py`) and says so for anything else.
"""

from __future__ import annotations

from typing import Any

from kube_magics.kubectl import verb
from kube_magics.kubectl.common import CommandError, namespace, preformatted
from kube_magics.kubectl.flags import FILENAME, Command, Flag, Options, parse, split_dashes
from kube_magics.kubectl.resources import pods_of, resolve
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

EXEC = Command("exec", "kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]", (
    FILENAME, Flag("container", "c", "str", default=""), Flag("stdin", "i"), Flag("tty", "t"), Flag("quiet", "q"),
    Flag("pod-running-timeout", kind="duration", default=60.0),
))
SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "ash", "zsh", "/bin/ash"})


@verb("exec")
def exec_(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(EXEC, argv)
    before, command = split_dashes(args)
    if command is None:
        if len(before) > 1:
            raise EXEC.usage_error("exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] "
                                   "instead")
        command = []
    if not before:
        raise EXEC.error("pod, type/name or --filename must be specified")
    if not command:
        raise EXEC.error("you must specify at least one command for the container")
    if command[0] in SHELLS and len(command) == 1:
        raise EXEC.error("an interactive shell needs a terminal, and a notebook cell has none: run commands one at "
                         f"a time (%k8s exec {before[0]} -- env) or as a script (-- sh -c 'cmd1; cmd2')")
    backend = session.backend
    ns = namespace(session, o)
    pod = _pod(session, before[0], ns)
    notes = _container_note(pod, o)
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise EXEC.error(f"cannot exec into a container in a completed pod; current phase is {phase}")
    out = backend.exec(pod["metadata"]["name"], command, ns, container=o.container or None)
    text = notes + ("Unable to use a TTY - input is not a terminal or the right kind of file\n" if o.tty else "")
    text += out.stdout + out.stderr
    if out.exit_code:
        raise CommandError(f"command terminated with exit code {out.exit_code}", output=text, objects=[pod])
    return preformatted(text, objects=[pod])


def _pod(session: Session, target: str, ns: str) -> Obj:
    backend = session.backend
    kind, slash, name = target.rpartition("/")
    if slash and resolve(backend.catalogue, kind).kind != "Pod":
        return pods_of(backend, resolve(backend.catalogue, kind), name, ns)[0]
    return backend.get("pods", name, ns)


def _container_note(pod: Obj, o: Options) -> str:
    """podcmd.FindOrDefaultContainerByName: check -c, or say which container was picked when there are several."""
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or ()]
    inits = [c["name"] for c in spec.get("initContainers") or ()]
    every = ", ".join([*names, *(f"{n} (init)" for n in inits)])
    if o.container:
        if o.container not in names and o.container not in inits:
            raise EXEC.error(f"container {o.container} is not valid for pod {pod['metadata']['name']} out of: "
                             f"{every}")
        return ""
    if (len(names) > 1 or inits) and not o.quiet:
        return f'Defaulted container "{names[0]}" out of: {every}\n'
    return ""
