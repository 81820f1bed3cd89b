"""Typed settings, read once where a service is wired.

Every service has one settings class (a subclass of ``ServiceSettings``). Values come
from, in order of precedence: keyword arguments, ``DUBAN_<SERVICE>_<FIELD>``,
``DUBAN_<FIELD>``, then the well-known bare names ``NATS_URL`` and ``DATABASE_URL``,
then the development defaults below.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

DEV_JWT_SECRET = "duban-dev-secret-change-me-in-production"
BARE_NAMES = ("NATS_URL", "DATABASE_URL")


class _BareNames(PydanticBaseSettingsSource):
    """NATS_URL and DATABASE_URL without a prefix, as every tool spells them."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {name.lower(): os.environ[name] for name in BARE_NAMES if os.environ.get(name)}


class CommonSettings(BaseSettings):
    """Settings every process of the platform shares (services and the CLI)."""

    model_config = SettingsConfigDict(env_prefix="DUBAN_", extra="ignore")
    service: ClassVar[str] = ""

    env: Literal["development", "production"] = Field("development", description=(
        "production refuses unsafe settings at start (shared/production.py)"))
    data_dir: Path = Path("var")
    nats_url: str = "nats://127.0.0.1:4222"
    # this process's NATS user (each service has its own, with its own permissions) and TLS
    nats_user: str | None = None
    nats_password: str | None = None
    nats_tls_ca: Path | None = None  # CA file to verify the server (turns TLS on)
    nats_tls_cert: Path | None = None  # client certificate and key, where the server asks for one
    nats_tls_key: Path | None = None
    # system: the wall clock; simulated: the platform's one shared simulated clock, kept on the
    # bus (shared/bus/clock_kv.py), standing still until `duban clock` moves it; a platform
    # without one yet starts it at clock_start (an ISO time with its offset), else at the wall clock
    clock: Literal["system", "simulated"] = "system"
    clock_start: dt.datetime | None = None
    bus_root: str = Field("duban", pattern=r"^[a-z][a-z0-9_]*$")
    bus_events_max_bytes: int = Field(-1, ge=-1, description="size cap of the events stream; -1 keeps all")
    database_url: str = ""
    org_file: Path = Path("deploy/org.example.yaml")
    calendar_dir: Path = Path("var/calendar")
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "duban"
    jwt_audience: str = "duban"
    jwt_algorithms: list[str] = ["HS256"]
    jwt_jwks_url: str | None = None
    token_ttl_minutes: int = 12 * 60
    log_level: str = "INFO"
    log_json: bool = True

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings]
        if cls.service:
            sources.append(EnvSettingsSource(settings_cls, env_prefix=f"DUBAN_{cls.service.upper()}_"))
        sources += [env_settings, _BareNames(settings_cls)]
        return tuple(sources)

    def sqlite_default(self, name: str) -> str:
        return f"sqlite:///{(self.data_dir / f'{name}.db').as_posix()}"


class ServiceSettings(CommonSettings):
    """Settings of one service process; subclasses set ``service`` and the port."""

    host: str = "127.0.0.1"
    port: int = 8000
    # at-least-once consumption: redeliveries, back-off between them, then dead letter
    max_deliver: int = 5
    retry_delays: list[float] = [1.0, 5.0, 30.0, 120.0]
    ack_wait_seconds: float = 30.0
    # the most messages a batch consumer (Runtime.consume with a batch handler) applies at
    # once; consumers without one take a message per fetch. fetch_max_wait: how long one
    # fetch waits on a quiet bus before asking again (no message waits for it)
    fetch_batch: int = 1
    fetch_max_wait: float = 5.0
    # request bodies past this size are refused with 413 before they are read in full
    max_body_bytes: int = Field(1024 * 1024, ge=1024)

    @property
    def db_url(self) -> str:
        return self.database_url or self.sqlite_default(self.service)
