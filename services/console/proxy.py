"""``/api/<service>/<path>`` → the service's ``/<path>``: method, query, body, Authorization and
the answer's status, headers and body passed through, streamed both ways."""

from __future__ import annotations

import logging

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

log = logging.getLogger("duban.console")
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per proxied request

# hop-by-hop headers (RFC 9110 7.6.1) and those the transport sets again
_DROPPED = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                      "trailer", "transfer-encoding", "upgrade", "host", "content-length", "date", "server"})
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _forwarded(headers: httpx.Headers | dict[str, str] | object) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _DROPPED}  # type: ignore[attr-defined]


def proxy_router(upstreams: dict[str, str], client: httpx.AsyncClient) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route("/api/{service}/{path:path}", methods=METHODS)
    async def forward(service: str, path: str, request: Request) -> object:
        base = upstreams.get(service)
        if base is None:
            return JSONResponse({"detail": f"没有这个服务 (no service {service!r})"}, status_code=404)
        headers = _forwarded(request.headers)
        if request.client:
            headers["x-forwarded-for"] = request.client.host
        has_body = "content-length" in request.headers or "transfer-encoding" in request.headers
        upstream = client.build_request(request.method, f"{base}/{path}", params=request.query_params,
                                        headers=headers, content=request.stream() if has_body else None)
        try:
            answer = await client.send(upstream, stream=True)
        except httpx.HTTPError as error:
            log.warning("upstream unreachable", extra={"service": service, "error": str(error)})
            return JSONResponse({"detail": f"服务暂时无法访问 ({service} unreachable)"}, status_code=502)
        return StreamingResponse(answer.aiter_raw(), status_code=answer.status_code,
                                 headers=_forwarded(answer.headers), background=BackgroundTask(answer.aclose))

    return router
