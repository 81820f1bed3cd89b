"""BPMN scripts run in a sandbox: refused at deploy, contained at run time, failing cleanly.

The bypass family comes from a deployed script that ran a shell command through a
structural pattern match (``case type(__subclasses__=sc)``) and a class's
``__init__.__globals__``. Each member is refused by the deploy check; the same payloads
handed straight to the run-time environment (no deploy check) reach nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import types
from pathlib import Path
from typing import Any

import pytest
from RestrictedPython import compile_restricted_exec

from services.workflow.engine import guards, sandbox
from services.workflow.engine.checks import script_problems
from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Engine, ScriptFailed
from services.workflow.engine.sandbox import SandboxEnvironment, ScriptError
from services.workflow.engine.scripts import DubanScriptEngine
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock
from tests.support.process_driver import definitions
from tests.unit.test_process_reporting import EXTENSION, signed

SIGN_DEMO = (Path(__file__).parents[1] / "fixtures" / "engine" / "sign_demo.bpmn").read_text(encoding="utf-8")
SIGNED_SCRIPT = 'emit("item.signed", unit=lead_unit, comment=sign.get("comment", ""))'
START = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)

# (payload, words the deploy check's message holds)
BYPASS_FAMILY = {
    "match class pattern": ("match object:\n    case type(__subclasses__=sc): pass", ["match/case"]),
    "match class pattern on data": ("match sign:\n    case dict(keys=k): pass", ["match/case"]),
    "match mapping pattern": ("match sign:\n    case {'comment': c}: pass", ["match/case"]),
    "lambda-smuggled generator frame": ("g = (lambda: (yield))()\nf = g.gi_frame.f_back", ["yield", "gi_frame"]),
    "lambda code": ("f = lambda: 0\nc = f.__code__", ["__code__"]),
    "lambda globals": ("f = lambda: 0\ng = f.__globals__['os']", ["__globals__"]),
    "generator frame globals": ("g = (x for x in [1])\nm = g.gi_frame.f_globals", ["gi_frame", "f_globals"]),
    "generator code": ("g = (x for x in [1])\nc = g.gi_code.co_consts", ["gi_code", "co_consts"]),
    "coroutine frame": ("c = sign.cr_frame", ["cr_frame"]),
    "async generator frame": ("c = sign.ag_frame", ["ag_frame"]),
    "frame back": ("c = sign.f_back", ["f_back"]),
    "traceback frame": ("try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    f = e.__traceback__.tb_frame",
                        ["__traceback__", "tb_frame"]),
    "str.format attribute lookup": ('s = "{0.__class__.__mro__}".format(sign)', [".format", "f-string"]),
    "str.format_map attribute lookup": ('s = "{x.__class__}".format_map({"x": sign})', [".format_map"]),
    "getattr under another name": ("g = getattr\nc = g(sign, '__class__')", ["'getattr'"]),
    "vars": ("v = vars(sign)", ["'vars'"]),
    "type": ("t = type(sign)", ["'type'"]),
    "object": ("o = object", ["'object'"]),
    "globals": ("g = globals()", ["'globals'"]),
    "dunder walk": ("s = ().__class__.__bases__[0].__subclasses__()", ["__class__", "__subclasses__"]),
    "subclasses of a builtin": ("s = dict.__subclasses__()", ["__subclasses__"]),
    "import": ("import os\nos.system('id')", ["import"]),
    "from import": ("from os import popen", ["import"]),
    "__import__": ("os = __import__('os')", ["__import__"]),
    "__builtins__": ("b = __builtins__", ["__builtins__"]),
    "eval": ("x = eval('1 + 1')", ["eval"]),
    "exec": ("exec('x = 1')", ["xec"]),
    "compile": ("c = compile('1', 'f', 'eval')", ["'compile'"]),
    "open": ("f = open('/etc/passwd')", ["'open'"]),
    "rebinding a guard": ("_getattr_ = lambda o, n: 1", ["_getattr_"]),
    "class definition": ("class A:\n    pass", ["class"]),
    "print": ("print(sign)", ["'print'"]),
    "global statement": ("def f():\n    global x\n    x = 1", ["global"]),
    "with statement": ("with sign as s:\n    pass", ["with"]),
    "async function": ("async def f():\n    pass", ["AsyncFunctionDef"]),
    "exception groups": ("try:\n    pass\nexcept* ValueError:\n    pass", ["TryStar"]),
    "f-string attribute": ('s = f"{sign.__class__}"', ["__class__"]),
    "attribute outside the whitelist": ("m = sign.mro", ["'.mro'", "README"]),
}


@pytest.mark.parametrize("payload,words", BYPASS_FAMILY.values(), ids=BYPASS_FAMILY.keys())
def test_every_bypass_is_refused_at_deploy(payload: str, words: list[str]) -> None:
    found = script_problems(payload, "exec")
    assert found, payload
    text = " | ".join(found)
    for word in words:
        assert word in text, text


@pytest.mark.parametrize("payload", [p for p, _ in BYPASS_FAMILY.values()], ids=BYPASS_FAMILY.keys())
def test_every_bypass_handed_straight_to_the_environment_runs_nothing(payload: str) -> None:
    environment, context = SandboxEnvironment({}), {"sign": {"comment": "ok"}}
    with pytest.raises(ScriptError, match="not allowed"):
        environment.execute(payload, context)
    assert context == {"sign": {"comment": "ok"}}  # not one statement ran


# Payloads RestrictedPython's own policy compiles: only the run-time guards stand in their way.
CONTAINED_AT_RUN_TIME = {
    "format reads attributes": ('s = "{0.__class__}".format(sign)', "attribute 'format' of str"),
    "format_map": ('s = "{x.__class__}".format_map({"x": sign})', "attribute 'format_map' of str"),
    "attribute of a type": ("m = str.mro()", "attribute 'mro' of type"),
    "attribute of a builtin class method": ("k = dict.fromkeys", "attribute 'fromkeys' of type"),
    "attribute of a helper": ("g = emit.get", "attribute 'get' of function"),
    "generator attribute": ("g = (x for x in [1])\nr = g.gi_running", "attribute 'gi_running' of generator"),
    "exception attribute": ("try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    a = e.args",
                            "attribute 'args' of ZeroDivisionError"),
    "items of a helper": ("x = emit[0]", "items of function"),
    "iterating a helper": ("for x in emit:\n    pass", "function cannot be iterated"),
    "writing to a helper": ("emit.x = 1", "function cannot be changed"),
    "getattr": ("c = getattr(sign, '__class__')", "NameError: name 'getattr'"),
    "type": ("t = type(sign)", "NameError: name 'type'"),
    "vars": ("v = vars()", "NameError: name 'vars'"),
    "import": ("import os", "__import__ not found"),
    "print": ("print(1)", "NameError: name '_print_'"),
    "class": ("class A:\n    pass", "__build_class__ not found"),
}


@pytest.mark.parametrize("payload,reason", CONTAINED_AT_RUN_TIME.values(), ids=CONTAINED_AT_RUN_TIME.keys())
def test_the_guards_contain_what_restricted_python_alone_compiles(payload: str, reason: str) -> None:
    result = compile_restricted_exec(payload, sandbox.FILENAME)  # RestrictedPython's policy, not ours
    assert result.code is not None, result.errors
    scope = {**SandboxEnvironment({"emit": lambda kind, **fields: None}).globals, "sign": {"comment": "ok"}}
    with pytest.raises(ScriptError, match=reason):
        sandbox._running(exec, result.code, scope)
    assert set(scope) - {"sign", "emit", *guards.GUARDS, "__builtins__"} <= {"e", "g"}  # nothing was reached


def _reachable(roots: list[Any]) -> list[Any]:
    """Every object a script can get to from ``roots`` through the attribute guard."""
    seen: dict[int, Any] = {}
    todo = list(roots)
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen[id(obj)] = obj
        for name in dir(obj):
            try:
                todo.append(guards.guarded_getattr(obj, name))
            except guards.AccessRefused:
                pass
    return list(seen.values())


def test_what_a_script_can_reach_is_helpers_builtins_and_plain_data() -> None:
    engine = DubanScriptEngine(SettableClock(START), load_calendar(None))
    environment = engine.environment
    assert isinstance(environment, SandboxEnvironment)
    names = set(environment.globals)
    assert names == {"__builtins__", *guards.GUARDS, "new_id", "offences_this_year", "today", "now",
                     "add_working_days", "is_estimated", "working_days_for", "end_of_day", "at_time",
                     "add_months", "days_between", "emit", "report_due", "sign_due", "explain_due",
                     "revisit_due", "reminder_at", "deadline_at"}
    data = {"sign": {"comment": "ok", "files": ["a.pdf"]}, "n": 1, "x": 1.5, "flag": True, "none": None}
    reached = _reachable([*environment.globals.values(), *guards.SAFE_BUILTINS.values(), *data.values(), "s", ()])
    kinds = {type(obj) for obj in reached}
    assert not kinds & {types.ModuleType, types.FrameType, types.CodeType, types.TracebackType}
    assert os not in reached and os.system not in reached
    # methods of plain data only, besides the helpers, builtins and guards themselves
    methods = [obj for obj in reached if isinstance(obj, types.BuiltinMethodType)
               and not isinstance(obj.__self__, types.ModuleType)]
    assert {type(m.__self__) for m in methods} <= set(guards.ALLOWED_ATTRIBUTES)
    others = [obj for obj in reached if not any(obj is m for m in methods)]
    assert {type(obj) for obj in others} <= {*guards.DATA_TYPES, type, types.FunctionType, types.BuiltinFunctionType,
                                             types.MethodType}  # ``emit`` is a method of the script engine
    assert [obj for obj in others if isinstance(obj, types.MethodType)] == [environment.globals["emit"]]


def test_a_legit_script_with_helpers_and_data_operations_runs() -> None:
    engine = DubanScriptEngine(SettableClock(START), load_calendar(None))
    context: dict[str, Any] = {"title": "推进老旧小区改造", "co_units": [" tiedong ", "heping"], "counts": {}}
    engine.environment.execute("\n".join([
        "due = add_working_days(today(), 1)",
        "deadline = end_of_day(due)",
        "units = sorted(u.strip() for u in co_units)",
        "for u in units:",
        "    counts[u] = counts.get(u, 0) + 1",
        "first, second = units",
        "total = 0",
        "for key, value in counts.items():",
        "    total += value",
        "label = f\"{title}：{', '.join(units)}\"",
        "upper = {k.upper(): v for k, v in counts.items()}",
        "later = add_months(due, 1) if days_between(today(), due) > 0 else None",
        "emit('item.assigned', unit=first, **{'due_date': due})",
    ]), context)
    assert context["due"] == "2025-10-09" and context["deadline"] == "2025-10-09T23:59:59+08:00"
    assert (context["units"], context["first"], context["second"]) == (["heping", "tiedong"], "heping", "tiedong")
    assert context["counts"] == {"heping": 1, "tiedong": 1} and context["total"] == 2
    assert context["label"] == "推进老旧小区改造：heping, tiedong"
    assert context["upper"] == {"HEPING": 1, "TIEDONG": 1} and context["later"] == "2025-11-09"
    assert engine.take_emitted() == [("item.assigned", {"unit": "heping", "due_date": "2025-10-09"})]
    assert not {"emit", "today", "_getattr_", "__builtins__"} & set(context)  # the globals left the task data
    assert engine.environment.evaluate(" counts['heping'] == 1 and 'tiedong' in units\n", context) is True


def test_compiled_code_is_cached_by_its_text_and_bounded() -> None:
    code = sandbox.compiled("due_date is not None", "eval")
    assert sandbox.compiled("due_date is not None", "eval") is code
    assert sandbox.compiled.cache_info().maxsize == sandbox.CACHE_SIZE


def _engine() -> Engine:
    return Engine(SettableClock(START), load_calendar(None))


@pytest.mark.parametrize("script,reason", [
    ("emit('item.signed', unit=lead_unit, comment='')\nx = sign.__class__", '"__class__" is an invalid attribute'),
    ("emit('item.signed', unit=lead_unit, comment='')\nx = today.get('x')", "attribute 'get' of function"),
    ("emit('item.signed', unit=lead_unit, comment='')\nx = nobody", "NameError: name 'nobody' is not defined"),
    ("emit('item.signed', unit=lead_unit, comment='')\nx = 1 / 0", "line 2: ZeroDivisionError"),
    ("emit('item.signed', unit=lead_unit, comment='')\nkeep = [lambda: 1]", "variable 'keep' is not plain data"),
    ("emit('item.signed', unit=lead_unit, comment='')\nsign['g'] = (x for x in [1])",
     "variable 'sign' is not plain data"),
])
def test_a_failing_script_fails_its_step_and_the_stored_instance_stays(script: str, reason: str) -> None:
    engine = _engine()
    definitions = Definitions({"sign_demo.bpmn": SIGN_DEMO.replace(SIGNED_SCRIPT, script).encode()})
    run, _ = engine.start(definitions, "sign_demo", {"lead_unit": "tiexi"})
    [task] = run.ready_tasks()
    state, spec = engine.dump(run), definitions.spec_json("sign_demo")

    restored = engine.restore(spec, state)
    with pytest.raises(ScriptFailed) as failed:
        restored.complete(task.id, {"sign": {"comment": "已收到"}})
    assert (failed.value.element, failed.value.name, failed.value.process) == ("Task_signed", "已签收", "sign_demo")
    assert reason in failed.value.reason and reason in str(failed.value)
    assert str(failed.value).startswith("element 'Task_signed' (已签收) of sign_demo: ")
    assert restored.engine.take_emitted() == []  # what the script emitted before failing is dropped

    again = engine.restore(spec, state)  # the caller discarded the failed run: the row is as it was
    assert engine.dump(again) == state
    assert [t.id for t in again.ready_tasks()] == [task.id]


def test_a_failing_message_step_raises_script_failed_and_the_next_step_starts_clean() -> None:
    d = signed()
    assert d.run is not None
    engine, state, spec = d.engine, d.engine.dump(d.run), definitions().spec_json("assignment")
    with pytest.raises(ScriptFailed) as failed:
        engine.restore(spec, state).send_message(
            "extension_requested", {k: v for k, v in EXTENSION.items() if k != "requested_due_date"})
    assert (failed.value.element, failed.value.name) == ("Script_extension_requested", "登记延期申请")
    assert "KeyError: 'requested_due_date'" in failed.value.reason

    again = engine.restore(spec, state)
    assert engine.dump(again) == state and [t.kind for t in again.ready_tasks()] == ["report"]
    assert [kind for kind, _ in again.send_message("extension_requested", EXTENSION)] == ["extension.requested"]


@pytest.mark.parametrize("expression,reason", [
    ("sign_deadline.__class__", '"__class__" is an invalid attribute'),
    ("today.get('x')", "attribute 'get' of function"),
    ("'{0.__class__}'.format(sign_deadline)", "'.format' is not available"),
    ("5", "not an ISO datetime with an offset"),
    ("sign_due_date", "not an ISO datetime with an offset"),  # a date without a time or offset
])
def test_timer_expressions_run_in_the_sandbox(expression: str, reason: str) -> None:
    xml = SIGN_DEMO.replace("<bpmn:timeDate>sign_deadline</bpmn:timeDate>", f"<bpmn:timeDate>{expression}</bpmn:timeDate>")
    engine = _engine()
    with pytest.raises(ScriptFailed) as failed:
        engine.start(Definitions({"sign_demo.bpmn": xml.encode()}), "sign_demo", {"lead_unit": "tiexi"})
    assert (failed.value.element, failed.value.name) == ("Event_sign_late", "签收超时")
    assert reason in failed.value.reason


def test_an_expression_gives_plain_data_only() -> None:
    environment = SandboxEnvironment({"today": lambda: "2025-09-30"})
    assert environment.evaluate("{'when': today(), 'n': [1, 2.5, None, True]}", {}) == {
        "when": "2025-09-30", "n": [1, 2.5, None, True]}
    with pytest.raises(ScriptError, match="gives a function"):
        environment.evaluate("today", {})
    with pytest.raises(ScriptError, match="gives a dict"):
        environment.evaluate("{'g': (x for x in [1])}", {})


def test_task_data_never_shadows_a_guard_in_an_expression() -> None:
    environment = SandboxEnvironment({})
    assert environment.evaluate("d.get('a')", {"d": {"a": 1}, "_getattr_": "forged"}) == 1


@pytest.mark.parametrize(("script", "reason"), [
    ("x = 0\nwhile True:\n    x += 1", "while loops are not allowed"),
    ('x = f"{1:>100000}"', "format spec"),
    ('w = 9\nx = f"{1:>{w}}"', "format spec"),
])
def test_a_script_that_would_not_end_or_would_fill_the_memory_is_refused_at_deploy(script: str, reason: str) -> None:
    assert any(reason in p for p in script_problems(script))


@pytest.mark.parametrize(("script", "reason"), [
    ("x = 0\nfor i in range(10 ** 6):\n    x += 1", "range of 1000000 numbers"),
    ("x = 2 ** 100000", "exponent 100000"),
    ("x = 3\nx **= 1000", "exponent 1000"),
    ("x = 'a' * 100000", "repeated str of 100000"),
    ("x = [0] * 50000", "repeated list of 50000"),
    ("x = ['a']\nx *= 20000", "repeated list of 20000"),
    ("x = 'a'.ljust(10 ** 8)", "width of 100000000"),
])
def test_the_size_of_what_a_script_makes_is_bounded_at_run_time(script: str, reason: str) -> None:
    with pytest.raises(ScriptError, match=reason):
        SandboxEnvironment({}).execute(script, {})


def test_bounded_operations_still_work_for_ordinary_sizes() -> None:
    context: dict[str, object] = {}
    SandboxEnvironment({}).execute('a = 2 ** 10\nb = "-" * 3\nc = [0] * 4\nd = sum(range(100))\n'
                                   'e = "7".zfill(3)\nf = f"{5:03d}"\ng = 2.5 * 2', context)
    assert (context["a"], context["b"], context["c"], context["d"], context["e"], context["f"], context["g"]) == (
        1024, "---", [0, 0, 0, 0], 4950, "007", "005", 5.0)
