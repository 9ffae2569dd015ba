"""The emails calendar sync sends staff: an approval to give, a decision, a broken connection.

Built like the staff invitation (`carnet.notifications.staff_invitation`): plain text, the
practice's name as the sender's name, in the practice's language, one link into Carnet. They go
out after the transaction that caused them commits (`send_after_commit`), so nobody is told of
something that was rolled back, and a mail server that is down never undoes an approval: the
in-app notification says the same thing.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from carnet.notifications.email import _Letter, _sender
from carnet.practices.models import Practice

logger = logging.getLogger(__name__)

__all__ = ["approval_letter", "broken_letter", "decision_letter", "send_after_commit"]


def _letter(
    practice: Practice, to: list[str], subject: str, template: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    body = render_to_string(template, {"practice": practice.name, **context})
    return _Letter(
        subject=subject,
        body=body,
        from_email=_sender(practice.name),
        to=to,
        headers={"Auto-Submitted": "auto-generated", "Content-Language": practice.language},
    )


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def approval_letter(
    practice: Practice, to: list[str], facts: dict[str, str], link: str
) -> EmailMultiAlternatives:
    """To the admins: someone asks to connect an agenda; the link opens the approval page."""
    with translation.override(practice.language):
        subject = _("Approve the Google Calendar connection of %(practitioner)s") % facts
        return _letter(
            practice,
            to,
            subject,
            "calsync/email/approval_requested.txt",
            {**facts, "link": absolute(link)},
        )


def decision_letter(
    practice: Practice, to: list[str], facts: dict[str, str], approved: bool, link: str
) -> EmailMultiAlternatives:
    """To the requester: their connection was approved (syncing starts) or refused."""
    with translation.override(practice.language):
        if approved:
            subject = _("Google Calendar connection approved: %(practitioner)s") % facts
        else:
            subject = _("Google Calendar connection refused: %(practitioner)s") % facts
        return _letter(
            practice,
            to,
            subject,
            "calsync/email/decision.txt",
            {**facts, "approved": approved, "link": absolute(link)},
        )


def broken_letter(
    practice: Practice, to: list[str], facts: dict[str, str], link: str
) -> EmailMultiAlternatives:
    """To the practitioner and the admins, once: Google no longer accepts Carnet's access."""
    with translation.override(practice.language):
        subject = _("Google Calendar sync stopped: %(practitioner)s") % facts
        return _letter(
            practice,
            to,
            subject,
            "calsync/email/broken.txt",
            {**facts, "link": absolute(link)},
        )


def send_after_commit(letter: EmailMultiAlternatives) -> None:
    """Send once the current transaction commits (at once outside one); failures are logged."""
    if not letter.to:
        return

    def send() -> None:
        try:
            letter.send()
        except (smtplib.SMTPException, OSError):
            logger.warning("could not send %r to staff", letter.subject, exc_info=True)

    transaction.on_commit(send)
