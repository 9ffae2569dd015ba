"""Which websites may show the booking site in a frame: the practice's list of https origins.

Pure (no ORM), so the practices model can validate with it and the booking views can turn it
into the CSP `frame-ancestors` of their responses. An origin is what a browser compares:
`https://host[:port]`, nothing after it. A path, a query, a wildcard, `http:` (except for
localhost, for trying it out) or a bare `*` would either never match or frame the patients'
pages on any site, so they are refused with a sentence saying which entry is wrong.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ["embed_origins", "validate_embed_origins"]

MAX_ORIGINS = 20
_HOST = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
_ORIGIN = re.compile(rf"^https://{_HOST}(?::\d{{1,5}})?$")
_LOCAL = re.compile(r"^http://(?:localhost|127\.0\.0\.1)(?::\d{1,5})?$")


def _entries(text: str) -> list[str]:
    return [entry for entry in (text or "").split() if entry]


def _normal(entry: str) -> str:
    return entry.lower().rstrip("/")


def validate_embed_origins(text: str) -> None:
    """Raise a ValidationError naming the first entry that is not an https origin."""
    entries = _entries(text)
    if len(entries) > MAX_ORIGINS:
        raise ValidationError(
            _("List at most %(count)s websites."), code="too_many", params={"count": MAX_ORIGINS}
        )
    for entry in entries:
        origin = _normal(entry)
        if not (_ORIGIN.match(origin) or _LOCAL.match(origin)):
            raise ValidationError(
                _(
                    "“%(value)s” is not a website address such as https://www.example.org "
                    "(https, no path)."
                ),
                code="invalid_origin",
                params={"value": entry[:100]},
            )


def embed_origins(text: str) -> list[str]:
    """The valid origins of the list, normalised; anything else is left out (never framed)."""
    found: list[str] = []
    for entry in _entries(text):
        origin = _normal(entry)
        if (_ORIGIN.match(origin) or _LOCAL.match(origin)) and origin not in found:
            found.append(origin)
    return found[:MAX_ORIGINS]
