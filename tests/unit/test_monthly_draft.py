"""When the month before's draft bulletin is due: from its month's first working day on."""

import datetime as dt

from services.reporting.domain.bulletin import monthly_draft_due


def test_the_month_before_is_due_from_the_first_working_day() -> None:
    first = dt.date(2026, 10, 8)
    assert monthly_draft_due(dt.date(2026, 10, 7), first) is None
    assert monthly_draft_due(first, first) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert monthly_draft_due(dt.date(2026, 10, 31), first) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert monthly_draft_due(dt.date(2027, 1, 4), dt.date(2027, 1, 4)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
