"""Magic lines, taken verbatim: `$name` expansion from the notebook, shell-like splitting.

IPython's own `{expr}` and `$name` expansion is turned off for the kube-magics magics (`@no_var_expand`), because
kubectl's `-o jsonpath='{.status.podIP}'` and docker's `--format '{{.Names}}'` must pass through untouched. We
expand only `$name` and `${name}` where `name` is a variable of the notebook, as `!cmd $name` does; `$$` is a
literal `$`; an unknown `$name` is left as it is.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from kube_magics.errors import UsageError

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def expand(line: str, namespace: Mapping[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(2)
        if name in namespace:
            return str(namespace[name])
        return m.group(0)

    return _VAR.sub(sub, line)


def split(line: str) -> list[str]:
    """Split like a POSIX shell (quotes group, backslashes escape)."""
    try:
        return shlex.split(line, posix=True)
    except ValueError as exc:
        raise UsageError(f"cannot parse the line: {exc}") from None


class ArgParser:
    """argparse that raises UsageError (with the usage line) instead of exiting the kernel."""

    def __new__(cls, prog: str, description: str = "") -> Any:
        import argparse

        class _Parser(argparse.ArgumentParser):
            def error(self, message: str) -> Any:
                raise UsageError(f"error: {message}\n{self.format_usage().strip()}")

            def exit(self, status: int = 0, message: str | None = None) -> Any:
                raise UsageError(message or self.format_help())

        return _Parser(prog=prog, description=description, add_help=False, exit_on_error=False)
