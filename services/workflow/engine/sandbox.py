"""The sandbox BPMN scripts run in, at deploy time and at run time: one policy for both.

Scripts, conditions, message payloads, loop conditions and timer expressions are compiled
by RestrictedPython with ``ScriptPolicy`` (its checks plus ours) and run with restricted
globals (``guards.py``): the script helpers, a few builtins for plain data, and guards
through which every attribute, item, iteration and write goes. What a script may use is
documented for designers in workflows/README.md.
"""

from __future__ import annotations

import ast
import builtins
import functools
import re
import traceback
import types
from typing import Any, Literal

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from services.workflow.engine.guards import ALLOWED_ATTRIBUTES, GUARDS, SAFE_BUILTINS, is_plain

Mode = Literal["exec", "eval"]
FILENAME = "<bpmn script>"  # the file name of compiled scripts: their frames in a traceback
CACHE_SIZE = 2048  # distinct script and expression texts; the platform's four files hold about 150

ALLOWED_ATTRIBUTE_NAMES = frozenset().union(*ALLOWED_ATTRIBUTES.values())
# prefixes of the attributes of frames, code, generators, coroutines and tracebacks
INTERPRETER_PREFIXES = ("f_", "co_", "gi_", "cr_", "ag_", "tb_")
BY_NAME = frozenset({"getattr", "setattr", "delattr", "hasattr", "vars", "dir", "globals", "locals", "type",
                     "object", "super", "eval", "exec", "compile", "open", "breakpoint", "input", "help",
                     "memoryview", "classmethod", "staticmethod", "property", "format", "iter", "next"})
UNAVAILABLE_BUILTINS = frozenset(name for name in dir(builtins)
                                 if not name.startswith("_") and name not in SAFE_BUILTINS)


class ScriptError(Exception):
    """A script could not run; the message says why, for the process designer."""


class ScriptNotAllowed(ScriptError):
    """The sandbox refuses to compile the script (also reported by ``duban bpmn check``)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("not allowed: " + "; ".join(problems))
        self.problems = problems


class ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus the refusals a BPMN script has no use for."""

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id in BY_NAME:
            self.error(node, f"'{node.id}' is not available in scripts: reading attributes or code by name "
                             "is how a sandbox is escaped")
            return node
        if node.id in UNAVAILABLE_BUILTINS:
            self.error(node, f"'{node.id}' is a Python builtin that scripts cannot use "
                             "(rename the variable if it is one)")
            return node
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        name = node.attr
        if name.startswith("_") or name in ALLOWED_ATTRIBUTE_NAMES:
            return super().visit_Attribute(node)  # RestrictedPython refuses names starting with "_"
        if name in ("format", "format_map"):
            self.error(node, f"'.{name}' is not available: a format string can read attributes "
                             "(\"{0.__class__}\"); use an f-string or +")
        elif name.startswith(INTERPRETER_PREFIXES):
            self.error(node, f"'.{name}' is a frame, code, generator or traceback attribute: "
                             "scripts cannot inspect the interpreter")
        else:
            self.error(node, f"'.{name}' is not available: scripts may use only the methods of dict, "
                             "list, tuple and str listed in workflows/README.md")
        return self.node_contents_visit(node)

    def visit_Import(self, node: ast.AST) -> Any:
        self.error(node, "import is not allowed: scripts use the helpers of workflows/README.md")

    visit_ImportFrom = visit_Import

    def visit_Match(self, node: ast.AST) -> Any:
        self.error(node, "match/case is not allowed: class and mapping patterns read attributes "
                         "without naming them; use if/elif")

    def visit_Yield(self, node: ast.AST) -> Any:
        self.error(node, "yield is not allowed: a generator exposes its frame")

    visit_YieldFrom = visit_Yield

    def visit_ClassDef(self, node: ast.AST) -> Any:
        self.error(node, "class definitions are not allowed in scripts")

    def visit_With(self, node: ast.AST) -> Any:
        self.error(node, "with statements are not allowed in scripts (no context manager is reachable)")

    def visit_Global(self, node: ast.AST) -> Any:
        self.error(node, "global statements are not allowed in scripts")

    def visit_While(self, node: ast.AST) -> Any:
        self.error(node, "while loops are not allowed: a step must end (loop over data with for)")

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        """``f"{x:>8}"`` with a constant spec of a sensible width (a width is memory)."""
        spec = node.format_spec
        parts = spec.values if isinstance(spec, ast.JoinedStr) else []
        if spec is not None and (not all(isinstance(p, ast.Constant) for p in parts)
                                 or re.search(r"\d{5,}", "".join(str(p.value) for p in parts))):
            self.error(node, "an f-string format spec must be a constant with a width under 10000")
        return super().visit_FormattedValue(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        """``a ** b`` and ``a * b`` go through guards that bound the size of the result."""
        node = self.node_contents_visit(node)
        guard = {ast.Pow: "_pow_", ast.Mult: "_mul_"}.get(type(node.op))
        if guard is None:
            return node
        name = ast.copy_location(ast.Name(guard, ast.Load()), node)
        return ast.copy_location(ast.Call(func=name, args=[node.left, node.right], keywords=[]), node)


def problems(source: str, mode: Mode) -> list[str]:
    """Why the sandbox refuses ``source``; empty when it compiles."""
    return _compile(source, mode)[1]


@functools.lru_cache(maxsize=CACHE_SIZE)
def compiled(source: str, mode: Mode) -> types.CodeType:
    """The restricted code of a script (exec) or expression (eval), cached by its text."""
    code, found = _compile(source, mode)
    if code is None:
        raise ScriptNotAllowed(found)
    return code


def _compile(source: str, mode: Mode) -> tuple[types.CodeType | None, list[str]]:
    text = source.strip() if mode == "eval" else source  # as eval() reads an expression
    try:
        tree = ast.parse(text, FILENAME, mode)
    except SyntaxError as exc:
        return None, [f"syntax error: {exc.msg} (line {exc.lineno})"]
    compile_mode = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_mode(tree, FILENAME, policy=ScriptPolicy)
    found = [_readable(error) for error in result.errors]
    return (result.code if not found else None), list(dict.fromkeys(found))


def _readable(error: str) -> str:
    """RestrictedPython's 'Line 3: "x" is ...' as 'line 3: "x" is ...'."""
    return "l" + error[1:] if error.startswith("Line ") else error


class SandboxEnvironment(TaskDataEnvironment):
    """SpiffWorkflow's task-data environment, with restricted code and globals.

    Every script and expression the engine runs comes here (``evaluate`` for conditions,
    payloads and timers, ``execute`` for scripts). A failure of any kind leaves as a
    ``ScriptError`` naming the line and the reason.
    """

    def __init__(self, helpers: dict[str, Any]) -> None:
        super().__init__({**helpers, **GUARDS, "__builtins__": SAFE_BUILTINS})

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        code = compiled(expression, "eval")
        scope = {**(external_context or {}), **context, **self.globals}  # data never shadows a guard
        value = _running(eval, code, scope)
        if not is_plain(value):  # a payload becomes task data; a condition is a bool
            raise ScriptError(f"the expression gives a {type(value).__name__} that is not plain data")
        return value

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        self.check_for_overwrite(context, external_context or {})
        code = compiled(script, "exec")
        context.update(external_context or {})
        context.update(self.globals)
        try:
            _running(exec, code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        for name, value in context.items():
            if not is_plain(value):  # else the instance could not be saved
                raise ScriptError(f"variable {name!r} is not plain data: task data holds dict, list, str, "
                                  "int, float, bool and None only (no function or generator)")
        return True


def _running(run: Any, code: types.CodeType, scope: dict[str, Any]) -> Any:
    try:
        return run(code, scope)
    except Exception as exc:
        raise ScriptError(f"{_line(exc)}{type(exc).__name__}: {exc}") from exc


def _line(exc: BaseException) -> str:
    """'line N: ' of the innermost frame of the script in the traceback, if any."""
    lines = [line for frame, line in traceback.walk_tb(exc.__traceback__) if frame.f_code.co_filename == FILENAME]
    return f"line {lines[-1]}: " if lines else ""
