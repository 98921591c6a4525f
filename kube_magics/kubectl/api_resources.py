"""`kubectl api-resources`: the resource types the cluster serves (its discovery), as kubectl lists them.

    %k8s api-resources      %k8s api-resources --namespaced=false      %k8s api-resources --api-group=apps -o wide
"""

from __future__ import annotations

from kube_magics.kubectl import verb
from kube_magics.kubectl.common import result
from kube_magics.kubectl.flags import Command, Flag, parse
from kube_magics.printers import api_resources as print_api_resources
from kube_magics.results import TextResult
from kube_magics.session import Session

API_RESOURCES = Command("api-resources", "kubectl api-resources [flags]", (
    Flag("output", "o", "str", default=""), Flag("sort-by", kind="str", default=""), Flag("namespaced", default=True),
    Flag("api-group", kind="str"), Flag("verbs", kind="slice"), Flag("no-headers"), Flag("cached"),
    Flag("categories", kind="slice"),
))


@verb("api-resources")
def api_resources(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(API_RESOURCES, argv)
    if args:
        raise API_RESOURCES.usage_error(f"unexpected arguments: [{' '.join(args)}]")
    if o.output not in ("", "wide", "name"):
        raise API_RESOURCES.error(f'--output {o.output} is not available')
    text = print_api_resources(list(session.backend.catalogue), output=o.output, sort_by=o.sort_by,
                               namespaced=o.namespaced if o.was_set("namespaced") else None,
                               api_group=o.api_group, verbs=o.verbs, no_headers=o.no_headers)
    return result(text)
