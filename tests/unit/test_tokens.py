"""Bearer tokens, the FastAPI principal dependency, JWKS verification and `duban token`."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from services.cli import main
from shared.clock import SettableClock, SystemClock
from shared.identity import (
    Authenticator,
    InvalidToken,
    KeysUnavailable,
    Principal,
    PrincipalDep,
    Role,
    TokenIssuer,
    TokenVerifier,
    load_directory,
    require_roles,
)
from shared.identity.tokens import KEY_SET_TTL, LEEWAY
from shared.settings import DEV_JWT_SECRET, CommonSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "org.example.yaml"
SECRET = "unit-test-secret-0123456789abcdefghij"
OTHER_SECRET = "another-secret-0123456789abcdefghijkl"
ISSUER, AUDIENCE = "duban-test", "duban-api"


def settings(**overrides) -> CommonSettings:
    values = {"jwt_secret": SECRET, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, "jwt_jwks_url": None}
    return CommonSettings(**(values | overrides))


def issuer(secret: str = SECRET, audience: str = AUDIENCE, iss: str = ISSUER, hours: float = 12) -> TokenIssuer:
    return TokenIssuer(secret, iss, audience, timedelta(hours=hours))


def now():
    return SystemClock().now()


@pytest.fixture(scope="module")
def verifier() -> TokenVerifier:
    return TokenVerifier.from_settings(settings())


# --- issue and verify -----------------------------------------------------------------


def test_round_trip_carries_the_standard_claims(verifier) -> None:
    at = now()
    claims = verifier.verify(issuer(hours=2).issue("office", at))
    assert claims["sub"] == "office"
    assert (claims["iss"], claims["aud"]) == (ISSUER, AUDIENCE)
    assert claims["exp"] - claims["iat"] == 2 * 3600
    assert claims["nbf"] == claims["iat"] == int(at.timestamp())
    assert len(claims["jti"]) == 32


def test_each_token_has_its_own_jti(verifier) -> None:
    at = now()
    first, second = (verifier.verify(issuer().issue("office", at))["jti"] for _ in range(2))
    assert first != second


def test_issue_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        issuer().issue("office", now().replace(tzinfo=None))


def test_leeway_accepts_a_token_just_expired_and_rejects_an_older_one(verifier) -> None:
    minute = issuer(hours=1 / 60)
    assert verifier.verify(minute.issue("office", now() - timedelta(seconds=70)))["sub"] == "office"
    with pytest.raises(InvalidToken, match="token expired"):
        verifier.verify(minute.issue("office", now() - timedelta(seconds=120)))


def claims_without(name: str) -> dict:
    at = int(now().timestamp())
    claims = {"sub": "office", "iat": at, "exp": at + 600, "iss": ISSUER, "aud": AUDIENCE}
    del claims[name]
    return claims


BAD_TOKENS = {
    "expired": (lambda: issuer().issue("office", now() - timedelta(days=2)), "token expired"),
    "not yet valid": (lambda: issuer().issue("office", now() + timedelta(hours=1)), "token not yet valid"),
    "other secret": (lambda: issuer(secret=OTHER_SECRET).issue("office", now()), "bad signature"),
    "wrong audience": (lambda: issuer(audience="elsewhere").issue("office", now()), "wrong audience"),
    "wrong issuer": (lambda: issuer(iss="someone-else").issue("office", now()), "wrong issuer"),
    "no exp": (lambda: jwt.encode(claims_without("exp"), SECRET, algorithm="HS256"), "missing claim: exp"),
    "no iat": (lambda: jwt.encode(claims_without("iat"), SECRET, algorithm="HS256"), "missing claim: iat"),
    "no sub": (lambda: jwt.encode(claims_without("sub"), SECRET, algorithm="HS256"), "missing claim: sub"),
    "alg none": (lambda: jwt.encode(claims_without("aud"), None, algorithm="none"), "algorithm not allowed"),
    "garbage": (lambda: "not-a-jwt", "malformed token"),
    "empty": (lambda: "", "missing token"),
}


@pytest.mark.parametrize("make, reason", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_tokens_are_rejected_with_a_reason(verifier, make, reason) -> None:
    with pytest.raises(InvalidToken) as caught:
        verifier.verify(make())
    assert caught.value.reason == reason


# --- the FastAPI dependency -----------------------------------------------------------


def make_app(authenticator: Authenticator) -> FastAPI:
    app = FastAPI()
    app.state.authenticator = authenticator

    @app.get("/me")
    def me(principal: PrincipalDep) -> dict:
        return {"username": principal.username, "unit": principal.unit, "roles": sorted(principal.roles)}

    @app.get("/office")
    def office(principal: Annotated[Principal, Depends(require_roles(Role.office, Role.admin))]) -> dict:
        return {"username": principal.username}

    return app


@pytest.fixture(scope="module")
def client(verifier) -> Iterator[TestClient]:
    with TestClient(make_app(Authenticator(verifier, load_directory(EXAMPLE)))) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_good_token_gives_the_principal_from_the_directory(client) -> None:
    response = client.get("/me", headers=bearer(issuer().issue("tiedong-liaison", now())))
    assert response.status_code == 200
    assert response.json() == {"username": "tiedong-liaison", "unit": "tiedong", "roles": ["liaison"]}


UNAUTHORISED = {
    "missing header": ({}, "missing bearer token"),
    "basic scheme": ({"Authorization": "Basic b2ZmaWNlOnB3"}, "authorization scheme must be Bearer"),
    "bearer without token": ({"Authorization": "Bearer "}, "missing bearer token"),
    "malformed": (bearer("abc.def"), "malformed token"),
    "expired": (bearer(issuer().issue("office", now() - timedelta(days=2))), "token expired"),
    "other secret": (bearer(issuer(secret=OTHER_SECRET).issue("office", now())), "bad signature"),
    "wrong audience": (bearer(issuer(audience="elsewhere").issue("office", now())), "wrong audience"),
    "unknown user": (bearer(issuer().issue("nobody", now())), "unknown user"),
}


@pytest.mark.parametrize("headers, detail", UNAUTHORISED.values(), ids=UNAUTHORISED.keys())
def test_unauthorised_requests_get_401_with_a_challenge(client, headers, detail) -> None:
    response = client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_roles_in_the_token_are_ignored(client) -> None:
    at = int(now().timestamp())
    claims = {"sub": "tiedong-head", "iat": at, "exp": at + 600, "iss": ISSUER, "aud": AUDIENCE, "roles": ["office"]}
    response = client.get("/office", headers=bearer(jwt.encode(claims, SECRET, algorithm="HS256")))
    assert response.status_code == 403


def test_require_roles_forbids_other_roles(client) -> None:
    response = client.get("/office", headers=bearer(issuer().issue("mayor", now())))
    assert response.status_code == 403
    assert response.json() == {"detail": "requires one of the roles: office, admin"}


@pytest.mark.parametrize("username", ["office", "admin"])
def test_require_roles_lets_the_roles_through(client, username) -> None:
    response = client.get("/office", headers=bearer(issuer().issue(username, now())))
    assert response.status_code == 200
    assert response.json() == {"username": username}


# --- JWKS (an OIDC issuer's keys) -----------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(rsa_key) -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    body = json.dumps({"keys": [jwk | {"kid": "key-1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def oidc_token(key, kid: str = "key-1", algorithm: str = "RS256", sub: str = "tiexi-head") -> str:
    at = int(now().timestamp())
    claims = {"sub": sub, "iat": at, "exp": at + 300, "iss": "https://sso.example.gov.cn", "aud": AUDIENCE}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture(scope="module")
def jwks_verifier(jwks_url) -> TokenVerifier:
    oidc = settings(jwt_jwks_url=jwks_url, jwt_algorithms=["RS256"], jwt_issuer="https://sso.example.gov.cn")
    return TokenVerifier.from_settings(oidc)


def test_jwks_verifies_an_rs256_token(jwks_verifier, rsa_key) -> None:
    assert jwks_verifier.verify(oidc_token(rsa_key))["sub"] == "tiexi-head"


def test_jwks_principal_over_http(jwks_verifier, rsa_key) -> None:
    app = make_app(Authenticator(jwks_verifier, load_directory(EXAMPLE)))
    with TestClient(app) as oidc_client:
        response = oidc_client.get("/me", headers=bearer(oidc_token(rsa_key)))
    assert response.status_code == 200
    assert response.json()["unit"] == "tiexi"


def test_jwks_rejects_another_key_an_unknown_kid_and_hmac_confusion(jwks_verifier, rsa_key) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(InvalidToken, match="bad signature"):
        jwks_verifier.verify(oidc_token(stranger))
    with pytest.raises(InvalidToken, match="unknown signing key"):
        jwks_verifier.verify(oidc_token(rsa_key, kid="key-2"))
    with pytest.raises(InvalidToken, match="algorithm not allowed"):
        jwks_verifier.verify(oidc_token(SECRET, algorithm="HS256"))


def test_an_unreachable_jwks_endpoint_is_reported_as_unavailable() -> None:
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound_not_listening.getsockname()[1]}/jwks.json"
        verifier = TokenVerifier.from_settings(settings(jwt_jwks_url=url, jwt_algorithms=["RS256"]))
        with pytest.raises(KeysUnavailable):
            verifier.verify(oidc_token(SECRET, algorithm="HS256"))
        with TestClient(make_app(Authenticator(verifier, load_directory(EXAMPLE)))) as oidc_client:
            response = oidc_client.get("/me", headers=bearer(oidc_token(SECRET, algorithm="HS256")))
    assert response.status_code == 503
    assert response.json() == {"detail": "signing keys unavailable"}


def test_jwks_mode_refuses_hmac_algorithms() -> None:
    with pytest.raises(ValueError, match="HMAC"):
        TokenVerifier.from_settings(settings(jwt_jwks_url="http://127.0.0.1:9/jwks", jwt_algorithms=["HS256"]))


# --- the tokens a verifier remembers ------------------------------------------------------


class KeySet:
    """An issuer's key set the test changes: the signing key of each known kid; counts lookups."""

    def __init__(self, keys: dict[str, rsa.RSAPrivateKey]) -> None:
        self.keys, self.lookups = keys, 0

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        self.lookups += 1
        kid = jwt.get_unverified_header(token)["kid"]
        if kid not in self.keys:
            raise jwt.PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return jwt.PyJWK(json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key())), "RS256")


def sso_token(key, at, *, kid: str = "key-1", hours: float = 1, sub: str = "tiexi-head") -> str:
    claims = {"sub": sub, "iat": at, "exp": at + timedelta(hours=hours), "iss": "https://sso", "aud": AUDIENCE}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def key_set_verifier(keys: KeySet, clock: SettableClock, remembered: int = 1024) -> TokenVerifier:
    return TokenVerifier(issuer="https://sso", audience=AUDIENCE, algorithms=["RS256"], jwks_client=keys,
                         clock=clock, remembered=remembered)


def test_a_remembered_token_is_refused_once_past_its_expiry_by_the_injected_clock() -> None:
    clock = SettableClock(now())
    hmac = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, algorithms=["HS256"], secret=SECRET, clock=clock)
    token = issuer(hours=1).issue("office", clock.now())
    assert hmac.verify(token)["sub"] == "office"
    clock.advance(timedelta(hours=1) + LEEWAY - timedelta(seconds=1))  # within the leeway, as a fresh check
    assert hmac.verify(token)["sub"] == "office"
    clock.advance(timedelta(seconds=1))
    for _ in range(2):
        with pytest.raises(InvalidToken, match="token expired"):
            hmac.verify(token)


def test_a_token_accepted_with_a_key_set_is_remembered_for_five_minutes_then_the_key_set_decides(rsa_key) -> None:
    clock, keys = SettableClock(now()), KeySet({"key-1": rsa_key})
    verifier = key_set_verifier(keys, clock)
    token = sso_token(rsa_key, clock.now())
    assert verifier.verify(token)["sub"] == "tiexi-head" and keys.lookups == 1
    del keys.keys["key-1"]  # the issuer withdraws the key
    clock.advance(KEY_SET_TTL - timedelta(seconds=1))
    assert verifier.verify(token)["sub"] == "tiexi-head" and keys.lookups == 1  # remembered
    clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidToken, match="unknown signing key"):
        verifier.verify(token)
    with pytest.raises(InvalidToken, match="unknown signing key"):  # and not remembered as accepted again
        verifier.verify(token)
    assert keys.lookups == 3
    keys.keys["key-1"] = rsa_key  # back (a rotation undone): accepted, and remembered again
    assert verifier.verify(token)["sub"] == "tiexi-head" and verifier.verify(token) and keys.lookups == 4


def test_a_verifier_remembers_the_last_distinct_tokens_it_accepted_and_refused_ones_never(rsa_key) -> None:
    clock, keys = SettableClock(now()), KeySet({"key-1": rsa_key})
    verifier = key_set_verifier(keys, clock, remembered=3)
    tokens = [sso_token(rsa_key, clock.now(), sub=user) for user in ("office", "leader", "zjj-liaison", "tiexi-head")]
    for token in tokens:
        verifier.verify(token)
    assert keys.lookups == 4
    assert [verifier.verify(t)["sub"] for t in tokens[1:]] == ["leader", "zjj-liaison", "tiexi-head"]
    assert keys.lookups == 4  # the last three are remembered
    assert verifier.verify(tokens[0])["sub"] == "office" and keys.lookups == 5  # the first was forgotten
    stranger = sso_token(rsa.generate_private_key(public_exponent=65537, key_size=2048), clock.now())
    for _ in range(2):
        with pytest.raises(InvalidToken, match="bad signature"):
            verifier.verify(stranger)
    assert keys.lookups == 7


# --- duban token ----------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch) -> None:
    monkeypatch.setenv("DUBAN_ORG_FILE", str(EXAMPLE))
    monkeypatch.setenv("DUBAN_JWT_SECRET", SECRET)
    monkeypatch.delenv("DUBAN_JWT_JWKS_URL", raising=False)


def test_cli_prints_one_token_that_verifies(cli_env, capsys) -> None:
    assert main(["token", "--user", "office", "--ttl-minutes", "5"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 1
    claims = TokenVerifier.from_settings(CommonSettings()).verify(lines[0])
    assert claims["sub"] == "office"
    assert claims["exp"] - claims["iat"] == 300
    assert err == ""


def test_cli_warns_on_stderr_about_the_dev_secret(cli_env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DUBAN_JWT_SECRET", DEV_JWT_SECRET)
    assert main(["token", "--user", "leader"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1 and out.count(".") == 2
    assert "development secret" in err


def test_cli_unknown_user_exits_2(cli_env, capsys) -> None:
    assert main(["token", "--user", "nobody"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "nobody" in err


def test_cli_lists_the_users(cli_env, capsys) -> None:
    assert main(["token", "--list"]) == 0
    out = capsys.readouterr().out
    usernames = {line.split()[0] for line in out.splitlines()[1:]}
    assert usernames == {user.username for user in load_directory(EXAMPLE).users}
    assert "孙雪梅" in out and "tiedong 铁东区" in out
