"""GB/T 9704-2012 layout in python-docx: the page, the grid, the styles, the page number.

``apply_layout(doc)`` puts the standard's page setup, styles and footer on a document;
the default template (``services/reporting/templates/bulletin.docx``) is made by it, and
``ensure_styles(doc)`` adds only the styles a replaced template lacks.

Fonts are named by the licensed names offices have installed (``w:eastAsia``); the image
maps them to free stand-ins through fontconfig (deploy/fonts/65-duban-gov-fonts.conf).
"""

from __future__ import annotations

from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

RED = RGBColor(0xFF, 0x00, 0x00)

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(10.5)  # 2号 3号 4号 5号

_TEXT_HEIGHT_TWIPS = round((297 - 37 - 35) / 25.4 * 1440)  # 225 mm
_TEXT_WIDTH_PT = (210 - 28 - 26) / 25.4 * 72  # 156 mm
LINE_PITCH_TWIPS = _TEXT_HEIGHT_TWIPS // LINES_PER_PAGE  # 579 twips = 28.95 pt
# 28 characters of 3号 on 156 mm: each character narrowed by 0.25 pt (15.75 pt × 28 = 441 pt of 442.2).
# A character grid (w:docGrid linesAndChars + w:charSpace) would say the same to Word, but
# LibreOffice lays such a grid out as square cells of the line pitch (15 characters a line),
# so the spacing is set on the styles and the grid holds the 22 lines only.
CHAR_SPACING_TWENTIETHS = -5
assert (SIZE_3.pt + CHAR_SPACING_TWENTIETHS / 20) * CHARS_PER_LINE <= _TEXT_WIDTH_PT
LINE_PITCH = Pt(LINE_PITCH_TWIPS / 20)

# style name → (font, size, alignment, bold, on the 22-line grid)
STYLES = {
    "Duban Masthead": (XIAOBIAOSONG, Pt(42), WD_ALIGN_PARAGRAPH.CENTER, False, False),
    "Duban Number": (FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.CENTER, False, True),
    "Duban Title": (XIAOBIAOSONG, SIZE_2, WD_ALIGN_PARAGRAPH.CENTER, False, False),
    "Duban Addressee": (FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, False, True),
    "Duban Body": (FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.JUSTIFY, False, True),
    "Duban Heading 1": (HEITI, SIZE_3, WD_ALIGN_PARAGRAPH.JUSTIFY, False, True),
    "Duban Heading 2": (KAITI, SIZE_3, WD_ALIGN_PARAGRAPH.JUSTIFY, False, True),
    "Duban Caption": (HEITI, SIZE_4, WD_ALIGN_PARAGRAPH.CENTER, False, True),
    "Duban Signature": (FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.RIGHT, False, True),
    "Duban Table Text": (FANGSONG, SIZE_5, WD_ALIGN_PARAGRAPH.CENTER, False, False),
    "Duban Figure": (FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.CENTER, False, False),
    "Duban Imprint": (FANGSONG, SIZE_4, WD_ALIGN_PARAGRAPH.LEFT, False, True),
    "Duban Page Number": (SONGTI, SIZE_4, WD_ALIGN_PARAGRAPH.CENTER, False, False),
}
INDENTED = {"Duban Body", "Duban Heading 1", "Duban Heading 2"}  # 首行缩进二字


def set_east_asian_font(rpr_owner, name: str) -> None:
    """Names the font for every script (w:ascii, w:hAnsi, w:eastAsia, w:cs) on a run or style."""
    fonts = rpr_owner.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:hint"), "eastAsia")


def apply_layout(doc: Document) -> None:
    """Page, margins, 22×28 grid, every style and the — 1 — footer, overwriting what was there."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    _set_doc_grid(section._sectPr)
    for name in STYLES:
        _define_style(doc, name)
    # 单页码居右空一字，双页码居左空一字 (GB/T 9704-2012 7.5)
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        _page_number_footer(footer.paragraphs[0], doc.styles["Duban Page Number"], align)


def ensure_styles(doc: Document) -> None:
    """Adds the styles the renderer uses that a replaced template does not define."""
    present = {s.name for s in doc.styles}
    for name in STYLES:
        if name not in present:
            _define_style(doc, name)


def _set_doc_grid(sect_pr) -> None:
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.attrib.pop(qn("w:charSpace"), None)


def _define_style(doc: Document, name: str) -> None:
    font, size, align, bold, on_grid = STYLES[name]
    styles = doc.styles
    style = styles[name] if name in {s.name for s in styles} else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = None
    style.font.size, style.font.bold, style.font.color.rgb = size, bold, None
    set_east_asian_font(style.element, font)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = size * 2 if name in INDENTED else None
    fmt.widow_control = False
    if size == SIZE_3:
        rpr = style.element.get_or_add_rPr()
        spacing = rpr.find(qn("w:spacing"))
        if spacing is None:
            spacing = OxmlElement("w:spacing")
            _insert_before(rpr, spacing, _RPR_AFTER_SPACING)
        spacing.set(qn("w:val"), str(CHAR_SPACING_TWENTIETHS))
    if on_grid:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE_PITCH
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        snap = _ppr_child(style.element.get_or_add_pPr(), "w:snapToGrid")
        snap.set(qn("w:val"), "0")
    _east_asian_language(style.element.get_or_add_rPr())
    if name == "Duban Masthead":
        style.font.color.rgb = RED
    if name in ("Duban Heading 1", "Duban Heading 2", "Duban Caption", "Duban Figure"):
        fmt.keep_with_next = True


def _page_number_footer(paragraph: Paragraph, style, align: WD_ALIGN_PARAGRAPH) -> None:
    """— 1 —: the PAGE field between em dashes, 4号 宋体, one character in from the edge."""
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    paragraph.style = style
    paragraph.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = SIZE_4
    else:
        paragraph.paragraph_format.left_indent = SIZE_4
    paragraph.add_run("— ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" —")


def _field(paragraph: Paragraph, instruction: str) -> None:
    for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text.strip() == "1":
            run.text = text
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)


def red_rule_below(paragraph: Paragraph, *, color: str = "FF0000", size_eighths: int = 18, space_pt: int = 11) -> None:
    """The 版头 separator: a bottom border the width of the text block."""
    _border(paragraph, "bottom", color, size_eighths, space_pt)


def _border(paragraph: Paragraph, side: str, color: str, size_eighths: int, space_pt: int) -> None:
    borders = _ppr_child(paragraph._p.get_or_add_pPr(), "w:pBdr")
    edge = OxmlElement(f"w:{side}")
    for attr, value in (("val", "single"), ("sz", size_eighths), ("space", space_pt), ("color", color)):
        edge.set(qn(f"w:{attr}"), str(value))
    order = ("w:top", "w:left", "w:bottom", "w:right")
    _insert_before(borders, edge, order[order.index(f"w:{side}") + 1 :])


def imprint_rules(paragraph: Paragraph, *, top: bool, bottom: bool) -> None:
    """版记 lines: black, the first and last ones thicker (GB/T 9704-2012 7.4.1)."""
    if top:
        _border(paragraph, "top", "000000", 8, 1)
    if bottom:
        _border(paragraph, "bottom", "000000", 8, 1)


# w:pPr's children in schema order (CT_PPr in ECMA-376 Part 1, 17.3.1.26)
_PPR_SEQUENCE = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl", "w:numPr",
    "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)


def _east_asian_language(rpr) -> None:
    """zh-CN, so that a CJK font collection gives the simplified-Chinese glyphs and punctuation."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        _insert_before(rpr, lang, ("w:eastAsianLayout", "w:specVanish", "w:oMath"))
    lang.set(qn("w:eastAsia"), "zh-CN")


# w:rPr's children that come after w:spacing (CT_RPr, 17.3.2.28)
_RPR_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)


def _ppr_child(ppr, tag: str):
    """The pPr child ``tag``, added where the schema's sequence puts it (Word is strict about order)."""
    child = ppr.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        _insert_before(ppr, child, _PPR_SEQUENCE[_PPR_SEQUENCE.index(tag) + 1 :])
    return child


def _insert_before(parent, child, successors) -> None:
    """Inserts ``child`` before the first of ``successors`` present in ``parent``, else appends it."""
    names = {qn(tag) for tag in successors}
    for index, existing in enumerate(parent):
        if existing.tag in names:
            parent.insert(index, child)
            return
    parent.append(child)
