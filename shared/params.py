"""Types for what arrives at an HTTP edge: strict dates and ids that fit their columns.

Pydantic reads ``0`` or ``1700000000`` as a date (a Unix time) and any integer as an id;
these types accept only what a person would write, so a bad value is a 422, never a
database error.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) >= 16 and _ISO_DATE.fullmatch(value[:10]):
        return value
    raise ValueError("a time is written as ISO 8601, e.g. 2026-12-01T09:30:00+08:00")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A calendar date written ``YYYY-MM-DD`` (not a number)."""
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]
"""A moment written in ISO 8601 (not a number)."""
RowId = Annotated[int, Field(ge=1, le=INT64_MAX)]
"""An id of a 64-bit autoincrement column (inbox messages, deliveries)."""
SmallId = Annotated[int, Field(ge=1, le=INT32_MAX)]
"""An id or number of a 32-bit column (definition versions)."""
Page = Annotated[int, Field(ge=1, le=100_000)]
"""A 1-based page number; page × page size stays far from any integer limit."""
