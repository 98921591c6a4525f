"""What each cluster view shows, as small JSON: pure functions of a `ClusterState` and the cluster's time.

`topology(state, ...)` is the topology view's model (nodes with their pods, Services with their endpoints, the
Deployments one can scale); `board(state, ...)` the pod board's (rows as kubectl prints them, rollouts, recent
events); `pod_details` / `node_details` what a click shows; `summary_counts` the one-line summaries. The same
state and time give the same snapshot, byte for byte, which is what keeps the static renderings deterministic.

Must not: call a backend, read a clock, or draw.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kube_magics.selectors import from_map, parse
from kube_magics.timefmt import human_duration
from kube_magics.widgets.reducers import ClusterState, Row
from kube_magics.widgets.status import LEGEND

Snapshot = dict[str, Any]

SYSTEM_NAMESPACES = ("kube-node-lease", "kube-public", "kube-system", "local-path-storage")
_STATE_ORDER = [name for name, _ in LEGEND]


def age(created: float | None, now: float) -> str:
    return "<unknown>" if created is None else human_duration(now - created)


def _visible(ns: str, namespace: str | None, include_system: bool) -> bool:
    if namespace is not None:
        return ns == namespace
    return include_system or ns not in SYSTEM_NAMESPACES


def _brief(key: str, pod: Row) -> Row:
    return {"key": key, "name": pod["name"], "ns": pod["ns"], "status": pod["status"], "cat": pod["cat"],
            "ready": pod["ready"], "restarts": pod["restarts"]}


def count_states(values: list[str]) -> list[list[Any]]:
    """[[state, count], ...] in the order a pod lives through its states, then alphabetically."""
    counts = Counter(values)
    order = sorted(counts, key=lambda s: (_STATE_ORDER.index(s) if s in _STATE_ORDER else len(_STATE_ORDER), s))
    return [[s, counts[s]] for s in order]


# --- the topology -----------------------------------------------------------------------------------------------


def topology(state: ClusterState, *, namespace: str | None = None, include_system: bool = False) -> Snapshot:
    pods = {k: p for k, p in sorted(state.pods.items()) if _visible(p["ns"], namespace, include_system)}
    by_node: dict[str, list[Row]] = {}
    for k, p in pods.items():
        by_node.setdefault(p["node"] if p["node"] in state.nodes else "", []).append(_brief(k, p))
    nodes = [{"name": name, "status": node["status"], "ready": node["ready"], "cordoned": node["cordoned"],
              "control_plane": node["control_plane"], "pods": by_node.get(name, [])}
             for name, node in sorted(state.nodes.items())]
    # Pods bound to a node the view has not seen (or none) wait with the unscheduled ones.
    waiting = by_node.get("", [])
    services = [_service(k, s, state, pods) for k, s in sorted(state.services.items())
                if _visible(s["ns"], namespace, include_system) and s["selector"]]
    deployments = [{"key": k, "ns": d["ns"], "name": d["name"], "desired": d["desired"], "ready": d["ready"]}
                   for k, d in sorted(state.deployments.items()) if _visible(d["ns"], namespace, include_system)]
    return {
        "nodes": nodes, "unscheduled": waiting, "services": services, "deployments": deployments,
        "counts": {"nodes": len(nodes), "node_states": count_states([n["status"].split(",")[0] for n in nodes]),
                   "pods": len(pods), "pod_states": count_states([p["status"] for p in pods.values()])},
    }


def _service(key: str, svc: Row, state: ClusterState, pods: dict[str, Row]) -> Row:
    """A Service and the pods it sends traffic to: its endpoints if the cluster publishes them, else the pods
    its selector matches that are Ready (what the endpoints controller would publish)."""
    sel = from_map(svc["selector"])
    selected = {k: p for k, p in pods.items() if p["ns"] == svc["ns"] and sel.matches(p["labels"])}
    sources = [e for e in state.endpoints.values() if e["service"] == key]
    if sources:
        ready = {f"{svc['ns']}/{n}" for e in sources for n in e["ready"]}
        listed = ready | {f"{svc['ns']}/{n}" for e in sources for n in e["not_ready"]}
    else:
        ready = {k for k, p in selected.items() if p["serving"]}
        listed = set(selected)
    edges = [{"pod": k, "ready": k in ready} for k in sorted(listed | set(selected)) if k in pods]
    return {"key": key, "ns": svc["ns"], "name": svc["name"], "type": svc["type"], "cluster_ip": svc["cluster_ip"],
            "ports": svc["ports"], "endpoints": edges}


# --- the pod board ----------------------------------------------------------------------------------------------


def board(state: ClusterState, *, now: float, namespace: str | None = None, selector: str | None = None,
          max_events: int = 10) -> Snapshot:
    sel = parse(selector)
    chosen = [(k, p) for k, p in sorted(state.pods.items())
              if (namespace is None or p["ns"] == namespace) and sel.matches(p["labels"])]
    # Rows as kubectl get pods -o wide lists them: NAME READY STATUS RESTARTS AGE NODE (namespace kept for keys).
    rows = [[k, p["name"], p["ready"], p["status"], p["restarts"], age(p["created"], now), p["node"] or "<none>",
             p["cat"]] for k, p in chosen]
    deployments = [_rollout(k, d) for k, d in sorted(state.deployments.items())
                   if (namespace is None or d["ns"] == namespace)
                   and (not selector or sel.matches(d["template_labels"]))]
    events = [e for e in state.events.values() if namespace is None or e["ns"] == namespace]
    events.sort(key=lambda e: (e["last"] or 0.0))
    feed = [{"type": e["type"], "reason": e["reason"], "object": f"{e['kind'].lower()}/{e['object']}",
             "message": e["message"], "age": age(e["last"], now), "count": e["count"]}
            for e in reversed(events[-max_events:])]
    return {"pods": rows, "deployments": deployments, "events": feed,
            "counts": {"pods": len(rows), "pod_states": count_states([r[3] for r in rows])}}


def _rollout(key: str, dep: Row) -> Row:
    return {"key": key, "ns": dep["ns"], "name": dep["name"], "desired": dep["desired"], "replicas": dep["replicas"],
            "updated": dep["updated"], "ready": dep["ready"], "available": dep["available"],
            "message": dep["message"], "done": dep["done"]}


# --- what a click shows -----------------------------------------------------------------------------------------


def events_about(state: ClusterState, kind: str, name: str, uid: str, ns: str | None, now: float) -> list[Row]:
    """The events `kubectl describe` lists for an object, oldest first: Type, Reason, Age, From, Message.
    `ns` None matches events in any namespace (a Node's events live in `default`)."""
    found = [e for e in state.events.values() if e["kind"] == kind
             and (e["uid"] == uid if uid and e["uid"] else e["object"] == name and ns in (None, e["ns"]))]
    found.sort(key=lambda e: (e["last"] or 0.0))
    rows = []
    for e in found:
        when = age(e["last"], now)
        if e["count"] > 1:
            when = f"{when} (x{e['count']} over {age(e['first'], now)})"
        rows.append({"type": e["type"], "reason": e["reason"], "age": when, "from": e["from"],
                     "message": e["message"]})
    return rows


def pod_details(state: ClusterState, key: str, now: float) -> Snapshot | None:
    pod = state.pods.get(key)
    if pod is None:
        return None
    return {
        "kind": "Pod", "key": key, "name": pod["name"], "namespace": pod["ns"], "node": pod["node"] or "<none>",
        "status": pod["status"], "cat": pod["cat"], "ready": pod["ready"], "restarts": pod["restarts"],
        "ip": pod["ip"] or "<none>", "age": age(pod["created"], now), "controlled_by": pod["owner"] or "<none>",
        "labels": ",".join(f"{k}={v}" for k, v in sorted(pod["labels"].items())) or "<none>",
        "containers": [{"name": n, "image": i} for n, i in pod["containers"]],
        "conditions": [{"type": t, "status": s} for t, s in pod["conditions"]],
        "events": events_about(state, "Pod", pod["name"], pod["uid"], pod["ns"], now),
    }


def node_details(state: ClusterState, name: str, now: float) -> Snapshot | None:
    node = state.nodes.get(name)
    if node is None:
        return None
    pods = sum(1 for p in state.pods.values() if p["node"] == name)
    return {
        "kind": "Node", "key": f"node:{name}", "name": name, "status": node["status"],
        "roles": ",".join(node["roles"]) or "<none>", "version": node["version"], "ip": node["ip"],
        "runtime": node["runtime"], "reason": node["reason"], "taints": node["taints"], "pods": pods,
        "age": age(node["created"], now), "events": events_about(state, "Node", name, "", None, now),
    }


def details(state: ClusterState, selected: str, now: float) -> Snapshot:
    """`pod:ns/name` or `node:name` -> its details; {} when nothing (or something gone) is selected."""
    kind, _, rest = selected.partition(":")
    found = pod_details(state, rest, now) if kind == "pod" else node_details(state, rest, now) if kind == "node" \
        else None
    return found or {}
