"""Kinds of visit a practice offers: duration, color, reminders, online booking."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carnet.practices.models import Practice
from carnet.practices.scoping import PracticeScopedManager


class AppointmentType(models.Model):
    practice = models.ForeignKey(
        Practice,
        on_delete=models.CASCADE,
        related_name="appointment_types",
        verbose_name=_("practice"),
    )
    name = models.CharField(_("name"), max_length=150)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        validators=[
            MinValueValidator(1, _("The duration must be at least one minute.")),
            MaxValueValidator(24 * 60),
        ],
    )
    color = models.CharField(
        _("color"),
        max_length=7,
        default="#3b82f6",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a color such as #3b82f6."))],
    )
    sms_reminder = models.BooleanField(_("send an SMS reminder"), default=False)
    description = models.TextField(
        _("description for patients"),
        blank=True,
        help_text=_("Shown to patients above the slot picker when they book online."),
    )
    online_booking = models.BooleanField(_("online booking allowed"), default=False)
    practitioners = models.ManyToManyField(
        "scheduling.Practitioner",
        related_name="appointment_types",
        blank=True,
        verbose_name=_("offered by"),
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    slot_grid_minutes = models.PositiveSmallIntegerField(
        _("slot grid (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Leave empty to use the practice's grid."),
    )
    has_own_schedule = models.BooleanField(
        _("use its own weekly schedule"),
        default=False,
        help_text=_("When ticked, this type can only be booked during its own schedule."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        ordering = ("practice", "name")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="appointment_type_duration_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name
