"""The console's 流程 pages in a real browser (the browser fixtures of tests/e2e/conftest.py): the
administrator sees the active version's diagrams, compares a changed file with it, deploys one the
check refuses (the problem listed by element and marked on the diagram), then a good one, and
is refused taking out a file the rest still calls."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.console_browser import Console
from tests.support.services import REPO


def test_the_designer_compares_deploys_and_sees_a_refusal_on_the_diagram(browser: object, console_url: str,
                                                                         tmp_path: Path) -> None:
    admin = Console(browser, console_url)
    admin.sign_in("admin")
    page = admin.page
    page.get_by_role("menuitem", name="流程").click()
    page.get_by_role("heading", name="流程").wait_for()
    page.get_by_text("当前版本（第 1 版）的流程图").wait_for()
    page.get_by_role("tab", name="assignment.bpmn").click()
    page.locator('[data-testid="diagram"] [data-element-id="Task_approve_item"]').last.wait_for()
    admin.shot("designer-01-active-version")

    original = (REPO / "workflows" / "revisit.bpmn").read_text(encoding="utf-8")
    broken = original.replace('<spiffworkflow:property name="kind" value="revisit" />',
                              '<spiffworkflow:property name="kind" value="no_such_form" />')
    assert broken != original
    (tmp_path / "reshaped").mkdir()  # the task's id renamed: removed from the current version, added to the new
    reshaped = original.replace('"Task_revisit"', '"Task_revisit_v2"').replace(">Task_revisit<", ">Task_revisit_v2<")
    (tmp_path / "reshaped" / "revisit.bpmn").write_text(reshaped, encoding="utf-8")
    page.locator('[data-testid="deploy"] input[type="file"]').set_input_files(str(tmp_path / "reshaped" / "revisit.bpmn"))
    page.get_by_test_id("diff").get_by_text(re.compile(r"删除（[1-9]")).wait_for()
    page.locator('[data-testid="earlier-diagram"] [data-element-id="Task_revisit"].duban-removed').wait_for()
    page.locator('[data-testid="uploaded-diagram"] [data-element-id="Task_revisit_v2"].duban-added').wait_for()
    assert page.locator('[data-testid="uploaded-diagram"] [data-element-id="Task_revisit"]').count() == 0
    page.get_by_test_id("deploy").scroll_into_view_if_needed()
    admin.shot("designer-02a-removed-beside-added")

    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "revisit.bpmn").write_text(broken, encoding="utf-8")
    page.locator('[data-testid="deploy"] input[type="file"]').set_input_files(str(tmp_path / "bad" / "revisit.bpmn"))
    diff = page.get_by_test_id("diff")
    diff.get_by_text("修改（1）").wait_for()
    assert "回访复核" in diff.inner_text()
    page.locator('[data-testid="uploaded-diagram"] [data-element-id="Task_revisit"].duban-changed').wait_for()
    page.get_by_role("button", name="部署").click()
    page.get_by_text("检查未通过").wait_for()
    problems = page.get_by_test_id("problems").first
    problems.get_by_text("Task_revisit").first.wait_for()
    text = problems.inner_text()
    assert "回访复核" in text and "用户任务引用的表单 no_such_form 不存在" in text, text
    page.locator('[data-testid="uploaded-diagram"] [data-element-id="Task_revisit"].duban-problem').wait_for()
    page.locator('[data-problem-for="Task_revisit"]').wait_for()
    page.get_by_test_id("deploy").scroll_into_view_if_needed()
    admin.shot("designer-02-refused-problem-marked")

    (tmp_path / "good").mkdir()
    renamed = original.replace('id="Task_revisit" name="回访复核"', 'id="Task_revisit" name="回访复核（电话）"')
    (tmp_path / "good" / "revisit.bpmn").write_text(renamed, encoding="utf-8")
    page.locator('[data-testid="deploy"] input[type="file"]').set_input_files(str(tmp_path / "good" / "revisit.bpmn"))
    page.get_by_test_id("diff").get_by_text("修改（1）").wait_for()
    assert page.get_by_text("检查未通过").count() == 0
    page.get_by_role("button", name="部署").click()
    page.get_by_test_id("deploy").get_by_text("新立项的事项将使用该版本").wait_for()
    page.get_by_text("当前版本（第 2 版）的流程图").wait_for()
    admin.shot("designer-03-deployed")
    page.get_by_role("link", name="第 2 版").first.click()
    page.get_by_role("heading", name="流程 · 第 2 版").wait_for()
    page.get_by_role("tab", name="revisit.bpmn").click()
    page.get_by_text("回访复核（电话）").first.wait_for()
    page.get_by_role("tab", name=re.compile("表单")).click()
    page.get_by_text("forms/revisit.schema.json").wait_for()
    admin.shot("designer-04-version-forms")
    compared = page.get_by_test_id("version-file-diff")  # against version 1: the renamed task on both diagrams
    compared.get_by_text("与第 1 版的差异").wait_for()
    compared.locator('[data-testid="earlier-diagram"] [data-element-id="Task_revisit"].duban-changed').wait_for()
    compared.locator('[data-testid="later-diagram"] [data-element-id="Task_revisit"].duban-changed').wait_for()
    compared.scroll_into_view_if_needed()
    admin.shot("designer-05-version-against-previous")

    # a file taken out of the active version: the check refuses what the rest still calls
    page.get_by_role("menuitem", name="流程").click()
    page.get_by_text("当前版本（第 2 版）的流程图").wait_for()
    admin.choose("删除文件", "revisit.bpmn")
    page.keyboard.press("Escape")
    page.get_by_text("新版本将删除：revisit.bpmn").wait_for()
    page.get_by_role("button", name="部署").click()
    page.get_by_text("检查未通过").wait_for()
    assert "调用的子流程 revisit 不存在" in page.get_by_test_id("problems").first.inner_text()
    page.get_by_text("当前版本（第 2 版）的流程图").wait_for()  # nothing deployed
    page.get_by_test_id("deploy").scroll_into_view_if_needed()
    admin.shot("designer-06-removal-refused")
    admin.close()
