"""The one error hierarchy of kube-magics.

Domain code (manifests, the simulator, the builders, the backends) raises these with precise messages; only the
magics layer turns them into notebook errors, without a traceback. Messages keep Kubernetes' and Docker's own
wording (`The Deployment "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`)
and add what those tools cannot: where in the cell the problem is, and a hint.

Imports nothing of kube_magics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class KubeMagicsError(Exception):
    """Root of every error kube-magics raises on purpose. `str()` is the message a user reads.

    `location` says where in the user's input the problem is, when the raiser knows (an apply of a cell sets it
    on the API's error for the document that failed). `printed` is what the command had printed before it failed
    (a drain's lines before its error): the magics show it as the cell's output, ahead of the error."""

    location: Location | None = None
    printed: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message


class UsageError(KubeMagicsError):
    """Bad arguments to a magic or verb (unknown flag, missing name): kubectl's `error: ...` lines."""


class UnknownResourceError(KubeMagicsError):
    """A resource type or kind that the API does not serve."""


# --- Errors as the Kubernetes API reports them (a `Status` with a reason and code) ---------------------------


@dataclass(frozen=True)
class Cause:
    """One field problem inside an Invalid error, as in `Status.details.causes`."""

    field: str
    message: str
    reason: str = "FieldValueInvalid"


class ApiError(KubeMagicsError):
    """An error the Kubernetes API server returns. `reason` and `code` are the Status fields."""

    reason = "InternalError"
    code = 500

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        kind: str | None = None,
        name: str | None = None,
        group: str = "",
        causes: list[Cause] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.kind = kind
        self.name = name
        self.group = group
        self.causes = list(causes or [])

    def status(self) -> dict[str, Any]:
        """The `Status` object a real API server would send for this error."""
        details: dict[str, Any] = {}
        if self.name is not None:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind is not None:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [{"reason": c.reason, "message": c.message, "field": c.field} for c in self.causes]
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if details:
            out["details"] = details
        return out

    def kubectl_text(self) -> str:
        """How kubectl prints it: `Error from server (NotFound): pods "x" not found`."""
        return f"Error from server ({self.reason}): {self.message}"


class BadRequestError(ApiError):
    reason = "BadRequest"
    code = 400


class UnauthorizedError(ApiError):
    """401: the server refused the credentials. kubectl words it as a login problem, not a server error."""

    reason = "Unauthorized"
    code = 401

    def kubectl_text(self) -> str:
        return f"error: You must be logged in to the server ({self.message or self.reason})"


class ForbiddenError(ApiError):
    reason = "Forbidden"
    code = 403


class NotFoundError(ApiError):
    reason = "NotFound"
    code = 404


class MethodNotAllowedError(ApiError):
    reason = "MethodNotAllowed"
    code = 405


class AlreadyExistsError(ApiError):
    reason = "AlreadyExists"
    code = 409


class ConflictError(ApiError):
    reason = "Conflict"
    code = 409


class UnsupportedMediaTypeError(ApiError):
    """415: a request body in a format the endpoint does not take (an unknown patch type)."""

    reason = "UnsupportedMediaType"
    code = 415


class UnknownServerError(ApiError):
    """A server error without a reason (`Error from server: map: map[image:x] does not contain declared merge
    key: name`), as the API server reports errors that carry no Status of their own."""

    reason = ""
    code = 500

    def kubectl_text(self) -> str:
        return f"Error from server: {self.message}"


class TooManyRequestsError(ApiError):
    """429: the server refuses for now; the Eviction API says so when a PodDisruptionBudget allows no disruption."""

    reason = "TooManyRequests"
    code = 429


class GoneError(ApiError):
    reason = "Expired"
    code = 410


class InvalidError(ApiError):
    """422 Invalid: `The Pod "p" is invalid: <field>: <problem>` (several causes are listed with `* `)."""

    reason = "Invalid"
    code = 422

    def kubectl_text(self) -> str:
        # kubectl prints Invalid errors without the "Error from server" prefix.
        return self.message


def invalid(kind: str, name: str, causes: list[Cause], *, group: str = "", hint: str | None = None) -> InvalidError:
    """Build an InvalidError worded as the API server words it (one cause inline, several as a list)."""
    if len(causes) == 1:
        c = causes[0]
        text = f"{c.field}: {c.message}" if c.field else c.message
        message = f'{kind} "{name}" is invalid: {text}'
    else:
        lines = [f"* {c.field}: {c.message}" if c.field else f"* {c.message}" for c in causes]
        message = f'{kind} "{name}" is invalid: \n' + "\n".join(lines)
    return InvalidError(f"The {message}", hint=hint, kind=kind, name=name, group=group, causes=causes)


def not_found(resource_group: str, name: str, *, kind: str | None = None) -> NotFoundError:
    """`pods "nope" not found`, `deployments.apps "nope" not found`."""
    plural, _, group = resource_group.partition(".")
    return NotFoundError(f'{resource_group} "{name}" not found', kind=plural, name=name, group=group)


# --- Errors with a place in the user's input ------------------------------------------------------------------


@dataclass
class Location:
    """Where in a cell or file a problem is: 1-based line and column, the document, its kind/name."""

    line: int | None = None
    column: int | None = None
    document: int | None = None  # 1-based index among the documents of the cell
    kind: str | None = None
    name: str | None = None
    path: str | None = None  # field path, e.g. spec.template.spec.containers[0].image
    source: str | None = None  # a file name, when not a cell

    def describe(self) -> str:
        parts = []
        if self.source:
            parts.append(self.source)
        if self.document is not None:
            what = f"document {self.document}"
            if self.kind or self.name:
                what += f" ({self.kind or '?'}/{self.name or '?'})"
            parts.append(what)
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        return ", ".join(parts)


class ManifestError(KubeMagicsError):
    """A problem in a manifest: YAML syntax, shape, schema, or what the API server would reject."""

    location: Location

    def __init__(
        self, message: str, *, location: Location | None = None, hint: str | None = None, cause: Exception | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.location = location or Location()
        self.cause = cause

    def __str__(self) -> str:
        where = self.location.describe()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class ApplyError(KubeMagicsError):
    """Several documents failed their checks; nothing was written. Lists each problem with its place."""

    def __init__(self, errors: list[ManifestError], *, applied: list[str] | None = None) -> None:
        self.errors = list(errors)
        self.applied = list(applied or [])
        if applied:
            head = f"{len(self.errors)} document(s) failed; applied before the failure: {', '.join(self.applied)}"
        elif len(self.errors) == 1:
            head = "nothing was applied"
        else:
            head = f"{len(self.errors)} documents have errors; nothing was applied"
        super().__init__(head)

    def __str__(self) -> str:
        body = "\n".join(str(e) for e in self.errors)
        return f"{body}\n({self.message})"


class BuildError(KubeMagicsError):
    """An image build failed: the step, its output, the exit code; `steps` are the builder's steps up to the
    failure (as it reports them), when it has them."""

    def __init__(self, message: str, *, step: str | None = None, output: str = "", hint: str | None = None,
                 steps: list[Any] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.step = step
        self.output = output
        self.steps = list(steps or [])


class DockerfileError(KubeMagicsError):
    """A Dockerfile that does not parse: Docker's wording, with the line."""

    def __init__(self, message: str, *, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.line = line


class ExecError(KubeMagicsError):
    """A command run in a container (`kubectl exec`) failed: what it wrote to standard error and its exit code.
    kubectl prints the command's output, then `command terminated with exit code N`."""

    def __init__(self, stderr: str, exit_code: int = 1, *, stdout: str = "") -> None:
        super().__init__(stderr.rstrip("\n"))
        self.stderr = stderr if stderr.endswith("\n") or not stderr else stderr + "\n"
        self.stdout = stdout
        self.exit_code = exit_code

    def kubectl_text(self) -> str:
        return f"{self.stdout}{self.stderr}command terminated with exit code {self.exit_code}"


class BackendError(KubeMagicsError):
    """A backend cannot do what was asked: unreachable engine or cluster, expired credentials, read-only context."""


class ClusterUnreachableError(BackendError):
    """A cluster that did not answer: refused connection, unknown host, timeout, TLS failure. The message is
    kubectl's own line (`The connection to the server 127.0.0.1:6443 was refused - did you specify the right host
    or port?`, `Unable to connect to the server: ...`), which kubectl prints without an `error: ` prefix."""

    def kubectl_text(self) -> str:
        return self.message


class SimulatorOnlyError(BackendError):
    """A verb that only the simulated cluster has (advance, fail-node, load) was used on a real one."""


class DnsError(KubeMagicsError):
    """A name the cluster's DNS does not answer, in nslookup's words (`** server can't find web.default: NXDOMAIN`,
    or `;; connection timed out; no servers could be reached` when CoreDNS is down)."""


class DrainError(KubeMagicsError):
    """A drain that could not finish: kubectl's last error (`cannot delete DaemonSet-managed Pods ...`, `error when
    waiting for pod ...`); `output` is what it printed before giving up."""

    def __init__(self, message: str, *, output: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.output = self.printed = output


class WaitTimeoutError(KubeMagicsError):
    """A wait ran out of time (`kubectl wait`'s `timed out waiting for the condition`)."""


__all__ = [
    "AlreadyExistsError",
    "ApiError",
    "ApplyError",
    "BackendError",
    "BadRequestError",
    "BuildError",
    "Cause",
    "ClusterUnreachableError",
    "ConflictError",
    "DnsError",
    "DockerfileError",
    "DrainError",
    "ForbiddenError",
    "GoneError",
    "InvalidError",
    "KubeMagicsError",
    "Location",
    "ManifestError",
    "MethodNotAllowedError",
    "NotFoundError",
    "SimulatorOnlyError",
    "TooManyRequestsError",
    "UnauthorizedError",
    "UnknownResourceError",
    "UnknownServerError",
    "UnsupportedMediaTypeError",
    "UsageError",
    "WaitTimeoutError",
    "invalid",
    "not_found",
]
