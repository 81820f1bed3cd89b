"""The bulletin's figures (as ``BulletinService.get`` answers them) → the document's ``BulletinDoc``."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest

from services.reporting.documents import InvalidDocumentNumber, OverdueItem, Remark, UnitRow, render_bulletin
from services.reporting.documents.from_figures import bulletin_doc, period_words


def unit(unit: str, name: str, assigned: int, closed: int, on_time: int, overdue: int = 0, returned: int = 0,
         reopened: int = 0, rank: int | None = None) -> dict:
    return {"unit": unit, "unit_name": name, "assigned": assigned, "closed": closed, "on_time": on_time,
            "overdue": overdue, "returned": returned, "reopened": reopened,
            "on_time_rate": round(on_time / closed, 4) if closed else None, "rank": rank,
            "revisits_passed": 0, "revisits_failed": 0, "accountability_opened": 0}


def figures(**changes) -> dict:
    units = [unit("fgw", "市发展改革委", 3, 2, 2, rank=1), unit("zjj", "市住房城乡建设局", 2, 2, 1, 1, 1, rank=2),
             unit("tiedong", "铁东区人民政府", 1, 0, 0, returned=2), unit("idle", "市体育局", 0, 0, 0)]
    base = {
        "period": {"from": "2026-11-01", "to": "2026-11-30"},
        "totals": {"assigned": 6, "closed": 4, "on_time": 3, "overdue": 1, "returned": 3, "reopened": 0,
                   "on_time_rate": 0.75, "by_source": {"leader_instruction": 2, "work_report_target": 4},
                   "by_status": {"closed": 4, "in_progress": 2}},
        "units": units,
        "praised": [{"unit": "fgw", "unit_name": "市发展改革委", "reasons": ["按期办结2件，无逾期"]}],
        "criticised": [{"unit": "zjj", "unit_name": "市住房城乡建设局", "reasons": ["逾期未办结1件", "回访复核未通过1次"]}],
        "overdue_items": [
            {"item_id": "a", "code": "督办〔2026〕1号", "title": "推进老旧小区改造", "lead_unit": "zjj",
             "lead_unit_name": "市住房城乡建设局", "due_date": "2026-11-10", "status": "in_progress", "closed_on": None},
            {"item_id": "b", "code": "督办〔2026〕2号", "title": "背街小巷整治", "lead_unit": "zjj",
             "lead_unit_name": "市住房城乡建设局", "due_date": "2026-11-12", "status": "closed",
             "closed_on": "2026-11-20"}],
        "findings": [],
    }
    return base | changes


def bulletin(kind: str = "bulletin", number: str = "鞍政督通〔2026〕3号", **changes) -> dict:
    return {"id": "x", "kind": kind, "number": number, "status": "draft", "office": "市政府督察室",
            "figures": figures(**changes)}


def test_a_months_bulletin() -> None:
    doc = bulletin_doc(bulletin(), office="鞍山市人民政府督查室", issued=date(2026, 12, 3))
    assert (doc.kind, doc.number, doc.office, doc.issued) == ("通报", "鞍政督通〔2026〕3号", "鞍山市人民政府督查室",
                                                              date(2026, 12, 3))
    assert doc.title == "关于2026年11月份督办事项办理情况的通报"
    assert doc.period == "2026年11月"
    assert doc.summary[0] == "为推动市委、市政府重大决策部署落地见效，鞍山市人民政府督查室对2026年11月份督办事项办理情况进行了跟踪督查。"
    assert doc.summary[1] == ("本期共交办督办事项6件，办结4件，其中按期办结3件，按期办结率75.0%；逾期1件次，退回重办3件次。"
                              "经综合评定，对1个办理成效突出的单位予以表扬，对1个工作落实不到位的单位予以批评。"
                              "现将有关情况通报如下。")
    assert doc.totals_by_source == {"领导批示/交办事项": 2, "政府工作报告目标任务": 4}
    assert doc.totals_by_status == {"已办结": 4, "办理中": 2}
    # a unit with nothing to count is left out; one that closed nothing has no rate and no rank
    assert doc.units == (UnitRow("市发展改革委", 3, 2, 2, 0, 0, 0, 1.0, 1),
                         UnitRow("市住房城乡建设局", 2, 2, 1, 1, 1, 0, 0.5, 2),
                         UnitRow("铁东区人民政府", 1, 0, 0, 0, 2, 0, None, None))
    assert doc.praised == (Remark("市发展改革委", ("按期办结2件，无逾期",)),)
    assert doc.criticised == (Remark("市住房城乡建设局", ("逾期未办结1件", "回访复核未通过1次")),)
    # closed within the period it is not listed; closed after the period's end it was still open on its last day
    assert doc.overdue == (OverdueItem("督办〔2026〕1号", "推进老旧小区改造", "市住房城乡建设局", date(2026, 11, 10)),)
    earlier = bulletin(period={"from": "2026-11-01", "to": "2026-11-15"})
    assert [o.code for o in bulletin_doc(earlier, office="x", issued=date(2026, 12, 3)).overdue] == [
        "督办〔2026〕1号", "督办〔2026〕2号"]
    assert doc.addressee.startswith("各县（市）区人民政府")

    rendered = docx.Document(io.BytesIO(render_bulletin(doc)))
    cells = [[c.text for c in row.cells] for row in rendered.tables[0].rows]
    assert cells[-1][:2] == ["—", "铁东区人民政府"] and cells[-1][-1] == "—"
    assert len(rendered.inline_shapes) == 1


def test_a_brief_and_an_empty_period() -> None:
    empty = {"assigned": 0, "closed": 0, "on_time": 0, "overdue": 0, "returned": 0, "reopened": 0,
             "on_time_rate": None, "by_source": {}, "by_status": {}}
    doc = bulletin_doc(bulletin("brief", "督查工作简报〔2026〕第2期", period={"from": "2026-03-06", "to": "2026-03-10"},
                                totals=empty, units=[unit("idle", "市体育局", 0, 0, 0)], praised=[], criticised=[],
                                overdue_items=[]),
                       office="市政府督察室", issued=date(2026, 3, 16))
    assert (doc.kind, doc.number, doc.addressee) == ("简报", "督查工作简报〔2026〕第2期", "")
    assert doc.title == "2026年3月6日至3月10日督办事项办理情况"
    assert doc.summary == ("为推动市委、市政府重大决策部署落地见效，市政府督察室对2026年3月6日至3月10日督办事项办理情况进行了跟踪督查。"
                           "本期无新交办督办事项。现将有关情况简报如下。",)
    assert doc.units == () and doc.overdue == ()
    assert render_bulletin(doc).startswith(b"PK")
    with pytest.raises(InvalidDocumentNumber):  # a bulletin is numbered 号, not 期
        bulletin_doc(bulletin("bulletin", "督查工作简报〔2026〕第2期"), office="x", issued=date(2026, 3, 16))


@pytest.mark.parametrize(("start", "end", "words", "short"), [
    (date(2026, 11, 1), date(2026, 11, 30), "2026年11月份", "2026年11月"),
    (date(2026, 2, 1), date(2026, 2, 28), "2026年2月份", "2026年2月"),
    (date(2026, 1, 1), date(2026, 12, 31), "2026年度", "2026年"),
    (date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度", "2026年第四季度"),
    (date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度", "2026年第一季度"),
    (date(2026, 3, 6), date(2026, 3, 10), "2026年3月6日至3月10日", "2026年3月6日至3月10日"),
    (date(2025, 12, 15), date(2026, 1, 14), "2025年12月15日至2026年1月14日", "2025年12月15日至2026年1月14日"),
])
def test_period_words(start: date, end: date, words: str, short: str) -> None:
    assert period_words(start, end) == words and period_words(start, end, short=True) == short
