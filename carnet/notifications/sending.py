"""Sending what the log says is due: a batch of rows, one SMTP connection, each row once.

`send(ids)` claims the rows (`log.claim`), loads them with everything a message needs in one
query, then for each row decides whether it is still to be sent (a cancelled appointment gets
no reminder; a reminder for a day the appointment left is dropped, the sweep makes one for the
new day), builds the message (`email` or the SMS text), sends it and marks the row at once.
Temporary failures (server unreachable, 4xx answers, SMS provider down) are retried with backoff;
permanent ones (a 5xx refusal of the address, a number the SMS provider rejects) fail at once.
Everything ends in the log, for staff to see on the appointment.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.mail import mailers
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carnet.notifications import log
from carnet.notifications.email import build_email, facts, language_of
from carnet.notifications.models import Channel, Kind, Notification, Reason, Status
from carnet.scheduling.models import AppointmentStatus

logger = logging.getLogger(__name__)

__all__ = ["load", "send"]

RELATED = (
    "practice",
    "appointment__practice",
    "appointment__patient__account",
    "appointment__practitioner",
    "appointment__center",
    "appointment__appointment_type",
)


def load(token: str) -> list[Notification]:
    """The rows this sender claimed, with all a message needs, in one query."""
    return list(
        Notification.objects.with_scopes_disabled()
        .filter(claim=token, status=Status.SENDING)
        .select_related(*RELATED)
        .order_by("id")
    )


class _Mailer:
    """One SMTP connection for a batch, opened on first use, reopened after a broken one."""

    def __init__(self) -> None:
        self.backend: Any = None

    def send(self, message: Any) -> None:
        if self.backend is None:
            self.backend = mailers.default
            self.backend.open()
        try:
            sent = self.backend.send_messages([message])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            raise  # the server answered: the connection itself is fine (smtplib sent RSET)
        except Exception:
            self.close()
            raise
        if not sent:
            raise smtplib.SMTPException("the mail backend did not send the message")

    def close(self) -> None:
        backend, self.backend = self.backend, None
        if backend is not None:
            try:
                backend.close()
            except Exception:  # a connection already broken: nothing more to do
                logger.debug("closing the SMTP connection failed", exc_info=True)


def send(ids: Iterable[int], *, now: datetime | None = None) -> Counter[str]:
    """Send the claimable rows among `ids`; returns how many ended sent, retry, failed,
    skipped. Rows another sender holds, or already done, are left alone."""
    now = now or timezone.now()
    token = log.claim(ids, now)
    rows = load(token)
    outcome: Counter[str] = Counter()
    mailer = _Mailer()
    try:
        for row in rows:
            try:
                outcome[_send_one(row, mailer, now)] += 1
            except Exception as exc:  # a bug must not stop the batch: retry this row later
                logger.exception("Notification %s could not be sent", row.pk)
                outcome[log.mark_retry(row, Reason.NONE, f"{type(exc).__name__}: {exc}", now)] += 1
    finally:
        mailer.close()
    return outcome


def _still_wanted(row: Notification) -> str | None:
    """Why the message is no longer to be sent, or None."""
    appointment = row.appointment
    if row.kind != Kind.CANCELLATION and appointment.status == AppointmentStatus.CANCELLED:
        return Reason.CANCELLED
    if row.kind in (Kind.REMINDER_EMAIL, Kind.REMINDER_SMS):
        if appointment.status != AppointmentStatus.CONFIRMED:
            return Reason.CANCELLED
        if appointment.start.astimezone(appointment.practice.zone).date() != row.for_date:
            return Reason.MOVED
    return None


def _send_one(row: Notification, mailer: _Mailer, now: datetime) -> str:
    reason = _still_wanted(row)
    if reason is not None:
        log.mark_skipped(row, reason)
        return "skipped"
    if row.channel == Channel.SMS:
        return _send_sms(row, now)
    letter = facts(row.appointment, row.kind, row.pk)
    if not letter.to:
        log.mark_skipped(row, Reason.NO_EMAIL)
        return "skipped"
    message = build_email(letter, now=now)
    with translation.override(row.practice.language):
        try:
            mailer.send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()), (0, b""))
            error = _("The mail server refused the address %(address)s: %(code)s %(answer)s") % {
                "address": letter.to,
                "code": code,
                "answer": _text(answer),
            }
            if code >= 500:
                log.mark_failed(row, Reason.REFUSED, error, letter.to)
                return "failed"
            return log.mark_retry(row, Reason.REFUSED, error, now, letter.to)
        except smtplib.SMTPResponseException as exc:
            error = _("The mail server refused the message: %(code)s %(answer)s") % {
                "code": exc.smtp_code,
                "answer": _text(exc.smtp_error),
            }
            if exc.smtp_code >= 500:
                log.mark_failed(row, Reason.REFUSED, error, letter.to)
                return "failed"
            return log.mark_retry(row, Reason.REFUSED, error, now, letter.to)
        except (OSError, smtplib.SMTPException) as exc:
            error = _("The mail server could not be reached: %(error)s") % {"error": exc}
            return log.mark_retry(row, Reason.UNREACHABLE, error, now, letter.to)
    log.mark_sent(row, letter.to)
    return "sent"


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)


def _send_sms(row: Notification, now: datetime) -> str:
    # N2's package; imported here so that email keeps working whatever happens to SMS.
    from carnet.notifications.sms import (
        SmsRejected,
        SmsUnavailable,
        reminder_text,
        send_sms,
        sms_recipient_problem,
    )
    from carnet.notifications.sms.recipients import practice_country

    appointment = row.appointment
    practice = row.practice
    if not (appointment.sms_reminder and appointment.appointment_type.sms_reminder):
        log.mark_skipped(row, Reason.SMS_NOT_REQUESTED)
        return "skipped"
    mobile = appointment.patient.mobile
    with translation.override(practice.language):
        problem = sms_recipient_problem(mobile, practice_country(practice))
        if problem:
            log.mark_skipped(row, Reason.SMS_RECIPIENT, str(problem))
            return "skipped"
        body = reminder_text(
            practice_name=practice.name,
            start_local=appointment.start.astimezone(appointment.center.zone),
            language=language_of(appointment),
        )
        try:
            receipt = send_sms(mobile, body)
        except SmsRejected as exc:
            log.mark_failed(row, Reason.REFUSED, str(exc), mobile)
            return "failed"
        except SmsUnavailable as exc:
            return log.mark_retry(row, Reason.UNREACHABLE, str(exc), now, mobile)
    log.mark_sent(
        row,
        mobile,
        provider=receipt.provider,
        message_id=receipt.message_id,
        provider_status=receipt.status,
    )
    return "sent"
