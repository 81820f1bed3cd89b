"""The console server's production sign-in: ``/auth/config`` says where the OIDC provider is
(from its discovery document, or as configured; nothing secret), ``/auth/me`` says who a token's
subject is, the token checked as the services check it (the provider's key set); production
refuses OIDC over plain HTTP, OIDC without the key set, and the demo organisation."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import ValidationError

from services.console.app import create_app
from services.console.config import ConsoleSettings
from shared.production import UnsafeSettings
from tests.integration.test_console_server import client_for, settings
from tests.support.oidc_provider import OidcProvider, s256
from tests.support.services import REPO

CLIENT_ID = "duban-console"
CALLBACK = "http://console.test/auth/callback"
CITY_ORG = REPO / "tests" / "fixtures" / "org" / "city.yaml"  # the demo city under a production name
HTTPS_PROVIDER = {"oidc_authorization_endpoint": "https://sso.example.gov.cn/auth",
                  "oidc_token_endpoint": "https://sso.example.gov.cn/token", "oidc_client_id": CLIENT_ID}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(subject="zjj-liaison") as running:
        running.register(CLIENT_ID, CALLBACK)
        yield running


def with_provider(tmp_path: Path, provider: OidcProvider, **overrides: object) -> ConsoleSettings:
    """The console and, as the services would have them, the provider's key set, issuer and audience."""
    return settings(tmp_path, oidc_issuer_url=provider.issuer, oidc_client_id=CLIENT_ID,
                    jwt_jwks_url=provider.jwks_url, jwt_algorithms=["RS256"], jwt_issuer=provider.issuer,
                    jwt_audience="duban", **overrides)


def authorization_code(provider: OidcProvider, verifier: str, redirect_uri: str = CALLBACK) -> str:
    """What the browser does at /authorize: the code the provider sends back."""
    answer = httpx.get(f"{provider.issuer}/authorize", params={
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri, "scope": "openid",
        "state": "s-1", "code_challenge": s256(verifier), "code_challenge_method": "S256"})
    assert answer.status_code == 302, answer.text
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["state"] == ["s-1"]
    return back["code"][0]


def exchange(provider: OidcProvider, code: str, verifier: str, redirect_uri: str = CALLBACK) -> httpx.Response:
    return httpx.post(f"{provider.issuer}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": CLIENT_ID,
        "code_verifier": verifier}, headers={"Origin": "http://console.test"})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_without_a_provider_the_config_says_so(tmp_path: Path) -> None:
    async with await client_for(create_app(settings(tmp_path))) as client:
        answer = await client.get("/auth/config")
    assert answer.status_code == 200 and answer.json() == {"configured": False}


async def test_the_config_comes_from_the_providers_discovery_document(tmp_path: Path, provider: OidcProvider) -> None:
    app = create_app(with_provider(tmp_path, provider, oidc_scope="openid profile"))
    async with await client_for(app) as client:
        answer = await client.get("/auth/config")  # anonymous
    assert answer.status_code == 200
    assert answer.json() == {"configured": True, "authorization_endpoint": f"{provider.issuer}/authorize",
                             "token_endpoint": f"{provider.issuer}/token",
                             "end_session_endpoint": f"{provider.issuer}/logout", "client_id": CLIENT_ID,
                             "scope": "openid profile", "redirect_path": "/auth/callback"}


async def test_configured_endpoints_need_no_discovery(tmp_path: Path) -> None:
    def nothing_may_be_asked(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"asked {request.url}")

    app = create_app(settings(tmp_path, **HTTPS_PROVIDER), transport=httpx.MockTransport(nothing_may_be_asked))
    async with await client_for(app) as client:
        config = (await client.get("/auth/config")).json()
    assert config["authorization_endpoint"] == "https://sso.example.gov.cn/auth"
    assert config["token_endpoint"] == "https://sso.example.gov.cn/token"
    assert config["end_session_endpoint"] is None  # none set: 退出 only forgets the token

    ended = settings(tmp_path, **HTTPS_PROVIDER, oidc_end_session_endpoint="https://sso.example.gov.cn/logout")
    async with await client_for(create_app(ended, transport=httpx.MockTransport(nothing_may_be_asked))) as client:
        assert (await client.get("/auth/config")).json()["end_session_endpoint"] == "https://sso.example.gov.cn/logout"


@pytest.mark.parametrize(("document", "needle"), [
    (None, "discovery failed"),
    ({"issuer": "https://elsewhere.example", "authorization_endpoint": "https://sso.test/a",
      "token_endpoint": "https://sso.test/t"}, "names issuer"),
    ({"issuer": "https://sso.test/realm", "authorization_endpoint": "https://sso.test/a"}, "lacks"),
    ({"issuer": "https://sso.test/realm", "authorization_endpoint": "https://sso.test/a",
      "token_endpoint": "https://sso.test/t", "code_challenge_methods_supported": ["plain"]}, "S256"),
])
async def test_a_provider_that_cannot_be_discovered_is_a_503_asked_again_next_time(
        tmp_path: Path, document: dict[str, object] | None, needle: str) -> None:
    asked: list[str] = []

    def discovery(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(500) if document is None else httpx.Response(200, json=document)

    app = create_app(settings(tmp_path, oidc_issuer_url="https://sso.test/realm", oidc_client_id=CLIENT_ID),
                     transport=httpx.MockTransport(discovery))
    async with await client_for(app) as client:
        for _ in range(2):
            answer = await client.get("/auth/config")
            assert answer.status_code == 503 and needle in answer.json()["detail"]
    assert asked == ["https://sso.test/realm/.well-known/openid-configuration"] * 2


async def test_a_token_from_the_provider_is_the_directory_user(tmp_path: Path, provider: OidcProvider) -> None:
    verifier = secrets.token_urlsafe(32)
    issued = exchange(provider, authorization_code(provider, verifier), verifier)
    assert issued.status_code == 200 and issued.headers["access-control-allow-origin"] == "http://console.test"
    async with await client_for(create_app(with_provider(tmp_path, provider))) as client:
        me = await client.get("/auth/me", headers=bearer(issued.json()["access_token"]))
    assert me.status_code == 200
    assert me.json() == {"username": "zjj-liaison", "name": me.json()["name"], "title": me.json()["title"],
                         "roles": ["liaison"], "role_labels": ["联络员"], "unit": "zjj", "unit_name": "市住建局"}


def test_the_provider_gives_a_token_only_for_the_verifier_and_redirect_uri_of_the_request(
        provider: OidcProvider) -> None:
    verifier = secrets.token_urlsafe(32)
    refused = exchange(provider, authorization_code(provider, verifier), secrets.token_urlsafe(32))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert provider.refused[-1] == "code_verifier does not match the code_challenge"
    code = authorization_code(provider, verifier)
    assert exchange(provider, code, verifier, "http://console.test/elsewhere").status_code == 400
    assert provider.refused[-1] == "redirect_uri differs from the authorization request's"
    code = authorization_code(provider, verifier)
    assert exchange(provider, code, verifier).status_code == 200
    assert exchange(provider, code, verifier).status_code == 400  # a code is good once
    unregistered = httpx.get(f"{provider.issuer}/authorize", params={"client_id": CLIENT_ID,
                                                                      "redirect_uri": "https://evil.example/cb"})
    assert unregistered.status_code == 400 and "location" not in unregistered.headers


@pytest.mark.parametrize(("headers", "status", "needle"), [
    ({}, 401, "missing bearer token"),
    ({"Authorization": "Basic b2ZmaWNlOng="}, 401, "missing bearer token"),
    ("tampered", 401, "bad signature"),
    ("other audience", 401, "wrong audience"),
    ("stranger", 403, "'stranger' is not in the organisation directory"),
])
async def test_a_token_the_services_would_refuse_or_a_stranger_is_refused(
        tmp_path: Path, provider: OidcProvider, headers: dict[str, str] | str, status: int, needle: str) -> None:
    if headers == "tampered":
        header, claims, signature = provider.access_token("zjj-liaison").split(".")
        other = provider.access_token("office").split(".")[1]  # another's claims under this signature
        headers = bearer(f"{header}.{other}.{signature}")
    elif headers == "other audience":
        headers = bearer(provider.access_token("zjj-liaison", audience="another-app"))
    elif headers == "stranger":
        headers = bearer(provider.access_token("stranger"))
    async with await client_for(create_app(with_provider(tmp_path, provider))) as client:
        answer = await client.get("/auth/me", headers=headers)
    assert answer.status_code == status and needle in answer.json()["detail"]
    if status == 401:
        assert answer.headers["www-authenticate"] == "Bearer"


async def test_in_development_a_development_token_is_its_user_too(tmp_path: Path) -> None:
    async with await client_for(create_app(settings(tmp_path))) as client:
        token = (await client.post("/dev/token", json={"username": "office"})).json()["token"]
        me = await client.get("/auth/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["username"] == "office" and me.json()["roles"] == ["office"]


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"org_file": REPO / "deploy" / "org.example.yaml"}, "demo organisation"),
    ({"jwt_jwks_url": None}, "DUBAN_JWT_JWKS_URL is not"),
    ({"oidc_token_endpoint": "http://sso.example.gov.cn/token"}, "DUBAN_CONSOLE_OIDC_TOKEN_ENDPOINT is not https"),
])
def test_production_refuses_what_would_let_tokens_through_unchecked(
        tmp_path: Path, overrides: dict[str, object], needle: str) -> None:
    safe = {"env": "production", "org_file": CITY_ORG, "jwt_jwks_url": "https://sso.example.gov.cn/certs",
            "jwt_algorithms": ["RS256"], **HTTPS_PROVIDER}
    with pytest.raises(UnsafeSettings) as refused:
        create_app(settings(tmp_path, **{**safe, **overrides}))
    [problem] = refused.value.problems
    assert needle in problem


async def test_in_production_the_sign_in_is_the_providers_only(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path, env="production", org_file=CITY_ORG, jwt_algorithms=["RS256"],
                              jwt_jwks_url="https://sso.example.gov.cn/certs", **HTTPS_PROVIDER))
    async with await client_for(app) as client:
        assert (await client.get("/auth/config")).json()["configured"] is True
        assert (await client.get("/dev/users")).status_code == 404


@pytest.mark.parametrize("overrides", [
    {"oidc_client_id": CLIENT_ID},
    {"oidc_issuer_url": "https://sso.example.gov.cn/realms/duban"},
    {"oidc_authorization_endpoint": "https://sso.example.gov.cn/auth", "oidc_client_id": CLIENT_ID},
])
def test_half_an_oidc_configuration_is_refused_at_start(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="DUBAN_CONSOLE_OIDC_"):
        ConsoleSettings(**overrides)


def test_empty_oidc_variables_are_no_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_CONSOLE_OIDC_ISSUER_URL", "")
    monkeypatch.setenv("DUBAN_CONSOLE_OIDC_CLIENT_ID", "")
    assert ConsoleSettings().oidc_configured is False
