"""A patient's visit with a practitioner. Written only by `carnet.scheduling.booking`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carnet.practices.boundaries import refuse_cross_practice
from carnet.practices.models import Center, Practice
from carnet.practices.scoping import PracticeScopedManager


class AppointmentStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    DONE = "done", _("Done")


# Statuses that hold the practitioner's time: everything but a cancellation.
OCCUPYING_STATUSES = (
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.DONE,
)


class AppointmentSource(models.TextChoices):
    STAFF = "staff", _("Staff")
    ONLINE = "online", _("Online booking")
    EXTERNAL = "external", _("External calendar")


class Appointment(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("practice")
    )
    center = models.ForeignKey(Center, on_delete=models.PROTECT, verbose_name=_("center"))
    practitioner = models.ForeignKey(
        "scheduling.Practitioner",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("practitioner"),
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("patient"),
    )
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("appointment type"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.CONFIRMED,
    )
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=AppointmentSource.choices,
        default=AppointmentSource.STAFF,
    )
    sms_reminder = models.BooleanField(_("send an SMS reminder"), default=False)
    sync_external = models.BooleanField(_("sync with external calendar"), default=False)
    target_calendar = models.CharField(_("external calendar"), max_length=255, blank=True)
    allow_overlap = models.BooleanField(
        _("deliberate overbooking"),
        default=False,
        help_text=_("Set by staff to place this appointment over another one on purpose."),
    )
    notes = models.TextField(_("private notes"), blank=True)
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # Raised whenever time or status changes; calendar clients use it to order updates.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ("start",)
        indexes = [
            models.Index(fields=["practitioner", "start"]),
            models.Index(fields=["practice", "start"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appointment_order")
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.patient}"

    def clean(self) -> None:
        super().clean()
        refuse_cross_practice(self, "center", "practitioner", "patient", "appointment_type")
