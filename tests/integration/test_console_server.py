"""The console server (services/console): the development sign-in exists only outside production
and issues the tokens the services accept; /api/<service>/… reaches the service with the caller's
Authorization, query and body, and brings its status and body back; the application's routes
all answer with index.html."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from services.console.app import create_app
from services.console.config import ConsoleSettings
from shared.clock import SettableClock
from shared.identity.tokens import TokenVerifier
from tests.support.services import REPO, TEST_SECRET


def settings(tmp_path: Path, **overrides: object) -> ConsoleSettings:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True, exist_ok=True)
    (dist / "index.html").write_text('<!doctype html><div id="root"></div>', encoding="utf-8")
    (dist / "assets" / "index-abc.js").write_text("console.log(1)", encoding="utf-8")
    values: dict[str, object] = dict(org_file=REPO / "deploy" / "org.example.yaml", jwt_secret=TEST_SECRET,
                                     dist_dir=dist, workflow_url="http://workflow.test",
                                     ledger_url="http://ledger.test", notification_url="http://notification.test",
                                     reporting_url="http://reporting.test")
    values.update(overrides)
    return ConsoleSettings(**values)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT = b"PK\x03\x04" + bytes(range(256)) * 40  # a zip archive's start, then incompressible-ish bytes
BIG_JSON = json.dumps({"items": [{"title": "整治城区道路积水点", "n": n} for n in range(200)]}).encode()


class Chunks(httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self):  # type: ignore[override]
        yield self.body[:5]
        yield self.body[5:]


class Upstream(httpx.AsyncBaseTransport):
    """The four services, as a transport that records what reached them (answers streamed)."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.seen.append(request)
        if request.url.path == "/tasks/1/complete":
            body = json.dumps({"detail": [{"loc": ["data", "decision"], "msg": "必填"}]}).encode()
            return httpx.Response(422, stream=Chunks(body), headers={"Content-Type": "application/json"})
        if request.url.path == "/bulletins/1/document.docx":
            return httpx.Response(200, stream=Chunks(DOCUMENT), headers={"Content-Type": DOCX})
        if request.url.path == "/big":
            return httpx.Response(200, stream=Chunks(BIG_JSON), headers={"Content-Type": "application/json"})
        if request.url.host == "reporting.test":
            raise httpx.ConnectError("connection refused")
        body = json.dumps({"path": request.url.path, "query": str(request.url.query, "ascii")}).encode()
        return httpx.Response(200, stream=Chunks(body), headers={"X-Total": "3", "Content-Type": "application/json"})


async def client_for(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console.test")


async def test_a_development_token_is_one_the_services_accept(tmp_path: Path) -> None:
    clock = SettableClock(dt.datetime.now(dt.UTC))  # PyJWT checks the expiry against the wall clock
    app = create_app(settings(tmp_path), clock=clock, transport=Upstream())
    async with await client_for(app) as client:
        users = (await client.get("/dev/users")).json()["items"]
        liaison = next(user for user in users if user["username"] == "zjj-liaison")
        assert liaison["roles"] == ["liaison"] and liaison["unit"] == "zjj" and liaison["unit_name"] == "市住建局"
        issued = await client.post("/dev/token", json={"username": "zjj-liaison"})
        assert issued.status_code == 200
        verifier = TokenVerifier(issuer="duban", audience="duban", algorithms=["HS256"], secret=TEST_SECRET,
                                 clock=clock)
        assert verifier.verify(issued.json()["token"])["sub"] == "zjj-liaison"
        assert issued.json()["user"]["name"] == liaison["name"]
        assert (await client.post("/dev/token", json={"username": "nobody"})).status_code == 404
        assert (await client.post("/dev/token", json={"username": "office", "roles": ["admin"]})).status_code == 422


async def test_in_production_there_is_no_development_sign_in(tmp_path: Path) -> None:
    city = REPO / "tests" / "fixtures" / "org" / "city.yaml"  # production refuses the demo organisation
    app = create_app(settings(tmp_path, env="production", org_file=city), transport=Upstream())
    async with await client_for(app) as client:
        assert (await client.get("/dev/users")).status_code == 404
        assert (await client.post("/dev/token", json={"username": "office"})).status_code in (404, 405)


async def test_the_api_reaches_the_service_and_its_answer_comes_back(tmp_path: Path) -> None:
    upstream = Upstream()
    app = create_app(settings(tmp_path), transport=upstream)
    async with await client_for(app) as client:
        listed = await client.get("/api/ledger/items?light=red&page=2", headers={"Authorization": "Bearer t0k"})
        assert listed.status_code == 200 and listed.headers["x-total"] == "3"
        assert listed.json() == {"path": "/items", "query": "light=red&page=2"}
        assert upstream.seen[-1].headers["authorization"] == "Bearer t0k"
        assert upstream.seen[-1].url.host == "ledger.test"
        refused = await client.post("/api/workflow/tasks/1/complete", json={"data": {}},
                                    headers={"Authorization": "Bearer t0k"})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["data", "decision"]
        assert json.loads(upstream.seen[-1].content) == {"data": {}}
        assert (await client.get("/api/reporting/public/items")).status_code == 502
        assert (await client.get("/api/elsewhere/x")).status_code == 404


@pytest.mark.parametrize("path", ["/", "/tasks/8f3a", "/items/8f3a", "/public/items/8f3a", "/inbox"])
async def test_every_route_of_the_application_is_its_index(tmp_path: Path, path: str) -> None:
    app = create_app(settings(tmp_path), transport=Upstream())
    async with await client_for(app) as client:
        page = await client.get(path)
        assert page.status_code == 200 and '<div id="root">' in page.text
        assert page.headers["cache-control"] == "no-cache"


async def test_assets_are_cached_and_a_missing_one_is_404(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path), transport=Upstream())
    async with await client_for(app) as client:
        asset = await client.get("/assets/index-abc.js")
        assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
        assert (await client.get("/assets/gone.js")).status_code == 404
        assert "[project]" not in (await client.get("/%2e%2e/%2e%2e/pyproject.toml")).text


async def test_scripts_and_json_are_gzipped_documents_pass_through(tmp_path: Path) -> None:
    values = settings(tmp_path)
    (values.dist_dir / "assets" / "big-abc.js").write_text("export const x = 1;\n" * 2000, encoding="utf-8")
    app = create_app(values, transport=Upstream())
    async with await client_for(app) as client:
        gzip = {"Accept-Encoding": "gzip", "Authorization": "Bearer t0k"}
        script = await client.get("/assets/big-abc.js", headers=gzip)
        assert script.headers["content-encoding"] == "gzip" and script.text == "export const x = 1;\n" * 2000
        assert "immutable" in script.headers["cache-control"]
        listed = await client.get("/api/ledger/big", headers=gzip)
        assert listed.headers["content-encoding"] == "gzip" and listed.content == BIG_JSON
        document = await client.get("/api/reporting/bulletins/1/document.docx", headers=gzip)
        assert "content-encoding" not in document.headers and document.content == DOCUMENT
        assert document.headers["content-type"] == DOCX
        plain = await client.get("/assets/big-abc.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and len(plain.content) == 20 * 2000


async def test_without_a_build_it_says_how_to_make_one(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path, dist_dir=tmp_path / "nowhere"), transport=Upstream())
    async with await client_for(app) as client:
        page = await client.get("/tasks")
        assert page.status_code == 503 and "npm ci &amp;&amp; npm run build" in page.text
