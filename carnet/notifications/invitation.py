"""The .ics attached to emails: one VEVENT, METHOD:PUBLISH, written with the feed's helpers.

Pure: values in, bytes out. The UID is the appointment's public id (with the feed's `@carnet`
suffix) and SEQUENCE its sequence, so a calendar that imported the confirmation updates the
same event when the change or cancellation email's file is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from carnet.feeds.content_lines import escape_text, fold
from carnet.feeds.ical import PRODID, UID_DOMAIN

__all__ = ["Invitation", "render_invitation"]


@dataclass(frozen=True, slots=True)
class Invitation:
    public_id: UUID
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    cancelled: bool = False


def _utc(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render_invitation(invitation: Invitation, *, now: datetime) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{invitation.public_id}@{UID_DOMAIN}",
        f"DTSTAMP:{_utc(now)}",
        f"SEQUENCE:{invitation.sequence}",
        f"DTSTART:{_utc(invitation.start)}",
        f"DTEND:{_utc(invitation.end)}",
        fold("SUMMARY:" + escape_text(invitation.summary)),
    ]
    if invitation.location:
        lines.append(fold("LOCATION:" + escape_text(invitation.location)))
    lines += [
        "STATUS:" + ("CANCELLED" if invitation.cancelled else "CONFIRMED"),
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")
