"""kubectl's verbs for `%k8s`, and applying a `%%k8s` cell, against any Backend.

`run(session, argv)` routes a verb to its module; each verb parses kubectl's flags for it (`flags.py`), calls the
backend, and prints with `kube_magics.printers`, so the output is the same on the simulator and on a real cluster.
Verbs register themselves with `@verb("get")`; a verb with subcommands (`rollout status`, `create configmap`)
routes them itself.

Errors come out as kubectl prints them (`Error from server (NotFound): pods "nope" not found`, `error: ...`),
through `common.error_text`; the magics layer shows them without a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_magics.errors import ApiError, KubeMagicsError, UsageError
from kube_magics.session import Session

Verb = Callable[[Session, list[str]], Any]

VERBS: dict[str, Verb] = {}

# Modules that register verbs, imported on first use to keep %load_ext light. (`kubectl run` lives in run_pod:
# a submodule named `run` would shadow the `run` function of this package.)
_MODULES = ("get", "describe", "delete", "logs", "scale", "rollout", "set_image", "wait", "top", "expose", "create",
            "run_pod", "autoscale", "apply_files", "label", "nodes", "exec", "explain", "api_resources",
            "events", "patch")

# kubectl's global flags that may come before the verb (`kubectl -n web get pods`), and whether they take a value.
_GLOBAL_BEFORE_VERB = {"-n": True, "--namespace": True, "--context": True, "--request-timeout": True}


def verb(name: str, *aliases: str) -> Callable[[Verb], Verb]:
    def deco(fn: Verb) -> Verb:
        for n in (name, *aliases):
            VERBS[n] = fn
        return fn

    return deco


def run(session: Session, argv: list[str]) -> Any:
    """`kubectl ARGV...` against the session's backend; returns a TextResult."""
    from kube_magics.kubectl.common import error_text, result
    from kube_magics.kubectl.flags import HelpRequested

    _load_verbs()
    argv = _globals_after_verb(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        return result(_overview())
    name, rest = argv[0], argv[1:]
    fn = VERBS.get(name)
    if fn is None:
        raise UsageError(f'error: unknown command "{name}" for "kubectl"\nRun \'kubectl --help\' for usage.',
                         hint="verbs here: " + ", ".join(sorted(VERBS)))
    try:
        return fn(session, rest)
    except HelpRequested as exc:
        return result(exc.text)
    except KubeMagicsError as exc:
        text = error_text(exc)
        if text == str(exc):
            raise
        raise _Reworded(text, exc) from None


class _Reworded(KubeMagicsError):
    """An error from below, in kubectl's words (`Error from server (NotFound): ...`); `.cause` is the original."""

    def __init__(self, text: str, cause: KubeMagicsError) -> None:
        # An API error's text is kubectl's line alone; any other error's text already ends with its hint.
        super().__init__(text, hint=cause.hint if isinstance(cause, ApiError) else None)
        self.cause = cause
        self.printed = cause.printed


def _globals_after_verb(argv: list[str]) -> list[str]:
    """`-n web get pods` -> `get pods -n web`."""
    moved: list[str] = []
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        word = argv[i]
        flag = word.split("=", 1)[0]
        if flag not in _GLOBAL_BEFORE_VERB and not (flag.startswith("-n") and len(flag) > 2 and flag[1] != "-"):
            break
        takes_value = "=" not in word and flag in _GLOBAL_BEFORE_VERB
        moved.extend(argv[i:i + 2] if takes_value else argv[i:i + 1])
        i += 2 if takes_value else 1
    if not moved or i >= len(argv):
        return argv
    return [argv[i], *argv[i + 1:], *moved]


def _overview() -> str:
    return ("kubectl controls the Kubernetes cluster manager (here: %k8s VERB ...).\n\n"
            "Verbs: " + " ".join(sorted(VERBS)) + "\n\n"
            "Use \"%k8s VERB --help\" for more information about a verb.\n")


def apply_cell(session: Session, argv: list[str], cell: str, namespace: dict[str, Any]) -> Any:
    from kube_magics.kubectl.apply import apply_cell as impl

    return impl(session, argv, cell, namespace)


def _load_verbs() -> None:
    """Import the verb modules (they register themselves); done on first use."""
    if VERBS:
        return
    import importlib

    for module in _MODULES:
        importlib.import_module(f"kube_magics.kubectl.{module}")
