"""The console in a real browser (Debian's Chromium driven by Playwright) against `duban run`
on free ports, with the console server in front of the four services.

The office registers an item; the leader approves it; the lead unit's liaison sees the task
and the item (green) in the ledger and on its diagram; another unit's liaison sees none of it;
the live diagram marks the active element at each step and notes the next timer on its element; the public board shows the public item without private fields.
Screenshots of each step go to ``var/console-screenshots`` (``DUBAN_SCREENSHOTS`` to change).

Skipped only where ``/usr/bin/chromium`` is absent, or where console/dist is not built and
Node.js 20+ is not there to build it.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.console_browser import Console

TITLE = "整治城区道路积水点（浏览器测试）"


def test_an_item_from_registration_to_acceptance_in_the_browser(browser: object, console_url: str,
                                                                tmp_path: Path) -> None:
    office = Console(browser, console_url)
    office.sign_in("office", "/items/new")  # a link opened before signing in comes back after it
    page = office.page
    page.get_by_role("heading", name="立项登记").wait_for()
    page.get_by_label("事项名称").fill(TITLE)
    page.get_by_label("事项内容").fill("雨季前完成城区12处积水点改造")
    office.choose("来源", "领导批示")
    # the deadline the urgency gives, counted in working days by the workflow service, before saving
    page.get_by_test_id("deadline-preview").filter(has_text="非急件：自交办之日起5个工作日内报告").wait_for()
    office.choose("紧急程度", "急件")
    page.get_by_test_id("deadline-preview").filter(has_text="急件：自交办之日起3个工作日内报告").wait_for()
    office.choose("牵头单位", "住房和城乡建设")
    office.choose("协办单位", "铁东区")
    page.keyboard.press("Escape")
    office.choose("责任领导", "刘建国")
    page.get_by_label("向社会公开").check()
    office.shot("01-office-registers")
    page.get_by_role("button", name="提交立项").click()
    page.get_by_role("heading", name=re.compile(r"督办〔\d{4}〕\d+号 " + re.escape(TITLE))).wait_for()
    item_path = page.url.removeprefix(console_url)
    assert re.fullmatch(r"/items/[0-9a-f-]{36}", item_path), page.url
    page.get_by_text("已立项").first.wait_for()
    page.locator('[data-element-id="Task_approve_item"].duban-active').wait_for()
    office.shot("02-office-item-registered")
    office.sign_out()

    leader = office
    leader.sign_in("leader")
    page.get_by_role("link", name="审批立项").click()
    page.get_by_role("heading", name="审批立项").wait_for()
    page.get_by_text(TITLE).first.wait_for()
    page.get_by_role("button", name="提交").click()  # nothing chosen: the form says what is missing
    page.locator(".ant-form-item-explain-error, .error-detail").first.wait_for()
    page.get_by_label("同意", exact=True).check()
    leader.shot("03-leader-approves")
    page.get_by_role("button", name="提交").click()
    page.get_by_text("暂无待办任务").wait_for()
    leader.sign_out()

    liaison = leader
    liaison.sign_in("zjj-liaison")
    page.get_by_role("link", name="签收").wait_for()
    page.get_by_test_id("unread").filter(has_text="1").wait_for()  # the notice of the assignment
    row = page.locator("tr", has_text="签收")
    row.get_by_text(TITLE).wait_for()
    liaison.shot("04-liaison-tasks")
    page.get_by_role("menuitem", name="督办事项").click()
    page.get_by_role("heading", name="督办事项").wait_for()
    ledger_row = page.locator("tr", has_text=TITLE)
    ledger_row.locator('[data-light="green"]').wait_for()
    assert "已交办" in ledger_row.inner_text()
    liaison.choose("责任领导", "张志强")  # another leader's items: none of theirs here
    page.get_by_role("button", name="查询").click()
    page.get_by_text("暂无督办事项").wait_for()
    liaison.choose("责任领导", "刘建国")
    page.get_by_role("button", name="查询").click()
    ledger_row.locator('[data-light="green"]').wait_for()
    liaison.shot("05-liaison-ledger")
    ledger_row.get_by_role("link", name=TITLE).click()
    page.get_by_text("交办市住建局牵头办理").wait_for()
    # the unit sees where its item stands on the diagram too, each waiting timer noted on its element
    page.locator('[data-element-id="Task_sign"].duban-active').wait_for()
    page.get_by_test_id("timers").filter(has_text="签收当日催签").filter(has_text="签收逾期").wait_for()
    page.locator('[data-timer-for="Event_sign_due"]').wait_for()  # the next one, on its element
    liaison.shot("06-liaison-item")
    page.get_by_role("menuitem", name="消息").click()
    notice = page.locator(".ant-list-item", has_text="【督办交办】")
    assert console_url + item_path in notice.inner_text()  # the link opens this console
    notice.get_by_role("button", name="查看").click()
    page.wait_for_url(console_url + item_path)
    liaison.sign_out()

    office.sign_in("office", item_path)  # the diagram: signing is now the active task
    page.locator('[data-element-id="Task_sign"].duban-active').wait_for()
    assert page.locator('[data-element-id="Task_approve_item"].duban-completed').count() == 1
    assert page.locator('[data-element-id="Task_approve_item"].duban-active').count() == 0
    office.shot("07-office-diagram-sign-active")
    office.sign_out()

    stranger = office
    stranger.sign_in("tiexi-liaison")
    page.get_by_text("暂无待办任务").wait_for()
    page.get_by_role("menuitem", name="督办事项").click()
    page.get_by_role("heading", name="督办事项").wait_for()
    page.get_by_text("暂无督办事项").wait_for()
    assert TITLE not in page.content()
    stranger.shot("08-other-unit-sees-nothing")
    page.goto(console_url + item_path)  # a reload forgets the token (kept in memory only)
    page.get_by_role("button", name="登录").wait_for()
    stranger.sign_in("tiexi-liaison", item_path)
    page.get_by_text("该内容不存在，或您无权查看").wait_for()
    assert TITLE not in page.content()
    stranger.close()

    public = Console(browser, console_url, width=390, height=844)  # a phone, nobody signed in
    page = public.page
    page.goto(console_url + "/public")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_text("市住建局").first.wait_for()
    text = page.locator("main").inner_text()
    for private in ("刘建国", "王丽", "铁东区", "雨季前完成城区12处积水点改造", "领导批示"):
        assert private not in text, f"{private!r} shown on the public page"
    page.locator(".ant-rate").last.locator("li").nth(3).click()
    page.get_by_label("意见建议").fill("进展很快，点赞")
    page.get_by_role("button", name="提交评价").click()
    page.locator(".ant-list-item", has_text="进展很快，点赞").wait_for()
    public.shot("09-public-item-feedback")
    public.close()

    report_return_and_accept(Console(browser, console_url), item_path, tmp_path)


def task_of(console: Console, name: str) -> None:
    """Open the caller's task ``name`` of the test's item from 我的待办."""
    page = console.page
    page.get_by_role("menuitem", name="我的待办").click()
    row = page.locator("tr", has_text=TITLE).filter(has_text=name)
    row.get_by_role("link", name=name).click()
    page.get_by_role("heading", name=name).wait_for()


def report(console: Console, text: str, attachment: Path | None, shot: str) -> None:
    page = console.page
    task_of(console, "提交报告")
    page.get_by_label("办结报告", exact=True).check()
    page.get_by_label("办理情况", exact=True).fill(text)
    if attachment is not None:
        page.locator('input[type="file"]').set_input_files(str(attachment))
        try:
            page.get_by_test_id("attachments").get_by_text(attachment.name).wait_for()
        except Exception:
            console.shot("debug-upload")
            raise
    console.shot(shot)
    page.get_by_role("button", name="提交").click()
    page.get_by_role("heading", name="我的待办").wait_for()


def in_ledger(console: Console, status: str, attempts: int = 20) -> None:
    """The ledger page shows the item with ``status`` (asked again: the ledger follows the events)."""
    page = console.page
    page.get_by_role("menuitem", name="督办事项").click()
    page.get_by_role("heading", name="督办事项").wait_for()
    row = page.locator("tr", has_text=TITLE).filter(has_text=status)
    for _ in range(attempts):
        if row.count():
            return
        page.get_by_role("button", name="查询").click()
        page.wait_for_timeout(500)  # the browser's own pace between asking again
    raise AssertionError(f"{status!r} not in the ledger: {page.locator('tbody').inner_text()}")


def report_return_and_accept(console: Console, item_path: str, tmp_path: Path) -> None:
    """The lead unit's liaison signs and reports with an attachment; the office returns the
    report (a return without its reason is refused on the field), the liaison reports again,
    the office accepts; the ledger's status and the diagram's active element follow."""
    page = console.page
    attachment = tmp_path / "积水点改造情况.txt"
    attachment.write_text("12处积水点已全部完成改造。\n", encoding="utf-8")
    console.sign_in("zjj-liaison")
    task_of(console, "签收")
    page.get_by_label("签收意见").fill("已签收，马上落实")
    page.get_by_role("button", name="提交").click()
    page.get_by_role("heading", name="我的待办").wait_for()
    report(console, "已完成全部积水点改造", attachment, "10-liaison-reports-with-attachment")
    in_ledger(console, "已反馈")
    console.sign_out()

    console.sign_in("office", item_path)
    page.get_by_test_id("active-tasks").filter(has_text="审核报告").wait_for()
    page.locator('[data-element-id="CallActivity_reporting"].duban-active').wait_for()
    page.locator(".ant-segmented-item", has_text="限期报告 ●").click()  # the called process the item is at
    page.locator('[data-element-id="Task_review"].duban-active').wait_for()
    assert page.locator('[data-element-id="Task_report"].duban-completed').count() == 1
    console.shot("11-office-diagram-review-active")
    task_of(console, "审核报告")
    page.get_by_label("退回", exact=True).check()
    page.get_by_role("button", name="提交").click()
    page.locator(".ant-form-item-explain-error, .ant-alert-error").first.wait_for()
    assert "then" not in page.locator(".ant-form-item-explain-error").all_inner_texts()[0]
    console.shot("12-office-return-needs-reason")
    page.get_by_label("审核意见（退回时写明理由）").fill("请补充改造前后对比照片")
    page.get_by_role("button", name="提交").click()
    page.get_by_role("heading", name="我的待办").wait_for()
    console.sign_out()

    console.sign_in("zjj-liaison")
    report(console, "已补充改造前后对比照片", None, "13-liaison-reports-again")
    console.sign_out()

    console.sign_in("office")
    task_of(console, "审核报告")
    page.get_by_label("通过", exact=True).check()
    page.get_by_role("button", name="提交").click()
    page.get_by_role("heading", name="我的待办").wait_for()
    in_ledger(console, "复核中")  # accepted: the office's revisit comes next
    console.shot("14-office-ledger-after-accept")
    console.page.get_by_role("link", name=TITLE).click()
    page.get_by_test_id("item-attachments").get_by_text("积水点改造情况.txt").wait_for()
    page.get_by_test_id("active-tasks").wait_for()
    assert "审核报告" not in page.get_by_test_id("active-tasks").inner_text()
    page.locator(".ant-segmented-item", has_text="回访复核 ●").click()  # accepted: the revisit is where it is
    page.locator('[data-element-id="Task_revisit"].duban-active').wait_for()
    console.shot("15-office-item-after-accept")
    page.get_by_role("menuitem", name="统计").click()
    page.get_by_test_id("stats-chart").locator("canvas").wait_for()
    assert page.locator("tr", has_text="市住建局").locator("td").nth(1).inner_text() == "1"  # assigned
    console.shot("16-office-stats")
    page.get_by_role("menuitem", name="通报").click()
    page.get_by_role("heading", name="通报").wait_for()
    page.locator(".ant-table, .ant-empty").first.wait_for()
    console.shot("17-office-bulletins")
    console.close()


def test_the_console_server_answers_for_the_application_and_refuses_unknown_services(console_url: str) -> None:
    index = httpx.get(f"{console_url}/tasks/00000000-0000-0000-0000-000000000000", timeout=5)
    assert index.status_code == 200 and '<div id="root">' in index.text
    assert httpx.get(f"{console_url}/api/ledger/items", timeout=5).status_code == 401
    assert httpx.get(f"{console_url}/api/nowhere/items", timeout=5).status_code == 404
    assert httpx.get(f"{console_url}/assets/missing.js", timeout=5).status_code == 404
