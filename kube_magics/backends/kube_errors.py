"""The one place where a real cluster's transport errors become kube-magics errors, in kubectl's words.

`translate(exc, context)` takes what the official client raises (`kubernetes.client.ApiException` carrying the
server's `Status`, urllib3's connection errors, the config loader's `ConfigException`) and returns the
`kube_magics.errors` type a user reads:

    Error from server (NotFound): pods "x" not found                       NotFoundError (and the other reasons)
    The Deployment "d" is invalid: spec.replicas: Invalid value: ...        InvalidError, with its causes
    error: You must be logged in to the server (Unauthorized)              UnauthorizedError
    The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?
    Unable to connect to the server: dial tcp: lookup HOST: no such host   ClusterUnreachableError

each with a hint naming the context. The wording follows kubectl's `StandardErrorMessage` and `checkErr`. The
backend wraps every request in `translated(context)`; nothing else in kube-magics catches transport errors.

Imports the client's exception types only inside the functions (the client is imported lazily).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kube_magics import errors as E
from kube_magics.backends.contexts import SIM_CONTEXT, Context, KubeconfigError

_BY_REASON: dict[str, type[E.ApiError]] = {
    "BadRequest": E.BadRequestError, "Unauthorized": E.UnauthorizedError, "Forbidden": E.ForbiddenError,
    "NotFound": E.NotFoundError, "MethodNotAllowed": E.MethodNotAllowedError, "AlreadyExists": E.AlreadyExistsError,
    "Conflict": E.ConflictError, "UnsupportedMediaType": E.UnsupportedMediaTypeError, "Expired": E.GoneError,
    "Gone": E.GoneError, "Invalid": E.InvalidError,
}
_BY_CODE: dict[int, type[E.ApiError]] = {400: E.BadRequestError, 401: E.UnauthorizedError, 403: E.ForbiddenError,
                                         404: E.NotFoundError, 405: E.MethodNotAllowedError, 409: E.ConflictError,
                                         410: E.GoneError, 415: E.UnsupportedMediaTypeError, 422: E.InvalidError}


@contextmanager
def translated(context: Context | None) -> Iterator[None]:
    """Run a request; any transport error leaves as a KubeMagicsError (never a traceback)."""
    try:
        yield
    except E.KubeMagicsError:
        raise
    except Exception as exc:
        mapped = translate(exc, context)
        if mapped is None:
            raise
        raise mapped from None


def translate(exc: BaseException, context: Context | None) -> E.KubeMagicsError | None:
    """The kube-magics error for what the client raised, or None if it is not a transport error."""
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException
    from urllib3 import exceptions as U

    if isinstance(exc, ApiException):
        if not exc.status:  # the client's own wrapping of an SSL error (status 0)
            return _tls(str(exc.reason or ""), context)
        return from_status(exc.status, exc.body, context)
    if isinstance(exc, ConfigException):
        return KubeconfigError(f"error: {exc}", hint=_name(context) and f"check context {_name(context)} in the "
                                                                         "kubeconfig")
    if isinstance(exc, U.MaxRetryError):
        return translate(exc.reason, context) if exc.reason is not None else _unreachable(str(exc), context)
    if isinstance(exc, U.NameResolutionError):
        return _unreachable(f"dial tcp: lookup {_hostname(context)}: no such host", context,
                            hint="the server's name does not resolve: check the cluster's server in the kubeconfig "
                                 "(and your network or VPN)")
    if isinstance(exc, U.NewConnectionError):
        return _connection_failed(exc, context)
    if isinstance(exc, (U.ConnectTimeoutError, U.ReadTimeoutError, TimeoutError)):
        what = (f"dial tcp {_host(context)}: i/o timeout" if isinstance(exc, U.ConnectTimeoutError)
                else "net/http: request canceled (Client.Timeout exceeded while awaiting headers)")
        return _unreachable(what, context, hint="the server did not answer in time: is the cluster up, and is it "
                                                "reachable from here (firewall, VPN)?")
    if isinstance(exc, U.SSLError):
        return _tls(str(exc), context)
    if isinstance(exc, (U.ProtocolError, ConnectionError)):
        return _unreachable(f"read tcp {_host(context)}: connection reset by peer", context)
    return None


# --- the server answered: a Status -----------------------------------------------------------------------------------


def from_status(code: int, body: Any, context: Context | None = None) -> E.ApiError:
    """The error for an HTTP answer with status `code` and its body (a `Status` object, or anything else)."""
    status = _status(body)
    if status is None:
        return _without_status(code, body)
    reason = str(status.get("reason") or "")
    message = str(status.get("message") or "")
    details = status.get("details") or {}
    code = int(status.get("code") or code)
    if reason == "Invalid" or (not reason and code == 422):
        return _invalid(message, details)
    cls = _BY_REASON.get(reason) or (_BY_CODE.get(code) if not reason else None)
    kw: dict[str, Any] = {"kind": details.get("kind"), "name": details.get("name"),
                          "group": str(details.get("group") or ""), "causes": _causes(details)}
    if cls is None:
        err: E.ApiError = E.UnknownServerError(message, **kw) if not reason else E.ApiError(message, **kw)
        if reason:
            err.reason, err.code = reason, code
        return err
    err = cls(message, hint=_hint(cls, message, context), **kw)
    return err


def _status(body: Any) -> dict[str, Any] | None:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    if isinstance(body, dict) and body.get("kind") == "Status":
        return body
    return None


def _causes(details: dict[str, Any]) -> list[E.Cause]:
    return [E.Cause(str(c.get("field") or ""), str(c.get("message") or ""), str(c.get("reason") or ""))
            for c in details.get("causes") or ()]


def _invalid(message: str, details: dict[str, Any]) -> E.ApiError:
    """kubectl's wording: `The Kind "name" is invalid: field: problem`, several causes as `* ` lines."""
    causes = _causes(details)
    kind, name = str(details.get("kind") or ""), str(details.get("name") or "")
    if details and (kind or name) and causes:
        seen: set[str] = set()
        unique = []
        for c in causes:  # kubectl skips a cause whose text it already printed
            text = f"{c.field}: {c.message}"
            if text not in seen:
                seen.add(text)
                unique.append(c)
        return E.invalid(kind, name, unique, group=str(details.get("group") or ""))
    text = f'The {kind} "{name}" is invalid' if kind or name else "The request is invalid"
    if message and not (kind or name):
        text += f": {message}"
    return E.InvalidError(text, kind=kind or None, name=name or None, group=str(details.get("group") or ""))


def _without_status(code: int, body: Any) -> E.ApiError:
    """An answer that is not a Status (a proxy's page, an old server): kubectl's generic wording."""
    if code == 404:
        return E.NotFoundError("the server could not find the requested resource")
    cls = _BY_CODE.get(code)
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    message = text.strip() or f"the server responded with the status code {code} but did not return more information"
    if cls is None:
        err = E.UnknownServerError(message)
        err.code = code
        return err
    return cls(message)


def _hint(cls: type[E.ApiError], message: str, context: Context | None) -> str | None:
    name = _name(context) or "this context"
    if cls is E.UnauthorizedError:
        return (f"the cluster refused the credentials of {name} (expired or revoked?): refresh them "
                "(kind: `kind export kubeconfig --name CLUSTER`; a managed cluster: its login command)")
    if cls is E.ForbiddenError:
        return f"the user of {name} is not allowed to do this (RBAC); `kubectl auth can-i` tells what it may do"
    if cls is E.ConflictError and message.startswith("Apply failed"):
        return ("another field manager owns these fields: %%k8s --force-conflicts takes them over, or leave them "
                "out of the cell")
    if cls is E.ConflictError:
        return "the object changed since it was read: read it again and retry"
    return None


# --- the server did not answer ----------------------------------------------------------------------------------------


def _name(context: Context | None) -> str:
    return context.name if context is not None else ""


def _host(context: Context | None) -> str:
    return context.host if context is not None and context.host else "the server"


def _hostname(context: Context | None) -> str:
    host = _host(context)
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _unreachable(what: str, context: Context | None, *, hint: str | None = None) -> E.ClusterUnreachableError:
    return E.ClusterUnreachableError(f"Unable to connect to the server: {what}", hint=hint or _down_hint(context))


def _down_hint(context: Context | None) -> str:
    name = _name(context)
    if name == SIM_CONTEXT:
        return "is the simulator's API server still running? (%kube serve, or python -m kube_magics serve)"
    if name.startswith("kind-"):
        return f"is the kind cluster running? `kind get clusters`; `docker ps` should list {name[5:]}-control-plane"
    where = f" of context {name}" if name else ""
    return f"is the cluster up, and is the server address{where} in the kubeconfig right?"


def _connection_failed(exc: BaseException, context: Context | None) -> E.ClusterUnreachableError:
    text = str(exc)
    if "refused" in text.lower() or "Errno 111" in text or "Errno 61" in text:
        return E.ClusterUnreachableError(f"The connection to the server {_host(context)} was refused - did you "
                                         "specify the right host or port?", hint=_down_hint(context))
    detail = text.split(": ", 1)[-1] if ": " in text else text
    return _unreachable(f"dial tcp {_host(context)}: {detail}", context)


def _tls(text: str, context: Context | None) -> E.ClusterUnreachableError:
    """TLS problems, in Go's words where Python's say the same thing."""
    if "WRONG_VERSION_NUMBER" in text or "wrong version number" in text:
        what = "http: server gave HTTP response to HTTPS client"
    elif "CERTIFICATE_VERIFY_FAILED" in text and "hostname" in text.lower():
        what = "tls: failed to verify certificate: x509: certificate is not valid for " + _hostname(context)
    elif "CERTIFICATE_VERIFY_FAILED" in text:
        what = "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    else:
        what = "tls: " + (text.replace("SSLError\n", "").strip() or "handshake failure")
    name = _name(context)
    return _unreachable(what, context, hint=f"the kubeconfig's certificate authority{' for ' + name if name else ''} "
                                            "does not match the server: write the kubeconfig again (kind: `kind "
                                            "export kubeconfig --name CLUSTER`)")
