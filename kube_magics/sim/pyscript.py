"""Reading `python -c "..."` programs for the behaviour model, statement by statement (with `ast`, never run).

Understood: `print`, `time.sleep`, `sys.exit`/`exit`, `raise` (a traceback and exit 1), `while True:` loops
(repeated for ever, produced on demand), `for ... in range(n)`, and allocations (`bytearray(n)`, `bytes(n)`,
`"x" * n`, `[0] * n`, numpy zeros/ones) that count towards the container's memory. Constant arithmetic
(`300 * 1024 * 1024`) is evaluated; anything else is skipped. A syntax error exits 1 with Python's message.

Must not: execute the code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace

from kube_magics.sim.behaviour import MIB, Context, Loop, Process
from kube_magics.sim.scripts import Run


def python(code: str, ctx: Context, *, argv0: str, command: tuple[str, ...]) -> Process:
    """Walk a `python -c` program: prints, sleeps, exits, raises, loops, allocations."""
    run = Run(ctx, 9 * MIB, coreutils=True)
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        run.say(f'  File "<string>", line {exc.lineno}\n    {(exc.text or "").rstrip()}\n'
                f"SyntaxError: {exc.msg}")
        run.exit_code = 1
        return run.to_process(command)
    _py_block(run, tree.body)
    if run.exit_code is None and not run.forever:
        run.exit_code = 0
    return run.to_process(command)


def _py_block(run: Run, body: list[ast.stmt]) -> None:
    for stmt in body:
        if run.done:
            return
        _py_stmt(run, stmt)


def _py_stmt(run: Run, stmt: ast.stmt) -> None:
    if isinstance(stmt, ast.Expr | ast.Assign | ast.AugAssign | ast.AnnAssign):
        value = stmt.value
        if value is not None:
            _py_expr(run, value)
    elif isinstance(stmt, ast.While):
        if _const(stmt.test) is None or not _const(stmt.test):
            return
        inner = Run(run.ctx, 0, True)
        _py_block(inner, stmt.body)
        if inner.exit_code is not None or inner.forever:
            run.lines.extend(replace(ln, at=ln.at + run.t) for ln in inner.lines)
            run.t += inner.t
            run.exit_code, run.forever = inner.exit_code, inner.forever
            return
        run.loop = Loop(run.t, inner.t, tuple(inner.lines), inner.allocated)
        run.forever = True
    elif isinstance(stmt, ast.For):
        count = _range_len(stmt.iter)
        for _ in range(min(count, 10_000)):
            _py_block(run, stmt.body)
            if run.done:
                return
    elif isinstance(stmt, ast.Raise):
        exc = stmt.exc
        name, msg = "RuntimeError", ""
        if isinstance(exc, ast.Call) and isinstance(exc.func, ast.Name):
            name = exc.func.id
            msg = str(_const(exc.args[0])) if exc.args and _const(exc.args[0]) is not None else ""
        elif isinstance(exc, ast.Name):
            name = exc.id
        run.say('Traceback (most recent call last):\n  File "<string>", line '
                f"{stmt.lineno}, in <module>\n{name}" + (f": {msg}" if msg else ""))
        run.exit_code = 1
    elif isinstance(stmt, ast.If | ast.With | ast.Try):
        _py_block(run, stmt.body)


def _py_expr(run: Run, node: ast.expr) -> None:
    for call in [n for n in ast.walk(node) if isinstance(n, ast.Call)]:
        name = _call_name(call)
        args = [_const(a) for a in call.args]
        if name == "print":
            run.say(" ".join(_text(a) for a in call.args))
        elif name in ("sleep", "time.sleep") and args and isinstance(args[0], int | float):
            run.t += float(args[0])
        elif name in ("sys.exit", "exit", "quit", "os._exit"):
            arg = args[0] if args else 0
            if isinstance(arg, str):
                run.say(arg)
                arg = 1
            run.exit_code = (arg if isinstance(arg, int) else 0) % 256
            return
        elif name in ("bytearray", "bytes", "os.urandom", "numpy.zeros", "np.zeros", "np.ones", "numpy.ones") \
                and args and isinstance(args[0], int):
            run.allocate(int(args[0]) * (8 if "zeros" in name or "ones" in name else 1))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        left, right = _const(node.left), _const(node.right)
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, str | bytes) and isinstance(n, int):
                run.allocate(len(seq) * n)
        if isinstance(node.left, ast.List) and isinstance(right, int):
            run.allocate(8 * len(node.left.elts) * right)


def _call_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        return f"{f.value.id}.{f.attr}"
    return ""


def _const(node: ast.expr) -> object:
    """The value of a constant expression (numbers, strings, + - * / // ** %), else None."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _const(node.operand)
        return -v if isinstance(v, int | float) else None
    if isinstance(node, ast.BinOp):
        a, b = _const(node.left), _const(node.right)
        if not isinstance(a, int | float) or not isinstance(b, int | float):
            return None
        ops: dict[type, Callable[[float, float], float]] = {
            ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
            ast.Div: lambda x, y: x / y, ast.FloorDiv: lambda x, y: x // y, ast.Pow: lambda x, y: x ** y,
            ast.Mod: lambda x, y: x % y,
        }
        fn = ops.get(type(node.op))
        try:
            return fn(a, b) if fn else None
        except (ZeroDivisionError, OverflowError):
            return None
    return None


def _text(node: ast.expr) -> str:
    value = _const(node)
    if value is not None:
        return str(value)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(_const(v)) if isinstance(v, ast.Constant) else "" for v in node.values)
    return ""


def _range_len(node: ast.expr) -> int:
    if isinstance(node, ast.Call) and _call_name(node) == "range":
        args = [_const(a) for a in node.args]
        if all(isinstance(a, int) for a in args) and args:
            ints = [int(a) for a in args if isinstance(a, int)]
            return len(range(*ints))
    if isinstance(node, ast.List | ast.Tuple):
        return len(node.elts)
    return 1
