"""Benchmark: the console's first page in a real browser, and the ledger page with 10,000 items.

Fills the ledger's read model (SQLite, as ``duban run`` keeps it) with N items through the path
the ledger's consumer applies a backlog by (``LedgerService.consume_batch``, 100 events a
transaction: registered, approved, assigned, half of them signed, with their progress), then
starts ``duban run`` with the console on free ports and drives Debian's Chromium
(``/usr/bin/chromium``) with Playwright, on localhost:

- the sign-in page until the user picker is ready (the users listed; the 登录 button is enabled as
  soon as one is chosen), from the navigation's start (``performance.now()``);
- while a user is chosen, the console fetches the layout and 我的待办 ahead (App.tsx);
- signing in as the office (from the click on 登录) until 我的待办 is drawn;
- the JavaScript each step fetched: its size and what went over the wire (the console server
  gzips scripts and JSON);
- 督办事项 from the menu until its first page of rows is drawn, then the next page; the request
  names the page and its size and the server answers the total (the paging is the ledger's).

Times are taken in the page, at the first animation frame where the page shows what is awaited
(Playwright's own waits poll at intervals that would add to them). Cold: a new browser profile
(nothing cached). Warm: the same profile again (the hashed scripts are cached for good,
index.html is asked again). Each is the median of ``--runs`` visits. Figures are printed; nothing
is asserted about time. The goal of the console issue: the first page interactive in under 2 s
on localhost.

    .venv/bin/python bench/console_first_page.py [--items 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, Request, sync_playwright  # noqa: E402

from services.ledger.service import LedgerService  # noqa: E402
from shared.calendar import load_calendar  # noqa: E402
from shared.clock import CHINA, SystemClock  # noqa: E402
from shared.identity import load_directory  # noqa: E402
from shared.storage.database import create_engine  # noqa: E402
from shared.storage.migrations import upgrade  # noqa: E402
from tests.support.console_browser import ACTIVE_OPTION, CHROMIUM, DIST  # noqa: E402
from tests.support.duban_run import BIN, free_port_block, read_until  # noqa: E402
from tests.support.item_story import ItemStory  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ORG = ROOT / "deploy" / "org.example.yaml"
FETCH_BATCH = 100  # the ledger consumer's (DUBAN_LEDGER_FETCH_BATCH)


async def seed_ledger(database_url: str, n: int) -> float:
    """N items in the ledger's read model, applied as its consumer applies a backlog."""
    upgrade(database_url, "ledger")
    engine = create_engine(database_url)
    directory = load_directory(ORG)
    service = LedgerService(engine, SystemClock(), load_calendar(None), directory)
    units = [unit.id for unit in directory.units]
    rng = random.Random(5)
    started = time.perf_counter()
    try:
        events = []
        for i in range(n):
            story = ItemStory(code=f"督办〔2026〕{i + 1}号", title=f"关于落实第{i + 1}项督办事项的办理",
                              lead=rng.choice(units), co=(), start=dt.datetime(2026, 11, 2, 9, 0, tzinfo=CHINA)
                              + dt.timedelta(minutes=i % 600))
            steps = [story.registered(), story.approved("2026-12-21"), story.assigned("2026-12-21", "2026-12-14")]
            events += story.with_progress(steps + ([story.signed()] if i % 2 else []))
        for at in range(0, len(events), FETCH_BATCH):
            await service.consume_batch(events[at:at + FETCH_BATCH])
    finally:
        await engine.dispose()
    return time.perf_counter() - started


def start_platform(data: Path, dist: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``duban run`` (embedded NATS, SQLite under ``data``) with the console; returns it and the console's URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_") and k not in ("NATS_URL", "DATABASE_URL")}
    env.update(DUBAN_DATA_DIR=str(data), DUBAN_CALENDAR_DIR=str(data / "calendar"), DUBAN_ORG_FILE=str(ORG),
               DUBAN_CONSOLE_DIST_DIR=str(dist), DUBAN_WORKFLOW_WORKFLOWS_DIR=str(ROOT / "workflows"),
               PYTHONUNBUFFERED="1")
    base = free_port_block(5)
    output = data.parent / "stdout.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen([str(BIN / "duban"), "run", "--base-port", str(base), "--console-port",
                                    str(base + 4)], cwd=data.parent, env=env, stdout=sink,
                                   stderr=(data.parent / "stderr.txt").open("wb"))
    read_until(process, output, "Press Ctrl-C to stop.", timeout=120)
    return process, f"http://127.0.0.1:{base + 4}"


class Scripts:
    """The scripts a page fetched: bytes of JavaScript, and bytes over the wire (none when cached)."""

    def __init__(self, page: Page, entry: set[str]) -> None:
        self.requests: list[Request] = []
        self.entry = entry
        page.on("requestfinished", lambda request: request.resource_type == "script" and self.requests.append(request))

    def mark(self) -> int:
        return len(self.requests)

    def since(self, mark: int = 0, entry: bool | None = None) -> dict[str, int]:
        """Scripts fetched since ``mark``: all, or only those index.html names (``entry``) or only others."""
        figures = {"scripts": 0, "raw": 0, "wire": 0, "gzipped": 0, "cached": 0}
        for request in self.requests[mark:]:
            if entry is not None and (urlparse(request.url).path in self.entry) != entry:
                continue
            response = request.response()
            wire = request.sizes()["responseBodySize"]  # -1: from the cache
            figures["scripts"] += 1
            figures["raw"] += len(response.body()) if response else 0
            figures["wire"] += max(wire, 0)
            figures["cached"] += wire <= 0
            figures["gzipped"] += bool(response and response.headers.get("content-encoding") == "gzip")
        return figures


def entry_scripts(dist: Path) -> set[str]:
    """The scripts index.html loads (the main chunk and what it imports): what the sign-in page needs."""
    return set(re.findall(r'(?:src|href)="(/assets/[^"]+\.js)"', (dist / "index.html").read_text(encoding="utf-8")))


def described(f: dict[str, int]) -> str:
    return (f"{f['scripts']} scripts, {f['raw'] / 1024:,.0f} kB of JavaScript, {f['wire'] / 1024:,.0f} kB over the wire"
            f" ({f['gzipped']} gzipped, {f['cached']} from the cache)")


def drawn(page: Page, condition: str, arg: object = None) -> float:
    """``performance.now()`` at the first animation frame where ``condition(arg)`` holds, watched in
    the page (Playwright's own waits poll at intervals that would add to the figure)."""
    return page.evaluate("""([condition, arg]) => new Promise(resolve => {
      const check = () => (0, eval)(condition)(arg) ? resolve(performance.now()) : requestAnimationFrame(check);
      check();
    })""", [condition, arg])


QUIET = "!document.querySelector('[role=status], .ant-spin-spinning, .ant-spin-blur')"  # nothing loading
PICKER_READY = ("() => [...document.querySelectorAll('.ant-alert')].some(a => a.textContent.includes('开发环境'))"
                " && document.querySelector('[role=combobox]') && " + QUIET)
TASKS_SHOWN = ("() => [...document.querySelectorAll('h3')].some(h => h.textContent === '我的待办')"
               " && document.querySelector('.ant-table, .ant-empty') && " + QUIET)
ROWS_SHOWN = "size => document.querySelectorAll('.ant-table-tbody tr.ant-table-row').length === size && " + QUIET
NEXT_SHOWN = "code => document.querySelector('.ant-table-tbody tr.ant-table-row td')?.innerText !== code && " + QUIET


def now(page: Page) -> float:
    return page.evaluate("performance.now()")


def visit(page: Page, url: str, entry: set[str]) -> dict[str, object]:
    """One visit: sign-in, 我的待办, the ledger's first and second page; times in ms, scripts fetched."""
    scripts, figures = Scripts(page, entry), {}
    page.goto(url + "/login")
    figures["sign-in ready"] = drawn(page, PICKER_READY)  # from the navigation's start
    page.wait_for_load_state("networkidle")  # a person takes longer to choose: the prefetch is done
    figures["sign-in scripts"] = scripts.since(entry=True)
    figures["prefetched scripts"] = scripts.since(entry=False)

    signing = scripts.mark()
    page.get_by_role("combobox").click()
    page.keyboard.type("office")
    page.locator(ACTIVE_OPTION).last.wait_for()
    page.keyboard.press("Enter")
    started = now(page)
    page.get_by_role("button", name="登录").click()
    figures["我的待办 shown"] = drawn(page, TASKS_SHOWN) - started
    figures["我的待办 scripts"] = scripts.since(signing)

    opening = scripts.mark()
    started = now(page)
    with page.expect_response(lambda r: "/api/ledger/items?" in r.url) as answered:
        page.get_by_role("menuitem", name="督办事项").click()
    first = answered.value
    query = parse_qs(urlparse(first.url).query)
    size = int(query["page_size"][0])
    figures["ledger page 1"] = drawn(page, ROWS_SHOWN, size) - started
    figures["ledger scripts"] = scripts.since(opening)
    body = first.json()
    assert query["page"] == ["1"] and len(body["items"]) == size, (first.url, len(body["items"]))
    figures["ledger request"] = f"GET {urlparse(first.url).path}?{urlparse(first.url).query}"
    figures["ledger answer"] = f"{len(body['items'])} rows of {body['total']:,}"
    figures["ledger API 1"] = api_ms(first.request)

    code = page.locator(".ant-table-tbody tr.ant-table-row td").first.inner_text()
    started = now(page)
    with page.expect_response(lambda r: "/api/ledger/items?" in r.url) as answered:
        page.locator(".ant-pagination-next").click()
    second = answered.value
    figures["ledger page 2"] = drawn(page, NEXT_SHOWN, code) - started
    query = parse_qs(urlparse(second.url).query)
    assert query["page"] == ["2"] and query["page_size"] == [str(size)], second.url
    assert len(second.json()["items"]) == size
    figures["ledger API 2"] = api_ms(second.request)
    return figures


def api_ms(request: Request) -> float:
    timing = request.timing
    return timing["responseEnd"] - timing["requestStart"]


TIMES = ["sign-in ready", "我的待办 shown", "ledger page 1", "ledger page 2", "ledger API 1", "ledger API 2"]


def report(label: str, visits: list[dict[str, object]]) -> None:
    print(f"  {label} (median of {len(visits)} visits; min–max)", flush=True)
    for key in TIMES:
        values = sorted(float(v[key]) for v in visits)  # type: ignore[arg-type]
        print(f"    {key:<18} {statistics.median(values):6.0f} ms  ({values[0]:.0f}–{values[-1]:.0f})", flush=True)
    last = visits[-1]
    for key in ("sign-in scripts", "prefetched scripts", "我的待办 scripts", "ledger scripts"):
        print(f"    {key:<18} {described(last[key])}", flush=True)  # type: ignore[arg-type]
    print(f"    ledger paging      {last['ledger request']} → {last['ledger answer']} (the total is the server's)",
          flush=True)


def measure(url: str, runs: int, entry: set[str]) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            cold, warm = [], []
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
                for visits in (cold, warm):  # a new profile, then the same profile again
                    page = context.new_page()
                    visits.append(visit(page, url, entry))
                    page.close()
                context.close()
            report("cold (a new browser profile)", cold)
            report("warm (the same profile again)", warm)
        finally:
            browser.close()


async def seed(data: Path, items: int) -> None:
    data.mkdir(parents=True)
    took = await seed_ledger(f"sqlite:///{(data / 'ledger.db').as_posix()}", items)
    print(f"  seeded   {items:,} items in the ledger's read model in {took:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="visits of each kind (cold, warm)")
    parser.add_argument("--dist", type=Path, default=DIST, help="another build of the console (to compare)")
    args = parser.parse_args()
    dist = args.dist.resolve()
    if not CHROMIUM.exists() or not (dist / "index.html").is_file():  # bench/run_all.py goes on to the next
        print(f"  skipped: needs /usr/bin/chromium and a built console in {dist} (cd console && npm ci && npm run build)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "var"
        asyncio.run(seed(data, args.items))
        process, url = start_platform(data, dist)
        try:
            print(f"  load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs", flush=True)
            measure(url, args.runs, entry_scripts(dist))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
