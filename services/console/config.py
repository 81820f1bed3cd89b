"""The console server's settings (``DUBAN_CONSOLE_…``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import field_validator, model_validator

from shared.settings import ServiceSettings

UPSTREAMS = ("workflow", "ledger", "notification", "reporting")


class ConsoleSettings(ServiceSettings):
    service: ClassVar[str] = "console"
    port: int = 8080
    # the built web application (`npm ci && npm run build` in console/)
    dist_dir: Path = Path("console/dist")
    # where /api/<service>/… goes
    workflow_url: str = "http://127.0.0.1:8001"
    ledger_url: str = "http://127.0.0.1:8002"
    notification_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"
    proxy_timeout_seconds: float = 60.0
    # production sign-in (services/console/oidc.py): the city's OIDC provider, found by discovery
    # (<issuer>/.well-known/openid-configuration) or named by its two endpoints; the web
    # application registered there as a public client (no secret: PKCE), redirect URI
    # https://<console>/auth/callback
    oidc_issuer_url: str | None = None
    oidc_authorization_endpoint: str | None = None
    oidc_token_endpoint: str | None = None
    # where 退出 ends the provider's session too (RP-initiated logout); by discovery when unset
    oidc_end_session_endpoint: str | None = None
    oidc_client_id: str | None = None
    oidc_scope: str = "openid"

    @field_validator("oidc_issuer_url", "oidc_authorization_endpoint", "oidc_token_endpoint",
                     "oidc_end_session_endpoint", "oidc_client_id", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # an empty variable (compose's ${X:-}) is no setting

    @model_validator(mode="after")
    def _oidc_complete(self) -> ConsoleSettings:
        endpoints = (self.oidc_authorization_endpoint, self.oidc_token_endpoint)
        if any(endpoints) and not all(endpoints):
            raise ValueError("DUBAN_CONSOLE_OIDC_AUTHORIZATION_ENDPOINT and DUBAN_CONSOLE_OIDC_TOKEN_ENDPOINT "
                             "go together (or set DUBAN_CONSOLE_OIDC_ISSUER_URL for discovery)")
        located = bool(self.oidc_issuer_url or all(endpoints))
        if located != bool(self.oidc_client_id):
            raise ValueError("OIDC sign-in needs both DUBAN_CONSOLE_OIDC_CLIENT_ID and the provider "
                             "(DUBAN_CONSOLE_OIDC_ISSUER_URL, or its authorization and token endpoints)")
        return self

    @property
    def oidc_configured(self) -> bool:
        return self.oidc_client_id is not None

    def upstreams(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url").rstrip("/") for name in UPSTREAMS}
