"""The ledger workbook holds any text a unit typed, as text: read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from services.ledger.adapters.export import HEADERS, cell_text, workbook


def view(**overrides: Any) -> dict[str, Any]:
    item = {"code": "督办〔2026〕1号", "title": "推进老旧小区改造", "source_label": "政府工作报告目标任务",
            "lead_unit_name": "市住建局", "co_unit_names": ["铁东区"], "leader_name": "刘建国",
            "assigned_on": dt.date(2026, 3, 2), "due_date": dt.date(2026, 3, 9), "progress": "",
            "status_label": "办理中", "light_label": "绿灯", "light": "green"}
    return {**item, **overrides}


def read_back(*items: dict[str, Any]) -> list[Any]:
    sheet = load_workbook(io.BytesIO(workbook(items))).active
    assert tuple(c.value for c in sheet[1]) == HEADERS
    return [list(row) for row in sheet.iter_rows(min_row=2)]


def test_formula_and_error_lookalikes_are_string_cells() -> None:
    texts = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "=HYPERLINK(\"http://x\",\"y\")", "#N/A", "#DIV/0!"]
    rows = read_back(*(view(title=t, progress=t, code=t) for t in texts))
    assert [(r[1].data_type, r[1].value, r[2].data_type, r[2].value, r[9].data_type, r[9].value) for r in rows] == [
        ("s", t, "s", t, "s", t) for t in texts]


def test_control_characters_are_dropped_and_word_line_breaks_kept() -> None:
    [row] = read_back(view(title="第一行\x0b第二行\x00\x01\x1f", progress="进展\x0c下页\ufffe\uffff完", leader_name="\x08王"))
    assert (row[2].value, row[9].value, row[6].value) == ("第一行\n第二行", "进展\n下页完", "王")
    assert cell_text("tab\tand\r\nlines") == "tab\tand\r\nlines"


def test_dates_excel_cannot_count_are_written_as_iso_text() -> None:
    [row] = read_back(view(assigned_on=dt.date(1, 1, 1), due_date=dt.date(9999, 12, 31)))
    assert (row[7].data_type, row[7].value) == ("s", "0001-01-01")
    assert (row[8].data_type, row[8].value) == ("d", dt.datetime(9999, 12, 31))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_any_text_exports_as_the_same_string_cell(text: str) -> None:
    [row] = read_back(view(title=text, progress=text))
    expected = cell_text(text) or None  # an empty cell reads back as None
    assert (row[2].value, row[9].value) == (expected, expected)
    assert row[2].value is None or row[2].data_type == "s"
