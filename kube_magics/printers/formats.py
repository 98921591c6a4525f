"""The non-table output formats of `kubectl get`: -o yaml, json, name, jsonpath, custom-columns, go-template.

kubectl prints a single named object (`get pod web -o yaml`) as itself and anything else as a `List`
(`kind: List`, `apiVersion: v1`, `metadata: {resourceVersion: ""}`), even a list of one; `managedFields` are left
out unless asked for. Objects are printed as the API returns them: a Secret's `data` stays base64 here, as it
does in kubectl (masking is for describe and tables).

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics.errors import KubeMagicsError, UnknownResourceError, UsageError
from kube_magics.gojson import go_format
from kube_magics.kinds import CATALOGUE
from kube_magics.printers import jsonpath
from kube_magics.printers.gotemplate import render_template
from kube_magics.printers.tabwriter import align_get
from kube_magics.printers.yamlfmt import to_yaml

Obj = Mapping[str, Any]

FORMATS = ("yaml", "json", "name", "jsonpath", "jsonpath-as-json", "custom-columns", "go-template", "template")


def prepare(objects: Sequence[Obj], *, single: bool, show_managed_fields: bool = False) -> dict[str, Any]:
    """The document kubectl prints: the object itself for one named object, else a `List` of them."""
    items = [dict(o) if show_managed_fields else _without_managed_fields(o) for o in objects]
    if single and len(items) == 1:
        return items[0]
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def _without_managed_fields(obj: Obj) -> dict[str, Any]:
    """A shallow copy without `metadata.managedFields` (the printers never change what they print)."""
    out = dict(obj)
    meta = out.get("metadata")
    if isinstance(meta, Mapping) and "managedFields" in meta:
        out["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return out


def qualified_name(obj: Obj) -> str:
    """`pod/web`, `deployment.apps/web` (what `-o name` and `apply` print)."""
    kind = str(obj.get("kind", ""))
    name = str((obj.get("metadata") or {}).get("name", ""))
    try:
        resource = CATALOGUE.for_kind(str(obj.get("apiVersion", "")), kind)
    except UnknownResourceError:
        group = str(obj.get("apiVersion", "")).rpartition("/")[0]
        return f"{kind.lower()}.{group}/{name}" if group else f"{kind.lower()}/{name}"
    return f"{resource.qualified}/{name}"


def split_output(output: str) -> tuple[str, str]:
    """`jsonpath={.x}` -> ("jsonpath", "{.x}"); `yaml` -> ("yaml", "")."""
    name, _, arg = output.partition("=")
    if name not in FORMATS and name not in ("", "wide"):
        raise UsageError(f'unable to match a printer suitable for the output format "{output}", allowed formats '
                         "are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                         "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
    return name, arg


def render_output(output: str, objects: Sequence[Obj], *, single: bool, show_managed_fields: bool = False,
                  no_headers: bool = False) -> str:
    """Print `objects` in a non-table format. `output` is what follows `-o`."""
    kind, arg = split_output(output)
    if kind == "name":
        return "".join(qualified_name(o) + "\n" for o in objects)
    if kind == "custom-columns":
        return custom_columns(arg, objects, no_headers=no_headers)
    doc = prepare(objects, single=single, show_managed_fields=show_managed_fields)
    if kind == "yaml":
        return to_yaml(doc)
    if kind == "json":
        return jsonpath.go_json(doc, indent=4) + "\n"
    if kind in ("jsonpath", "jsonpath-as-json"):
        return _jsonpath(arg, doc, as_json=kind == "jsonpath-as-json")
    if kind in ("go-template", "template"):
        return render_template(arg, doc)
    raise UsageError(f"output format {output!r} is printed as a table")


def _jsonpath(template: str, doc: Any, *, as_json: bool) -> str:
    template = _unquote_shell(template)
    try:
        root = jsonpath.parse(template)
    except jsonpath.JSONPathError as e:
        raise UsageError(f"error parsing jsonpath {template}, {e.message}") from None
    try:
        if as_json:
            from kube_magics.printers.jsonpath_eval import find_results

            values = [v for results in find_results(root, doc) for v in results]
            return jsonpath.go_json(values, indent=4) + "\n"
        return jsonpath.execute(root, doc)
    except KubeMagicsError as e:
        raise UsageError(f'error executing jsonpath "{template}": Error executing template: {e.message}. '
                         "Printing more information for debugging the template") from None


def _unquote_shell(text: str) -> str:
    """A template given as `'{.x}'` on a magic line loses its quotes, as the shell would strip them."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def custom_columns(spec: str, objects: Sequence[Obj], *, no_headers: bool = False) -> str:
    """`-o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image`."""
    spec = _unquote_shell(spec)
    if not spec:
        raise UsageError("custom-columns format specified but no custom columns given")
    columns = []
    for part in spec.split(","):
        header, sep, path = part.partition(":")
        if not sep:
            raise UsageError(f"unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>")
        columns.append((header, jsonpath.parse(jsonpath.relaxed(path))))
    lines = [] if no_headers else ["\t".join(h for h, _ in columns)]
    from kube_magics.printers.jsonpath_eval import find_results

    for obj in objects:
        cells = []
        for _, root in columns:
            results = find_results(root, obj)
            values = [go_format(v) for r in results for v in r]
            cells.append(",".join(values) if values and results and results[0] else "<none>")
        lines.append("\t".join(cells))
    return align_get("".join(line + "\n" for line in lines))
