"""The office registers an item with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows,
typing; no click), in a real browser (the browser fixtures of tests/e2e/conftest.py): sign in, pass
the menu by the skip link or walk it with the arrows to 立项登记, fill the form, submit. Where
the keyboard is stays visible (an outline on :focus-visible)."""

from __future__ import annotations

import re

from tests.support.console_browser import ACTIVE_OPTION, Console, playwright_api

TITLE = "整治城区道路积水点（键盘测试）"

# the focused element, and whether it (or the control it is the input of) has an outline
FOCUSED = """() => {
  const e = document.activeElement;
  const control = e.closest('.ant-select, .ant-picker, .ant-input-affix-wrapper, .ant-input-number, '
                            + '.ant-checkbox-wrapper, .ant-radio-wrapper') ?? e;
  const outlined = element => {
    const style = getComputedStyle(element);
    return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  };
  return {tag: e.tagName.toLowerCase(), id: e.id, role: e.getAttribute('role'), text: (e.innerText || '').trim(),
          label: (e.closest('label')?.innerText ?? '').trim(), visible: e.matches(':focus-visible'), outline: outlined(e) || outlined(control)};
}"""


def focused(console: Console) -> dict[str, object]:
    return console.page.evaluate(FOCUSED)


def tab_to(console: Console, matches, what: str, limit: int = 40, key: str = "Tab") -> dict[str, object]:
    """Press ``key`` until the focused element ``matches``; it has a visible outline."""
    for _ in range(limit):
        console.page.keyboard.press(key)
        now = focused(console)
        if matches(now):
            try:  # the control marks its focus when React has drawn it again
                console.page.wait_for_function(f"() => {{ const f = ({FOCUSED})(); return f.visible && f.outline; }}",
                                               timeout=2000)
            except playwright_api.TimeoutError:
                raise AssertionError(f"{what} is focused without a visible outline: {focused(console)}") from None
            return now
    raise AssertionError(f"{key} never reached {what} (last: {focused(console)})")


OPEN_LIST = ".ant-select-dropdown:not(.ant-select-dropdown-hidden)"


def pick(console: Console, text: str, close: bool = True) -> None:
    """In the focused select: type, wait for the option, Enter (then Escape closes a multiple one's list)."""
    console.page.keyboard.type(text)
    console.page.locator(ACTIVE_OPTION).filter(has_text=text).last.wait_for()
    console.page.keyboard.press("Enter")
    if close:
        console.page.keyboard.press("Escape")
        console.page.wait_for_function(f"() => !document.querySelector('{OPEN_LIST}')")


def register_with_the_keyboard(console: Console) -> None:
    page, keyboard = console.page, console.page.keyboard
    page.goto(console.url + "/tasks")
    page.get_by_text("开发环境：选择演示组织中的用户登录").wait_for()
    assert focused(console)["role"] == "combobox"  # the user picker has the focus from the start
    pick(console, "office")
    tab_to(console, lambda f: f["tag"] == "button" and f["text"] == "登录", "the sign-in button")
    keyboard.press("Enter")
    page.get_by_role("heading", name="我的待办").wait_for()

    # the first Tab reaches the skip link; it leads past the menu to the page
    tab_to(console, lambda f: f["text"] == "跳到主要内容", "the skip link", limit=1)
    assert page.get_by_text("跳到主要内容").is_visible()
    keyboard.press("Enter")
    assert focused(console)["id"] == "main"
    # back to the menu, then along it with the arrows to 立项登记
    tab_to(console, lambda f: f["role"] == "menuitem" or f["role"] == "menu", "the menu", key="Shift+Tab")
    for _ in range(12):
        if page.locator(".ant-menu-item-active, .ant-menu-item:focus").filter(has_text="立项登记").count():
            break
        keyboard.press("ArrowRight")
    else:
        raise AssertionError("the arrows never reached 立项登记 in the menu")
    console.shot("keyboard-01-menu")
    keyboard.press("Enter")
    page.get_by_role("heading", name="立项登记").wait_for()

    tab_to(console, lambda f: f["id"] == "title", "事项名称")
    keyboard.type(TITLE)
    keyboard.press("Tab")
    keyboard.type("雨季前完成城区12处积水点改造")
    tab_to(console, lambda f: f["id"] == "source", "来源", limit=3)
    pick(console, "领导批示")
    tab_to(console, lambda f: f["id"] == "urgency", "紧急程度", limit=3)
    keyboard.press("ArrowDown")  # opens the list on the chosen 非急件; up is 急件, Enter chooses it
    page.locator(ACTIVE_OPTION).last.filter(has_text="非急件").wait_for()
    keyboard.press("ArrowUp")
    page.locator(ACTIVE_OPTION).last.filter(has_text=re.compile("^急件")).wait_for()
    keyboard.press("Enter")
    page.get_by_test_id("deadline-preview").filter(has_text="急件：自交办之日起3个工作日内报告").wait_for()
    tab_to(console, lambda f: f["id"] == "lead_unit", "牵头单位")
    pick(console, "住房和城乡建设")
    tab_to(console, lambda f: f["id"] == "co_units", "协办单位", limit=3)
    pick(console, "铁东区")
    tab_to(console, lambda f: f["id"] == "leader", "责任领导", limit=3)
    pick(console, "刘建国")
    tab_to(console, lambda f: f["label"] == "向社会公开", "向社会公开", limit=3)
    keyboard.press("Space")
    assert page.get_by_label("向社会公开").is_checked() and not page.get_by_label("重大事项").is_checked()
    submit = tab_to(console, lambda f: f["tag"] == "button", "提交立项")
    assert submit["text"] == "提交立项"
    console.shot("keyboard-02-form")
    keyboard.press("Enter")
    page.get_by_role("heading", name=re.compile(r"督办〔\d{4}〕\d+号 " + re.escape(TITLE))).wait_for()
    record = page.locator(".ant-descriptions").first  # what was chosen with the keyboard was saved
    for value in ("已立项", "领导批示/交办事项", "急件", "市住建局", "铁东区", "刘建国", "公开"):
        record.get_by_text(value, exact=True).wait_for()
    console.shot("keyboard-03-registered")


def test_the_office_registers_an_item_with_the_keyboard_alone(browser: object, console_url: str) -> None:
    console = Console(browser, console_url)
    register_with_the_keyboard(console)
    console.close()
