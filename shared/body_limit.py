"""Request bodies past a size are refused with 413 before they are read in full.

A declared ``Content-Length`` over the limit is answered at once, before the app (and its
token check) runs; a chunked body is counted as it arrives and cut off at the limit.
Routes that take large documents (a BPMN deployment) get their own limit by path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

Scope = dict[str, Any]


def too_large(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


class BodyLimit:
    """ASGI middleware: ``limit`` bytes by default, ``overrides`` by exact path."""

    def __init__(self, app: Any, limit: int, overrides: Mapping[str, int] | None = None) -> None:
        self.app, self.limit, self.overrides = app, limit, dict(overrides or {})

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.overrides.get(scope["path"], self.limit)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            status, detail = (413, too_large(limit)) if declared.isdigit() else (400, "invalid Content-Length")
            await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)
            return
        received = 0

        async def counted() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # FastAPI passes an HTTPException from the body read on unchanged
                    raise HTTPException(413, detail=too_large(limit))
            return message

        await self.app(scope, counted, send)
