"""FastAPI edge of identity: bearer header -> ``Principal``.

A service wires it once: ``app.state.authenticator = Authenticator(verifier, directory)``;
routes then take ``principal: PrincipalDep`` or ``Depends(require_roles(Role.office))``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from shared.identity.directory import OrgDirectory, Role
from shared.identity.principal import Principal
from shared.identity.tokens import InvalidToken, KeysUnavailable, TokenVerifier

CHALLENGE = {"WWW-Authenticate": "Bearer"}


class Authenticator:
    """Verifies the token, then looks the subject up in the directory."""

    def __init__(self, verifier: TokenVerifier, directory: OrgDirectory) -> None:
        self.verifier = verifier
        self.directory = directory

    def authenticate(self, authorization_header: str | None) -> Principal:
        token = _bearer_token(authorization_header)
        claims = self.verifier.verify(token)
        subject = claims.get("sub")
        user = self.directory.user(subject) if isinstance(subject, str) else None
        if user is None:
            raise InvalidToken("unknown user")
        return Principal.from_user(user)


def _bearer_token(header: str | None) -> str:
    if header is None or not header.strip():
        raise InvalidToken("missing bearer token")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidToken("authorization scheme must be Bearer")
    token = token.strip()
    if not token:
        raise InvalidToken("missing bearer token")
    return token


BEARER = HTTPBearer(auto_error=False, description="A JWT whose subject is a user of the organisation file")


async def current_principal(
        request: Request, _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None) -> Principal:
    """FastAPI dependency: the caller, or 401 (503 when the key set cannot be fetched).

    ``_scheme`` only declares the bearer scheme in the OpenAPI; the header is read here.
    Checking an HS256 token takes microseconds and is done on the event loop (a plain ``def``
    dependency would cost every request a trip through the thread pool); only a verifier that
    may fetch an issuer's key set over the network runs in the thread pool."""
    authenticator: Authenticator = request.app.state.authenticator
    header = request.headers.get("Authorization")
    try:
        if authenticator.verifier.fetches_keys:
            return await run_in_threadpool(authenticator.authenticate, header)
        return authenticator.authenticate(header)
    except KeysUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=exc.reason) from None
    except InvalidToken as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=exc.reason, headers=CHALLENGE) from None


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through principals holding any of ``roles``, else 403."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    needed = ", ".join(str(role) for role in roles)

    async def dependency(principal: PrincipalDep) -> Principal:  # async: no trip through the thread pool
        if not principal.has_role(*roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"requires one of the roles: {needed}")
        return principal

    return dependency
