"""Every page of the console at a laptop's 1366×768 and a phone's 390×844, in a real browser (the
browser fixtures of tests/e2e/conftest.py), for the office, a leader, a unit's liaison and the admin:
the document never scrolls sideways (a wide table scrolls inside its own frame), no script fails,
on the phone the menu opens from its button and leads to a page, and a screenshot of each page at each size goes to ``var/console-screenshots``
(``layout-<user>-<page>-<width>x<height>.png``).

The data the pages show is made through the console server's API first: two items (one approved,
so the liaison has a task and the ledger a green row; one awaiting the leader's approval), this
month's plan with a visit, a bulletin draft."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import httpx
import pytest

from tests.support.console_browser import SCREENSHOTS, Console
from tests.support.duban_run import polled

SIZES = [(1366, 768), (390, 844)]
USERS = ["office", "leader", "zjj-liaison", "admin"]
BEIJING = dt.timezone(dt.timedelta(hours=8))

# a page is drawn: a title (or a refusal) the page before did not have, nothing loading any more
TITLES = "h3, h4, .ant-result, .ant-alert-error"
DRAWN = """titles => {
  const titled = [...document.querySelectorAll(titles)].some(title => !title.hasAttribute('data-before'));
  const loading = document.querySelector('[role=status], .ant-spin-spinning, .ant-spin-blur, .ant-skeleton-active');
  return titled && !loading;
}"""
LEAVE = """([titles, path]) => {
  if (location.pathname === path) return;  // already there (the first page after signing in)
  document.querySelectorAll(titles).forEach(title => title.setAttribute('data-before', ''));
  history.pushState({}, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}"""
SIDEWAYS = """() => {
  const doc = document.scrollingElement;
  const clipped = e => {
    for (let a = e.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true;
    return false;
  };
  const wider = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1 && !clipped(e))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'));
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wider};
}"""


@dataclass(frozen=True)
class Seeded:
    approved_item: str
    pending_item: str
    tasks: dict[str, str]  # username → the id of one of their tasks
    bulletin: str
    version: str


def item_body(title: str) -> dict[str, object]:
    return {"title": title, "description": "雨季前完成城区积水点改造", "source": "leader_instruction",
            "urgency": "normal", "lead_unit": "zjj", "co_units": ["tiedong"], "leader": "leader", "public": True}


@pytest.fixture(scope="module")
def seeded(console_url: str) -> Seeded:
    with httpx.Client(base_url=console_url, timeout=30) as client:
        def as_user(username: str) -> dict[str, str]:
            token = client.post("/dev/token", json={"username": username}).raise_for_status().json()["token"]
            return {"Authorization": f"Bearer {token}"}

        office, leader, liaison = as_user("office"), as_user("leader"), as_user("zjj-liaison")
        approved = client.post("/api/workflow/items", headers=office,
                               json=item_body("整治城区道路积水点（版式测试）")).raise_for_status().json()["id"]
        approval = polled(lambda: next((t["id"] for t in client.get("/api/workflow/tasks", headers=leader).json()["items"]
                                       if t["item_id"] == approved), None), "the leader's approval task")
        client.post(f"/api/workflow/tasks/{approval}/complete", headers=leader,
                    json={"data": {"decision": "approve"}}).raise_for_status()
        pending = client.post("/api/workflow/items", headers=office,
                              json=item_body("老旧小区加装电梯（版式测试，一个很长的事项名称用来看换行）")).raise_for_status().json()["id"]
        tasks = {
            "leader": polled(lambda: next((t["id"] for t in client.get("/api/workflow/tasks", headers=leader).json()["items"]
                                          if t["item_id"] == pending), None), "the second approval task"),
            "zjj-liaison": polled(lambda: next(iter(client.get("/api/workflow/tasks", headers=liaison).json()["items"]),
                                              {}).get("id"), "the liaison's signing task"),
        }
        polled(lambda: client.get("/api/ledger/items", headers=office).json()["total"] >= 2, "both items in the ledger")
        today = dt.datetime.now(BEIJING).date()
        month = today.strftime("%Y-%m")
        client.post("/api/reporting/plans", headers=office, json={
            "month": month, "focus": ["城区道路积水点整治", "老旧小区改造"], "planned_on_site_days": 15,
            "teams": [{"name": "第一督查组", "members": ["office", "李强"],
                       "joint_group": {"lead": "fgw", "members": ["zjj"]}}]}).raise_for_status()
        polled(lambda: client.post(f"/api/reporting/plans/{month}/visits", headers=office, json={
            "date": today.isoformat(), "place": "铁东区建设大街", "items": [approved], "team": ["office", "李强"],
            "findings": "积水点改造已完成8处，4处未开工"}).status_code == 201, "a visit to the approved item")
        first = today.replace(day=1)
        last_month_end = first - dt.timedelta(days=1)
        bulletin = client.post("/api/reporting/bulletins", headers=office, json={
            "kind": "bulletin", "period_from": last_month_end.replace(day=1).isoformat(),
            "period_to": last_month_end.isoformat()}).raise_for_status().json()["id"]
        version = client.get("/api/workflow/definitions", headers=office).raise_for_status().json()["items"][0]["version"]
    return Seeded(approved, pending, tasks, bulletin, str(version))


def routes(seeded: Seeded, username: str) -> dict[str, str]:
    return {
        "tasks": "/tasks", "items": "/items", "items-new": "/items/new", "item": f"/items/{seeded.approved_item}",
        "stats": "/stats", "bulletins": "/bulletins", "bulletin": f"/bulletins/{seeded.bulletin}", "plans": "/plans",
        "definitions": "/definitions", "definition": f"/definitions/{seeded.version}", "inbox": "/inbox",
        "task": f"/tasks/{seeded.tasks.get(username, seeded.tasks['leader'])}", "public": "/public",
    }


def go(console: Console, path: str) -> None:
    """Open ``path`` inside the application (the token lives in memory: a reload would sign out)."""
    console.page.evaluate(LEAVE, [TITLES, path])
    console.page.wait_for_function(DRAWN, arg=TITLES, timeout=15_000)


def shot(console: Console, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    console.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled")


@pytest.mark.parametrize("username", USERS)
def test_every_page_fits_a_laptop_and_a_phone(browser: object, console_url: str, seeded: Seeded,
                                              username: str) -> None:
    console = Console(browser, console_url)
    console.sign_in(username)
    overflowing = []
    for width, height in SIZES:
        console.page.set_viewport_size({"width": width, "height": height})
        for name, path in routes(seeded, username).items():
            go(console, path)
            size = console.page.evaluate(SIDEWAYS)
            if size["scrollWidth"] > size["clientWidth"] + 1:
                overflowing.append(f"{name} at {width}×{height}: {size['scrollWidth']} > {size['clientWidth']}"
                                   f" ({', '.join(size['wider'])})")
            shot(console, f"layout-{username}-{name}-{width}x{height}")
    assert not overflowing, overflowing
    # on the phone the menu is behind a button; it opens over the page and leads there
    page = console.page
    go(console, "/tasks")
    assert not page.get_by_role("menuitem", name="督办事项").is_visible()
    page.get_by_role("button", name="打开菜单").click()
    page.get_by_role("menuitem", name="督办事项").wait_for()
    shot(console, f"layout-{username}-menu-390x844")
    page.get_by_role("menuitem", name="督办事项").click()
    page.get_by_role("heading", name="督办事项").wait_for()
    page.get_by_role("menuitem", name="督办事项").wait_for(state="hidden")  # the drawer closed
    console.close()
