"""How many SMS a text costs: the GSM 03.38 alphabet, or UCS-2 as soon as one character is outside.

A single SMS carries 160 GSM-7 characters, where the extension characters (€, [, ], {, }, ...)
take two places each (an escape and the character), or 70 UCS-2 code units when any character
is outside GSM-7 (Spanish á, í, ó, ú and French ç, ê, â, î, ô, û are; é, è, ù, ì, ò, à, É, Ç,
ä, ö, ñ, ü are not). A longer text is split into parts of 153 and 67 (six or three places go to
the concatenation header). Phones and gateways count this way; so does the bill.
"""

from __future__ import annotations

import math
import unicodedata

# The basic character set of GSM 03.38 (ESC, 0x1B, is left out: it is never text).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two places (the escape, then the character).
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Typographic characters that have a plain GSM-7 twin, so that a practice name typed on a Mac
# (a curly apostrophe, an en dash) does not switch the whole message to UCS-2 and 70 places.
TYPOGRAPHIC_TWINS = {
    "‘": "'",
    "’": "'",
    "‚": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\t": " ",
}


def is_gsm(text: str) -> bool:
    """True when every character of `text` can be sent in the GSM-7 alphabet."""
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def gsm_length(text: str) -> int:
    """Places taken in GSM-7 (extension characters count two). Only meaningful if is_gsm."""
    return sum(2 if char in GSM_EXTENSION else 1 for char in text)


def ucs2_length(text: str) -> int:
    """UTF-16 code units: a character beyond the BMP (most emoji) takes two."""
    return len(text.encode("utf-16-le")) // 2


def sms_length(text: str) -> tuple[int, int, int]:
    """(places used, places in a single SMS, places per part of a long SMS) for `text`."""
    if is_gsm(text):
        return gsm_length(text), GSM_SINGLE, GSM_PART
    return ucs2_length(text), UCS2_SINGLE, UCS2_PART


def sms_segments(text: str) -> int:
    """How many SMS `text` is sent as (an empty text still costs one)."""
    used, single, part = sms_length(text)
    if used <= single:
        return 1
    return math.ceil(used / part)


def fits_one_segment(text: str) -> bool:
    used, single, _part = sms_length(text)
    return used <= single


def gsm_fold(text: str) -> str:
    """`text` with what has a GSM-7 twin replaced by it (curly quotes -> ', ç -> c, œ -> oe).

    Characters without a twin (Greek lower case, CJK, emoji) are kept: the caller decides
    whether the folded text is GSM-7 (`is_gsm`) and what to do if not.
    """
    folded: list[str] = []
    for char in text:
        if char in GSM_BASIC or char in GSM_EXTENSION:
            folded.append(char)
        elif char in TYPOGRAPHIC_TWINS:
            folded.append(TYPOGRAPHIC_TWINS[char])
        elif char in "œŒ":
            folded.append("oe" if char == "œ" else "OE")
        else:
            # Decompose (ç -> c + cedilla) and keep the base if GSM-7 has it.
            base = unicodedata.normalize("NFKD", char)
            plain = "".join(c for c in base if not unicodedata.combining(c))
            folded.append(plain if plain and is_gsm(plain) else char)
    return "".join(folded)
