"""What one unit typed cannot break another's mail, webhook or inbox: the cleaning rules,
the renderer and the mail message, without I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import uuid

import pytest
from aiosmtplib.email import flatten_message
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notification.adapters.channels import SmtpSender, message_id, webhook_body
from services.notification.adapters.templates import Renderer
from services.notification.domain.clean import one_line, plain_text, served, web_link
from services.notification.domain.deliveries import Delivery, Outgoing
from services.notification.domain.messages import TITLE_MAX
from services.notification.domain.rules import ItemInfo
from shared.contracts.commands import SendNotification
from shared.contracts.enums import BulletinKind
from shared.contracts.events import BulletinPublished, ItemAssigned
from shared.identity import load_directory
from tests.support.samples import T0
from tests.support.services import REPO

DIRECTORY = load_directory(REPO / "deploy" / "org.example.yaml")
USER = DIRECTORY.user("zjj-liaison")
BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"
HOSTILE_TITLE = "推进\r\n老旧\u2028小区\u2029改造\x85\x00\x01\x7f 工程\rBcc: all@example.gov.cn"
ITEM = ItemInfo(uuid.uuid4(), "督办〔2026〕1号", HOSTILE_TITLE, "zjj", (), dt.date(2026, 3, 9))
SENDER = SmtpSender("127.0.0.1", 25, "duban@example.gov.cn", timeout=1.0)


def outgoing(**fields: object) -> Outgoing:
    stored = {"id": 42, "event_id": uuid.UUID(int=1), "channel": "email", "address": "zjj-liaison@example.gov.cn",
              "recipient": "zjj-liaison", "event_kind": "item.assigned", "template": "item_assigned_lead",
              "item_id": ITEM.item_id, "item_code": "督办〔2026〕1号", "title": "标题", "body": "正文", "link": None,
              "status": "pending", "attempts": 0, "next_attempt_at": T0, "last_error": None, "created_at": T0,
              "sent_at": None, "read_at": None, **fields}
    return Outgoing.of(Delivery(**stored))  # type: ignore[arg-type]


def assigned() -> ItemAssigned:
    return ItemAssigned(occurred_at=T0, actor="system", item_id=ITEM.item_id, lead_unit="zjj", co_units=[],
                        due_date=dt.date(2026, 3, 9), due_date_estimated=False, sign_due_date=dt.date(2026, 3, 3))


def test_one_line_turns_every_break_and_control_into_one_space() -> None:
    assert one_line(HOSTILE_TITLE) == "推进 老旧 小区 改造 工程 Bcc: all@example.gov.cn"
    assert one_line(f"a{BREAKS}b\tc\x00d\ud800e") == "a b c d e"
    assert plain_text("一\r\n二\u2028三\x00\x1b[31m\t四\x85五") == "一\n二\n三[31m\t四\n五"


@pytest.mark.parametrize("link", ["https://duban.example.gov.cn/docs/1", "http://10.0.0.1:8080/x?a=1#b",
                                  "HTTPS://Example.gov.cn/"])
def test_http_links_are_kept(link: str) -> None:
    assert web_link(link) == link


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                                  "java\nscript:alert(1)", "\tjavascript:alert(1)", "data:text/html,<script>",
                                  "vbscript:msgbox", "//evil.example/x", "/items/1", "http://", "https:///x",
                                  "http://exa mple.gov.cn", "https://x.gov.cn/\x00", "http://[::1", "ftp://x/y",
                                  "", None])
def test_other_links_are_none(link: str | None) -> None:
    assert web_link(link) is None


def test_a_stored_bad_link_is_served_as_none_and_its_line_goes() -> None:
    assert served("标题\n二", "王同志：\n请阅。\n详情：javascript:alert(1)", "javascript:alert(1)") == (
        "标题 二", "王同志：\n请阅。", None)
    assert served("t", "正文\n详情：https://x.gov.cn/1", "https://x.gov.cn/1") == (
        "t", "正文\n详情：https://x.gov.cn/1", "https://x.gov.cn/1")


def test_a_title_with_line_breaks_renders_one_clean_line_and_the_body_has_no_controls() -> None:
    assert USER is not None
    message = Renderer(DIRECTORY, "https://duban.example.gov.cn").render("item_assigned_lead", assigned(), ITEM, USER)
    assert message.title == "【督办交办】督办〔2026〕1号 推进 老旧 小区 改造 工程 Bcc: all@example.gov.cn"
    assert message.body.startswith(f"{USER.name}同志：\n督办事项“推进 老旧 小区 改造 工程 Bcc:")
    assert not any(char in message.body for char in "\r\x00\x01\x7f\x85\u2028\u2029")
    long_item = dataclasses.replace(ITEM, title="长" * 200, code="督" * 100)
    long = Renderer(DIRECTORY, "http://c").render("item_assigned_lead", assigned(), long_item, USER)
    assert len(long.title) == TITLE_MAX and long.title.endswith("…")


def test_a_bulletin_title_with_a_line_break_stays_in_the_title() -> None:
    assert USER is not None
    bulletin = BulletinPublished(occurred_at=T0, actor="office", bulletin_id=uuid.uuid4(),
                                 bulletin_kind=BulletinKind.BRIEFING, title="简报", period_start=dt.date(2026, 1, 1),
                                 period_end=dt.date(2026, 1, 31)).model_copy(update={"title": "督查\n简报\u2028第1期"})
    message = Renderer(DIRECTORY, "http://c").render("bulletin_published", bulletin, None, USER)
    assert message.title == "【督查工作简报】督查 简报 第1期" and "“督查 简报 第1期”已发布" in message.body


def test_a_free_message_with_a_javascript_link_renders_no_link() -> None:
    assert USER is not None
    command = SendNotification(occurred_at=T0, actor="office", recipients=["zjj-liaison"], title="通知",
                               body="请阅。").model_copy(update={"link": "javascript:alert(document.cookie)"})
    message = Renderer(DIRECTORY, "http://c").render("free_message", command, None, USER)
    assert message.link is None and "javascript" not in message.body and "详情" not in message.body


def test_the_mail_has_one_line_headers_and_a_message_id_of_its_delivery() -> None:
    out = outgoing(title=HOSTILE_TITLE, body="正文\x00\r\n第二行", link="javascript:x()",
                   address="zjj-liaison@example.gov.cn\r\nBcc: x@y")
    with pytest.raises(ValueError, match="no usable e-mail address"):
        SENDER.message(out)
    mail = SENDER.message(dataclasses.replace(out, address="zjj-liaison@example.gov.cn"))
    parsed = email.message_from_bytes(mail.as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "推进 老旧 小区 改造 工程 Bcc: all@example.gov.cn" and parsed["Bcc"] is None
    assert parsed["Message-ID"] == "<delivery-42.00000000-0000-0000-0000-000000000001@example.gov.cn>"
    assert parsed.get_content() == "正文\n第二行\n"
    assert message_id(out, "duban@example.gov.cn") == message_id(dataclasses.replace(out, title="x"),
                                                                  "duban@example.gov.cn")
    body = webhook_body(out)
    assert (body["title"], body["text"], body["link"]) == (parsed["Subject"], "正文\n第二行", None)


def test_a_chinese_mail_as_sent_decodes_back_to_its_subject_body_and_sender() -> None:
    title = "【督办交办】督办〔2026〕1号 " + "推进老旧小区改造二期工程" * 20  # long: folded over many lines
    body = "请于2026年3月9日前办理完毕，并报送办理情况。\n详情：http://c/items/1"
    wire = flatten_message(SENDER.message(outgoing(title=title, body=body)))  # what aiosmtplib sends
    lines = wire.splitlines()
    assert wire.isascii() and max(map(len, lines)) < 100  # encoded words and base64, folded (RFC 5322: 998)
    assert sum(line.startswith(b" =?utf-8?b?") for line in lines) > 5  # the subject's continuation lines
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert parsed["Subject"] == title and parsed.get_content() == body + "\n"
    [sender] = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("督查督办平台", "duban@example.gov.cn")
    assert parsed.get_content_charset() == "utf-8" and parsed["To"] == "zjj-liaison@example.gov.cn"
    with pytest.raises(ValueError, match="no usable e-mail address"):  # no encoded words in an address
        SENDER.message(outgoing(address="联络员@例子.中国"))


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=80), body=st.text(max_size=200))
def test_any_title_and_body_make_a_mail(title: str, body: str) -> None:
    mail = SENDER.message(outgoing(title=title, body=body))
    raw = mail.as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    # (a space between two encoded words of a folded subject may be lost on decoding: RFC 2047 says
    # whitespace between adjacent encoded words is ignored, and Python's folding puts some there)
    assert parsed["Subject"].replace(" ", "") == one_line(title).replace(" ", "")
    assert not any(char in parsed["Subject"] for char in "\r\n\u2028\u2029\x85")
    assert parsed["To"] == "zjj-liaison@example.gov.cn" and len(parsed.get_all("Subject") or []) == 1
