"""The bulletin document: .docx (python-docx, GB/T 9704-2012 layout), its chart, and PDF."""

from .bulletin_docx import DEFAULT_TEMPLATE, render_bulletin
from .chart import on_time_chart
from .model import BulletinDoc, CaseOutcome, InvalidDocumentNumber, OverdueItem, Remark, UnitRow, document_number
from .pdf import PdfUnavailable, to_pdf

__all__ = [
    "DEFAULT_TEMPLATE",
    "BulletinDoc",
    "CaseOutcome",
    "InvalidDocumentNumber",
    "OverdueItem",
    "PdfUnavailable",
    "Remark",
    "UnitRow",
    "document_number",
    "on_time_chart",
    "render_bulletin",
    "to_pdf",
]
