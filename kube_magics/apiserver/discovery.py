"""Discovery: what the served API has, in the documents kubectl and client libraries read first.

- `/version`: the server's version (`kubectl version`).
- Legacy discovery: `/api` (APIVersions), `/apis` (APIGroupList), `/apis/{group}` (APIGroup), `/api/v1` and
  `/apis/{group}/{version}` (APIResourceList with each resource's verbs, short names, categories and subresources).
- Aggregated discovery (`apidiscovery.k8s.io/v2`, and `v2beta1`): all of the above in one APIGroupDiscoveryList per
  `/api` and `/apis`, which kubectl 1.35 asks for first (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;
  as=APIGroupDiscoveryList`).

Everything comes from the cluster's resource catalogue (`kube_magics.kinds`, the discovery answer of a 1.35 API
server) and the simulator's REST strategies (which kinds have a `status` subresource).

Owns: the shape of the discovery documents. Must not: serve anything the handlers do not serve.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_magics.kinds import ResourceCatalogue, ResourceKind
from kube_magics.sim.strategies import strategy_for

Doc = dict[str, Any]

FULL = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
# Resources whose verbs differ from the usual eight, as a 1.35 API server lists them.
VERBS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "bindings"): ("create",),
    ("", "componentstatuses"): ("get", "list"),
    ("", "namespaces"): ("create", "delete", "get", "list", "patch", "update", "watch"),
    ("authentication.k8s.io", "selfsubjectreviews"): ("create",),
    ("authentication.k8s.io", "tokenreviews"): ("create",),
    ("authorization.k8s.io", "localsubjectaccessreviews"): ("create",),
    ("authorization.k8s.io", "selfsubjectaccessreviews"): ("create",),
    ("authorization.k8s.io", "selfsubjectrulesreviews"): ("create",),
    ("authorization.k8s.io", "subjectaccessreviews"): ("create",),
    ("metrics.k8s.io", "nodes"): ("get", "list"),
    ("metrics.k8s.io", "pods"): ("get", "list"),
}
_ALL = {("", "pods"), ("", "replicationcontrollers"), ("", "services"), ("apps", "daemonsets"),
        ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"),
        ("autoscaling", "horizontalpodautoscalers"), ("batch", "cronjobs"), ("batch", "jobs")}
_API_EXTENSIONS = {"admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io"}
SCALABLE = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"})


def version_info(git_version: str) -> Doc:
    """The `/version` document of a server at `git_version` (`v1.35.0`)."""
    major, minor = git_version.lstrip("v").split(".")[:2]
    return {"major": major, "minor": minor, "emulationMajor": major, "emulationMinor": minor,
            "minCompatibilityMajor": major, "minCompatibilityMinor": str(max(0, int(minor) - 1)),
            "gitVersion": git_version, "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25.5",
            "compiler": "gc", "platform": "linux/amd64"}


def verbs(r: ResourceKind) -> tuple[str, ...]:
    return VERBS.get((r.group, r.plural), FULL)


def categories(r: ResourceKind) -> list[str]:
    if (r.group, r.plural) in _ALL:
        return ["all"]
    if r.group in _API_EXTENSIONS:
        return ["api-extensions"]
    return []


def subresources(r: ResourceKind) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """(name, group, version, kind, verbs) of each served subresource of a resource."""
    out: list[tuple[str, str, str, str, tuple[str, ...]]] = []
    if r.kind == "Pod" and r.group == "":
        out += [("binding", "", "v1", "Binding", ("create",)),
                ("eviction", "policy", "v1", "Eviction", ("create",)),
                ("log", "", "v1", "Pod", ("get",))]
    if r.kind in SCALABLE:
        out.append(("scale", "autoscaling", "v1", "Scale", ("get", "patch", "update")))
    if strategy_for(r.kind).status_subresource:
        out.append(("status", r.group, r.version, r.kind, ("get", "patch", "update")))
    return out


def group_versions(catalogue: ResourceCatalogue) -> list[tuple[str, str]]:
    """(group, version) pairs in discovery order, the core group first."""
    seen: dict[tuple[str, str], None] = {}
    for r in catalogue:
        seen.setdefault((r.group, r.version), None)
    return sorted(seen, key=lambda gv: gv[0] != "")


# --- legacy discovery ---------------------------------------------------------------------------------------------


def api_versions(server_address: str) -> Doc:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group(group: str, versions: list[str]) -> Doc:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(catalogue: ResourceCatalogue) -> Doc:
    by_group: dict[str, list[str]] = {}
    for g, v in group_versions(catalogue):
        if g:
            by_group.setdefault(g, []).append(v)
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(g, vs) for g, vs in by_group.items()]}


def api_group(catalogue: ResourceCatalogue, group: str) -> Doc | None:
    versions = [v for g, v in group_versions(catalogue) if g == group]
    if not group or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, versions)}


def api_resource_list(catalogue: ResourceCatalogue, group: str, version: str) -> Doc:
    resources: list[Doc] = []
    for r in _served(catalogue, group, version):
        entry: Doc = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
                      "verbs": list(verbs(r))}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if categories(r):
            entry["categories"] = categories(r)
        resources.append(entry)
        for name, sgroup, sversion, skind, sverbs in subresources(r):
            sub: Doc = {"name": f"{r.plural}/{name}", "singularName": "", "namespaced": r.namespaced, "kind": skind,
                        "verbs": list(sverbs)}
            if (sgroup, sversion) != (group, version):
                sub["group"], sub["version"] = sgroup, sversion
            resources.append(sub)
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


def _served(catalogue: ResourceCatalogue, group: str, version: str) -> Iterable[ResourceKind]:
    return [r for r in catalogue if r.group == group and r.version == version]


# --- aggregated discovery -----------------------------------------------------------------------------------------


def aggregated(catalogue: ResourceCatalogue, *, legacy: bool, api_version: str = "apidiscovery.k8s.io/v2") -> Doc:
    """The APIGroupDiscoveryList of `/api` (`legacy`, the core group) or of `/apis` (every named group)."""
    items: list[Doc] = []
    by_group: dict[str, list[str]] = {}
    for g, v in group_versions(catalogue):
        if (g == "") == legacy:
            by_group.setdefault(g, []).append(v)
    for g, versions in by_group.items():
        meta: Doc = {"creationTimestamp": None} if legacy else {"name": g, "creationTimestamp": None}
        items.append({"metadata": meta, "versions": [
            {"version": v, "resources": [_resource_discovery(r) for r in _served(catalogue, g, v)],
             "freshness": "Current"} for v in versions]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items}


def _resource_discovery(r: ResourceKind) -> Doc:
    entry: Doc = {"resource": r.plural, "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                  "scope": "Namespaced" if r.namespaced else "Cluster", "singularResource": r.singular,
                  "verbs": list(verbs(r))}
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if categories(r):
        entry["categories"] = categories(r)
    subs = [{"subresource": name, "responseKind": {"group": g, "version": v, "kind": k}, "verbs": list(vs)}
            for name, g, v, k, vs in subresources(r)]
    if subs:
        entry["subresources"] = subs
    return entry
