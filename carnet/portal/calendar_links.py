""" "Add to my calendar": the .ics file and the Google Calendar link of a booked appointment.

Both say only what the practice publishes anyway: the practice, the practitioner, the place
and the time. Never the patient's name, the type of appointment (it can reveal the reason for
the visit) or anything else about the patient: the Google link is a third-party URL that lands
in Google's logs and the browser's history. The .ics is written by the same function as the
emails' attachment (`carnet.notifications.invitation.render_invitation`), with the same UID, so
importing both updates one event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from carnet.notifications.invitation import Invitation, render_invitation
from carnet.scheduling.models import Appointment

__all__ = ["google_calendar_url", "ics_file", "place_of"]

GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"


def place_of(appointment: Appointment) -> str:
    """The center's name and address on one line."""
    center = appointment.center
    return ", ".join(part for part in (center.name, " ".join(center.address.split())) if part)


def _title(appointment: Appointment) -> str:
    return _("Appointment with %(practitioner)s – %(practice)s") % {
        "practitioner": appointment.practitioner.display_name,
        "practice": appointment.practice.name,
    }


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(appointment: Appointment) -> str:
    """A Google Calendar "create event" link with the practice, practitioner, place and time."""
    query = {
        "action": "TEMPLATE",
        "text": _title(appointment),
        "dates": f"{_google_time(appointment.start)}/{_google_time(appointment.end)}",
        "details": appointment.practice.name,
        "location": place_of(appointment),
    }
    return f"{GOOGLE_TEMPLATE}?{urlencode(query)}"


def ics_file(appointment: Appointment, *, now: datetime) -> bytes:
    """The appointment as an iCalendar file (METHOD:PUBLISH), as attached to the emails."""
    invitation = Invitation(
        public_id=appointment.public_id,
        sequence=appointment.sequence,
        start=appointment.start,
        end=appointment.end,
        summary=_title(appointment),
        location=place_of(appointment),
        cancelled=appointment.status == "cancelled",
    )
    return render_invitation(invitation, now=now)
