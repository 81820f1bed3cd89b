"""A tiny OpenID Connect provider for tests: authorization code with PKCE (S256) only.

It runs in a thread of the test process (uvicorn on a free port of 127.0.0.1), with an RSA key
made when it starts. ``/authorize`` signs in the configured test user at once (no login page)
and redirects back to the client's registered redirect URI with a code and the state;
``/token`` hands out an RS256 access token (``iss`` the provider's URL, ``aud`` the audience
the services expect, ``sub`` the username) only for that code, that client, that redirect URI
and the code verifier whose SHA-256 is the challenge given at /authorize, and answers the
registered client's origin with CORS headers, as a provider must for a browser application."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from jwt.algorithms import RSAAlgorithm

CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256, unpadded
TOKEN_TTL = timedelta(minutes=10)


def s256(verifier: str) -> str:
    """RFC 7636 4.2: BASE64URL(SHA256(ASCII(code_verifier)))."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass(frozen=True)
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    subject: str
    scope: str


@dataclass
class Client:
    redirect_uris: set[str] = field(default_factory=set)

    @property
    def origins(self) -> set[str]:
        return {f"{urlsplit(uri).scheme}://{urlsplit(uri).netloc}" for uri in self.redirect_uris}


class OidcProvider:
    """``with OidcProvider(subject="zjj-liaison") as provider:`` … ``provider.issuer`` is its URL,
    ``provider.register(client_id, redirect_uri)`` registers a client (a public one: PKCE)."""

    def __init__(self, *, subject: str, audience: str = "duban") -> None:
        self.subject = subject  # who signs in at /authorize
        self.audience = audience
        self.kid = uuid.uuid4().hex[:16]
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.clients: dict[str, Client] = {}
        self.token_requests: list[dict[str, str]] = []  # the forms /token was given, in order
        self.refused: list[str] = []  # why /token refused, in order
        self.logouts: list[dict[str, str]] = []  # what /logout was asked, in order
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)  # connections made before the server runs wait here
        self.issuer = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(self._app(), log_level="warning", log_config=None))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> OidcProvider:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def register(self, client_id: str, redirect_uri: str) -> None:
        self.clients.setdefault(client_id, Client()).redirect_uris.add(redirect_uri)

    def access_token(self, subject: str, *, audience: str | None = None, ttl: timedelta = TOKEN_TTL) -> str:
        """An access token as /token issues it (for tests that need one without the browser)."""
        now = datetime.now(UTC)
        claims = {"iss": self.issuer, "aud": audience or self.audience, "sub": subject, "iat": now, "nbf": now,
                  "exp": now + ttl, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def _app(self) -> FastAPI:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": self.jwks_url,
                    "end_session_endpoint": f"{self.issuer}/logout",
                    "response_types_supported": ["code"], "grant_types_supported": ["authorization_code"],
                    "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["none"]}

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            key = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
            return {"keys": [{**key, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

        @app.get("/authorize")
        async def authorize(request: Request) -> Response:
            asked = request.query_params
            client = self.clients.get(asked.get("client_id", ""))
            redirect_uri = asked.get("redirect_uri", "")
            if client is None or redirect_uri not in client.redirect_uris:  # never redirect to an unknown place
                return PlainTextResponse("unknown client or redirect_uri", status_code=400)
            back: dict[str, str] = {"state": asked["state"]} if "state" in asked else {}
            error = _authorize_error(asked)
            if error:
                return RedirectResponse(f"{redirect_uri}?{urlencode({'error': error, **back})}", status_code=302)
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._grants[code] = Grant(asked["client_id"], redirect_uri, asked["code_challenge"], self.subject,
                                           asked.get("scope", ""))
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, **back})}", status_code=302)

        @app.get("/logout")
        async def logout(request: Request) -> Response:
            """RP-initiated logout: back to a page of the client's own origin, never elsewhere."""
            asked = dict(request.query_params)
            self.logouts.append(asked)
            client = self.clients.get(asked.get("client_id", ""))
            back = asked.get("post_logout_redirect_uri", "")
            if client is None or f"{urlsplit(back).scheme}://{urlsplit(back).netloc}" not in client.origins:
                return PlainTextResponse("signed out", status_code=200)
            return RedirectResponse(back, status_code=302)

        @app.options("/token")
        async def preflight(request: Request) -> Response:
            return Response(status_code=204, headers={**self._cors(request), "Access-Control-Allow-Methods": "POST",
                                                      "Access-Control-Allow-Headers": "Content-Type"})

        @app.post("/token")
        async def token(request: Request) -> Response:
            form = await request.form()
            asked = {name: str(value) for name, value in form.items()}
            self.token_requests.append(asked)
            with self._lock:
                grant = self._grants.pop(asked.get("code", ""), None)  # a code is good once
            reason = _token_refusal(asked, grant)
            headers = {**self._cors(request), "Cache-Control": "no-store"}
            if reason is not None:
                self.refused.append(reason)
                error = "unsupported_grant_type" if reason.startswith("grant_type") else "invalid_grant"
                return JSONResponse({"error": error, "error_description": reason}, status_code=400, headers=headers)
            assert grant is not None
            return JSONResponse({"access_token": self.access_token(grant.subject), "token_type": "Bearer",
                                 "expires_in": int(TOKEN_TTL.total_seconds()), "scope": grant.scope},
                                headers=headers)

        return app

    def _cors(self, request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        allowed = set().union(*(client.origins for client in self.clients.values()))
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin in allowed else {"Vary": "Origin"}


def _authorize_error(asked: Any) -> str | None:
    if asked.get("response_type") != "code":
        return "unsupported_response_type"
    if asked.get("code_challenge_method") != "S256" or not CHALLENGE.match(asked.get("code_challenge", "")):
        return "invalid_request"
    if "openid" not in asked.get("scope", "").split():
        return "invalid_scope"
    return None


def _token_refusal(asked: dict[str, str], grant: Grant | None) -> str | None:
    if asked.get("grant_type") != "authorization_code":
        return "grant_type must be authorization_code"
    if grant is None:
        return "unknown or used code"
    if asked.get("client_id") != grant.client_id:
        return "client_id differs from the authorization request's"
    if asked.get("redirect_uri") != grant.redirect_uri:
        return "redirect_uri differs from the authorization request's"
    if s256(asked.get("code_verifier", "")) != grant.challenge:
        return "code_verifier does not match the code_challenge"
    return None
