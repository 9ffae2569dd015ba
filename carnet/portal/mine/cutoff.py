"""The practice's cut-off: until when a patient may cancel or move an appointment themselves.

One rule for every patient-facing page that offers it (the page behind the link in emails,
`carnet.notifications.views`, and "My appointments" here), so that they never disagree.
Staff are not bound by it: the door (`carnet.scheduling.booking`) only refuses online changes
to appointments that have started; the cut-off is the practice's policy on top.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import ngettext

from carnet.practices.models import Practice
from carnet.scheduling.models import Appointment


def past_cutoff(appointment: Appointment, practice: Practice, now: datetime) -> bool:
    """True when the appointment starts within the practice's cut-off (or has started)."""
    return appointment.start - timedelta(hours=practice.cancellation_cutoff_hours) < now


def cancel_refusal(practice: Practice) -> str:
    """What a patient reads when it is too late to cancel online."""
    hours = practice.cancellation_cutoff_hours
    return ngettext(
        "This appointment can no longer be cancelled online: it starts in less than "
        "%(hours)s hour. Please call the practice.",
        "This appointment can no longer be cancelled online: it starts in less than "
        "%(hours)s hours. Please call the practice.",
        hours,
    ) % {"hours": hours}


def move_refusal(practice: Practice) -> str:
    """What a patient reads when it is too late to move an appointment online."""
    hours = practice.cancellation_cutoff_hours
    return ngettext(
        "This appointment can no longer be moved online: it starts in less than "
        "%(hours)s hour. Please call the practice.",
        "This appointment can no longer be moved online: it starts in less than "
        "%(hours)s hours. Please call the practice.",
        hours,
    ) % {"hours": hours}
