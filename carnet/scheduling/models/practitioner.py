"""The practitioner's "professional information sheet"."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.practices.models import Practice
from carnet.practices.scoping import PracticeScopedManager


class Practitioner(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="practitioners", verbose_name=_("practice")
    )
    display_name = models.CharField(_("display name"), max_length=150)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner_sheets",
        verbose_name=_("login"),
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("How many days ahead patients may book online."),
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=120,
        validators=[MaxValueValidator(60 * 24 * 60)],
        help_text=_("Online bookings must be made at least this long in advance."),
    )
    sync_by_default = models.BooleanField(
        _("sync all events with my external calendar by default"), default=False
    )
    default_calendar = models.CharField(
        _("default external calendar"),
        max_length=255,
        blank=True,
        help_text=_("Filled in when an external calendar is connected."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        ordering = ("practice", "display_name")

    def __str__(self) -> str:
        return self.display_name
