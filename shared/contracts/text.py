"""Free text made safe to show, mail and export, whoever typed it.

One unit's text is read by others: in e-mail subjects (where a line break is refused),
in spreadsheet cells (where control characters are refused) and on screens. So text is
cleaned once, where it enters a contract field: control characters go, every kind of
line break becomes one known form, and the ends are stripped. The field types in
``shared.contracts.base`` apply these functions; the HTTP edges reuse those types.
"""

from __future__ import annotations

import re

LINE_BREAK = re.compile("\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
"""Every line boundary ``str.splitlines`` knows (CR LF counts as one)."""
_CONTROLS = "\x00-\x1f\x7f-\x9f"  # C0, DEL and C1
_SURROGATES = "\ud800-\udfff"  # lone halves of a UTF-16 pair: no UTF-8 encodes them
_NOT_TEXT = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
_NOT_TEXT_BUT_TAB_LF = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_SURROGATES}]")

VISIBLE = r"[^\s\u0000-\u001f\u007f-\u009f]"
"""A regex (Rust, Python and ECMA-262 alike) for one character that is neither
whitespace nor a control; in a JSON Schema ``pattern`` (a search) it says "not blank"."""
TOKEN = rf"^{VISIBLE}+$"
"""A regex for a token: one or more such characters and nothing else."""
NO_CONTROLS = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]+$"
"""A regex for one line of any characters but controls (spaces allowed)."""


def one_line(text: str) -> str:
    """Line breaks and tabs become spaces, other control characters go, the ends are stripped."""
    text = LINE_BREAK.sub(" ", text).replace("\t", " ")
    return _NOT_TEXT.sub("", text).strip()


def multi_line(text: str) -> str:
    """Line breaks become ``\\n``; control characters other than ``\\n`` and ``\\t`` go; the ends are stripped."""
    return _NOT_TEXT_BUT_TAB_LF.sub("", LINE_BREAK.sub("\n", text)).strip()
