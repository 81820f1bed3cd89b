"""From what a BPMN script emitted to a contract event.

Scripts call ``emit("item.assigned", lead_unit=..., due_date="2026-03-09", ...)`` with the
contract's payload fields (dates as ISO strings). The service adds the envelope
(``event_id``, ``occurred_at``, ``actor``) and the ``item_id`` it knows, and validates
the whole against the contract: an event that does not fit fails the step.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from shared.contracts.base import Event
from shared.contracts.registry import EVENTS
from shared.contracts.subjects import ROOT


class BadEmit(ValueError):
    """A process emitted an event its contract refuses."""


def to_event(kind: str, fields: dict[str, Any], *, item_id: UUID | None, actor: str,
             occurred_at: dt.datetime) -> Event:
    model = EVENTS.get(f"{ROOT}.events.{kind}")
    if model is None:
        raise BadEmit(f"unknown event kind {kind!r}")
    payload: dict[str, Any] = {"occurred_at": occurred_at.isoformat(), "actor": actor, **fields}
    if "item_id" in model.model_fields and "item_id" not in fields and item_id is not None:
        payload["item_id"] = str(item_id)
    try:
        return model.model_validate_json(json.dumps(payload, default=str, ensure_ascii=False))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise BadEmit(f"{kind}: {problems}") from None
