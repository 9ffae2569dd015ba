"""The private subscription link of a practitioner's agenda (the ICS feed).

Only the SHA-256 of the link's token is stored: the token itself is shown once, when it is
created or regenerated, so a copy of the database (a backup, a support dump) cannot be used to
read anyone's agenda. Creating, rotating and finding links lives in `carnet.feeds.links`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.feeds.privacy import PersonalTitleChoice, TitleChoice
from carnet.practices.scoping import ScopedThroughPractitioner


class TitleChoices(models.TextChoices):
    PATIENT_NAME = TitleChoice.PATIENT_NAME.value, _("The patient's name")
    INITIALS = TitleChoice.INITIALS.value, _("The patient's initials")
    GENERIC = TitleChoice.GENERIC.value, _("Just “Appointment”")


class PersonalTitleChoices(models.TextChoices):
    BUSY = PersonalTitleChoice.BUSY.value, _("Just “Busy”")
    TITLE = PersonalTitleChoice.TITLE.value, _("Their own title")


class FeedLink(models.Model):
    practitioner = models.OneToOneField(
        "scheduling.Practitioner",
        on_delete=models.CASCADE,
        related_name="feed_link",
        verbose_name=_("practitioner"),
    )
    # SHA-256 hex of the token; empty (NULL) once the link is turned off.
    token_hash = models.CharField(
        _("token hash"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    title_choice = models.CharField(
        _("appointments show"),
        max_length=16,
        choices=TitleChoices.choices,
        default=TitleChoices.PATIENT_NAME,
    )
    personal_choice = models.CharField(
        _("personal events show"),
        max_length=16,
        choices=PersonalTitleChoices.choices,
        default=PersonalTitleChoices.BUSY,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rotated_at = models.DateTimeField(_("link last generated"), null=True, blank=True)
    # Any change of the link or its choices changes the feed: part of its ETag and Last-Modified.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedThroughPractitioner()

    class Meta:
        verbose_name = _("calendar feed link")
        verbose_name_plural = _("calendar feed links")

    def __str__(self) -> str:
        return str(self.practitioner)

    @property
    def is_active(self) -> bool:
        return self.enabled and bool(self.token_hash)
