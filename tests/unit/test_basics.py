"""Pure units: quantities, selectors, durations, resource names."""

from __future__ import annotations

import pytest

from kube_magics import kinds, quantity, selectors, timefmt
from kube_magics.errors import UnknownResourceError, UsageError


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("0.5", "500m"), ("1000m", "1"), ("2000", "2k"), ("1024Mi", "1Gi"), ("1536Mi", "1536Mi"), ("0.5Ki", "512"),
     ("100m", "100m"), ("1G", "1G"), ("1e3", "1e3"), (2, "2"), ("0", "0"), ("128974848", "128974848")],
)
def test_quantities_take_the_api_servers_canonical_form(given: str, canonical: str) -> None:
    assert quantity.canonical(given) == canonical


def test_quantities_compare_as_millicores_and_bytes() -> None:
    assert quantity.milli("0.1") == 100
    assert quantity.milli("250m") == 250
    assert quantity.integer("128Mi") == 128 * 1024 * 1024
    assert quantity.milli("1n") == 1  # rounded up, as MilliValue does
    with pytest.raises(quantity.QuantityError):
        quantity.parse("12 cores")


def test_label_selectors_parse_kubectl_syntax() -> None:
    sel = selectors.parse("app=nginx,tier!=db,env in (a, b),!legacy,gpu")
    assert sel.matches({"app": "nginx", "env": "a", "gpu": "1"})
    assert not sel.matches({"app": "nginx", "env": "c", "gpu": "1"})
    assert not sel.matches({"app": "nginx", "env": "a", "gpu": "1", "legacy": "y"})
    assert not sel.matches({"app": "nginx", "env": "a", "gpu": "1", "tier": "db"})
    assert selectors.parse("").matches({})
    with pytest.raises(selectors.SelectorError):
        selectors.parse("app in nginx")


def test_label_selector_objects_match_as_kubernetes_does() -> None:
    sel = selectors.from_label_selector(
        {"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "track", "operator": "NotIn",
                                                              "values": ["canary"]}]})
    assert sel.matches({"app": "web"})
    assert not sel.matches({"app": "web", "track": "canary"})
    assert not selectors.from_label_selector(None).matches({"app": "web"})  # a nil selector selects nothing
    assert selectors.from_label_selector({}).matches({"app": "web"})  # an empty one selects everything


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"), (393, "6m33s"), (600, "10m"), (3600 * 3, "3h"),
     (3600 * 5 + 120, "5h2m"), (3600 * 30, "30h"), (86400 * 3 + 3600 * 4, "3d4h"), (86400 * 30, "30d")],
)
def test_ages_print_as_kubectl_prints_them(seconds: int, text: str) -> None:
    assert timefmt.human_duration(seconds) == text


def test_durations_parse_like_go() -> None:
    assert timefmt.parse_duration("1h30m") == 5400
    assert timefmt.parse_duration("90s") == 90
    assert timefmt.parse_duration("1.5m") == 90
    assert timefmt.parse_duration("45") == 45
    with pytest.raises(UsageError):
        timefmt.parse_duration("soon")


def test_resource_names_resolve_as_kubectl_resolves_them() -> None:
    for name in ("pods", "pod", "po", "Pod"):
        assert kinds.resolve(name).kind == "Pod"
    assert kinds.resolve("deploy").kind == "Deployment"
    assert kinds.resolve("deployments.apps").api_version == "apps/v1"
    assert kinds.resolve("ev").api_version == "v1"
    assert kinds.resolve("hpa").qualified == "horizontalpodautoscaler.autoscaling"
    with pytest.raises(UnknownResourceError, match='doesn\'t have a resource type "pdo"'):
        kinds.resolve("pdo")


def test_a_kind_in_the_wrong_group_gets_kubectls_words_and_a_hint() -> None:
    with pytest.raises(UnknownResourceError) as err:
        kinds.CATALOGUE.for_kind("v1", "Deployment")
    assert 'no matches for kind "Deployment" in version "v1"' in str(err.value)
    assert "apps/v1" in str(err.value)
