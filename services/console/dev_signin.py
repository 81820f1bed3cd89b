"""Development sign-in (outside production only): the demo org's users, and a token for one of
them issued as `duban token` issues it (shared.identity.TokenIssuer, the services' JWT settings).
In production people sign in with the city's OIDC provider (services/console/oidc.py) and these
routes do not exist."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from services.console.user_view import user_view
from shared.clock import Clock
from shared.identity import OrgDirectory
from shared.identity.directory import USERNAME
from shared.identity.tokens import TokenIssuer


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100, pattern=USERNAME)


def dev_signin_router(directory: OrgDirectory, issuer: TokenIssuer, clock: Clock) -> APIRouter:
    router = APIRouter(prefix="/dev", tags=["development sign-in"])

    @router.get("/users")
    async def users() -> dict[str, Any]:
        """The organisation's users to sign in as (development only)."""
        found = [user_view(directory, user.username) for user in directory.users]
        return {"items": found, "total": len(found)}

    @router.post("/token")
    async def token(body: TokenRequest) -> dict[str, Any]:
        """A bearer token for ``username`` (development only), with who that is."""
        if directory.user(body.username) is None:
            raise HTTPException(404, f"没有这个用户 (no user {body.username!r})")
        return {"token": issuer.issue(body.username, now=clock.now()), "token_type": "bearer",
                "user": user_view(directory, body.username)}

    return router
