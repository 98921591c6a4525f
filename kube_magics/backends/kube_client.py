"""Requests to a real cluster through the official `kubernetes` client, with objects as the API's raw JSON.

`Rest` holds one `kubernetes.client.ApiClient` built from the kubeconfig for one context (tokens, client
certificates, exec plugins and their refresh are the client's) and sends requests through its generic
`param_serialize` / `call_api`, the path every typed API of the client takes. Answers are read as JSON and kept
as plain dicts: exactly the objects the API serves, with no model classes in between (so the printers see what
they see on the simulator).

`discover(rest)` builds the resource catalogue from the server's discovery documents, as kubectl's RESTMapper
does: the core group first, then the groups in the order `/apis` lists them, preferred versions only, so kubectl's
short names (`po`, `deploy`) and CRDs resolve as kubectl resolves them.

Every request runs inside `kube_errors.translated`, the one error boundary of the real backend.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from kube_magics.backends.contexts import Context
from kube_magics.backends.kube_errors import from_status, translated
from kube_magics.kinds import ResourceCatalogue, ResourceKind

TIMEOUT = (10.0, 60.0)  # seconds to connect, and to wait for an answer (a watch waits longer, see kube_watch)
PAGE = 500  # kubectl's --chunk-size: lists are read in pages of this many objects
CONTENT_TYPES = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}
Query = Sequence[tuple[str, Any]]


class Rest:
    """One context's API client. `request` returns parsed JSON; `open` returns a response to read as it comes."""

    def __init__(self, context: Context, kubeconfig_paths: Sequence[str]) -> None:
        from kubernetes.config.kube_config import new_client_from_config

        self.context = context
        with translated(context):
            # persist_config=False: refreshing a token must not rewrite the user's kubeconfig.
            self.api = new_client_from_config(config_file=os.pathsep.join(kubeconfig_paths), context=context.name,
                                              persist_config=False)

    def close(self) -> None:
        self.api.close()

    def open(self, method: str, path: str, *, query: Query = (), body: Any = None, content_type: str | None = None,
             timeout: Any = TIMEOUT, accept: str = "application/json") -> Any:
        """Send a request; the response (the client's RESTResponse) is not read yet. Errors are translated."""
        from kubernetes.client.exceptions import ApiException

        headers = {"Accept": accept, "User-Agent": "kube-magics"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        with translated(self.context):
            method, url, headers, body, post = self.api.param_serialize(
                method, path, query_params=[(k, v) for k, v in query if v is not None], header_params=headers,
                body=body, auth_settings=["BearerToken"])
            response = self.api.call_api(method, url, headers, body, post, _request_timeout=timeout)
            if not 200 <= response.status < 300:
                data = response.read()
                raise ApiException(http_resp=response, body=data.decode("utf-8", "replace"))
        return response

    def request(self, method: str, path: str, *, query: Query = (), body: Any = None,
                content_type: str | None = None, timeout: Any = TIMEOUT) -> Any:
        """Send a request and return its answer as JSON (dicts and lists)."""
        response = self.open(method, path, query=query, body=body, content_type=content_type, timeout=timeout)
        with translated(self.context):
            data = response.read()
        try:
            return json.loads(data) if data else {}
        except ValueError:
            raise from_status(response.status, data, self.context) from None

    def text(self, path: str, *, query: Query = (), timeout: Any = TIMEOUT) -> str:
        """GET a plain-text answer (container logs)."""
        response = self.open("GET", path, query=query, timeout=timeout, accept="*/*")
        with translated(self.context):
            data: bytes = response.read()
        return data.decode("utf-8", "replace")

    def list_all(self, path: str, *, query: Query = ()) -> dict[str, Any]:
        """A whole list, read in pages of PAGE objects as kubectl does; items get their `kind` and `apiVersion`
        back (a list's items omit them)."""
        first: dict[str, Any] | None = None
        token: str | None = None
        while True:
            page = self.request("GET", path, query=[*query, ("limit", PAGE), ("continue", token)])
            if first is None:
                first = page
            else:
                first["items"].extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                break
        assert first is not None
        first["items"] = [with_kind(item, first) for item in first.get("items") or []]
        return first


def with_kind(item: dict[str, Any], listed: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(listed.get("kind") or "")
    if "kind" not in item and kind.endswith("List"):
        item = {"apiVersion": listed.get("apiVersion"), "kind": kind[:-4], **item}
    return item


def path_of(rk: ResourceKind, namespace: str | None = None, name: str | None = None, *,
            subresource: str | None = None, api_version: str | None = None) -> str:
    """`/apis/apps/v1/namespaces/web/deployments/d/scale`. `api_version` overrides the catalogue's preferred
    version (a manifest written for `autoscaling/v1` goes to that version)."""
    version = api_version or rk.api_version
    path = f"/apis/{version}" if "/" in version else f"/api/{version}"
    if rk.namespaced and namespace:
        path += f"/namespaces/{quote(namespace, safe='')}"
    path += f"/{rk.plural}"
    if name is not None:
        path += f"/{quote(name, safe='')}"
    if subresource:
        path += f"/{subresource}"
    return path


# --- discovery -------------------------------------------------------------------------------------------------------


def discover(rest: Rest) -> ResourceCatalogue:
    """The resources the server serves, in kubectl's priority order (core, then `/apis` order)."""
    from kube_magics.errors import ApiError, ClusterUnreachableError

    kinds: list[ResourceKind] = []
    versions = rest.request("GET", "/api").get("versions") or ["v1"]
    kinds.extend(_resources(rest.request("GET", f"/api/{versions[0]}"), "", versions[0]))
    for group in rest.request("GET", "/apis").get("groups") or ():
        preferred = (group.get("preferredVersion") or {}).get("version") or group["versions"][0]["version"]
        try:
            listing = rest.request("GET", f"/apis/{group['name']}/{preferred}")
        except ClusterUnreachableError:
            raise
        except ApiError:
            continue  # an aggregated API that is down (kubectl warns and goes on)
        kinds.extend(_resources(listing, group["name"], preferred))
    return ResourceCatalogue(kinds)


def _resources(listing: Mapping[str, Any], group: str, version: str) -> Iterator[ResourceKind]:
    for r in listing.get("resources") or ():
        if "/" in r["name"]:
            continue  # subresources (pods/log, deployments/scale)
        yield ResourceKind(r["name"], r["kind"], group, version, bool(r.get("namespaced")),
                           tuple(r.get("shortNames") or ()), tuple(r.get("verbs") or ()))
