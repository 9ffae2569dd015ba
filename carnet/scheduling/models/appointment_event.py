"""The outbox of appointment changes: written by `booking` in the same transaction as the change.

Whatever must follow a booking, a move or a cancellation (the confirmation email, the SMS, the push
to the practitioner's Google calendar) reads these rows, so nothing is lost if the process dies
between the commit and the task: a row without `processed_at` is still to be handled.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppointmentChange(models.TextChoices):
    BOOKED = "booked", _("Booked")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    STATUS = "status", _("Status changed")


class AppointmentEvent(models.Model):
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("appointment"),
    )
    kind = models.CharField(_("change"), max_length=16, choices=AppointmentChange.choices)
    # The appointment's sequence after the change, and what it was before (times, status).
    sequence = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("appointment change")
        verbose_name_plural = _("appointment changes")
        ordering = ("id",)
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(processed_at__isnull=True),
                name="appointment_event_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.appointment_id}"
