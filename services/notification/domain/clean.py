"""Text that leaves this service is made safe here, whoever typed it.

An item's title, a free message or a comment comes from one unit and is read by others:
in an e-mail subject (where a line break is refused, or forges a header), in a webhook's
JSON, in the inbox of the console (where a ``javascript:`` link would run). So:

- ``one_line``: a header or a title. Every line break (CR, LF, U+2028, U+2029, U+0085, …)
  and every control character becomes a space; runs of spaces become one; ends stripped.
- ``plain_text``: a message body. Line breaks become ``\\n``, tabs stay, other control
  characters go.
- ``web_link``: a link is served only when it is an absolute ``http``/``https`` URL with a
  host and no space or control character in it; otherwise there is no link.
- ``served``: a stored (title, body, link) as it may be shown or sent, so rows stored
  before these rules are served by them too.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

LINE_BREAK = re.compile("\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]")
"""Every line boundary ``str.splitlines`` knows (CR LF counts as one)."""
_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # controls but tab and LF; lone surrogates
_SPACES = re.compile(r"\s+")
WEB_SCHEMES = frozenset({"http", "https"})


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def one_line(text: str) -> str:
    """``text`` as one line: line breaks and control characters become spaces, collapsed, stripped."""
    spaced = "".join(" " if _is_control(char) else char for char in text)
    return _SPACES.sub(" ", spaced).strip()


def plain_text(text: str) -> str:
    """``text`` with ``\\n`` line breaks and no control character other than ``\\n`` and tab."""
    return _NOT_TEXT.sub("", LINE_BREAK.sub("\n", text))


def web_link(link: str | None) -> str | None:
    """``link`` when it is an absolute http(s) URL with a host, else None."""
    if not link or any(char.isspace() or _is_control(char) for char in link):
        return None
    try:
        parts = urlsplit(link)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return link if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else None


def served(title: str, body: str, link: str | None) -> tuple[str, str, str | None]:
    """A stored message as it may be shown or sent. A link that is not http(s) is dropped, and
    so is any line of the body that spells it (the templates write it as ``详情：<link>``)."""
    safe, body = web_link(link), plain_text(body)
    spelt = plain_text(link or "").strip().split("\n")[0]
    if safe is None and spelt:
        body = "\n".join(line for line in body.split("\n") if spelt not in line)
    return one_line(title), body.strip(), safe
