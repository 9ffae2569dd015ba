"""Tenancy: the practice (the tenant), its centers, and who belongs to it with which role.

Every row of practice data hangs off a Practice, directly or through a parent; views obtain the
current practice from the membership of the logged-in user (see `carnet.practices.access`), never
from an id the browser sends.
"""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from carnet.portal.embed import validate_embed_origins
from carnet.practices.scoping import PracticeScopedManager
from carnet.practices.timezones import validate_time_zone


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")


class Practice(models.Model):
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(
        _("booking address"),
        max_length=60,
        unique=True,
        help_text=_("Used in the address of the practice's booking site."),
        error_messages={"unique": _("This booking address is already taken by another practice.")},
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("default language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    slot_grid_minutes = models.PositiveSmallIntegerField(
        _("slot grid (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text=_("Online slots start every so many minutes."),
    )
    feed_refresh_minutes = models.PositiveSmallIntegerField(
        _("calendar feed refresh (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
        help_text=_("How often subscribed calendars are asked to refresh the private feed."),
    )
    # Patient notifications (carnet/notifications, docs/notifications.md).
    send_staff_confirmations = models.BooleanField(
        _("confirm staff bookings by email"),
        default=True,
        help_text=_(
            "Email a confirmation to the patient when a member of staff books an appointment "
            "(online bookings are always confirmed)."
        ),
    )
    reminder_time = models.TimeField(
        _("reminder time"),
        default=time(18, 0),
        help_text=_("Reminders are sent the day before, from this time (in the practice's zone)."),
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        _("online cancellation cut-off (hours)"),
        default=24,
        validators=[
            MinValueValidator(0, _("The cut-off cannot be negative.")),
            MaxValueValidator(
                720, _("The cut-off is at most 720 hours (30 days) before the appointment.")
            ),
        ],
        help_text=_("Patients may cancel online until this many hours before the appointment."),
    )
    # The booking site in an iframe of the practice's own website (docs/portal.md).
    booking_embed_origins = models.TextField(
        _("websites allowed to embed the booking site"),
        blank=True,
        validators=[validate_embed_origins],
        help_text=_(
            "One address per line, such as https://www.example.org. Only these websites may show "
            "the booking pages in a frame."
        ),
    )
    # Staff of a health practice may be asked to protect their login with a second factor.
    require_mfa = models.BooleanField(
        _("require two-factor authentication for every member"),
        default=False,
        help_text=_(
            "Members without an authenticator app are asked to set one up before they can "
            "open the practice."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Center(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="centers", verbose_name=_("practice")
    )
    name = models.CharField(_("name"), max_length=150)
    address = models.TextField(_("address"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("center")
        verbose_name_plural = _("centers")
        ordering = ("practice", "name")
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="center_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    PRACTITIONER = "practitioner", _("Practitioner")
    ASSISTANT = "assistant", _("Assistant")


ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class Membership(models.Model):
    """A user's place in a practice. Owners and admins are the practice's "master" users."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("practice")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    practitioners = models.ManyToManyField(
        "scheduling.Practitioner",
        blank=True,
        related_name="assistants",
        verbose_name=_("agendas managed"),
        help_text=_("For assistants: the practitioners whose agendas they manage."),
    )
    centers = models.ManyToManyField(
        Center,
        blank=True,
        related_name="members",
        verbose_name=_("centers"),
        help_text=_("The centers this person works in."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.practice} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES


class Invitation(models.Model):
    """An email address asked to join the practice with a role, until accepted or expired.

    Only the SHA-256 of the emailed token is stored (as for feed links), so a copy of the
    database cannot be used to join a practice. One invitation per address and practice:
    inviting again replaces it (`carnet.practices.invitations`).
    """

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("practice")
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "practice", name="invitation_email_unique_per_practice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} - {self.practice} ({self.get_role_display()})"


class AuditEntry(models.Model):
    """Who did what to which practice data, kept for accountability on health records."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=64)
    subject = models.CharField(max_length=128, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ("-at",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject}"
