"""A process drawn outside Duban, as SpiffArena or bpmn.io save it: forms named by
``formJsonSchemaFilename`` (SpiffArena's ``<name>-schema.json`` files), who acts named by the
lanes, no Duban property at all. It passes the check and runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from services.workflow.engine.checks import check_documents, check_files
from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Engine
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "third_party"


def documents() -> dict[str, bytes]:
    return {"check-facts.bpmn": (FILES / "check-facts.bpmn").read_bytes(),
            **{f"forms/{p.name}": p.read_bytes() for p in FILES.glob("*.json")}}


def test_a_spiffarena_file_passes_the_check() -> None:
    assert check_documents(documents()) == []
    assert check_files(sorted(FILES.iterdir())) == []  # `duban bpmn check` with the form files named


def test_a_spiffarena_file_runs_with_its_forms_and_lanes() -> None:
    definitions = Definitions(documents())
    engine = Engine(SettableClock(dt.datetime(2026, 3, 2, 9, tzinfo=CHINA)), load_calendar(None))
    run, _ = engine.start(definitions, "Process_check_facts", {"lead_unit": "zjj"})
    [facts] = run.ready_tasks()
    assert (facts.kind, facts.name, facts.assignee) == ("unit_facts", "说明情况", "unit:lead_unit:liaison")
    form = definitions.forms["unit_facts"]
    assert form.ui_schema == {"facts": {"ui:widget": "textarea"}}
    run.complete(facts.id, {"unit_facts": form.validate({"facts": " 已整改到位 "})})
    [assess] = run.ready_tasks()
    assert (assess.kind, assess.assignee) == ("office_assess", "role:office")
    assert assess.data["unit_facts"] == {"facts": "已整改到位"}
    run.complete(assess.id, {"office_assess": definitions.forms["office_assess"].validate({"verified": True})})
    assert run.completed
