"""Writes the default bulletin template, an empty document with the GB/T 9704-2012 layout.

    .venv/bin/python -m services.reporting.documents.template [services/reporting/templates/bulletin.docx]

An office replaces the file with its own (page setup, styles named ``Duban …``, footer),
keeping the style names; the renderer adds any style the file lacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import docx

from .gbt9704 import apply_layout


def build_template(path: Path) -> None:
    doc = docx.Document()
    body = doc.element.body
    for child in list(body):
        if child.tag.endswith("}p"):
            body.remove(child)
    apply_layout(doc)
    doc.core_properties.title = "督查通报模板"
    doc.core_properties.author = "Duban"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1] / "templates" / "bulletin.docx"
    build_template(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
