"""Building and starting a service in-process for tests."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
from fastapi import FastAPI

from shared.bus.topology import Topology
from shared.clock import SettableClock
from shared.identity import TokenIssuer
from shared.runtime import Runtime, build_runtime
from shared.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]
TEST_SECRET = "test-secret-0123456789abcdef0123456789"
NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # Monday 2026-03-02, 09:30 in Beijing


def settings_for(cls: type[ServiceSettings], *, nats_url: str, database_url: str, topology: Topology,
                 data_dir: Path, **overrides: object) -> ServiceSettings:
    return cls(
        nats_url=nats_url,
        database_url=database_url,
        bus_root=topology.root,
        data_dir=data_dir,
        calendar_dir=data_dir / "calendar",
        org_file=REPO / "deploy" / "org.example.yaml",
        jwt_secret=TEST_SECRET,
        retry_delays=[0.0],
        **(service_defaults(cls) | overrides),
    )


def service_defaults(cls: type[ServiceSettings]) -> dict[str, object]:
    """The workflow's tests run the stand-in processes and fire the timers themselves
    (``service.fire_due_timers``) and open the scheduled rounds (``app.state.rounds.open_due``)
    after moving the clock: no background sweep races them; the reporting service's monthly
    drafts are made, and its published documents' PDFs (LibreOffice, seconds each) rendered, by
    the tests that want them."""
    if "schedule" in cls.model_fields:
        return {"schedule": False, "render_pdf": False}
    if "workflows_dir" not in cls.model_fields:
        return {}
    return {"workflows_dir": REPO / "tests" / "fixtures" / "flows", "timer_sweep": False, "rounds_schedule": False}


def runtime_for(settings: ServiceSettings, clock: SettableClock | None = None) -> Runtime:
    return build_runtime(settings, clock=clock or SettableClock(NOW))


def token(username: str, now: dt.datetime = NOW, secret: str = TEST_SECRET) -> str:
    return TokenIssuer(secret=secret, issuer="duban", audience="duban", ttl=dt.timedelta(days=3650)).issue(username, now)


def auth(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(username)}"}


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (migrations, NATS, consumers) and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


AppFactory = Callable[..., FastAPI]
