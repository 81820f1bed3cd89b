"""Production sign-in through the city's OIDC provider: authorization code with PKCE, done by the
web application in the browser (console/src/oidc.ts). The console server says where the provider
is (``GET /auth/config``, anonymous, nothing secret) and who a token's subject is in the
organisation directory (``GET /auth/me``, the token checked as the services check it)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from services.console.config import ConsoleSettings
from services.console.user_view import user_view
from shared.identity import InvalidToken, KeysUnavailable, OrgDirectory, TokenVerifier
from shared.identity.http import BEARER, CHALLENGE

log = logging.getLogger("duban.console.oidc")

REDIRECT_PATH = "/auth/callback"  # the SPA's route: register https://<console>/auth/callback at the provider
DISCOVERY = "/.well-known/openid-configuration"
DISCOVERY_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Endpoints:
    authorization_endpoint: str
    token_endpoint: str
    end_session_endpoint: str | None = None  # RP-initiated logout, where the provider has it


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be had, or does not fit (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Provider:
    """The provider's endpoints: as configured, or from its discovery document, fetched when first
    asked and kept for the life of the process (a failed fetch is tried again on the next ask)."""

    def __init__(self, settings: ConsoleSettings, client: httpx.AsyncClient) -> None:
        self._issuer = (settings.oidc_issuer_url or "").rstrip("/")
        self._client = client
        self._endpoints: Endpoints | None = None
        if settings.oidc_authorization_endpoint and settings.oidc_token_endpoint:
            self._endpoints = Endpoints(settings.oidc_authorization_endpoint, settings.oidc_token_endpoint,
                                        settings.oidc_end_session_endpoint)
        self._end_session = settings.oidc_end_session_endpoint
        self._lock = asyncio.Lock()

    async def endpoints(self) -> Endpoints:
        if self._endpoints is None:
            async with self._lock:
                if self._endpoints is None:
                    self._endpoints = await self._discover()
        return self._endpoints

    async def _discover(self) -> Endpoints:
        url = self._issuer + DISCOVERY
        try:
            answer = await self._client.get(url, headers={"Accept": "application/json"}, timeout=DISCOVERY_TIMEOUT_SECONDS)
            answer.raise_for_status()
            document = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("OIDC discovery failed", extra={"url": url, "error": str(error)})
            raise ProviderUnavailable(f"discovery failed: {url}") from None
        if not isinstance(document, dict):
            raise ProviderUnavailable(f"discovery document is not an object: {url}")
        if str(document.get("issuer", "")).rstrip("/") != self._issuer:  # OpenID Connect Discovery 1.0, 4.3
            raise ProviderUnavailable(f"discovery names issuer {document.get('issuer')!r}, not {self._issuer!r}")
        authorization, token = document.get("authorization_endpoint"), document.get("token_endpoint")
        if not (isinstance(authorization, str) and isinstance(token, str) and authorization and token):
            raise ProviderUnavailable("discovery document lacks authorization_endpoint or token_endpoint")
        methods = document.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise ProviderUnavailable("the provider does not support PKCE with S256")
        end_session = document.get("end_session_endpoint")
        return Endpoints(authorization, token,
                         self._end_session or (end_session if isinstance(end_session, str) and end_session else None))


def oidc_router(settings: ConsoleSettings, client: httpx.AsyncClient, verifier: TokenVerifier,
                directory: OrgDirectory) -> APIRouter:
    router = APIRouter(prefix="/auth", tags=["sign-in"])
    provider = Provider(settings, client) if settings.oidc_configured else None

    @router.get("/config")
    async def config() -> dict[str, Any]:
        """Where the web application sends people to sign in (anonymous; nothing secret)."""
        if provider is None:
            return {"configured": False}
        try:
            endpoints = await provider.endpoints()
        except ProviderUnavailable as error:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                                f"统一身份认证服务暂时无法访问 ({error.reason})") from None
        return {"configured": True, "authorization_endpoint": endpoints.authorization_endpoint,
                "token_endpoint": endpoints.token_endpoint,
                "end_session_endpoint": endpoints.end_session_endpoint, "client_id": settings.oidc_client_id,
                "scope": settings.oidc_scope, "redirect_path": REDIRECT_PATH}

    @router.get("/me")
    async def me(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> dict[str, Any]:
        """Who the bearer token's subject is in the organisation directory (the token checked as
        the services check it): 401 for a token they would refuse, 403 for a subject not in it."""
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token", headers=CHALLENGE)
        try:
            if verifier.fetches_keys:
                claims = await run_in_threadpool(verifier.verify, credentials.credentials)
            else:
                claims = verifier.verify(credentials.credentials)
        except KeysUnavailable as error:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, error.reason) from None
        except InvalidToken as error:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, error.reason, headers=CHALLENGE) from None
        subject = claims["sub"]
        if not isinstance(subject, str) or directory.user(subject) is None:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"用户不在本平台的组织名录中 (subject {subject!r} is not in the organisation directory)")
        return user_view(directory, subject)

    return router


def oidc_production_problems(settings: ConsoleSettings) -> list[str]:
    """What production refuses in the OIDC settings: a provider reached over plain HTTP (the
    code and the token would cross it), and a provider whose tokens the services would check
    against the shared secret (no DUBAN_JWT_JWKS_URL)."""
    if not settings.oidc_configured:
        return []
    problems = []
    for name in ("oidc_issuer_url", "oidc_authorization_endpoint", "oidc_token_endpoint", "oidc_end_session_endpoint"):
        value = getattr(settings, name)
        if value and not value.startswith("https://"):
            problems.append(f"DUBAN_CONSOLE_{name.upper()} is not https: {value}")
    if not settings.jwt_jwks_url:
        problems.append("OIDC sign-in is configured but DUBAN_JWT_JWKS_URL is not: set it (and "
                        "DUBAN_JWT_ISSUER, DUBAN_JWT_AUDIENCE, DUBAN_JWT_ALGORITHMS) as on the services")
    return problems
