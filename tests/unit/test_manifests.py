"""Reading cells: templating, YAML as kubectl reads it, documents that know their lines, and explained errors."""

from __future__ import annotations

import pytest

from kube_magics import manifests
from kube_magics.errors import ApplyError, Cause, ManifestError, invalid

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports:
            - containerPort: 80
"""


# --- documents ------------------------------------------------------------------------------------------------


def test_a_cell_is_split_into_documents_skipping_empty_ones_and_expanding_lists() -> None:
    text = "---\n" + DEPLOYMENT + "---\n---\n# only a comment\n---\n" + """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: a}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: b}
"""
    docs = manifests.parse(text)
    assert [(d.index, d.kind, d.name) for d in docs] == [(1, "Deployment", "web"), (2, "ConfigMap", "a"),
                                                        (2, "ConfigMap", "b")]
    assert docs[1].line == 29 and docs[2].line == 32  # each List item starts where it is written


def test_locate_finds_every_field_and_falls_back_to_the_closest_parent() -> None:
    (doc,) = manifests.parse(DEPLOYMENT)
    assert manifests.locate(doc, "spec.template.spec.containers[0].image") == (18, 11)
    assert doc.locate("spec.template.spec.containers[0].ports[0].containerPort") == (20, 15)
    assert doc.locate("spec.template.spec.containers[0]") == (17, 11)
    assert doc.locate("metadata.labels[app.kubernetes.io/name]") == (6, 5)
    assert doc.locate(("spec", "selector", "matchLabels", "app")) == (10, 19)
    # A field the manifest does not write points at its parent; the API's own spellings are understood.
    assert doc.locate("spec.template.spec.containers[0].resources.limits") == (17, 11)
    assert doc.locate("spec.strategy") == (7, 1)
    assert doc.locate("spec.template.labels") == (13, 7)
    assert doc.location("spec.replicas").describe() == "document 1 (Deployment/web), line 8, column 3"


def test_a_secrets_data_errors_point_at_its_string_data() -> None:
    (doc,) = manifests.parse("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  user: x\n")
    assert doc.locate("data[user]") == (6, 3)
    assert doc.locate("data[password]") == (5, 1)


def test_scalars_are_read_as_kubectl_reads_them() -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
values:
  a: on
  b: yes
  c: y
  d: off
  e: n
  f: ~
  g: 0777
  h: 0x1F
  i: 1_000
  j: 1.0
  k: 1.5
  l: 2024-01-05
  m: "on"
  s: !!str 10
  o: 1e3
  p: .inf
  q: 12:30
  on: key
"""
    (doc,) = manifests.parse(text)
    values = doc.object["values"]
    assert values == {"a": True, "b": True, "c": True, "d": False, "e": False, "f": None, "g": 511, "h": 31,
                      "i": 1000, "j": 1, "k": 1.5, "l": "2024-01-05", "m": "on", "s": "10", "o": 1000,
                      "p": float("inf"), "q": "12:30", "true": "key"}  # `on:` as a key is "true"
    assert isinstance(values["j"], int)


def test_merge_keys_and_anchors_are_expanded() -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels: &common
    team: a
    tier: web
  annotations:
    <<: *common
    tier: api
"""
    (doc,) = manifests.parse(text)
    assert doc.object["metadata"]["annotations"] == {"team": "a", "tier": "api"}


# --- YAML errors ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ("a: 1\nb:\n\t- x\n", "a tab character: YAML forbids tabs for indentation", 3, 1),
    ("a: 'open\nb: 2\n", "unclosed quote: the string that starts here is never closed", 1, 4),
    ("a: [1, 2\nb: 3\n", "unclosed bracket: the [ that opens here is not closed with ]", 1, 4),
    ("a: {x: 1\n", "unclosed bracket: the { that opens here is not closed with }", 1, 4),
    ("a:\n  b: 1\n c: 2\n", "bad indentation: this line does not line up with the lines above", 3, 2),
])
def test_yaml_errors_are_named_in_plain_words_with_line_and_column(text: str, message: str, line: int,
                                                                   column: int) -> None:
    with pytest.raises(ManifestError) as info:
        manifests.parse(text)
    assert info.value.message == message
    assert (info.value.location.line, info.value.location.column) == (line, column)


def test_duplicate_keys_are_refused_where_pyyaml_would_keep_the_last() -> None:
    text = DEPLOYMENT.replace("          image: nginx:1.25\n", "          image: nginx:1.25\n          image: x\n")
    with pytest.raises(ManifestError) as info:
        manifests.parse(text)
    assert info.value.message == 'duplicate key "image"'
    assert info.value.location.line == 19
    assert info.value.hint is not None and "line 18" in info.value.hint


def test_documents_must_be_objects_with_api_version_and_kind() -> None:
    with pytest.raises(ManifestError, match=r"document 2 is a list, not a mapping") as info:
        manifests.parse(DEPLOYMENT + "---\n- a\n- b\n")
    assert info.value.location.line == 22
    with pytest.raises(ManifestError) as info:
        manifests.parse("kind: Pod\nmetadata:\n  name: p\n")
    assert info.value.message == "error validating data: apiVersion not set"
    with pytest.raises(ManifestError) as info:
        manifests.parse("apiVersion: v1\nKind: Pod\n")
    assert info.value.message == "error validating data: kind not set"
    assert info.value.hint == "the key is spelled kind, not Kind"


# --- templating -----------------------------------------------------------------------------------------------


def test_templating_fills_expressions_and_leaves_yaml_braces_alone() -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ name }}
  labels: {app: web, empty: ""}
data: {}
binaryData: {{ nothing }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: raw
data:
  greeting: "{% raw %}{{ not a variable }}{% endraw %}"
  count: "{{ items | length }}"
"""
    docs = manifests.parse(text, variables={"name": "settings", "nothing": None, "items": [1, 2, 3]})
    assert docs[0].name == "settings"
    assert docs[0].object["metadata"]["labels"] == {"app": "web", "empty": ""}
    assert docs[0].object["data"] == {} and docs[0].object["binaryData"] is None
    assert docs[1].object["data"] == {"greeting": "{{ not a variable }}", "count": "3"}


def test_an_undefined_name_is_an_error_naming_it_and_its_line() -> None:
    text = DEPLOYMENT.replace("replicas: 2", "replicas: {{ replicas }}")
    with pytest.raises(ManifestError) as info:
        manifests.parse(text, variables={})
    assert info.value.message == "'replicas' is undefined"
    assert info.value.location.line == 8
    assert info.value.hint is not None and "replicas" in info.value.hint
    with pytest.raises(ManifestError, match="template syntax error") as syntax:
        manifests.parse(DEPLOYMENT.replace("replicas: 2", "replicas: {{ 2 + }}"), variables={})
    assert syntax.value.location.line == 8


def test_the_line_of_an_undefined_name_counts_expressions_that_span_lines() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{\n    name }}\ndata:\n  a: {{ missing }}\n"
    with pytest.raises(ManifestError) as info:
        manifests.parse(text, variables={"name": "c"})
    assert (info.value.message, info.value.location.line) == ("'missing' is undefined", 7)


def test_templating_can_be_turned_off() -> None:
    text = DEPLOYMENT.replace("nginx:1.25", '"{{ image }}"')
    (doc,) = manifests.parse(text, template=False)
    assert doc.object["spec"]["template"]["spec"]["containers"][0]["image"] == "{{ image }}"


def test_lines_stay_the_cells_lines_when_an_expression_expands_to_several() -> None:
    text = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
data: {{ data }}
binaryData:
  blob: {{ blob }}
"""
    (doc,) = manifests.parse(text, variables={"data": "\n  a: '1'\n  b: '2'\n  c: '3'", "blob": "aGk="})
    assert doc.object["data"] == {"a": "1", "b": "2", "c": "3"}
    assert doc.locate("binaryData") == (6, 1)  # a line the template did not change keeps its column
    assert doc.locate("binaryData.blob") == (7, None)  # a templated line: the column is not the cell's
    assert doc.locate("data.b")[0] == 5


def test_block_statements_render_with_jinja_and_keep_lines_mapped() -> None:
    text = """\
{% for n in names %}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ n }}
{% endfor %}
---
apiVersion: v1
kind: Secret
metadata:
  name: last
stringData:
  k: v
"""
    docs = manifests.parse(text, variables={"names": ["a", "b"]})
    assert [d.name for d in docs] == ["a", "b", "last"]
    assert docs[2].locate("stringData.k") == (14, 3)


# --- checking and explaining ----------------------------------------------------------------------------------


def test_validate_reports_every_bad_document_in_order_with_its_line() -> None:
    text = DEPLOYMENT.replace("replicas: 2", "replicas: two") + "---\n" + DEPLOYMENT.replace(
        "name: web\n  labels", "name: api\n  labels").replace("image: nginx", "imagee: nginx")
    docs = manifests.parse(text)
    with pytest.raises(ApplyError) as info:
        manifests.validate(docs)
    errors = info.value.errors
    assert [e.location.line for e in errors] == [8, 39]
    assert [e.location.name for e in errors] == ["web", "api"]
    assert "cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32" in \
        errors[0].message
    assert 'unknown field "spec.template.spec.containers[0].imagee"' in errors[1].message
    assert str(info.value).endswith("(2 documents have errors; nothing was applied)")


def test_explain_error_names_document_line_field_kubernetes_words_and_a_hint() -> None:
    docs = manifests.parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n" + DEPLOYMENT)
    err = invalid("Deployment", "web", [Cause("spec.replicas", "Invalid value: -1: must be greater than or equal "
                                                               "to 0")], group="apps")
    assert manifests.explain_error(err, docs) == (
        "document 2 (Deployment/web), line 13, column 3, field spec.replicas\n"
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0')
    several = invalid("Deployment", "web", [
        Cause("spec.selector", "Required value"),
        Cause("spec.template.metadata.labels", 'Invalid value: {"a":"b"}: `selector` does not match template '
                                               '`labels`')])
    text = manifests.explain_error(several, docs)
    assert text.splitlines()[0] == "document 2 (Deployment/web), line 14, column 3, field spec.selector"
    assert "  spec.template.metadata.labels: line 18" in text
    assert text.endswith("hint: every label under spec.selector.matchLabels must also be in "
                         "spec.template.metadata.labels")


def test_explain_error_hints_at_yaml_booleans_and_misspelled_fields() -> None:
    text = DEPLOYMENT.replace("app: web\n    spec", "app: web\n        canary: on\n    spec")
    docs = manifests.parse(text)
    with pytest.raises(ManifestError) as info:
        manifests.validate(docs)
    explained = manifests.explain_error(info.value, docs)
    assert "field spec.template.metadata.labels[canary]" in explained.splitlines()[0]
    assert "line 15" in explained.splitlines()[0]
    assert "YAML reads yes/no, on/off" in explained
    docs = manifests.parse(DEPLOYMENT.replace("ports:", "portz:"))
    with pytest.raises(ManifestError) as info:
        manifests.validate(docs)
    assert manifests.explain_error(info.value, docs).endswith('hint: did you mean "ports" (not "portz")?')


def test_a_yaml_error_explains_itself() -> None:
    with pytest.raises(ManifestError) as info:
        manifests.parse("a: 1\n\tb: 2\n")
    assert manifests.explain_error(info.value) == (
        "document 1, line 2, column 1: a tab character: YAML forbids tabs for indentation\n"
        "hint: indent with spaces (two per level is usual)")


def test_documents_can_be_given_as_dicts() -> None:
    docs = manifests.documents_of([{"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}]},
        {"kind": "ConfigMap", "metadata": {"name": "b"}}])
    assert [(d.kind, d.name, d.line) for d in docs] == [("ConfigMap", "a", None), ("ConfigMap", "b", None)]
    assert docs[1].location("data").describe() == "document 2 (ConfigMap/b)"
