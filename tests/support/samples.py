"""Sample messages for bus and storage tests."""

from __future__ import annotations

import datetime as dt
import uuid

from shared.contracts.enums import Cadence, Source, Urgency
from shared.contracts.events import ItemRegistered

T0 = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)


def item_registered(**overrides: object) -> ItemRegistered:
    fields: dict[str, object] = dict(
        occurred_at=T0,
        actor="office",
        item_id=uuid.uuid4(),
        code="督办〔2026〕1号",
        title="推进老旧小区改造",
        description="按期完成年度改造任务",
        source=Source.WORK_REPORT_TARGET,
        urgency=Urgency.NORMAL,
        due_date=None,
        lead_unit="zjj",
        co_units=["tiedong"],
        leader="leader",
        major=True,
        public=False,
        livelihood=True,
        cadence=Cadence.NONE,
    )
    fields.update(overrides)
    return ItemRegistered(**fields)
