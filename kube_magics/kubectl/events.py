"""`kubectl events`: what happened in a namespace, oldest first.

    %k8s events                         %k8s events --for deployment/web         %k8s events -A --types=Warning

(`%k8s get events` is the plain table, in the API's order; `events` sorts by time and shows repeats as
`(x4 over 2m)`.)
"""

from __future__ import annotations

from kube_magics.kubectl import verb
from kube_magics.kubectl.common import namespace, result
from kube_magics.kubectl.flags import ALL_NAMESPACES, Command, Flag, parse
from kube_magics.kubectl.resources import resolve
from kube_magics.printers import kubectl_events, render_output
from kube_magics.results import TextResult
from kube_magics.session import Session

EVENTS = Command("events", "kubectl events [(-o|--output=)json|yaml|name|go-template|go-template-file|template|"
                           "templatefile|jsonpath|jsonpath-as-json|jsonpath-file] [--for TYPE/NAME] [--watch] "
                           "[--types=Normal,Warning]", (
    ALL_NAMESPACES, Flag("for", kind="str", default=""), Flag("types", kind="slice"), Flag("no-headers"),
    Flag("output", "o", "str", default=""), Flag("watch", "w"), Flag("chunk-size", kind="int", default=500),
))


@verb("events")
def events(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(EVENTS, argv)
    if args:
        raise EVENTS.usage_error(f"unexpected arguments: [{' '.join(args)}]")
    for t in o.types:
        if t.lower() not in ("normal", "warning"):
            raise EVENTS.error(f"valid --types are Normal or Warning: {t} is not valid")
    backend = session.backend
    ns = namespace(session, o)
    items = backend.list("events", None if o.all_namespaces else ns)
    if o.get("for"):
        kind, _, name = str(o.get("for")).rpartition("/")
        if not kind:
            raise EVENTS.error("--for must be in resource/name form")
        rk = resolve(backend.catalogue, kind)
        items = [e for e in items if (e.get("involvedObject") or {}).get("kind") == rk.kind
                 and (e.get("involvedObject") or {}).get("name") == name]
    if o.output:
        return result(render_output(o.output, items, single=False), objects=items)
    text = kubectl_events(items, now=backend.now(), namespace=ns, all_namespaces=o.all_namespaces,
                          types=o.types, no_headers=o.no_headers)
    return result(text, objects=items)
