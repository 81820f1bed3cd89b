"""The bulletin as PDF: LibreOffice converts the .docx (``soffice --headless --convert-to pdf``).

LibreOffice is optional: where ``soffice`` is not on PATH, ``to_pdf`` raises
``PdfUnavailable`` and the API answers 503 with its message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made here: LibreOffice is missing, failed or timed out."""

    @property
    def detail(self) -> str:
        """What the API answers with its 503, in Chinese and English."""
        return f"暂无法生成 PDF（本机未安装或无法运行 LibreOffice），请下载 .docx 版本。PDF unavailable: {self}"


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes, *, timeout: float = 60.0, soffice: str | None = None) -> bytes:
    """Converts .docx bytes to PDF bytes in a temporary directory (its own LibreOffice profile)."""
    program = soffice or soffice_path()
    if program is None:
        raise PdfUnavailable("PDF output needs LibreOffice (soffice) on this host; the .docx is available")
    with tempfile.TemporaryDirectory(prefix="duban-pdf-") as tmp:
        work = Path(tmp)
        source = work / "bulletin.docx"
        source.write_bytes(docx)
        command = [
            program,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=timeout, env={**os.environ, "HOME": str(work)}, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfUnavailable(f"LibreOffice did not convert the bulletin within {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfUnavailable(f"LibreOffice could not be started: {exc}") from exc
        target = work / "bulletin.pdf"
        if done.returncode != 0 or not target.is_file():
            detail = (done.stderr or done.stdout).decode(errors="replace").strip()[-300:]
            raise PdfUnavailable(f"LibreOffice failed to convert the bulletin (exit {done.returncode}): {detail}")
        return target.read_bytes()
