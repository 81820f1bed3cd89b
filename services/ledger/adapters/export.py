"""The ledger (台帐) as an Excel workbook: the list's rows, one per item, light in colour.

Whatever a unit typed is written as text: every text cell is a string cell (a value that
starts with ``=``, ``+``, ``-``, ``@`` or reads ``#N/A`` is never a formula or an error),
and characters a worksheet cannot hold are dropped here, so rows stored before any edge
check export too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font, PatternFill

HEADERS = ("序号", "事项编号", "事项名称", "来源", "牵头单位", "协办单位", "责任领导", "交办日期", "办理时限",
           "办理进展", "状态", "预警")
WIDTHS = (6, 18, 36, 20, 18, 24, 10, 12, 12, 48, 10, 8)
FILLS = {"red": "FFFF0000", "yellow": "FFFFC000", "green": "FF00B050"}
DATE_FORMAT = "yyyy-mm-dd"
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
FIRST_EXCEL_DATE = dt.date(1900, 3, 1)  # earlier dates have no faithful serial number in Excel's 1900 system

# XML 1.0 holds tab, line feed, carriage return and these ranges; openpyxl refuses the other C0
# controls (its ILLEGAL_CHARACTERS_RE) and lxml refuses U+FFFE, U+FFFF and lone surrogates on save.
_NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WORD_LINE_BREAKS = re.compile("[\x0b\x0c]")  # Word's manual line break (Shift+Enter) pastes as \x0b


def cell_text(value: str) -> str:
    """``value`` as a worksheet can hold it: line breaks kept, other control characters dropped."""
    return _NOT_IN_XML.sub("", _WORD_LINE_BREAKS.sub("\n", value))[:MAX_CELL_TEXT]


def cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return cell_text(value)
    if isinstance(value, dt.date) and value < FIRST_EXCEL_DATE:
        return value.isoformat()
    return value


def light_fill(light: str | None) -> PatternFill | None:
    colour = FILLS.get(light or "")
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour) if colour else None


def row_of(n: int, item: dict[str, Any]) -> list[Any]:
    values = [n, item["code"], item["title"], item["source_label"], item["lead_unit_name"],
              "、".join(item["co_unit_names"]), item["leader_name"], item["assigned_on"], item["due_date"],
              item["progress"], item["status_label"], item["light_label"]]
    return [cell_value(value) for value in values]


def workbook(items: Iterable[dict[str, Any]], title: str = "督办事项台帐") -> bytes:
    """``items`` are views as the list API returns them (``views.item_view``)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for n, item in enumerate(items, start=1):
        sheet.append(row_of(n, item))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # openpyxl reads "=…" as a formula and "#N/A" as an error
            elif isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
        fill = light_fill(item["light"])
        if fill is not None:
            sheet.cell(row=sheet.max_row, column=len(HEADERS)).fill = fill
    for column, width in zip("ABCDEFGHIJKL", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
