"""`{{ expression }}` templating of a cell body, with Jinja2, before the YAML is read.

Owns rendering and the map from rendered lines back to the cell's lines, so that a YAML or API error found in the
rendered text points at the line the user wrote. YAML's own braces (`{}`, `{a: 1}`) are not template syntax and
pass through; `{% raw %}...{% endraw %}` keeps `{{ }}` literally. Names come from a namespace dict (the notebook's
variables); an undefined name is an error that names it and its line (StrictUndefined).

Must not: read YAML or know Kubernetes.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

_MARKERS = ("{{", "{%", "{#")


class TemplateProblem(Exception):
    """A template that cannot be rendered: the message, the 1-based line in the cell, and a hint."""

    def __init__(self, message: str, line: int | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


@dataclass(frozen=True)
class Rendered:
    """The rendered text and, for each of its lines (0-based), the cell line (0-based) it came from."""

    text: str
    source_lines: tuple[str, ...]
    lines: tuple[str, ...]
    origin: tuple[int, ...] | None  # None: rendering changed no line, so line i is the cell's line i

    def source_line(self, line: int) -> int:
        """The cell line (0-based) that rendered line `line` (0-based) came from."""
        if self.origin is None or not self.origin:
            return line
        return self.origin[min(max(line, 0), len(self.origin) - 1)]

    def unchanged(self, line: int) -> bool:
        """Whether rendered line `line` is exactly the cell's line (so a column on it is the cell's column too)."""
        if not self.lines:
            return True  # not rendered at all
        if not 0 <= line < len(self.lines):
            return False
        src = self.source_line(line)
        return 0 <= src < len(self.source_lines) and self.source_lines[src] == self.lines[line]


def needs_rendering(text: str) -> bool:
    return any(m in text for m in _MARKERS)


def plain(text: str) -> Rendered:
    """`text` as it is, for callers that turned templating off."""
    return Rendered(text, (), (), None)


def render(text: str, variables: Mapping[str, Any] | None = None) -> Rendered:
    """Render `{{ }}` expressions in `text` from `variables`. Raises TemplateProblem."""
    if not needs_rendering(text):
        return plain(text)
    import jinja2  # only when a cell has templates: importing Jinja costs a tenth of a second

    if "{%" not in text and "{#" not in text:
        fast = _render_expressions(text, variables or {})
        if fast is not None:
            return fast
    try:
        template = _environment().from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", exc.lineno, hint=_RAW_HINT) from None
    try:
        out = template.render(dict(variables or {}))
    except jinja2.UndefinedError as exc:
        line = _template_line(exc.__traceback__)
        name = _undefined_name(str(exc))
        hint = (f"define {name} in the notebook before running this cell, or write "
                f"{{% raw %}}{{{{ {name} }}}}{{% endraw %}} to keep the braces" if name else _RAW_HINT)
        raise TemplateProblem(str(exc), line, hint=hint) from None
    except Exception as exc:  # an expression that fails: 1/0, a method on None, ...
        line = _template_line(exc.__traceback__)
        raise TemplateProblem(f"template error: {type(exc).__name__}: {exc}", line) from None
    source_lines = tuple(text.split("\n"))
    lines = tuple(out.split("\n"))
    if len(lines) == len(source_lines) and "{%" not in text and "{#" not in text:
        origin = None  # `{{ }}` on one line renders on one line: the numbering is the cell's
    else:
        origin = _line_origin(source_lines, lines)
    return Rendered(out, source_lines, lines, origin)


_EXPRESSION = re.compile(r"\{\{(.*?)\}\}", re.S)


def _render_expressions(text: str, variables: Mapping[str, Any]) -> Rendered | None:
    """Render a template made only of `{{ expression }}`s, each compiled once (a cell of a thousand documents
    repeats a handful of expressions thousands of times; compiling it whole with Jinja takes a second).

    Gives the output Jinja gives, or None when only Jinja itself can tell (whitespace control, an expression
    that does not compile on its own), so that Jinja renders it and reports the error.
    """
    import jinja2

    out: list[str] = []
    spans: list[tuple[int, int]] = []  # where each expression was in the cell
    context = dict(variables)  # once: a notebook's namespace can hold hundreds of names
    pos = 0
    line = 1
    for m in _EXPRESSION.finditer(text):
        source = m.group(1)
        if source.startswith(("-", "+")) or source.endswith(("-", "+")):
            return None
        try:
            expression = _compiled(source)
        except jinja2.TemplateSyntaxError:
            return None
        line += text.count("\n", pos, m.start())
        try:
            value = str(_as_yaml(expression(context)))
        except jinja2.UndefinedError as exc:
            name = _undefined_name(str(exc))
            hint = (f"define {name} in the notebook before running this cell, or write "
                    f"{{% raw %}}{{{{ {name} }}}}{{% endraw %}} to keep the braces" if name else _RAW_HINT)
            raise TemplateProblem(str(exc), line, hint=hint) from None
        except Exception as exc:
            raise TemplateProblem(f"template error: {type(exc).__name__}: {exc}", line) from None
        if "{{" in text[pos:m.start()]:
            return None
        out.append(text[pos:m.start()])
        out.append(value)
        spans.append((m.start(), m.end()))
        line += source.count("\n")
        pos = m.end()
    if "{{" in text[pos:]:
        return None  # an expression that is never closed: Jinja words the error
    out.append(text[pos:])
    rendered = "".join(out)
    source_lines = tuple(text.split("\n"))
    lines = tuple(rendered.split("\n"))
    if len(lines) == len(source_lines) and all("\n" not in text[a:b] for a, b in spans):
        return Rendered(rendered, source_lines, lines, None)
    return Rendered(rendered, source_lines, lines, _line_origin(source_lines, lines))


@lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
    return _environment().compile_expression(source, undefined_to_none=False)


_RAW_HINT = "to keep {{ or {% literally, wrap that part in {% raw %}...{% endraw %}"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Configuration only: the environment holds no per-cell state.
    import jinja2

    return jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
                              finalize=_as_yaml)


def _as_yaml(value: Any) -> Any:
    """What `{{ value }}` writes: YAML's words for None and booleans, JSON (valid YAML) for lists and dicts."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _template_line(tb: TracebackType | None) -> int | None:
    """The template line of the innermost template frame (Jinja rewrites tracebacks so that it shows)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _undefined_name(message: str) -> str | None:
    # "'replicas' is undefined"
    if message.startswith("'") and message.endswith("' is undefined"):
        return message[1:-len("' is undefined")]
    return None


def _line_origin(source: tuple[str, ...], rendered: tuple[str, ...]) -> tuple[int, ...]:
    """Align rendered lines with cell lines: unchanged lines map exactly, changed ones to the block they
    replace (a `{{ block }}` that renders as five lines maps all five to the line that holds it)."""
    origin = [0] * len(rendered)
    matcher = difflib.SequenceMatcher(None, source, rendered, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k, j in enumerate(range(j1, j2)):
            if tag == "equal":
                origin[j] = i1 + k
            else:
                origin[j] = min(i1 + k, max(i2 - 1, i1)) if i2 > i1 else max(i1 - 1, 0)
    return tuple(origin)
