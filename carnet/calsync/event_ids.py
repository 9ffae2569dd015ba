"""The remote id of a Carnet object, derived from its UUID so that it never needs storing first.

Google accepts client-chosen event ids made of base32hex characters (`a`-`v`, `0`-`9`), 5 to
1024 long. Deriving the id from the object's public UUID (appointments and personal events both
have one) means a retry, a crash between the insert and the "done" mark, or a reconnection can
only ever address the same event: a second insert answers 409 instead of making a duplicate.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

GOOGLE_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")


def event_id(public_id: uuid.UUID) -> str:
    """26 base32hex characters: the UUID, lower-case, without padding."""
    return base64.b32hexencode(public_id.bytes).decode("ascii").rstrip("=").lower()


def public_id_of(remote_id: str) -> uuid.UUID | None:
    """The UUID an event id was derived from, or None if it is not one of ours."""
    if len(remote_id) != 26 or not GOOGLE_EVENT_ID.match(remote_id):
        return None
    try:
        raw = base64.b32hexdecode(remote_id.upper() + "======")
    except (ValueError, binascii.Error):
        return None
    return uuid.UUID(bytes=raw) if len(raw) == 16 else None
