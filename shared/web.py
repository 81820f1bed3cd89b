"""The HTTP edge every service shares: the app shell, JSON errors, health, ``/me``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.body_limit import BodyLimit
from shared.calendar.working_days import uncovered_year_warning
from shared.clock import today_in_china
from shared.errors import DESCRIPTIONS, ErrorBody, detail_of, errors
from shared.identity import PrincipalDep, current_principal
from shared.runtime import Runtime
from shared.storage.database import ping

log = logging.getLogger("duban.web")


ErrorStatus = Mapping[type[BaseException], int]
"""The one place a service says which of its exceptions answer which HTTP status."""


def service_app(runtime: Runtime, *, title: str, description: str, routers: list[APIRouter],
                error_status: ErrorStatus | None = None, body_limits: Mapping[str, int] | None = None,
                public_routers: Sequence[APIRouter] = ()) -> FastAPI:
    """A FastAPI app whose routes all need a token, except the health probes and the routes
    of ``public_routers`` (declared so, one by one: anyone may call them).

    ``error_status`` maps the service's named exceptions to statuses; ``body_limits`` gives a
    path a larger body cap than ``max_body_bytes``.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.authenticator = runtime.authenticator
    install_error_handlers(app, error_status or {})
    app.include_router(health_router(runtime))
    for router in public_routers:
        app.include_router(router)
    secured = [Depends(current_principal)]
    for router in [me_router(), *routers]:
        app.include_router(router, dependencies=secured, responses=errors(401))
    app.add_middleware(BodyLimit, limit=runtime.settings.max_body_bytes, overrides=body_limits)
    app.openapi = lambda: openapi_with_errors(app)  # type: ignore[method-assign]
    return app


def content_disposition(name: str) -> str:
    """``attachment`` with the name for every browser: an ASCII fallback and RFC 5987's UTF-8 form."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def install_error_handlers(app: FastAPI, statuses: ErrorStatus) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:  # Starlette names only the first route's methods
            headers["Allow"] = ", ".join(allowed_methods(app, request))
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=headers or None)

    for kind, status in statuses.items():
        async def refused(request: Request, error: Exception, status: int = status) -> JSONResponse:
            # an exception may carry headers for its answer (e.g. ``Retry-After`` with a 429)
            return JSONResponse({"detail": detail_of(error)}, status_code=status, headers=getattr(error, "headers", None))

        app.add_exception_handler(kind, refused)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": jsonable_errors(error)}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal error"}, status_code=500)


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route of the app answers on the request's path."""
    methods: set[str] = set()
    for route in app.router.routes:  # a route of another method matches the path partially
        if route.matches(request.scope)[0] is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def jsonable_errors(error: RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]


def openapi_with_errors(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with one error shape: FastAPI's own 422 schema is replaced by
    ``ErrorBody`` (what every error answer carries), and a body-taking operation lists 413."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["ErrorBody"] = body
    components["HTTPValidationError"] = body
    components.pop("ValidationError", None)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in (400, 413) if "requestBody" in operation else ():  # unreadable, too large
                responses.setdefault(str(status), {"description": DESCRIPTIONS[status], "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
    app.openapi_schema = schema
    return schema


def health_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": runtime.settings.service}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await readiness(runtime)
        ready = all(check["ok"] for check in checks.values())
        body = {"status": "ready" if ready else "not ready", "service": runtime.settings.service, "checks": checks}
        if not ready:
            body["detail"] = "; ".join(f"{name}: {c['message']}" for name, c in checks.items() if not c["ok"])
        return JSONResponse(body, status_code=200 if ready else 503)

    return router


async def readiness(runtime: Runtime) -> dict[str, dict[str, object]]:
    checks: dict[str, dict[str, object]] = {}
    try:
        connected = await runtime.bus.ping(timeout=2.0)
        checks["nats"] = {"ok": connected, "message": "connected" if connected else "not connected"}
    except Exception as error:
        checks["nats"] = {"ok": False, "message": f"unreachable: {error!r}"}
    try:
        await ping(runtime.db)
        checks["database"] = {"ok": True, "message": "reachable"}
    except Exception as error:
        checks["database"] = {"ok": False, "message": f"unreachable: {error!r}"}
    year = today_in_china(runtime.clock).year
    covered = runtime.calendar.covers(year)
    checks["calendar"] = {
        "ok": covered,
        "message": f"official working days for {year} loaded" if covered else uncovered_year_warning(year),
        "covered_years": year_ranges(runtime.calendar.covered_years),
    }
    return checks


def year_ranges(years: tuple[int, ...]) -> list[str]:
    """(2004, …, 2026, 2028) -> ["2004-2026", "2028"]."""
    ranges: list[list[int]] = []
    for year in sorted(years):
        if ranges and year == ranges[-1][1] + 1:
            ranges[-1][1] = year
        else:
            ranges.append([year, year])
    return [f"{a}-{b}" if a != b else str(a) for a, b in ranges]


def me_router() -> APIRouter:
    router = APIRouter(tags=["identity"])

    @router.get("/me")
    async def me(principal: PrincipalDep) -> dict[str, object]:
        """Who the token belongs to: username, name, roles and unit."""
        return {"username": principal.username, "name": principal.name,
                "roles": sorted(principal.roles), "unit": principal.unit}

    return router
