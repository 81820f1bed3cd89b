"""The attachments a form's data refers to: every string whose schema says
``"format": "attachment"`` (an attachment's id, from ``POST /attachments``)."""

from __future__ import annotations

import uuid
from typing import Any

ATTACHMENT_FORMAT = "attachment"
Loc = tuple[str | int, ...]


def is_attachment_id(value: object) -> bool:
    """The ``attachment`` format: a UUID in its canonical 36-character form."""
    if not isinstance(value, str):
        return True  # the format applies to strings only; "type" refuses the rest
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36 and all(value[i] == "-" for i in (8, 13, 18, 23))


def attachment_refs(schema: Any, data: Any, loc: Loc = ()) -> list[tuple[Loc, uuid.UUID]]:
    """(where, id) of each attachment ``data`` names, walking ``properties`` and ``items``;
    ``data`` is valid against ``schema`` (a string that is no UUID is not returned)."""
    if not isinstance(schema, dict):
        return []
    if schema.get("format") == ATTACHMENT_FORMAT and isinstance(data, str):
        return [(loc, uuid.UUID(data))] if is_attachment_id(data) else []
    found: list[tuple[Loc, uuid.UUID]] = []
    if isinstance(data, dict):
        for key, spec in (schema.get("properties") or {}).items():
            if key in data:
                found += attachment_refs(spec, data[key], (*loc, key))
    elif isinstance(data, list) and isinstance(schema.get("items"), dict):
        for index, value in enumerate(data):
            found += attachment_refs(schema["items"], value, (*loc, index))
    return found
