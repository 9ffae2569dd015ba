"""The notification log: one row per message Carnet owes a patient, taken BEFORE sending.

The unique key (appointment, kind, for_date, occasion) is what makes a message go out once:
whoever inserts the row first owns the message; a second worker, a retried outbox delivery or a
second reminder sweep finds the row and sends nothing. `for_date` is the local day a reminder is
for (a moved appointment gets a new day, so a new reminder); for messages caused by an agenda
change it is the day of the change and `occasion` is the outbox event's id, so a second move on
the same day is a second message while a retried delivery of the same event is not. Reminders
have occasion 0.

A row is then claimed for sending (`sending`, with a lease), and ends `sent`, `failed` or
`skipped` (with a reason). A row whose worker died while `sending` is claimed again after its
lease; a row marked `sent` is never sent again.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carnet.practices.models import Practice
from carnet.practices.scoping import PracticeScopedManager


class Kind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    CHANGE = "change", _("Change of time")
    CANCELLATION = "cancellation", _("Cancellation")
    REMINDER_EMAIL = "reminder_email", _("Reminder email")
    REMINDER_SMS = "reminder_sms", _("Reminder SMS")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class Reason(models.TextChoices):
    """Why a message was not sent (skipped) or failed, in words staff understand."""

    NONE = "", ""
    NO_EMAIL = "no_email", _("no email address")
    SMS_RECIPIENT = "sms_recipient", _("the mobile number cannot receive it")
    SMS_NOT_REQUESTED = "sms_not_requested", _("SMS not requested")
    CANCELLED = "cancelled", _("the appointment was cancelled")
    MOVED = "moved", _("the appointment moved to another day")
    REFUSED = "refused", _("the recipient was refused")
    UNREACHABLE = "unreachable", _("the server could not be reached")


class Notification(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="+", verbose_name=_("practice")
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("appointment"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    for_date = models.DateField(_("for the day of"))
    # The outbox event that caused the message (0 for reminders): see the module's docstring.
    occasion = models.PositiveBigIntegerField(_("occasion"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # Which sender holds the claim: it marks only the rows it claimed.
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    provider_status = models.CharField(_("provider's status"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "for_date", "occasion"],
                name="notification_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notification_due",
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="notification_provider_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.for_date} ({self.status})"
