"""What an uploaded file is, told from its bytes (never from what the client says it is).

``FileCheck`` is fed the file as it arrives: it refuses a file past its size limit at once,
decides the type from the first bytes (``filetype``'s signatures, the OLE2 and ZIP ones
with the declared extension to tell a .docx from a .xlsx), and checks a text file is UTF-8
without NUL to its end. The allowed types are ``ALLOWED``; a ZIP archive, an executable or
anything else is refused.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

import filetype

from shared.contracts.text import one_line

HEAD_BYTES = 8192  # what the signatures look at (filetype reads as many)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (and .msi: the extension decides)
ZIP = b"PK\x03\x04"

BY_SIGNATURE = {"application/pdf": "application/pdf", "image/jpeg": "image/jpeg", "image/png": "image/png",
                "image/gif": "image/gif"}
ZIPPED = {  # a ZIP container is allowed as one of these documents only
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ofd": "application/ofd",
}
LEGACY_OFFICE = {"doc": "application/msword", "xls": "application/vnd.ms-excel",
                 "ppt": "application/vnd.ms-powerpoint"}
TEXT = "text/plain; charset=utf-8"
MEDIA_TYPES = sorted({*BY_SIGNATURE.values(), *ZIPPED.values(), *LEGACY_OFFICE.values(), TEXT})
"""Every media type an attachment may have."""
ALLOWED = "PDF, JPEG, PNG, GIF, Word/Excel/PowerPoint (.docx .xlsx .pptx .doc .xls .ppt), OFD, UTF-8 text (.txt)"


class AttachmentTooLarge(ValueError):
    """The file is larger than the attachment limit."""


class UnsupportedFileType(ValueError):
    """The file's content is none of the allowed types."""


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def type_by_head(head: bytes, name: str) -> str | None:
    """The media type the first bytes show (with the declared extension for containers);
    ``None`` when they show no binary type (the file may still be text)."""
    ext = extension_of(name)
    if head.startswith(OLE2):
        return _declared(LEGACY_OFFICE, ext, "an OLE2 (legacy Office) file")
    if head.startswith(ZIP):
        return _declared(ZIPPED, ext, "a ZIP archive")
    kind: Any = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime in BY_SIGNATURE:
        return BY_SIGNATURE[kind.mime]
    raise UnsupportedFileType(f"files of type {kind.mime} are not accepted; allowed: {ALLOWED}")


def _declared(types: dict[str, str], ext: str, what: str) -> str:
    if ext not in types:
        raise UnsupportedFileType(f"{what} is accepted only as {', '.join('.' + e for e in types)}; "
                                  f"allowed: {ALLOWED}")
    return types[ext]


@dataclass
class FileCheck:
    """Fed the file chunk by chunk; ``finish`` gives its media type (or refuses it)."""

    name: str
    max_bytes: int
    size: int = 0
    media_type: str | None = None
    _head: bytearray = field(default_factory=bytearray)
    _decided: bool = False
    _pending: list[bytes] = field(default_factory=list)  # chunks fed before the type was known
    _text: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")())

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise AttachmentTooLarge(f"the file is larger than {self.max_bytes} bytes")
        if not self._decided:
            self._head += chunk[:HEAD_BYTES]
            if len(self._head) >= HEAD_BYTES:
                self._decide()
        if self._decided and self.media_type == TEXT:
            self._check_text(chunk)
        elif not self._decided:
            self._pending.append(chunk)

    def _decide(self) -> None:
        self._decided = True
        self.media_type = type_by_head(bytes(self._head[:HEAD_BYTES]), self.name)
        if self.media_type is None:
            if extension_of(self.name) != "txt":
                raise UnsupportedFileType(f"the file's content is not of an accepted type; allowed: {ALLOWED}")
            self.media_type = TEXT
            for chunk in self._pending:
                self._check_text(chunk)
        self._pending.clear()

    def _check_text(self, chunk: bytes, final: bool = False) -> None:
        try:
            text = self._text.decode(chunk, final)
        except UnicodeDecodeError:
            raise UnsupportedFileType("a .txt file must be UTF-8 text") from None
        if "\x00" in text:
            raise UnsupportedFileType("a .txt file must be text (it holds a NUL byte)")

    def finish(self) -> str:
        """The file's media type, once all of it was fed."""
        if self.size == 0:
            raise UnsupportedFileType("the file is empty")
        if not self._decided:
            self._decide()
        if self.media_type == TEXT:
            self._check_text(b"", final=True)
        assert self.media_type is not None
        return self.media_type


def clean_file_name(raw: str, limit: int = 255) -> str:
    """The name to keep and to offer on download: no folders, one line, no controls (any
    script is fine), at most ``limit`` characters with the extension kept; ``file`` if none."""
    name = one_line(raw.replace("\\", "/").rsplit("/", 1)[-1]).strip(". ")
    name = name.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(name) else name
    if len(name) > limit:
        ext = extension_of(name)
        keep = limit - len(ext) - 1 if ext and len(ext) < 16 else limit
        name = name[:keep] + ("." + ext if keep < limit else "")
    return name or "file"


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)
