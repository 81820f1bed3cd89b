"""How a refusal looks over HTTP: one body shape, and the statuses each route documents.

Every error answer is ``{"detail": ...}``: a sentence, or a list of ``{loc, msg}`` problems
for invalid input. Use cases raise named exceptions; each service maps them to statuses
once, in its wiring (``service_app(errors=...)``), and routes list what they may answer
with ``responses=errors(404, 409)`` so the OpenAPI says it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """One invalid field (or ``["body"]`` for the whole request)."""

    loc: list[str | int] = Field(description="where: e.g. [\"body\", \"title\"] or [\"data\", \"decision\"]")
    msg: str
    type: str | None = None


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx answer."""

    detail: str | list[Problem] | list[dict[str, Any]] = Field(
        description="why the request was refused: a sentence, or the invalid fields")


DESCRIPTIONS = {
    400: "Bad request",
    401: "No valid bearer token",
    403: "The caller may not do this",
    404: "Not found, or not visible to the caller",
    409: "Conflicts with the current state",
    413: "The request body is too large",
    415: "The content is of a type not accepted",
    422: "Invalid input (the fields are named)",
    503: "A dependency is not available",
}


def errors(*statuses: int, described: Mapping[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route: each status with the ``ErrorBody`` shape, described
    generically or in the route's own words (``described``)."""
    found = {status: DESCRIPTIONS[status] for status in statuses} | dict(described or {})
    return {status: {"model": ErrorBody, "description": text} for status, text in found.items()}


def detail_of(error: BaseException) -> Any:
    """What an exception says to the caller: its ``detail`` attribute, else its message."""
    detail = getattr(error, "detail", None)
    return detail if detail is not None else (str(error) or type(error).__name__)
