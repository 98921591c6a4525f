"""Field sets as `managedFields` carries them: algebra, `fieldsV1` serialisation, path strings, field sets of values."""

from __future__ import annotations

from kube_magics.sim import managedfields as mf
from kube_magics.sim.typed import ABSENT, compare, field_set, merge
from kube_magics.typeinfo import type_for

DEPLOYMENT = type_for("apps/v1", "Deployment")


def s(*paths: str) -> mf.Node:
    """A set from dotted paths of path elements: s("f:spec.f:replicas")."""
    return mf.from_paths(*(tuple(p.split(".")) for p in paths))


def test_set_algebra() -> None:
    a = s("f:spec.f:replicas", "f:spec.f:selector", "f:metadata.f:labels.f:app")
    b = s("f:spec.f:replicas", "f:metadata.f:labels")
    assert mf.union(a, b) == s("f:spec.f:replicas", "f:spec.f:selector", "f:metadata.f:labels",
                               "f:metadata.f:labels.f:app")
    assert mf.intersection(a, b) == s("f:spec.f:replicas")
    # Difference removes members only; recursive difference also removes what lies below a member.
    assert mf.difference(a, b) == s("f:spec.f:selector", "f:metadata.f:labels.f:app")
    assert mf.recursive_difference(a, b) == s("f:spec.f:selector")
    assert mf.has(a, ("f:spec", "f:replicas")) and not mf.has(a, ("f:spec",))
    assert a == s("f:spec.f:replicas", "f:spec.f:selector", "f:metadata.f:labels.f:app")  # inputs unchanged


def test_fields_v1_serialisation_and_order() -> None:
    node = s('f:spec.f:ports.k:{"port":8080,"protocol":"TCP"}', 'f:spec.f:ports.k:{"port":80,"protocol":"TCP"}',
             'f:spec.f:ports.k:{"port":80,"protocol":"TCP"}.f:port', "f:spec.f:ports", "f:metadata.f:name",
             'f:spec.f:finalizers.v:"b"', 'f:spec.f:finalizers.v:"a"')
    doc = mf.to_fields_v1(node)
    assert list(doc) == ["f:metadata", "f:spec"]
    ports = doc["f:spec"]["f:ports"]
    # "." first; keys ordered by value (80 before 8080, numerically), a member with children keeps ".".
    assert list(ports) == [".", 'k:{"port":80,"protocol":"TCP"}', 'k:{"port":8080,"protocol":"TCP"}']
    assert ports['k:{"port":80,"protocol":"TCP"}'] == {".": {}, "f:port": {}}
    assert list(doc["f:spec"]["f:finalizers"]) == ['v:"a"', 'v:"b"']
    assert mf.from_fields_v1(doc) == node


def test_path_strings_as_conflicts_print_them() -> None:
    path = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}', "f:image")
    assert mf.path_string(path) == '.spec.template.spec.containers[name="nginx"].image'
    ports = ("f:spec", "f:ports", 'k:{"port":80,"protocol":"TCP"}')
    assert mf.path_string(ports) == '.spec.ports[port=80,protocol="TCP"]'
    assert mf.path_string(("f:metadata", "f:finalizers", 'v:"x"')) == '.metadata.finalizers[="x"]'


def test_field_set_of_an_applied_configuration() -> None:
    config = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"app": "x"}},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "x"}},
                       "template": {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}],
                                             "securityContext": {}}}}}
    fs = field_set(config, DEPLOYMENT)
    # Struct fields are not members themselves; map keys, list items, atomic maps and empty structs are.
    assert mf.to_fields_v1(fs) == {
        "f:apiVersion": {}, "f:kind": {},
        "f:metadata": {"f:labels": {"f:app": {}}, "f:name": {}},
        "f:spec": {"f:replicas": {}, "f:selector": {},
                   "f:template": {"f:spec": {
                       "f:containers": {'k:{"name":"c"}': {".": {}, "f:name": {}, "f:ports": {
                           'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}}}},
                       "f:securityContext": {}}}},
    }


def test_compare_finds_added_modified_removed() -> None:
    old = {"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "a", "image": "x"}]}}}}
    new = {"spec": {"replicas": 2, "paused": True,
                    "template": {"spec": {"containers": [{"name": "b", "image": "y"}]}}}}
    added, modified, removed = compare(old, new, DEPLOYMENT)
    c = "f:spec.f:template.f:spec.f:containers"
    assert added == s("f:spec.f:paused", f'{c}.k:{{"name":"b"}}', f'{c}.k:{{"name":"b"}}.f:name',
                      f'{c}.k:{{"name":"b"}}.f:image')
    assert modified == s("f:spec.f:replicas")
    assert removed == s(f'{c}.k:{{"name":"a"}}', f'{c}.k:{{"name":"a"}}.f:name', f'{c}.k:{{"name":"a"}}.f:image')
    assert compare(old, old, DEPLOYMENT) == (mf.EMPTY, mf.EMPTY, mf.EMPTY)
    assert compare(ABSENT, {"a": 1}, type_for("v1", "ConfigMap"))[0] == {".": {}, "f:a": {".": {}}}


def test_merge_keeps_live_fields_and_merges_lists_by_key() -> None:
    live = {"spec": {"replicas": 3, "template": {"spec": {"containers": [
        {"name": "a", "image": "x", "imagePullPolicy": "Always"}, {"name": "side", "image": "s"}]}}}}
    config = {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "y"}]}}}}
    out = merge(live, config, DEPLOYMENT)
    assert out["spec"]["replicas"] == 3
    assert out["spec"]["template"]["spec"]["containers"] == [
        {"name": "a", "image": "y", "imagePullPolicy": "Always"}, {"name": "side", "image": "s"}]
    assert merge(live, {"spec": {"replicas": 3}}, DEPLOYMENT) is live  # nothing changes: the same object
    # A null over a map keeps what the live map has (the applier owns the field; pruning decides the rest).
    assert merge(live, {"spec": {"template": None}}, DEPLOYMENT) is live
