"""督查计划 and a bulletin in the console, in a real browser (the browser fixtures of tests/e2e/conftest.py),
on a simulated clock standing at 2026-12-20 so that the month can no longer reach the 15 on-site
days: the office makes the month's plan, records a visit of an item picked from the ledger by
searching it, sees on-site days 1 and the service's warning, sees 统计's trend, makes a bulletin
draft, adjusts its praised list and submits it, writes its 按语; the leader's approval task shows
the bulletin's figures, the 按语 and the draft document to download, and the leader approves it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support.console_browser import Console, run_console

MONTH = "2026-12"
VISITED = "铁东区建设大街积水点改造（现场督查）"


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from run_console(tmp_path_factory, DUBAN_CLOCK="simulated", DUBAN_CLOCK_START="2026-12-20T10:00:00+08:00")


def register(console_url: str, title: str) -> dict[str, str]:
    """An item registered by the office over HTTP (the console's development sign-in), as answered."""
    token = httpx.post(f"{console_url}/dev/token", json={"username": "office"}, timeout=10).json()["token"]
    answer = httpx.post(f"{console_url}/api/workflow/items", headers={"Authorization": f"Bearer {token}"}, timeout=10,
                        json={"title": title, "source": "leader_instruction", "urgency": "normal",
                              "lead_unit": "zjj", "co_units": [], "leader": "leader"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_office_plans_a_month_records_a_visit_and_drafts_a_bulletin(browser: object, console_url: str) -> None:
    visited = register(console_url, VISITED)
    for n in range(3):  # others the search must leave out
        register(console_url, f"老旧小区改造第{n + 1}批")
    office = Console(browser, console_url)
    office.sign_in("office", f"/plans/{MONTH}")  # the reminder's link
    page = office.page
    page.get_by_role("heading", name="2026年12月督查计划").wait_for()
    page.get_by_text("2026年12月尚无督查计划").wait_for()
    office.shot("plans-01-no-plan")

    page.get_by_label("督查重点（每行一项）").fill("城区道路积水点整治\n老旧小区改造")
    page.get_by_label("计划现场督查天数").fill("10")  # fewer than the minimum: the service's 422 is shown
    page.get_by_label("组名").fill("第一督查组")
    page.get_by_label("成员（用户名或姓名，以“、”分隔）").fill("office、李强")
    office.choose("联合督查组牵头单位", "发展和改革")
    page.get_by_role("button", name="制定计划").click()
    page.get_by_test_id("refusal").wait_for()
    office.shot("plans-02-refused")
    page.get_by_label("计划现场督查天数").fill("15")
    office.choose("联合督查组协办单位", "住房和城乡建设")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="制定计划").click()
    page.get_by_text("已现场督查 0 天").wait_for()
    page.get_by_role("cell", name="第一督查组").wait_for()
    page.get_by_text("牵头：").first.wait_for()

    page.get_by_label("督查日期").fill(f"{MONTH}-20")
    page.keyboard.press("Enter")
    page.get_by_label("督查地点").fill("铁东区建设大街")
    page.get_by_label("督查事项").click()  # searched in the ledger by what is typed
    page.keyboard.type("积水点")
    option = page.locator(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option")
    option.filter(has_text=f"{visited['code']} {VISITED}").wait_for()
    assert option.count() == 1 and "老旧小区" not in option.all_inner_texts()[0]
    office.shot("plans-03a-visit-item-picker")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_label("督查人员（以“、”分隔）").fill("office、李强")
    page.get_by_label("督查发现").fill("积水点改造已完成8处，4处未开工")
    page.get_by_role("button", name="记录", exact=True).click()
    page.get_by_text("已现场督查 1 天").wait_for()
    page.get_by_role("cell", name="铁东区建设大街", exact=True).wait_for()
    page.locator("tr", has_text="铁东区建设大街").get_by_text(visited["code"]).wait_for()
    warning = page.get_by_test_id("plan-warning")
    warning.wait_for()
    assert warning.inner_text().strip()
    office.shot("plans-03-visit-and-warning")

    page.get_by_role("menuitem", name="统计").click()
    page.get_by_test_id("trend-chart").locator("canvas").wait_for()
    office.shot("plans-04-stats-trend")

    page.get_by_role("menuitem", name="通报").click()
    page.get_by_role("button", name="拟制草稿").click()  # the month before, by default
    page.get_by_role("heading", name=re.compile("鞍政督通")).wait_for()
    assert page.get_by_test_id("bulletin-status").inner_text() == "草稿"
    page.get_by_role("heading", name="各单位办理情况").wait_for()
    office.choose("单位", "住房和城乡建设")
    page.get_by_label("理由").fill("积水点改造提前完成")
    page.get_by_role("button", name="调整", exact=True).click()
    page.get_by_text("市住建局：加入表扬名单，理由：积水点改造提前完成").wait_for()
    page.get_by_text("通报表扬").locator("xpath=ancestor::div[contains(@class,'ant-card')]").get_by_text(
        "积水点改造提前完成").wait_for()
    office.shot("plans-05-bulletin-draft")
    page.get_by_role("button", name="提交审批").click()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_test_id("bulletin-status").get_by_text("审批中").wait_for()
    number = page.get_by_role("heading", name=re.compile("鞍政督通")).inner_text().split(" ")[-1]
    office.shot("plans-06-bulletin-submitted")
    page.get_by_role("menuitem", name="我的待办").click()
    page.get_by_role("link", name="编写通报按语").click()
    page.get_by_test_id("bulletin-review").get_by_text("积水点改造提前完成").wait_for()  # the figures, for the office too
    page.get_by_label("按语（印发时置于通报正文之前）").fill("各单位要对照通报问题抓好整改")
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("heading", name="我的待办").wait_for()
    office.sign_out()

    leader = office
    leader.sign_in("leader")
    page.locator("tr", has_text="审批通报").get_by_role("link", name=re.compile(re.escape(number))).wait_for()
    page.get_by_role("link", name="审批通报").click()
    page.get_by_role("heading", name="审批通报").wait_for()
    review = page.get_by_test_id("bulletin-review")
    praised = review.locator(".ant-card", has_text="通报表扬")  # the praised list's card inside the review
    praised.get_by_text("市住建局").wait_for()
    praised.get_by_text("积水点改造提前完成").wait_for()
    review.get_by_role("heading", name="各单位办理情况").wait_for()
    assert review.locator("tr", has_text="市住建局").count() >= 1  # the per-unit counts
    page.get_by_test_id("task-context").get_by_text("各单位要对照通报问题抓好整改").wait_for()  # the 按语 approved
    figures_box, form_box = review.bounding_box(), page.get_by_role("button", name="提交", exact=True).bounding_box()
    assert figures_box["y"] < form_box["y"]  # the figures before the decision
    with page.expect_download() as download:
        review.get_by_role("button", name="下载草稿（Word）").click()
    assert download.value.suggested_filename == f"{number}.docx"
    assert download.value.path().read_bytes()[:2] == b"PK"  # a .docx is a zip
    leader.shot("plans-07-leader-approves-bulletin")
    page.get_by_label("同意印发", exact=True).check()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("heading", name="我的待办").wait_for()
    page.locator("tr", has_text="审批立项").first.wait_for()  # the items registered above are left
    assert page.locator("tr", has_text="审批通报").count() == 0

    # the visited item approved: its deadline in the ledger, explained when reached with Tab
    page.locator("tr", has_text=VISITED).get_by_role("link", name="审批立项").click()
    page.get_by_label("同意", exact=True).check()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("heading", name="我的待办").wait_for()
    page.get_by_role("menuitem", name="督办事项").click()
    row = page.locator("tr", has_text=VISITED).filter(has_text="已交办")
    for _ in range(20):  # the ledger follows the events
        if row.count():
            break
        page.get_by_role("button", name="查询").click()
        page.wait_for_timeout(500)
    row.get_by_role("link", name=VISITED).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "deadline"
    tip = page.locator(".ant-tooltip:not(.ant-tooltip-hidden)")
    tip.get_by_text("按工作日计算：自交办之日（2026年12月20日）起5个工作日，跳过周末和法定节假日，调休上班日计入").wait_for()
    leader.shot("plans-08-ledger-deadline-explained")
    leader.close()
