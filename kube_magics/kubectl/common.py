"""What every verb shares: kubectl's way of printing errors, the namespace a verb works in, results, waiting.

kubectl prints an API error as `Error from server (NotFound): pods "nope" not found` (an Invalid one as the
server's message alone) and any other error as `error: ...`; `error_text` does the same for our errors. A verb
that fails after printing something (`get pod a nope`, a `rollout status` that times out) raises `CommandError`,
whose text is what was printed followed by the error lines, so the notebook shows both and the cell fails.

Waiting: kubectl waits for ever by default in some verbs (`delete`, `drain`, `rollout status`); a notebook cell
should not, so those verbs wait at most `WAIT_CAP` (virtual seconds on the simulator) unless `--timeout` says
otherwise. `get -w` and `logs -f` watch for `WATCH_BOUND` unless `--request-timeout`/`--timeout` says otherwise.
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import ApiError, InvalidError, KubeMagicsError, UsageError
from kube_magics.kubectl.flags import Options, go_duration
from kube_magics.results import TextResult, pre
from kube_magics.session import Session

Obj = dict[str, Any]

WAIT_CAP = 600.0  # seconds a verb that kubectl lets wait for ever waits here, unless --timeout is given
WATCH_BOUND = 30.0  # seconds `get -w` and `logs -f` watch, unless --request-timeout or --timeout is given


class CommandError(KubeMagicsError):
    """A verb failed, possibly after printing part of its output (`output`: the magics' error boundary shows it
    as the cell's output, before the error)."""

    def __init__(self, message: str, *, output: str = "", objects: list[Obj] | None = None) -> None:
        super().__init__(message)
        self.output = self.printed = output
        self.objects = list(objects or [])


def error_text(exc: KubeMagicsError) -> str:
    """An error as kubectl prints it."""
    if isinstance(exc, InvalidError) and not exc.kind and not exc.name:
        return f"The request is invalid: {exc.message}"  # kubectl's words for an Invalid without details
    if isinstance(exc, ApiError):
        return exc.kubectl_text()
    if isinstance(exc, CommandError):
        return str(exc)
    text = str(exc)
    said = any(line.startswith(("error: ", "Error from server")) for line in text.splitlines())
    return text if said else f"error: {text}"


def fail(output: str, errors: list[KubeMagicsError], objects: list[Obj] | None = None) -> CommandError:
    """A CommandError with kubectl's lines for each error, after what was printed."""
    return CommandError("\n".join(error_text(e) for e in errors), output=output, objects=objects)


def namespace(session: Session, o: Options) -> str:
    """The namespace a verb works in: `-n`; else the one configured for the session (KubeMagics.namespace) when it
    is not `default`; else the kubeconfig context's namespace on a real cluster, as kubectl takes it; else
    `default`."""
    if o.namespace:
        return str(o.namespace)
    configured = session.settings.namespace
    if configured and configured != "default":
        return configured
    return str(getattr(session.backend, "default_namespace", None) or "default")


def result(text: str, *, objects: list[Obj] | None = None, html: str | None = None, value: Any = None) -> TextResult:
    return TextResult(text, html_text=html, objects=objects, value=value)


def preformatted(text: str, *, objects: list[Obj] | None = None) -> TextResult:
    """Text whose layout matters (describe, explain, YAML): a <pre> block in a notebook."""
    return TextResult(text, html_text=pre(text) if text else None, objects=objects)


def timeout(o: Options, default: float) -> float:
    """`--timeout` in seconds; 0 (kubectl's "for ever") and unset mean `default`."""
    value = o.get("timeout")
    if value is None or value <= 0:
        return default
    return float(value)


def watch_bound(o: Options) -> float:
    """How long `get -w` / `logs -f` watch: `--timeout`, else `--request-timeout`, else WATCH_BOUND."""
    if o.get("timeout"):
        return float(o.timeout)
    text = str(o.get("request_timeout") or "0")
    try:
        seconds = float(text) if text.isdigit() else go_duration(text)
    except ValueError as exc:
        raise UsageError(f"error: {exc}") from None
    return seconds if seconds > 0 else WATCH_BOUND


def created(session: Session, obj: Obj, *, output: str, strategy: str, wrap: str | None = None,
            operation: str = "created", manager: str = "kubectl-create") -> tuple[str, Obj]:
    """Create `obj` (or only print it, for `--dry-run=client`) as kubectl's create commands do; returns what
    kubectl prints and the object. `wrap` is the prefix some commands put before the server's error
    (`failed to create configmap: ...`)."""
    from kube_magics.printers import qualified_name, render_output

    if strategy != "client":
        try:
            obj = session.backend.create(obj, dry_run=strategy == "server", manager=manager)
        except ApiError as exc:
            if wrap is None:
                raise
            raise KubeMagicsError(f"error: {wrap}{exc.message}") from None
    if output and output != "name":
        return render_output(output, [obj], single=True), obj
    if output == "name":
        return qualified_name(obj) + "\n", obj
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    return f"{qualified_name(obj)} {operation}{suffix}\n", obj
