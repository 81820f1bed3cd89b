"""统一身份认证登录 in a real browser (the browser fixtures of tests/e2e/conftest.py): `duban run` with the
services checking tokens against a test OIDC provider's key set (tests/support/oidc_provider.py:
RS256, iss the provider, aud ``duban``) and the console pointed at it. The lead unit's liaison
clicks 统一身份认证登录, the provider signs them in at once and sends the browser back with a code,
the console exchanges it (PKCE: the provider checks the code verifier) and lands on their tasks
page with the task the office's item gave them; nothing of it is kept in the browser's storage,
so a reload asks to sign in again. A callback whose state was tampered with is refused in
Chinese and never reaches the token endpoint; so is one this tab never asked for."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.console_browser import Console, run_console
from tests.support.duban_run import polled, register_and_approve
from tests.support.oidc_provider import OidcProvider

CLIENT_ID = "duban-console"
TITLE = "整治城区道路积水点（统一身份认证测试）"
SIGN_IN = "统一身份认证登录"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(subject="zjj-liaison") as running:
        yield running


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory, provider: OidcProvider) -> Iterator[str]:
    for url in run_console(tmp_path_factory, DUBAN_JWT_JWKS_URL=provider.jwks_url, DUBAN_JWT_ISSUER=provider.issuer,
                           DUBAN_JWT_ALGORITHMS='["RS256"]', DUBAN_CONSOLE_OIDC_ISSUER_URL=provider.issuer,
                           DUBAN_CONSOLE_OIDC_CLIENT_ID=CLIENT_ID):
        provider.register(CLIENT_ID, f"{url}/auth/callback")  # as an operator registers the console
        yield url


def test_the_liaison_signs_in_with_the_citys_identity_and_sees_their_task(
        browser: object, console_url: str, provider: OidcProvider) -> None:
    def tokens(user: str) -> dict[str, str]:  # the provider's tokens, which the services now accept
        return {"Authorization": f"Bearer {provider.access_token(user)}"}

    workflow = f"{console_url}/api/workflow"
    register_and_approve(workflow, tokens, TITLE)
    polled(lambda: httpx.get(f"{workflow}/tasks", headers=tokens("zjj-liaison"), timeout=5).json()["items"],
           "the liaison got no signing task")

    liaison = Console(browser, console_url)
    page = liaison.page
    page.goto(f"{console_url}/tasks")
    button = page.get_by_role("button", name=SIGN_IN)
    button.wait_for()
    page.get_by_text("开发环境：选择演示组织中的用户登录").wait_for()  # development: beside the picker
    liaison.shot("oidc-01-sign-in")
    button.click()
    page.get_by_role("button", name="退出").wait_for()
    assert page.url == f"{console_url}/tasks"  # back where they were going, the code gone from the address
    page.get_by_role("heading", name="我的待办").wait_for()
    page.locator("tr", has_text=TITLE).get_by_role("link", name="签收").wait_for()
    page.get_by_text("潘磊（市住建局").wait_for()
    [exchange] = provider.token_requests
    assert exchange["grant_type"] == "authorization_code" and len(exchange["code_verifier"]) == 43
    assert exchange["redirect_uri"] == f"{console_url}/auth/callback" and provider.refused == []
    assert page.evaluate("() => sessionStorage.length + localStorage.length") == 0
    liaison.shot("oidc-02-signed-in-tasks")

    page.reload()  # the token was in memory only
    page.get_by_role("button", name=SIGN_IN).wait_for()
    assert page.get_by_role("button", name="退出").count() == 0
    assert page.url == f"{console_url}/login"

    page.get_by_role("button", name=SIGN_IN).click()  # the provider's session signs them straight in again
    page.get_by_role("button", name="退出").click()  # 退出 ends that session too, and comes back here
    page.get_by_role("button", name=SIGN_IN).wait_for()
    assert page.url == f"{console_url}/login"
    [logout] = provider.logouts
    assert logout == {"client_id": CLIENT_ID, "post_logout_redirect_uri": f"{console_url}/login"}
    liaison.close()


def test_a_callback_with_another_state_is_refused_before_the_token_endpoint(
        browser: object, console_url: str, provider: OidcProvider) -> None:
    exchanges = len(provider.token_requests)
    console = Console(browser, console_url)
    page = console.page

    def forge_state(route: object) -> None:  # the provider's redirect, its state replaced on the way
        answer = route.fetch(max_redirects=0)
        location = httpx.URL(answer.headers["location"])
        assert location.params["state"] and location.params["code"]
        route.fulfill(status=302, headers={"Location": str(location.copy_set_param("state", "forged"))})

    page.route(lambda url: url.startswith(f"{provider.issuer}/authorize"), forge_state)
    page.goto(f"{console_url}/login")
    page.get_by_role("button", name=SIGN_IN).click()
    page.get_by_test_id("sign-in-error").filter(has_text="登录请求校验失败（state 不匹配），请重新登录").wait_for()
    assert page.url == f"{console_url}/login"
    assert page.get_by_role("button", name="退出").count() == 0
    console.shot("oidc-03-forged-state-refused")

    page.goto(f"{console_url}/auth/callback?code=stolen&state=whatever")  # an answer this tab never asked for
    page.get_by_test_id("sign-in-error").filter(has_text="未找到本次登录请求").wait_for()
    assert len(provider.token_requests) == exchanges  # neither reached the token endpoint
    console.close()
