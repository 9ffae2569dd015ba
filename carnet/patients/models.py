"""Patients of a practice. One patient account (a login) may manage several patients: a family."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.patients.phones import normalize_mobile
from carnet.practices.models import Language, Practice
from carnet.practices.scoping import PracticeScopedManager


class Patient(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="patients", verbose_name=_("practice")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    mobile = models.CharField(
        _("mobile phone"),
        max_length=20,
        blank=True,
        help_text=_("Used for SMS reminders. Any common format; stored as +33612345678."),
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, blank=True
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patients",
        verbose_name=_("patient account"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ("last_name", "first_name")
        indexes = [models.Index(fields=["practice", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self) -> None:
        super().clean()
        # Normalise before saving, so "06 12 34 56 78" becomes +33612345678, or say why not.
        from django.core.exceptions import ValidationError

        try:
            self.mobile = normalize_mobile(self.mobile)
        except ValidationError as error:
            raise ValidationError({"mobile": error.messages}) from error
