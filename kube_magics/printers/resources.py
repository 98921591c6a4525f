"""`kubectl api-resources`: NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND (and VERBS, CATEGORIES with -o wide),
sorted by group then name as kubectl sorts discovery's answer, from `kube_magics.kinds`.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Iterable

from kube_magics.errors import UsageError
from kube_magics.kinds import BUILTIN, ResourceKind
from kube_magics.printers.tabwriter import align_get

# The resources in kubectl's "all" category, as (group, plural).
CATEGORY_ALL = frozenset({("", "pods"), ("", "replicationcontrollers"), ("", "services"), ("apps", "daemonsets"),
                          ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"),
                          ("autoscaling", "horizontalpodautoscalers"), ("batch", "cronjobs"), ("batch", "jobs")})


def api_resources(resources: Iterable[ResourceKind] = BUILTIN, *, output: str = "", sort_by: str = "",
                  namespaced: bool | None = None, api_group: str | None = None, verbs: Iterable[str] = (),
                  no_headers: bool = False) -> str:
    """What `kubectl api-resources` prints for these resources (discovery order in, kubectl's order out)."""
    if sort_by not in ("", "name", "kind"):
        raise UsageError("--sort-by accepts only name or kind")
    wanted = set(verbs)
    items = [r for r in resources
             if (namespaced is None or r.namespaced == namespaced) and (api_group is None or r.group == api_group)
             and wanted <= set(r.verbs)]
    primary = {"name": lambda r: r.plural, "kind": lambda r: r.kind}.get(sort_by, lambda r: r.group)
    items.sort(key=lambda r: (primary(r), r.plural))
    if output == "name":
        return "".join(f"{r.plural}.{r.group}\n" if r.group else f"{r.plural}\n" for r in items)
    wide = output == "wide"
    lines = []
    if not no_headers:
        lines.append("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND" + ("\tVERBS\tCATEGORIES" if wide else ""))
    for r in items:
        line = f"{r.plural}\t{','.join(r.short_names)}\t{r.api_version}\t{str(r.namespaced).lower()}\t{r.kind}"
        if wide:
            line += f"\t{','.join(r.verbs)}\t{'all' if (r.group, r.plural) in CATEGORY_ALL else ''}"
        lines.append(line)
    return align_get("".join(line + "\n" for line in lines))
