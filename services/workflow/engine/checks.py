"""Checks BPMN files and their forms before they are loaded or deployed (``duban bpmn check``).

Three layers, every problem collected: the BPMN and Spiff XSDs, the engine's own parse of
each executable process with its call activities, and the rules of workflows/README.md
(among them: each user task names a form of the set, a condition reads only fields its form
defines). The forms are JSON Schema files, ``forms/<name>.schema.json`` among the documents.
"""

from __future__ import annotations

import ast
import datetime as dt
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from services.workflow.domain.assignees import LANE_ASSIGNEES, task_assignee
from services.workflow.domain.forms import (
    FORMS_PREFIX,
    BadFormFile,
    Form,
    form_name,
    forms_of,
    load_forms,
    split_documents,
    task_form,
    ui_file_of,
)
from services.workflow.engine import sandbox
from services.workflow.engine.parser import UnsafeXml, make_parser, read_xml
from services.workflow.engine.sandbox import Mode

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
BPMN, SPIFF = NS["bpmn"], NS["spiffworkflow"]

# Task spec names SpiffWorkflow gives its own tasks (bpmn_process_spec.py, ProcessParser.py, TaskParser.py).
RESERVED_IDS = ("Start", "End", "Root", "StartEventSplit", "StartEventJoin")
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")
ASSIGNEE = re.compile(r"role:(office|leader|secretary_general)|unit:([^:]+):(liaison|head)|leader:([^:]+)")
# Text the engine runs in the sandbox: scripts (exec) and expressions (eval); timeDate has its own rule.
SCRIPTS: dict[str, Mode] = {
    f"{{{BPMN}}}script": "exec", f"{{{SPIFF}}}preScript": "exec", f"{{{SPIFF}}}postScript": "exec",
    f"{{{SPIFF}}}messagePayload": "eval",
    **{f"{{{BPMN}}}{tag}": "eval" for tag in ("conditionExpression", "condition", "completionCondition",
                                              "loopCardinality", "loopCondition", "messagePath")}}
XSD_ID = re.compile(r"('[^']*') is not a valid value of the atomic type 'xs:ID'")
TIMER_HINT = 'a variable name or a quoted ISO datetime with an offset, e.g. "2026-10-11T23:59:59+08:00"'


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be deployed."""

    file: str
    element: str | None
    message: str
    name: str | None = field(default=None, compare=False)  # the element's name, for people

    def __str__(self) -> str:
        label = f" ({self.name})" if self.name else ""
        where = "" if self.element is None else f"element '{self.element}'{label}: "
        return f"{self.file}: {where}{self.message}"


def check_files(paths: list[Path]) -> list[Problem]:
    """Reads the files and checks them together (call activities reference other files).
    ``.json`` files are forms; without any, the forms are those in a ``forms`` folder beside
    the BPMN files (``workflows/forms`` for ``workflows/*.bpmn``)."""
    docs: dict[str, bytes] = {}
    unreadable: list[Problem] = []
    for path in paths:
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            unreadable.append(Problem(str(path), None, f"cannot read the file: {exc.strerror or exc}"))
            continue
        docs[FORMS_PREFIX + Path(path).name if Path(path).suffix == ".json" else str(path)] = content
    if not any(name.startswith(FORMS_PREFIX) for name in docs):
        for folder in dict.fromkeys(Path(path).parent / "forms" for path in paths):
            docs |= {FORMS_PREFIX + p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}
    return unreadable + check_documents(docs)


def check_documents(docs: dict[str, bytes]) -> list[Problem]:
    """Checks BPMN documents (name -> XML bytes) and forms (``forms/<file>`` -> JSON) together;
    no problems means all can be deployed. A set without forms uses the platform's."""
    docs, form_files = split_documents(docs)
    forms, problems = _forms(form_files)
    parser = make_parser()
    trees: dict[str, etree._Element] = {}
    loaded: set[str] = set()
    for name, data in docs.items():
        try:
            trees[name] = read_xml(data)
        except etree.XMLSyntaxError as exc:
            problems.append(Problem(name, None, f"not well-formed XML: {exc}"))
            continue
        except UnsafeXml as exc:
            problems.append(Problem(name, None, str(exc)))
            continue
        try:
            parser.add_bpmn_xml(trees[name], name)
            loaded.add(name)
        except Exception as exc:  # ValidationException, but the parser raises others too
            problems.extend(_load_problems(parser, trees[name], name, exc))

    processes = {p.get("id"): (name, p) for name, root in trees.items() for p in root.iterfind("bpmn:process", NS)}
    executable = {pid for pid, (_, p) in processes.items() if p.get("isExecutable", "true") == "true"}
    broken = {pid for pid, (doc, _) in processes.items() if doc not in loaded}  # reported: not for the engine
    for name, root in trees.items():
        problems.extend(_rule_problems(name, root, processes, broken, forms))

    seen = {(p.file, p.element) for p in problems}
    for step in ("spec", "subprocesses"):
        for pid in sorted(executable - broken):
            if step == "subprocesses" and any(c in broken or c not in executable for c in _callees(pid, processes)):
                continue  # a missing or broken called process is already reported
            try:
                parser.get_spec(pid) if step == "spec" else parser.get_subprocess_specs(pid)
            except Exception as exc:  # whatever the engine raises, it cannot run this process
                broken.add(pid)
                problem = _engine_problem(exc, processes[pid][0], trees[processes[pid][0]])
                if (problem.file, problem.element) not in seen:  # one report per element is enough
                    problems.append(problem)
    return problems


def _forms(files: dict[str, bytes]) -> tuple[dict[str, Form], list[Problem]]:
    """The usable forms among the form files, and a problem for each file that is not one."""
    problems = [Problem(FORMS_PREFIX + name, None, "neither a form (<name>.schema.json) nor the UI schema of one "
                                                    "(<name>.uischema.json beside <name>.schema.json)")
                for name in sorted(files) if form_name(name) is None
                and not any(ui_file_of(schema) == name for schema in files if form_name(schema))]
    forms: dict[str, Form] = {}
    for name in sorted(n for n in files if form_name(n)):
        try:
            forms |= load_forms({name: files[name], **{u: files[u] for u in [ui_file_of(name)] if u in files}})
        except BadFormFile as exc:
            problems.append(Problem(FORMS_PREFIX + name, None, str(exc).removeprefix(f"{name}: ")))
    return (forms if files else forms_of({})), problems


def _load_problems(parser, root, name: str, exc: Exception) -> list[Problem]:
    """The XSD's errors (all of them, on their elements), or the engine's error when the XSD passed."""
    schema = getattr(parser.validator, "validator", None)
    errors = list(schema.error_log) if schema is not None else []
    return [_at_line(name, root, e.line, e.message, f"XSD: {_short(e.message)} (line {e.line})")
            for e in errors] or [_engine_problem(exc, name, root)]


def _engine_problem(exc: Exception, name: str, root) -> Problem:
    message = "engine: " + _short(str(exc.args[0]) if exc.args else repr(exc))
    if getattr(exc, "line_number", "") and not getattr(exc, "id", ""):
        return _at_line(name, root, exc.line_number, message, f"{message} (line {exc.line_number})")
    return Problem(getattr(exc, "file_name", "") or name, getattr(exc, "id", "") or None, message,
                   getattr(exc, "name", "") or None)


def _at_line(name: str, root, line: int, raw: str, message: str) -> Problem:
    """The problem on the element at ``line`` that ``raw`` names (else the first there)."""
    tag = re.match(r"Element '([^']+)'", raw)
    here = [el for el in root.iter() if isinstance(el.tag, str) and el.sourceline == line]
    return _on(name, next((el for el in here if tag and el.tag == tag.group(1)), here[0] if here else None), message)


def _on(name: str, node, message: str) -> Problem:
    """The problem on ``node``, or on its nearest ancestor with an id."""
    while node is not None and not node.get("id"):
        node = node.getparent()
    return Problem(name, None, message) if node is None else Problem(name, node.get("id"), message, node.get("name"))


def _short(message: str) -> str:
    for prefix, uri in NS.items():
        message = message.replace("{%s}" % uri, prefix + ":")
    return XSD_ID.sub(r"id \1 is a duplicate or invalid", message).strip().rstrip(".").strip()


def _rule_problems(name: str, root, processes: dict, broken: set[str], forms: dict[str, Form]) -> list[Problem]:
    out: list[Problem] = []

    def report(node, message: str) -> None:
        out.append(_on(name, node, message))

    if root.find("bpmndi:BPMNDiagram", NS) is None:
        report(None, "no bpmndi:BPMNDiagram: keep the diagram section so the file opens in a modeler")
    for node in root.iter():
        ident = node.get("id") if isinstance(node.tag, str) else None
        if ident and (ident in RESERVED_IDS or ident.endswith(RESERVED_SUFFIXES)):
            report(node, f"id '{ident}' is reserved: SpiffWorkflow uses it for an internal task (rename it)")
    lanes = {ref.text.strip(): lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)
             for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
    for task in root.iterfind(".//bpmn:userTask", NS):
        lane = next((lanes[n.get("id")] for n in (task, *task.iterancestors()) if n.get("id") in lanes), None)
        _check_user_task(task, report, forms, lane)
    for process in root.iterfind("bpmn:process", NS):
        _check_form_fields(process, report, forms)
    for timer in root.iterfind(".//bpmn:timerEventDefinition", NS):
        _check_timer(timer, report)
    for node in root.iter(*SCRIPTS):
        if (node.text or "").strip():
            for message in script_problems(node.text, SCRIPTS[node.tag]):
                report(node, f"{etree.QName(node).localname}: {message}")
    for container in {flow.getparent() for flow in root.iterfind(".//bpmn:sequenceFlow", NS)}:
        ids = {child.get("id") for child in container if isinstance(child.tag, str)}
        for flow in container.iterfind("bpmn:sequenceFlow", NS):
            # checked here because SpiffWorkflow says "found two items" about a dangling targetRef
            for end in (end for end in ("sourceRef", "targetRef") if flow.get(end) not in ids):
                broken.update(flow.xpath("ancestor::bpmn:process/@id", namespaces=NS))
                report(flow, f"sequence flow {end} '{flow.get(end)}' is not an element of '{container.get('id')}'")
    for call in root.iterfind(".//bpmn:callActivity", NS):
        called = call.get("calledElement")
        if called not in processes:
            report(call, f"call activity calls process '{called}', which none of the checked files defines")
        elif processes[called][1].get("isExecutable", "true") != "true":
            report(call, f"call activity calls process '{called}', which is not executable")
    return out


def _properties(task) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in
            task.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def _check_user_task(task, report, forms: dict[str, Form], lane: str | None) -> None:
    props = _properties(task)
    form, ui_file, assignee, due = (task_form(props), props.get("formUiSchemaFilename"), task_assignee(props, lane),
                                    props.get("due"))
    if form is None:
        report(task, "user task names no form: set its 'formJsonSchemaFilename' property (or 'kind')")
    elif form not in forms:
        report(task, f"user task names form '{form}', which is not among the forms "
                     f"(forms/{form}.schema.json; there are: {', '.join(sorted(forms)) or 'none'})")
    elif ui_file is not None:
        schema_file = props.get("formJsonSchemaFilename")
        expected = ui_file_of(schema_file if schema_file and form_name(schema_file) else f"{form}.schema.json")
        if ui_file != expected:
            report(task, f"user task's formUiSchemaFilename '{ui_file}' is not its form's UI schema "
                         f"(name it '{expected}')")
        elif forms[form].ui_schema is None:
            report(task, f"user task's formUiSchemaFilename '{ui_file}' is not among the forms")
    match = ASSIGNEE.fullmatch(assignee or "")
    if assignee is None:
        report(task, f"user task has no 'assignee' property, and its lane ({lane or 'none'}) is none of "
                     f"{', '.join(LANE_ASSIGNEES)}")
    elif match is None or any(v is not None and not _is_name(v) for v in (match.group(2), match.group(4))):
        report(task, f"user task assignee '{assignee}' is not role:office|leader|secretary_general, "
                     "unit:<variable>:liaison|head or leader:<variable>")
    if due is not None and not _is_name(due):
        report(task, f"user task due '{due}' is not a variable name")


def _check_form_fields(process, report, all_forms: dict[str, Form]) -> None:
    """A condition that reads a form's field (``review["decision"]``, ``review.get("decision")``)
    names a field the form defines, and compares it only with values the form allows."""
    names = {task_form(_properties(task)) for task in process.iterfind(".//bpmn:userTask", NS)}
    forms = {name: all_forms[name] for name in names if name in all_forms}
    for node in process.iterfind(".//bpmn:conditionExpression", NS):
        try:
            tree = ast.parse((node.text or "").strip(), mode="eval")
        except SyntaxError:
            continue  # reported by the sandbox's compile
        for read in ast.walk(tree):
            found = _form_read(read, forms)
            if found is None:
                continue
            kind, name = found
            spec = forms[kind].schema.get("properties", {}).get(name)
            if spec is None:
                report(node.getparent(), f"condition reads {kind}[{name!r}], a field form '{kind}' does not "
                                         f"define (fields: {', '.join(sorted(forms[kind].fields))})")
        for compare in (n for n in ast.walk(tree) if isinstance(n, ast.Compare)):
            found = _form_read(compare.left, forms)
            allowed = forms[found[0]].schema.get("properties", {}).get(found[1], {}).get("enum") if found else None
            for value in (c.value for c in compare.comparators if isinstance(c, ast.Constant)):
                if allowed is not None and value not in allowed:
                    report(node.getparent(), f"condition compares {found[0]}[{found[1]!r}] with {value!r}, "
                                             f"which form '{found[0]}' never gives (one of: {', '.join(allowed)})")


def _form_read(node, forms: dict) -> tuple[str, str] | None:
    """(form, field) when ``node`` is ``form["field"]`` or ``form.get("field"...)`` of a known form."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in forms \
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.value.id, node.slice.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and isinstance(node.func.value, ast.Name) and node.func.value.id in forms and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.func.value.id, node.args[0].value
    return None


def _check_timer(timer, report) -> None:
    event = timer.getparent()
    refused = [other for other in ("timeDuration", "timeCycle") if timer.find(f"bpmn:{other}", NS) is not None]
    for other in refused:
        report(event, f"timer uses {other}: only timeDate timers are allowed (deadlines are working-day dates)")
    date = timer.find("bpmn:timeDate", NS)
    text = (date.text or "").strip() if date is not None else ""
    if not text:
        return None if refused else report(event, "timer has no timeDate expression")
    if _is_name(text):
        return None
    try:
        value = ast.literal_eval(text)
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        moment = None
    if moment is None:
        report(event, f"timer timeDate {text} is not {TIMER_HINT}")
    elif moment.tzinfo is None:
        report(event, f"timer timeDate {text} has no UTC offset (write +08:00)")


def _is_name(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


def script_problems(text: str, mode: Mode = "exec") -> list[str]:
    """Why the sandbox refuses one script (exec) or expression (eval): the same compile as at run time."""
    return sandbox.problems(text, mode)


def _callees(pid: str, processes: dict, found: set[str] | None = None) -> set[str]:
    """Every process ``pid`` calls, directly or through others (undefined ones included)."""
    found = set() if found is None else found
    for call in processes[pid][1].iterfind(".//bpmn:callActivity", NS) if pid in processes else ():
        if call.get("calledElement") not in found:
            found.add(call.get("calledElement"))
            _callees(call.get("calledElement"), processes, found)
    return found
