"""JWT bearer tokens: issued with HS256 here, or by an OIDC issuer and checked via its JWKS.

A verifier remembers the last ``ACCEPTED_TOKENS`` distinct tokens it accepted, so a client
sending the same token request after request costs one signature check, not one each
(~0.1 ms for HS256, more for RS256). A remembered token is checked against the verifier's
clock on every use and refused once expired (the same leeway as a fresh check); one accepted
with an issuer's key set (JWKS) is checked afresh after ``KEY_SET_TTL`` at most, so a key
the issuer withdrew stops being accepted within that time.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient

from shared.clock import Clock, SystemClock
from shared.lru import Lru
from shared.settings import CommonSettings

LEEWAY = timedelta(seconds=30)
ACCEPTED_TOKENS = 1024  # distinct tokens remembered once accepted
KEY_SET_TTL = timedelta(minutes=5)  # a token accepted with a key set is checked afresh after this
REQUIRED_CLAIMS = ["exp", "iat", "sub"]
HMAC = "HS256"


class InvalidToken(Exception):
    """The bearer token cannot be accepted; ``reason`` says why, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(InvalidToken):
    """The identity provider's key set could not be fetched (not the caller's fault)."""


class TokenIssuer:
    """Issues HS256 tokens for the directory's users (development, CLI, tests)."""

    def __init__(self, secret: str, issuer: str, audience: str, ttl: timedelta) -> None:
        if ttl <= timedelta(0):
            raise ValueError("token lifetime must be positive")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl

    @classmethod
    def from_settings(cls, settings: CommonSettings, ttl: timedelta | None = None) -> TokenIssuer:
        lifetime = ttl if ttl is not None else timedelta(minutes=settings.token_ttl_minutes)
        return cls(settings.jwt_secret, settings.jwt_issuer, settings.jwt_audience, lifetime)

    def issue(self, username: str, now: datetime) -> str:
        if now.tzinfo is None:
            raise ValueError("issue() needs a timezone-aware time")
        claims = {
            "sub": username,
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=HMAC)


@dataclass(frozen=True)
class _Accepted:
    claims: dict[str, Any]
    expires: datetime  # exp plus the leeway: refused from then on
    recheck: datetime | None  # (key sets) checked afresh from then on


class TokenVerifier:
    """Checks signature, issuer, audience and lifetime; returns the claims.

    ``clock`` is the wall clock by default: PyJWT checks a fresh token's lifetime against
    the wall clock, and a remembered one must not outlive what a fresh check would accept
    (a service's own clock may be a simulated one, moved days ahead by tests)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: list[str],
        secret: str | None = None,
        jwks_client: PyJWKClient | None = None,
        leeway: timedelta = LEEWAY,
        clock: Clock | None = None,
        remembered: int = ACCEPTED_TOKENS,
    ) -> None:
        if (secret is None) == (jwks_client is None):
            raise ValueError("give exactly one of secret and jwks_client")
        if not algorithms:
            raise ValueError("at least one algorithm is needed")
        if jwks_client is not None and any(a.upper().startswith("HS") for a in algorithms):
            raise ValueError("HMAC algorithms cannot be used with a JWKS key set")
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        self._secret = secret
        self._jwks = jwks_client
        self._leeway = leeway
        self._clock = clock or SystemClock()
        self._accepted: Lru[str, _Accepted] = Lru(remembered)
        self._lock = threading.Lock()  # JWKS verifiers run in the thread pool

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> TokenVerifier:
        """HS256 with ``jwt_secret``, or the OIDC issuer's keys when ``jwt_jwks_url`` is set."""
        common = {"issuer": settings.jwt_issuer, "audience": settings.jwt_audience}
        if settings.jwt_jwks_url:
            # the key set is cached for 5 minutes (PyJWT's default lifespan); not each key without
            # an end (cache_keys), which would accept a withdrawn key until the service restarts
            client = PyJWKClient(settings.jwt_jwks_url, cache_keys=False, timeout=10)
            return cls(**common, algorithms=settings.jwt_algorithms, jwks_client=client)
        return cls(**common, algorithms=[HMAC], secret=settings.jwt_secret)

    @property
    def fetches_keys(self) -> bool:
        """Whether ``verify`` may fetch the key set over the network (then it blocks)."""
        return self._jwks is not None

    def verify(self, token: str) -> dict[str, Any]:
        if not token:
            raise InvalidToken("missing token")
        now = self._clock.now()
        with self._lock:
            known = self._accepted.get(token)
        if known is not None:
            if now >= known.expires:  # never accepted from memory once expired (and refused until forgotten)
                raise InvalidToken("token expired")
            if known.recheck is None or now < known.recheck:
                return dict(known.claims)
        claims = self._decode(token)  # new, or its key set's time is up: checked afresh
        accepted = _Accepted(claims, datetime.fromtimestamp(float(claims["exp"]), now.tzinfo) + self._leeway,
                             None if self._jwks is None else now + KEY_SET_TTL)
        with self._lock:
            self._accepted.put(token, accepted)
        return dict(claims)

    def _decode(self, token: str) -> dict[str, Any]:
        key = self._signing_key(token)
        try:
            return jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(_reason(exc)) from None

    def _signing_key(self, token: str) -> str | PyJWK:
        if self._jwks is None:
            assert self._secret is not None
            return self._secret
        try:
            return self._jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise KeysUnavailable("signing keys unavailable") from None
        except jwt.DecodeError:
            raise InvalidToken("malformed token") from None
        except jwt.PyJWTError:
            raise InvalidToken("unknown signing key") from None


def _reason(exc: jwt.PyJWTError) -> str:
    match exc:
        case jwt.ExpiredSignatureError():
            return "token expired"
        case jwt.ImmatureSignatureError():
            return "token not yet valid"
        case jwt.InvalidAudienceError():
            return "wrong audience"
        case jwt.InvalidIssuerError():
            return "wrong issuer"
        case jwt.MissingRequiredClaimError():
            return f"missing claim: {exc.claim}"
        case jwt.InvalidAlgorithmError():
            return "algorithm not allowed"
        case jwt.InvalidSignatureError():
            return "bad signature"
        case jwt.DecodeError():
            return "malformed token"
        case jwt.InvalidIssuedAtError():
            return "bad issued-at claim"
        case _:
            return "invalid token"
