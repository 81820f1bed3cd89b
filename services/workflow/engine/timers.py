"""Timers that read the service's clock instead of the wall clock.

SpiffWorkflow's own timers call ``datetime.now()``; ours ask the script engine's clock,
so tests and simulations move time by setting a clock. Only ``timeDate`` timers exist
here: deadlines are working-day dates computed in scripts (see workflows/README.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition, TimerEventDefinition
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    """A ``timeDate`` timer that fires when the host's clock passes its date."""

    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            # evaluated in the sandbox, like every expression (sandbox.py)
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            self._check(my_task, event_value)
            my_task._set_internal_data(event_value=event_value)
        now = my_task.workflow.script_engine.clock.now()
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))

    def _check(self, my_task: Any, value: Any) -> None:
        """The timer's date is an ISO datetime string with an offset, or the step fails here."""
        try:
            moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise WorkflowTaskException(f"timer timeDate {self.expression} gave {str(value)[:60]!r}, "
                                        "not an ISO datetime with an offset (+08:00)", task=my_task)


class _ClockTimers:
    """Mixin for the event parsers: ``timeDate`` only, on the host's clock."""

    def parse_timer_event(self, event: Any) -> ClockTimeDateEventDefinition:
        name = self.node.get("name", self.node.get("id"))
        time_date = first(self.xpath(".//bpmn:timeDate"))
        if time_date is None or not (time_date.text or "").strip():
            raise ValidationException(
                "only timeDate timers are allowed (a variable holding an ISO datetime with +08:00)",
                node=self.node, file_name=self.filename)
        return ClockTimeDateEventDefinition(name, time_date.text.strip(),
                                            description=self.get_event_description(event))


class StartEventParser(_ClockTimers, SpiffStartEventParser):
    pass


class BoundaryEventParser(_ClockTimers, SpiffBoundaryEventParser):
    pass


class IntermediateCatchEventParser(_ClockTimers, SpiffIntermediateCatchEventParser):
    pass
