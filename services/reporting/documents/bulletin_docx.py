"""The 督查通报 / 督查简报 as .docx: a pure function of a ``BulletinDoc`` and a template file.

The template (default ``services/reporting/templates/bulletin.docx``, replaceable by the
office) brings the page setup, the styles and the footer; its body is replaced. Styles
it lacks are added with the GB/T 9704-2012 defaults (``gbt9704.ensure_styles``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.document import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm, Pt

from shared.chinese_dates import chinese_date

from . import gbt9704
from .chart import on_time_chart
from .model import BulletinDoc, MonthWork, Remark, Visit, WorkDoc, chinese_ordinal

DEFAULT_TEMPLATE = Path(str(files("services.reporting") / "templates" / "bulletin.docx"))

UNIT_HEADER = ("排名", "单位", "交办", "办结", "按期办结", "逾期", "退回", "重办", "按期办结率")
UNIT_WIDTHS_MM = (10, 47, 12, 12, 18, 12, 12, 12, 21)
OVERDUE_HEADER = ("序号", "编号", "事项", "承办单位", "办理期限")
OVERDUE_WIDTHS_MM = (11, 27, 62, 35, 21)


def render_bulletin(bulletin: BulletinDoc, template: Path | None = None, *, chart_font: str | None = None) -> bytes:
    """The bulletin's .docx bytes."""
    doc = _open(template or DEFAULT_TEMPLATE)
    _masthead(doc, bulletin)
    _title(doc, bulletin.title)
    _para(doc, "", "Duban Body")
    if bulletin.addressee:
        _para(doc, bulletin.addressee, "Duban Addressee")
    for text in bulletin.summary:
        _para(doc, text, "Duban Body")
    sections = (
        ("总体情况", _overview),
        ("各单位办理情况", lambda d, b: _units(d, b, chart_font)),
        ("表扬和批评", _remarks),
        ("逾期未办结事项", _overdue),
    ) + ((("上期通报问题整改情况", _outcomes),) if bulletin.outcomes else ())
    if bulletin.work is not None:  # a brief (简报) opens with the period's supervision work
        sections = ((bulletin.work.heading, lambda d, b: _work(d, b.work)), *sections)
    for n, (heading, write) in enumerate(sections, start=1):
        _para(doc, f"{chinese_ordinal(n)}、{heading}", "Duban Heading 1")
        write(doc, bulletin)
    _signature(doc, bulletin)
    _imprint(doc, bulletin)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _open(template: Path) -> Document:
    doc = docx.Document(str(template))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    gbt9704.ensure_styles(doc)
    return doc


def _para(doc: Document, text: str, style: str):
    return doc.add_paragraph(text, style=style)


def _masthead(doc: Document, b: BulletinDoc) -> None:
    """版头: the issuing office in red 小标宋, the number two lines below, the red rule."""
    mark = b.office if b.kind == "通报" else "督查简报"
    head = _para(doc, mark, "Duban Masthead")
    # as large as 42 pt allows within the 156 mm text width
    size = min(42.0, 156 / 25.4 * 72 / max(len(mark), 1) * 0.94)
    head.runs[0].font.size = Pt(round(size))
    _para(doc, "", "Duban Number")
    _para(doc, "", "Duban Number")
    number = _para(doc, b.number if b.kind == "通报" else f"{b.number}    {b.office}", "Duban Number")
    gbt9704.red_rule_below(number)
    _para(doc, "", "Duban Body")
    _para(doc, "", "Duban Body")


def _title(doc: Document, title: str) -> None:
    """2号 小标宋, broken into lines of even length rather than leaving a word alone on the last."""
    per_line = int(156 / 25.4 * 72 // gbt9704.SIZE_2.pt)  # 20 characters
    lines = -(-len(title) // per_line)
    size = -(-len(title) // lines)
    paragraph = _para(doc, "", "Duban Title")
    for i in range(0, len(title), size):
        run = paragraph.add_run(title[i : i + size])
        if i + size < len(title):
            run.add_break()


def _overview(doc: Document, b: BulletinDoc) -> None:
    assigned = sum(r.assigned for r in b.units)
    closed = sum(r.closed for r in b.units)
    on_time = sum(r.on_time for r in b.units)
    rate = f"{on_time / closed * 100:.1f}%" if closed else "—"
    _para(doc, f"{b.period}，共交办督办事项{assigned}件，办结{closed}件，其中按期办结{on_time}件，按期办结率{rate}。", "Duban Body")
    for n, (label, totals) in enumerate((("按来源", b.totals_by_source), ("按状态", b.totals_by_status)), start=1):
        if totals:
            _para(doc, f"（{chinese_ordinal(n)}）{label}统计", "Duban Heading 2")
            _para(doc, "，".join(f"{k}{v}件" for k, v in totals.items()) + "。", "Duban Body")


def _units(doc: Document, b: BulletinDoc, chart_font: str | None) -> None:
    if not b.units:
        _para(doc, "本期无交办事项。", "Duban Body")
        return
    _para(doc, f"本期共有{len(b.units)}个责任单位承办督办事项，各单位办理情况见表1、图1。", "Duban Body")
    _para(doc, "表1  各单位办理情况", "Duban Caption")
    rows = [
        ("—" if r.rank is None else str(r.rank), r.unit, str(r.assigned), str(r.closed), str(r.on_time),
         str(r.overdue), str(r.returned), str(r.reopened),
         "—" if r.on_time_rate is None else f"{r.on_time_rate * 100:.1f}%")
        for r in sorted(b.units, key=lambda r: (r.rank is None, r.rank or 0, r.unit))
    ]
    _table(doc, UNIT_HEADER, rows, UNIT_WIDTHS_MM)
    figure = _para(doc, "", "Duban Figure")
    figure.add_run().add_picture(io.BytesIO(on_time_chart(b.units, font_path=chart_font)), width=Mm(150))
    _para(doc, "图1  各单位按期办结率", "Duban Caption")


def _remarks(doc: Document, b: BulletinDoc) -> None:
    for n, (label, remarks, none) in enumerate(
        (("表扬", b.praised, "本期无表扬单位。"), ("批评", b.criticised, "本期无批评单位。")), start=1
    ):
        _para(doc, f"（{chinese_ordinal(n)}）{label}", "Duban Heading 2")
        if not remarks:
            _para(doc, none, "Duban Body")
        for i, remark in enumerate(remarks, start=1):
            _para(doc, f"{i}．{_remark(remark)}", "Duban Body")


def _remark(remark: Remark) -> str:
    reasons = "；".join(r.rstrip("。；") for r in remark.reasons)
    return f"{remark.unit}：{reasons}。" if reasons else f"{remark.unit}。"


def _overdue(doc: Document, b: BulletinDoc) -> None:
    if not b.overdue:
        _para(doc, "截至本期末，无逾期未办结事项。", "Duban Body")
        return
    _para(doc, f"截至本期末，逾期未办结事项{len(b.overdue)}件（见表2），请有关单位抓紧办理。", "Duban Body")
    _para(doc, "表2  逾期未办结事项", "Duban Caption")
    rows = [
        (str(i), item.code, item.title, item.unit, item.due.isoformat())
        for i, item in enumerate(sorted(b.overdue, key=lambda o: (o.due, o.code)), start=1)
    ]
    _table(doc, OVERDUE_HEADER, rows, OVERDUE_WIDTHS_MM, left=(2,))


def _work(doc: Document, work: WorkDoc) -> None:
    """（一）督查计划: each month's focus, planned days, teams; （二）现场督查: the on-site days
    against the minimum and each visit with its team, joint group, items and findings; （三）
    the third-party evaluations and research notes recorded on items, when there are any."""
    _para(doc, "（一）督查计划", "Duban Heading 2")
    for month in work.months:
        _para(doc, _plan_words(month), "Duban Body")
    _para(doc, "（二）现场督查", "Duban Heading 2")
    for month in work.months:
        verdict = "达到" if month.on_site_days >= month.minimum else "未达到"
        _para(doc, f"{month.label}现场督查{month.on_site_days}天，{verdict}每月不少于{month.minimum}天的要求。",
              "Duban Body")
    if not work.visits:
        _para(doc, "本期未开展现场督查。", "Duban Body")
    for n, visit in enumerate(work.visits, start=1):
        _para(doc, f"{n}．{_visit_words(visit)}", "Duban Body")
    if work.evaluations or work.research_notes:
        _para(doc, "（三）第三方评估和调查研究", "Duban Heading 2")
    for n, record in enumerate(work.evaluations, start=1):
        grade = f"，评估等次为{record.extra}" if record.extra else ""
        _para(doc, f"{n}．{record.day.month}月{record.day.day}日，{record.by}对{record.item}开展第三方评估{grade}。"
                   f"评估结论：{record.text.rstrip('。')}。", "Duban Body")
    for n, record in enumerate(work.research_notes, start=len(work.evaluations) + 1):
        where = f"赴{record.extra}" if record.extra else ""
        by = record.by or "督查室"
        _para(doc, f"{n}．{record.day.month}月{record.day.day}日，{by}{where}就{record.item}开展调研。"
                   f"调研情况：{record.text.rstrip('。')}。", "Duban Body")


def _plan_words(month: MonthWork) -> str:
    if month.focus is None:
        return f"{month.label}未制定督查计划。"
    focus = "；".join(f"{n}．{f.rstrip('。；')}" for n, f in enumerate(month.focus, start=1))
    teams = "；".join(f"{t.name}（成员：{'、'.join(t.members)}" + (f"；联合督查组，{t.joint}" if t.joint else "") + "）"
                     for t in month.teams)
    words = f"{month.label}督查重点：{focus}。计划现场督查{month.planned_days}天"
    return words + (f"，组成督查组{len(month.teams)}个：{teams}。" if month.teams else "。")


def _visit_words(visit: Visit) -> str:
    words = f"{visit.day.month}月{visit.day.day}日，{visit.place}。督查人员：{'、'.join(visit.team)}"
    if visit.joint:
        words += f"；联合督查组：{visit.joint}"
    if visit.items:
        words += f"；督查事项：{'、'.join(visit.items)}"
    return words + f"。督查发现：{visit.findings.rstrip('。')}。"


def _outcomes(doc: Document, b: BulletinDoc) -> None:
    """The accountability cases earlier bulletins opened: the measure, the head's report, the status."""
    closed = sum(o.status == "已整改结案" for o in b.outcomes)
    _para(doc, f"对此前通报批评的单位，已按规定启动问责程序，共{len(b.outcomes)}个单位，其中已整改结案{closed}个。"
               "具体情况如下：", "Duban Body")
    for i, case in enumerate(b.outcomes, start=1):
        parts = [f"问责措施：{case.measure}" if case.measure else "问责措施待定"]
        if case.causes:
            parts.append(f"报告原因：{case.causes.rstrip('。；')}")
        if case.measures:
            parts.append(f"改进措施：{case.measures.rstrip('。；')}")
        parts.append(case.status)
        _para(doc, f"{i}．{case.unit}（{case.bulletin_number}通报批评）：{'；'.join(parts)}。", "Duban Body")


def _signature(doc: Document, b: BulletinDoc) -> None:
    """署名 and 成文日期 (右空四字), the office centred over the date."""
    _para(doc, "", "Duban Body")
    _para(doc, "", "Duban Body")
    day = chinese_date(b.issued)
    day_width = sum(0.5 if c.isdigit() else 1 for c in day)
    office = _para(doc, b.office, "Duban Signature")
    office.paragraph_format.right_indent = Emu(round(gbt9704.SIZE_3 * max(4 + (day_width - len(b.office)) / 2, 0)))
    date_line = _para(doc, day, "Duban Signature")
    date_line.paragraph_format.right_indent = gbt9704.SIZE_3 * 4


def _imprint(doc: Document, b: BulletinDoc) -> None:
    """版记: 抄送 and 印发机关/印发日期 between black rules (GB/T 9704-2012 7.4)."""
    _para(doc, "", "Duban Body")
    if b.copy_to:
        copy = _para(doc, "抄送：" + "，".join(b.copy_to) + "。", "Duban Imprint")
        copy.paragraph_format.left_indent = copy.paragraph_format.right_indent = gbt9704.SIZE_4
        gbt9704.imprint_rules(copy, top=True, bottom=False)
    line = _para(doc, f"{b.office}\t{chinese_date(b.issued)}印发", "Duban Imprint")
    line.paragraph_format.left_indent = line.paragraph_format.right_indent = gbt9704.SIZE_4
    line.paragraph_format.tab_stops.add_tab_stop(Mm(156) - gbt9704.SIZE_4 * 2, alignment=2)  # right
    gbt9704.imprint_rules(line, top=True, bottom=True)


def _table(
    doc: Document, header: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float], left=()
) -> None:
    """A bordered table, its header row repeated on each page, written as one piece of XML.

    Cells are centred, but for the column indexes in ``left``.

    (python-docx's cell API resolves the style per paragraph: 12 s for 600 rows, this 0.1 s.)
    """
    style_id = doc.styles["Duban Table Text"].style_id
    widths = [round(w / 25.4 * 1440) for w in widths_mm]
    heiti = escape(gbt9704.HEITI)
    jc_left = '<w:jc w:val="left"/>'
    head_font = f'<w:rFonts w:ascii="{heiti}" w:hAnsi="{heiti}" w:eastAsia="{heiti}" w:hint="eastAsia"/><w:b/>'

    def row(values: Sequence[str], head: bool) -> str:
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{"" if head or i not in left else jc_left}</w:pPr>'
            f'<w:r>{"<w:rPr>" + head_font + "</w:rPr>" if head else ""}<w:t xml:space="preserve">{escape(v)}</w:t></w:r>'
            f"</w:p></w:tc>"
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )
        tr_pr = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if head else "<w:trPr><w:cantSplit/></w:trPr>"
        return f"<w:tr>{tr_pr}{cells}</w:tr>"

    edges = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    body_rows = "".join(row(r, False) for r in rows)
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{edges}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{row(header, True)}{body_rows}</w:tbl>"
    )
    doc.element.body._insert_tbl(parse_xml(xml))
