"""The console server's one wiring point: the development sign-in (outside production), the
API proxy and the web application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.console.compression import add_compression
from services.console.config import ConsoleSettings
from services.console.dev_signin import dev_signin_router
from services.console.proxy import proxy_router
from services.console.static_files import spa_router
from shared.clock import Clock, SystemClock
from shared.identity import load_directory
from shared.identity.tokens import TokenIssuer


def create_app(settings: ConsoleSettings, clock: Clock | None = None,
               transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    # no production check of its own: it holds no secret but the JWT one, and only outside
    # production, where it signs development tokens
    client = httpx.AsyncClient(timeout=httpx.Timeout(settings.proxy_timeout_seconds, connect=5.0),
                               transport=transport, follow_redirects=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    app = FastAPI(title="Duban console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz", include_in_schema=False)
    @app.get("/readyz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if settings.env != "production":
        directory = load_directory(settings.org_file)
        app.include_router(dev_signin_router(directory, TokenIssuer.from_settings(settings), clock or SystemClock()))
    app.include_router(proxy_router(settings.upstreams(), client))
    app.include_router(spa_router(settings.dist_dir))
    add_compression(app)
    return app
