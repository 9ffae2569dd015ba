"""Every email Carnet sends a patient is built here, and only here (privacy: one place per channel).

`facts` reads, from the appointment, exactly what an email may say: the patient's name, the date
and time in the center's zone, the place (center name and address), the practitioner, the type
and (confirmations) its description for patients, the practice's name, and the link to the
patient's appointment page. Never private notes, never other contact details. `build_email`
turns those facts into a multipart message (plain text, HTML, .ics) in the patient's language.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr, parseaddr
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from carnet.notifications.invitation import Invitation, render_invitation
from carnet.notifications.links import appointment_url
from carnet.notifications.models import Kind
from carnet.patients.models import Patient
from carnet.scheduling.models import Appointment, AppointmentStatus

__all__ = ["EmailFacts", "build_email", "facts", "recipient_of"]


@dataclass(frozen=True, slots=True)
class EmailFacts:
    """What one email may say, and nothing more: there is no field for notes or phone numbers."""

    kind: str
    language: str
    to: str
    patient_name: str
    practice_name: str
    practitioner: str
    center_name: str
    center_address: str
    type_name: str
    type_description: str
    start: datetime  # aware, in the center's zone
    end: datetime
    public_id: UUID
    sequence: int
    cancelled: bool
    link: str
    notification_id: int


def recipient_of(patient: Patient) -> str:
    """The patient's own address, else the address of the account that manages them (a parent
    booking for a child); empty when there is none."""
    if patient.email:
        return patient.email
    account = patient.account
    return account.email if account is not None and account.email else ""


def language_of(appointment: Appointment) -> str:
    return appointment.patient.language or appointment.practice.language


def facts(appointment: Appointment, kind: str, notification_id: int) -> EmailFacts:
    """Read what the email may say. The appointment comes with patient (and account), practice,
    practitioner, center and type already loaded (`sending.load`)."""
    zone = appointment.center.zone
    kind_type = appointment.appointment_type
    return EmailFacts(
        kind=kind,
        language=language_of(appointment),
        to=recipient_of(appointment.patient),
        patient_name=appointment.patient.full_name,
        practice_name=appointment.practice.name,
        practitioner=appointment.practitioner.display_name,
        center_name=appointment.center.name,
        center_address=appointment.center.address,
        type_name=kind_type.name,
        type_description=kind_type.description if kind == Kind.CONFIRMATION else "",
        start=appointment.start.astimezone(zone),
        end=appointment.end.astimezone(zone),
        public_id=appointment.public_id,
        sequence=appointment.sequence,
        cancelled=appointment.status == AppointmentStatus.CANCELLED,
        link=appointment_url(appointment.public_id),
        notification_id=notification_id,
    )


def _subject(kind: str, values: dict[str, str]) -> str:
    if kind == Kind.CONFIRMATION:
        text = _("Your appointment on %(date)s at %(time)s is confirmed")
    elif kind == Kind.CHANGE:
        text = _("Your appointment has moved to %(date)s at %(time)s")
    elif kind == Kind.CANCELLATION:
        text = _("Your appointment on %(date)s at %(time)s is cancelled")
    else:
        text = _("Reminder: your appointment tomorrow, %(date)s at %(time)s")
    return f"{text % values} – {values['practice']}"


def _sender(practice_name: str) -> str:
    """The configured address, shown under the practice's name."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((practice_name, address or settings.DEFAULT_FROM_EMAIL))


class _Letter(EmailMultiAlternatives):
    """An email whose header lines are not folded at 78 characters.

    CPython 3.12's header folding can drop the space between two encoded words (gh-144156):
    the subject "… 09:30 est confirmé …" reached patients as "… estconfirmé …", depending on
    the date and the practice's name. RFC 5322 allows lines up to 998 octets, so with that limit
    a subject never needs folding and arrives as written.
    """

    def message(self, *, policy: Any = None) -> Any:
        return super().message(policy=(policy or email.policy.default).clone(max_line_length=998))


def build_email(letter: EmailFacts, *, now: datetime) -> EmailMultiAlternatives:
    """The message for these facts, in the patient's language: text, HTML and an .ics file."""
    with translation.override(letter.language):
        values = {
            "date": date_format(letter.start, "l j F Y"),
            "time": date_format(letter.start, "H:i"),
            "end_time": date_format(letter.end, "H:i"),
            "practice": letter.practice_name,
        }
        place = ", ".join(
            part for part in (letter.center_name, " ".join(letter.center_address.split())) if part
        )
        context = {"letter": letter, **values, "place": place, "kinds": Kind}
        subject = _subject(letter.kind, values)
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
        summary = _("Appointment with %(practitioner)s") % {"practitioner": letter.practitioner}
    message = _Letter(
        subject=subject,
        body=text,
        from_email=_sender(letter.practice_name),
        to=[letter.to],
        headers={
            "Auto-Submitted": "auto-generated",
            "Content-Language": letter.language,
            # Which log row this is: support can trace a message; tests count duplicates.
            "X-Carnet-Notification": str(letter.notification_id),
        },
    )
    message.attach_alternative(html, "text/html")
    invitation = Invitation(
        public_id=letter.public_id,
        sequence=letter.sequence,
        start=letter.start,
        end=letter.end,
        summary=f"{summary} – {letter.practice_name}",
        location=place,
        cancelled=letter.kind == Kind.CANCELLATION,
    )
    message.attach(
        "appointment.ics",
        render_invitation(invitation, now=now).decode("utf-8"),
        "text/calendar",
    )
    return message
