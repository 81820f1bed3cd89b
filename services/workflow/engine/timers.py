"""Timers that read the service's clock instead of the wall clock.

SpiffWorkflow's own timers call ``datetime.now()``; ours ask the script engine's clock,
so tests and simulations move time by setting a clock. Only ``timeDate`` timers exist
here: deadlines are working-day dates computed in scripts (see workflows/README.md).
"""

from __future__ import annotations

from typing import Any

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
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        now = my_task.workflow.script_engine.clock.now()
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


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
