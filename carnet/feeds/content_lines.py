"""RFC 5545 content lines: escaping TEXT values and folding lines at 75 octets.

Shared by the feed writer (:mod:`carnet.feeds.ical`) and its time-zone components
(:mod:`carnet.feeds.vtimezone`). Pure: strings in, strings or bytes out.
"""

from __future__ import annotations

import re

__all__ = ["MAX_LINE_OCTETS", "escape_text", "fold", "fold_line"]

MAX_LINE_OCTETS = 75  # RFC 5545 section 3.1, excluding the CRLF

# RFC 5545 TEXT may not contain CONTROL characters other than HTAB; they are dropped.
_ESCAPES: dict[int, str | None] = {c: None for c in [*range(0x09), *range(0x0A, 0x20), 0x7F]}
_ESCAPES |= {ord("\\"): "\\\\", ord(";"): "\\;", ord(","): "\\,", ord("\n"): "\\n"}
_NEEDS_ESCAPE = re.compile(r"[\\;,\x00-\x08\x0a-\x1f\x7f]")


def escape_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 section 3.3.11); CR LF and lone CR become newlines."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_ESCAPES)


def fold(line: str) -> str:
    """Fold a content line at 75 octets, returned as text joined by CRLF + space.

    Cuts fall between UTF-8 sequences, never inside one. Continuation lines hold 74 octets
    after their leading space. Lone surrogates, which UTF-8 cannot carry, become "?".
    """
    if line.isascii():
        if len(line) <= MAX_LINE_OCTETS:
            return line
        if len(line) <= 2 * MAX_LINE_OCTETS - 1:  # URLs and descriptions: one fold
            return f"{line[:MAX_LINE_OCTETS]}\r\n {line[MAX_LINE_OCTETS:]}"
        first = MAX_LINE_OCTETS
        rest = range(first, len(line), MAX_LINE_OCTETS - 1)
        return "\r\n ".join([line[:first], *(line[i : i + MAX_LINE_OCTETS - 1] for i in rest)])
    data = line.encode("utf-8", "replace")
    chunks = []
    begin, limit, size = 0, MAX_LINE_OCTETS, len(data)
    while size - begin > limit:
        cut = begin + limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: step back to a boundary
            cut -= 1
        chunks.append(data[begin:cut])
        begin, limit = cut, MAX_LINE_OCTETS - 1
    chunks.append(data[begin:])
    return b"\r\n ".join(chunks).decode("utf-8")


def fold_line(line: str) -> bytes:
    """One unfolded content line as feed bytes: UTF-8, folded at 75 octets, ending in CRLF.

    The line must already be escaped: a CR or LF in it raises ``ValueError``.
    """
    if "\r" in line or "\n" in line:
        raise ValueError("a content line cannot contain CR or LF: escape the value first")
    return (fold(line) + "\r\n").encode("utf-8")
