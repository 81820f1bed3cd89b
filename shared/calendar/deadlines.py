"""Deadline classes (限期报告) as working-day counts.

An item is reported within 3 working days when urgent (急件), 5 when normal (非急件) and
10 when difficult (难度较大). A special item (特殊情况) has no count: a leader sets its date.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shared.contracts.enums import Urgency

URGENCY_WORKING_DAYS: Mapping[str, int] = MappingProxyType({
    Urgency.URGENT: 3,
    Urgency.NORMAL: 5,
    Urgency.DIFFICULT: 10,
})


class DeadlineRuleError(ValueError):
    """No working-day count applies to the urgency asked about."""


class UnknownUrgency(DeadlineRuleError):
    def __init__(self, urgency: object) -> None:
        known = ", ".join(u.value for u in Urgency)
        super().__init__(f"unknown urgency {urgency!r}; expected one of: {known}")


class SpecialDeadlineSetByLeader(DeadlineRuleError):
    def __init__(self) -> None:
        super().__init__(
            f"urgency {Urgency.SPECIAL.value!r} ({Urgency.SPECIAL.label}) has no working-day count: "
            "the responsible leader sets the deadline date"
        )


def working_days_for(urgency: str) -> int:
    """Working days allowed for an urgency: urgent 3, normal 5, difficult 10."""
    if urgency == Urgency.SPECIAL:
        raise SpecialDeadlineSetByLeader()
    try:
        return URGENCY_WORKING_DAYS[urgency]
    except (KeyError, TypeError):
        raise UnknownUrgency(urgency) from None
