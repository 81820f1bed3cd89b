"""The HTTP edge every service shares: the app shell, JSON errors, health, ``/me``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.calendar.working_days import uncovered_year_warning
from shared.clock import today_in_china
from shared.identity import PrincipalDep, current_principal
from shared.runtime import Runtime
from shared.storage.database import ping

log = logging.getLogger("duban.web")


def service_app(runtime: Runtime, *, title: str, description: str, routers: list[APIRouter]) -> FastAPI:
    """A FastAPI app whose routes all need a token, except the health probes."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime.running():
            yield

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.authenticator = runtime.authenticator
    install_error_handlers(app)
    app.include_router(health_router(runtime))
    secured = [Depends(current_principal)]
    app.include_router(me_router(), dependencies=secured)
    for router in routers:
        app.include_router(router, dependencies=secured)
    return app


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": jsonable_errors(error)}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "internal error"}, status_code=500)


def jsonable_errors(error: RequestValidationError) -> list[dict[str, object]]:
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]


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
        await runtime.broker.ping(timeout=2.0)
        connected = runtime.broker.connection is not None and runtime.broker.connection.is_connected
        checks["nats"] = {"ok": connected, "message": "connected" if connected else "not connected"}
    except Exception as error:
        checks["nats"] = {"ok": False, "message": f"unreachable: {error!r}"}
    try:
        await ping(runtime.engine)
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
