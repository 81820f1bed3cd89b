"""The console in a real browser, for the browser tests and the first-page bench: `duban run`
with the console on free ports (console/dist built first where Node.js 20+ is here), and one
person's tab on it (Debian's Chromium driven by Playwright, never a downloaded browser). The
fixtures ``console_url`` and ``browser`` are in tests/e2e/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.duban_run import BIN, free_port_block, read_until
from tests.support.services import REPO

try:
    import playwright.sync_api as playwright_api
except ImportError:  # the browser tests skip, saying so
    playwright_api = None  # type: ignore[assignment]

CHROMIUM = Path("/usr/bin/chromium")
DIST = REPO / "console" / "dist"
SCREENSHOTS = Path(os.environ.get("DUBAN_SCREENSHOTS", REPO / "var" / "console-screenshots"))
ACTIVE_OPTION = ".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option-active"



def built_console() -> Path:
    """console/dist, built now if it is missing and Node.js 20+ is here."""
    if (DIST / "index.html").is_file():
        return DIST
    node = shutil.which("node")
    if node is None or int(subprocess.run([node, "-p", "process.versions.node.split('.')[0]"],
                                          capture_output=True, text=True).stdout.strip() or 0) < 20:
        pytest.skip("console/dist is not built and Node.js 20+ is absent: cd console && npm ci && npm run build")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REPO / "console", check=True)
    subprocess.run(["npm", "run", "build"], cwd=REPO / "console", check=True)
    return DIST


def run_console(tmp_path_factory: pytest.TempPathFactory, **settings: str) -> Iterator[str]:
    """`duban run` with the console on free ports (``settings``: more DUBAN_ variables); yields its URL."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium): the browser test needs it")
    dist = built_console()
    tmp_path = tmp_path_factory.mktemp("console")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DUBAN_") and k not in ("NATS_URL", "DATABASE_URL")}
    env.update(DUBAN_DATA_DIR=str(tmp_path / "var"), DUBAN_CALENDAR_DIR=str(tmp_path / "var" / "calendar"),
               DUBAN_ORG_FILE=str(REPO / "deploy" / "org.example.yaml"), DUBAN_CONSOLE_DIST_DIR=str(dist),
               DUBAN_WORKFLOW_WORKFLOWS_DIR=str(REPO / "workflows"), PYTHONUNBUFFERED="1")
    env.update(settings)
    base = free_port_block(5)
    output = tmp_path / "stdout.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN / "duban"), "run", "--base-port", str(base), "--console-port", str(base + 4)],
            cwd=tmp_path, env=env, stdout=sink, stderr=(tmp_path / "stderr.txt").open("wb"))
    try:
        banner = read_until(process, output, "Press Ctrl-C to stop.", timeout=90)
        url = f"http://127.0.0.1:{base + 4}"
        assert f"console       {url}" in banner
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0


class Console:
    """One person's browser tab on the console."""

    def __init__(self, browser: object, url: str, width: int = 1366, height: int = 768) -> None:
        self.url = url
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def sign_in(self, username: str, path: str = "/tasks") -> None:
        page = self.page
        page.goto(self.url + path)
        page.get_by_text("开发环境：选择演示组织中的用户登录").wait_for()
        page.get_by_role("combobox").click()
        page.keyboard.type(username)
        page.locator(ACTIVE_OPTION).last.wait_for()
        page.keyboard.press("Enter")
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="退出").wait_for()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="退出").click()
        self.page.get_by_role("button", name="登录").wait_for()

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def choose(self, label: str, text: str) -> None:
        """Pick ``text`` in the select of the form field labelled ``label``."""
        self.page.get_by_label(label, exact=True).click()
        self.page.keyboard.type(text)
        self.page.locator(ACTIVE_OPTION).last.wait_for()
        self.page.keyboard.press("Enter")

    def close(self) -> None:
        assert not self.errors, self.errors
        self.context.close()
