"""The ledger (台帐) as an Excel workbook: the list's rows, one per item, light in colour."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

HEADERS = ("序号", "事项编号", "事项名称", "来源", "牵头单位", "协办单位", "责任领导", "交办日期", "办理时限",
           "办理进展", "状态", "预警")
WIDTHS = (6, 18, 36, 20, 18, 24, 10, 12, 12, 48, 10, 8)
FILLS = {"red": "FFFF0000", "yellow": "FFFFC000", "green": "FF00B050"}
DATE_FORMAT = "yyyy-mm-dd"


def light_fill(light: str | None) -> PatternFill | None:
    colour = FILLS.get(light or "")
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour) if colour else None


def row_of(n: int, item: dict[str, Any]) -> list[Any]:
    return [n, item["code"], item["title"], item["source_label"], item["lead_unit_name"],
            "、".join(item["co_unit_names"]), item["leader_name"], item["assigned_on"], item["due_date"],
            item["progress"], item["status_label"], item["light_label"]]


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
            if isinstance(cell.value, dt.date):
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
