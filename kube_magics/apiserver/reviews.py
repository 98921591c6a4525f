"""The review resources: questions to the server that are answered, never stored (`kubectl auth can-i`,
`kubectl auth whoami`).

The served simulator has one user, the holder of its bearer token, who may do everything (as a kind cluster's
admin): access reviews are allowed, rules reviews list `*`, a self-subject review names `kube-magics-admin` in
`system:masters`, and a token review authenticates that user.

Owns: the answers. Must not: touch the simulator.
"""

from __future__ import annotations

import hmac
from typing import Any

from kube_magics.apiserver import protocol
from kube_magics.apiserver.host import Host
from kube_magics.apiserver.protocol import Request, Response
from kube_magics.errors import BadRequestError
from kube_magics.kinds import ResourceKind

Obj = dict[str, Any]
USER = {"username": "kube-magics-admin", "groups": ["system:masters", "system:authenticated"]}
_REASON = "the kube-magics simulator authorizes every request that carries its token"


def review(host: Host, req: Request, r: ResourceKind) -> Response:
    """POST of a review: the object sent, with its status filled in (201 Created)."""
    obj = req.decoded_body()
    if not isinstance(obj, dict):
        raise BadRequestError(f"{r.kind} in version \"{r.version}\" cannot be handled as a {r.kind}")
    out: Obj = {"kind": r.kind, "apiVersion": r.api_version, "metadata": dict(obj.get("metadata") or {}),
                "spec": obj.get("spec") or {}}
    out["metadata"].setdefault("creationTimestamp", None)
    out["status"] = _status(r.kind, obj, host.token)
    if r.kind == "SelfSubjectReview":
        out.pop("spec")
    return protocol.respond(out, status=201)


def _status(kind: str, obj: Obj, server_token: str) -> Obj:
    if kind in ("SelfSubjectAccessReview", "SubjectAccessReview", "LocalSubjectAccessReview"):
        return {"allowed": True, "reason": _REASON}
    if kind == "SelfSubjectRulesReview":
        return {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}], "incomplete": False}
    if kind == "SelfSubjectReview":
        return {"userInfo": dict(USER)}
    token = str((obj.get("spec") or {}).get("token") or "")
    if token and hmac.compare_digest(token.encode(), server_token.encode()):
        return {"authenticated": True, "user": dict(USER)}
    return {"authenticated": False, "error": "invalid bearer token"}
