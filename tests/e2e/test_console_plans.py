"""督查计划 and a bulletin draft in the console, in a real browser (the fixtures of
test_console_browser.py), on a simulated clock standing at 2026-12-20 so that the month can no
longer reach the 15 on-site days: the office makes the month's plan, records a visit, sees on-site
days 1 and the service's warning, sees 统计's trend, makes a bulletin draft, adjusts its praised list\nand submits it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.test_console_browser import Console, browser, run_console  # noqa: F401 (fixture)

MONTH = "2026-12"


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from run_console(tmp_path_factory, DUBAN_CLOCK="simulated", DUBAN_CLOCK_START="2026-12-20T10:00:00+08:00")


def test_the_office_plans_a_month_records_a_visit_and_drafts_a_bulletin(browser: object, console_url: str) -> None:  # noqa: F811
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
    page.get_by_label("督查人员（以“、”分隔）").fill("office、李强")
    page.get_by_label("督查发现").fill("积水点改造已完成8处，4处未开工")
    page.get_by_role("button", name="记录", exact=True).click()
    page.get_by_text("已现场督查 1 天").wait_for()
    page.get_by_role("cell", name="铁东区建设大街").wait_for()
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
    office.shot("plans-06-bulletin-submitted")
    office.close()
