"""The bulletin document: the .docx read back with python-docx, the chart, and the PDF path."""

from __future__ import annotations

import io
import shutil
import sys
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Emu

from services.reporting.documents import (
    BulletinDoc,
    InvalidDocumentNumber,
    OverdueItem,
    PdfUnavailable,
    Remark,
    UnitRow,
    document_number,
    gbt9704,
    on_time_chart,
    render_bulletin,
    to_pdf,
)
from services.reporting.documents.chart import cjk_font
from services.reporting.documents.model import NUMBER_FORMAT

UNITS = (
    UnitRow("市发展改革委", 40, 36, 35, 1, 2, 0, 35 / 36, 1),
    UnitRow("市教育局", 30, 25, 22, 3, 1, 1, 22 / 25, 2),
    UnitRow("铁东区人民政府", 20, 10, 7, 5, 0, 2, 0.7, 3),
)


def bulletin(**changes) -> BulletinDoc:
    fields = dict(
        kind="通报",
        office="鞍山市人民政府督查室",
        number=document_number("鞍政督通", 2026, 3),
        title="关于2026年11月份督办事项办理情况的通报",
        issued=date(2026, 12, 3),
        period="2026年11月",
        summary=("现将有关情况通报如下。",),
        totals_by_source={"领导批示": 50, "12345热线": 40},
        totals_by_status={"已办结": 71, "已逾期": 9},
        units=UNITS,
        praised=(Remark("市发展改革委", ("按期办结率最高",)),),
        criticised=(Remark("铁东区人民政府", ("逾期事项较多", "反馈不及时")),),
        overdue=(OverdueItem("DB202600017", "老旧小区改造进度", "铁东区人民政府", date(2026, 11, 20)),),
        copy_to=("市委办公室",),
    )
    return BulletinDoc(**(fields | changes))


@pytest.fixture(scope="module")
def document():
    return docx.Document(io.BytesIO(render_bulletin(bulletin())))


def paragraphs(doc, style: str):
    return [p for p in doc.paragraphs if p.style.name == style]


def east_asian_font(style) -> str:
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_page_is_a4_with_the_standard_margins(document):
    section = document.sections[0]
    got = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
           section.left_margin, section.right_margin]
    assert [round(x.mm, 1) for x in got] == [210, 297, 37, 35, 28, 26]


def test_the_grid_holds_22_lines_of_28_characters(document):
    section = document.sections[0]
    grid = section._sectPr.find(qn("w:docGrid"))
    pitch = int(grid.get(qn("w:linePitch")))
    text_height = Emu(section.page_height - section.top_margin - section.bottom_margin).twips
    assert 22 * pitch <= text_height < 23 * pitch
    body = document.styles["Duban Body"]
    assert body.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert body.paragraph_format.line_spacing.twips == pitch
    spacing = int(body.element.rPr.find(qn("w:spacing")).get(qn("w:val")))
    char_width = body.font.size.pt + spacing / 20
    text_width = Emu(section.page_width - section.left_margin - section.right_margin).pt
    assert 28 * char_width <= text_width < 29 * char_width


def test_masthead_is_the_office_in_red_then_the_number_over_a_red_rule(document):
    head = document.paragraphs[0]
    assert head.text == "鞍山市人民政府督查室"
    assert str(head.style.font.color.rgb) == "FF0000"
    assert east_asian_font(head.style) == "方正小标宋简体"
    number = next(p for p in document.paragraphs if p.style.name == "Duban Number" and p.text)
    assert number.text == "鞍政督通〔2026〕3号" and NUMBER_FORMAT.match(number.text)
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000" and rule.get(qn("w:val")) == "single"


@pytest.mark.parametrize("number", ["鞍政督通[2026]3号", "鞍政督通〔2026〕03号", "鞍政督通〔2026〕第3号", "鞍政督通〔26〕3号"])
def test_a_number_not_in_the_standard_form_is_refused(number):
    with pytest.raises(InvalidDocumentNumber):
        bulletin(number=number)


def test_title_body_and_headings_use_the_standard_fonts_and_sizes(document):
    title = paragraphs(document, "Duban Title")[0]
    assert title.text.replace("\n", "") == "关于2026年11月份督办事项办理情况的通报"
    assert (east_asian_font(title.style), title.style.font.size.pt) == ("方正小标宋简体", 22)
    body = document.styles["Duban Body"]
    assert (east_asian_font(body), body.font.size.pt) == ("仿宋_GB2312", 16)
    first = paragraphs(document, "Duban Heading 1")
    second = paragraphs(document, "Duban Heading 2")
    assert [p.text for p in first] == ["一、总体情况", "二、各单位办理情况", "三、表扬和批评", "四、逾期未办结事项"]
    assert second[0].text.startswith("（一）") and second[1].text.startswith("（二）")
    assert east_asian_font(first[0].style) == "黑体" and east_asian_font(second[0].style) == "楷体_GB2312"


def test_the_units_table_has_a_header_and_a_row_per_unit(document):
    units, overdue = document.tables
    rows = [[c.text for c in r.cells] for r in units.rows]
    assert rows[0] == ["排名", "单位", "交办", "办结", "按期办结", "逾期", "退回", "重办", "按期办结率"]
    assert rows[1] == ["1", "市发展改革委", "40", "36", "35", "1", "2", "0", "97.2%"]
    assert [r[1] for r in rows[1:]] == ["市发展改革委", "市教育局", "铁东区人民政府"]
    assert units.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in overdue.rows[1].cells] == ["1", "DB202600017", "老旧小区改造进度", "铁东区人民政府", "2026-11-20"]


def test_the_chart_is_a_png_picture_within_the_text_width(document):
    (shape,) = document.inline_shapes
    assert shape.width.mm <= 156
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    image = document.part.related_parts[blip]
    assert image.content_type == "image/png" and image.blob.startswith(b"\x89PNG")


@pytest.mark.parametrize("which, align", [("footer", WD_ALIGN_PARAGRAPH.RIGHT), ("even_page_footer", WD_ALIGN_PARAGRAPH.LEFT)])
def test_the_footer_numbers_pages_between_em_dashes_odd_right_even_left(document, which, align):
    assert document.settings.odd_and_even_pages_header_footer
    footer = getattr(document.sections[0], which).paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert footer.alignment == align
    instructions = [t.text.strip() for t in footer._p.iter(qn("w:instrText"))]
    kinds = [c.get(qn("w:fldCharType")) for c in footer._p.iter(qn("w:fldChar"))]
    assert instructions == ["PAGE"] and kinds == ["begin", "separate", "end"]


def test_signature_and_imprint_carry_the_office_and_the_date(document):
    texts = [p.text for p in document.paragraphs]
    assert "2026年12月3日" in texts
    assert "抄送：市委办公室。" in texts
    assert "鞍山市人民政府督查室\t2026年12月3日印发" in texts


def test_an_office_template_keeps_its_page_and_gets_the_missing_styles(tmp_path: Path):
    plain = tmp_path / "office.docx"
    docx.Document().save(str(plain))  # python-docx's own default: Letter, 1-inch margins, no Duban styles
    doc = docx.Document(io.BytesIO(render_bulletin(bulletin(), template=plain)))
    assert round(doc.sections[0].left_margin.mm, 2) == 31.75  # 1.25 in
    assert east_asian_font(doc.styles["Duban Body"]) == "仿宋_GB2312"
    assert doc.paragraphs[0].text == "鞍山市人民政府督查室"


def test_a_briefing_is_headed_by_its_kind(document):
    doc = docx.Document(io.BytesIO(render_bulletin(bulletin(kind="简报", criticised=(), overdue=()))))
    assert doc.paragraphs[0].text == "督查简报"
    assert "本期无批评单位。" in [p.text for p in doc.paragraphs]
    assert len(doc.tables) == 1


def test_the_chart_finds_a_cjk_font_on_a_fresh_install():
    assert cjk_font() is not None  # the system's Noto CJK, or the one the mplfonts wheel ships
    assert on_time_chart(UNITS).startswith(b"\x89PNG")


# --- PDF: LibreOffice where installed, PdfUnavailable (→ 503) where not --------------------

FAKE_SOFFICE = f"""#!{sys.executable}
import sys, pathlib
args = sys.argv[1:]
out = pathlib.Path(args[args.index("--outdir") + 1])
src = pathlib.Path(args[-1])
if src.read_bytes()[:2] != b"PK":
    sys.exit(3)
(out / (src.stem + ".pdf")).write_bytes(b"%PDF-1.7 fake")
"""


def install(directory: Path, script: str) -> Path:
    directory.mkdir()
    program = directory / "soffice"
    program.write_text(script)
    program.chmod(0o755)
    return directory


@pytest.mark.parametrize("case", ["missing", "converts", "fails"])
def test_pdf_path_by_what_is_on_path(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if case == "missing":
        monkeypatch.setenv("PATH", str(tmp_path))
    elif case == "converts":
        monkeypatch.setenv("PATH", str(install(tmp_path / "bin", FAKE_SOFFICE)))
    else:
        monkeypatch.setenv("PATH", str(install(tmp_path / "bin", f"#!{sys.executable}\nimport sys\nsys.exit(1)\n")))
    source = render_bulletin(bulletin())
    if case == "converts":
        assert to_pdf(source) == b"%PDF-1.7 fake"
    else:
        with pytest.raises(PdfUnavailable, match="LibreOffice"):
            to_pdf(source)


def test_pdf_on_this_machine_converts_or_says_why_not():
    source = render_bulletin(bulletin())
    if shutil.which("soffice") or shutil.which("libreoffice"):
        pdf = to_pdf(source, timeout=120)
        assert pdf.startswith(b"%PDF")
    else:
        with pytest.raises(PdfUnavailable, match="needs LibreOffice"):
            to_pdf(source)


def test_layout_constants_match_the_standard():
    assert gbt9704.LINE_PITCH_TWIPS == 579 and gbt9704.LINES_PER_PAGE == 22 and gbt9704.CHARS_PER_LINE == 28


def test_the_image_maps_every_font_the_document_names_to_a_free_stand_in():
    conf = (Path(__file__).resolve().parents[2] / "deploy" / "fonts" / "65-duban-gov-fonts.conf").read_text()
    for font in (gbt9704.XIAOBIAOSONG, gbt9704.FANGSONG, gbt9704.HEITI, gbt9704.KAITI, gbt9704.SONGTI):
        assert f"<string>{font}</string>" in conf or f"<family>{font}</family>" in conf
