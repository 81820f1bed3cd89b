"""What one step of an instance does with the timers a clock jump made due (SpiffWorkflow 3.2).

The workflow's sweep steps each due instance once per sweep (``settle``: ``refresh_timers``,
then ``do_engine_steps``). These tests pin down what "every timer fires once, in order"
means inside one instance, on the project's clock-driven timers (engine/timers.py):

- every timer of the instance that is due fires in that one step, once;
- a timer that starts waiting when its date has already passed fires in the same step;
- the timers of one step run in the order the process declares them, not by their dates
  (the processes of workflows/ declare each reminder before its overdue event).
"""

from __future__ import annotations

import datetime as dt

from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Engine, Run
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock

START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=CHINA)
NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="duban-test"'


def boundary(timer_id: str, due: str) -> str:
    return f"""
    <bpmn:boundaryEvent id="{timer_id}" cancelActivity="false" attachedToRef="Task_work">
      <bpmn:outgoing>Flow_{timer_id}</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDate>{due}</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="Script_{timer_id}"><bpmn:incoming>Flow_{timer_id}</bpmn:incoming>
      <bpmn:outgoing>Flow_{timer_id}_end</bpmn:outgoing>
      <bpmn:script>emit("deadline.reminder", deadline="report", due_date="{timer_id}", unit="zjj")</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="End_{timer_id}"><bpmn:incoming>Flow_{timer_id}_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_{timer_id}" sourceRef="{timer_id}" targetRef="Script_{timer_id}"/>
    <bpmn:sequenceFlow id="Flow_{timer_id}_end" sourceRef="Script_{timer_id}" targetRef="End_{timer_id}"/>"""


def two_timers_on_a_task(first: tuple[str, str], second: tuple[str, str]) -> bytes:
    """A user task with two non-interrupting timers, declared in this order (id, ISO date)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS}>
  <bpmn:process id="Process_work" isExecutable="true">
    <bpmn:startEvent id="Start_work"><bpmn:outgoing>Flow_start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_work"><bpmn:incoming>Flow_start</bpmn:incoming><bpmn:outgoing>Flow_done</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_work"><bpmn:incoming>Flow_done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_start" sourceRef="Start_work" targetRef="Task_work"/>
    <bpmn:sequenceFlow id="Flow_done" sourceRef="Task_work" targetRef="End_work"/>
    {boundary(first[0], repr(first[1]))}
    {boundary(second[0], repr(second[1]))}
  </bpmn:process>
</bpmn:definitions>""".encode()


def a_timer_after_a_script(due: str) -> bytes:
    """A script computes the timer's date; the timer waits for it, then a script runs."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS}>
  <bpmn:process id="Process_wait" isExecutable="true">
    <bpmn:startEvent id="Start_wait"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Script_due"><bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:script>wait_until = "{due}"</bpmn:script></bpmn:scriptTask>
    <bpmn:intermediateCatchEvent id="Timer_wait"><bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDate>wait_until</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="Script_after"><bpmn:incoming>Flow_3</bpmn:incoming><bpmn:outgoing>Flow_4</bpmn:outgoing>
      <bpmn:script>waited = True</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="End_wait"><bpmn:incoming>Flow_4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_wait" targetRef="Script_due"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Script_due" targetRef="Timer_wait"/>
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Timer_wait" targetRef="Script_after"/>
    <bpmn:sequenceFlow id="Flow_4" sourceRef="Script_after" targetRef="End_wait"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def started(document: bytes, process_id: str, clock: SettableClock) -> tuple[Engine, Definitions, Run]:
    engine = Engine(clock, load_calendar(None))
    definitions = Definitions({"process.bpmn": document})
    run, emitted = engine.start(definitions, process_id, {})
    assert emitted == []
    return engine, definitions, run


def jump_and_settle(engine: Engine, definitions: Definitions, run: Run, clock: SettableClock,
                    to: dt.datetime, process_id: str) -> tuple[Run, list[str]]:
    """Save, move the clock, restore and settle once: what one sweep step of the instance does."""
    state = engine.dump(run)
    clock.set(to)
    run = engine.load(definitions, process_id, state)
    return run, [fields["due_date"] for _, fields in run.settle()]


def test_every_timer_due_in_a_jump_fires_in_one_step_and_once() -> None:
    clock = SettableClock(START)
    document = two_timers_on_a_task(("reminder", "2026-03-06T09:00:00+08:00"), ("overdue", "2026-03-09T23:59:59+08:00"))
    engine, definitions, run = started(document, "Process_work", clock)
    assert run.next_timer_due() == dt.datetime(2026, 3, 6, 9, 0, tzinfo=CHINA)
    run, fired = jump_and_settle(engine, definitions, run, clock, START + dt.timedelta(days=30), "Process_work")
    assert fired == ["reminder", "overdue"]
    assert run.next_timer_due() is None  # nothing left waiting to be swept again
    run, fired = jump_and_settle(engine, definitions, run, clock, START + dt.timedelta(days=60), "Process_work")
    assert fired == []  # once


def test_in_one_step_the_declared_order_counts_not_the_dates() -> None:
    clock = SettableClock(START)
    document = two_timers_on_a_task(("overdue", "2026-03-09T23:59:59+08:00"), ("reminder", "2026-03-06T09:00:00+08:00"))
    engine, definitions, run = started(document, "Process_work", clock)
    _, fired = jump_and_settle(engine, definitions, run, clock, START + dt.timedelta(days=30), "Process_work")
    assert fired == ["overdue", "reminder"]  # declared first, run first: declare reminders first


def test_a_jump_between_the_two_dates_fires_only_the_first() -> None:
    clock = SettableClock(START)
    document = two_timers_on_a_task(("reminder", "2026-03-06T09:00:00+08:00"), ("overdue", "2026-03-09T23:59:59+08:00"))
    engine, definitions, run = started(document, "Process_work", clock)
    run, fired = jump_and_settle(engine, definitions, run, clock, dt.datetime(2026, 3, 7, 9, 0, tzinfo=CHINA),
                                 "Process_work")
    assert fired == ["reminder"]
    assert run.next_timer_due() == dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=CHINA)


def test_a_timer_whose_date_passed_before_it_started_waiting_fires_in_the_same_step() -> None:
    clock = SettableClock(START)
    _, _, run = started(a_timer_after_a_script("2026-03-01T09:00:00+08:00"), "Process_wait", clock)
    assert run.completed and run.data["waited"] is True
    assert run.next_timer_due() is None
