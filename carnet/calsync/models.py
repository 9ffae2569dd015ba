"""A practitioner's link to an external calendar, and what Carnet knows of each remote event.

`CalendarConnection` is one practitioner's agenda linked to one calendar of one account. It is
created `pending` (issue 12: a non-admin's connection waits for an admin's approval; nothing is
synced and no calendar is created before), becomes `active`, and may end `broken` (the provider
refused our token: the practitioner and admins are told once) or `revoked` (disconnected).
Tokens are stored sealed (`carnet.calsync.secrets`).

`RemoteEvent` is the mapping table: the remote id, its last etag and `updated`, and the Carnet
object it mirrors with the version last pushed or pulled, so that the conflict rule can tell
which side changed last and a full sync can reconcile without duplicates.

`SyncConflict` is the log staff read when a change was overridden.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carnet.feeds.privacy import TitleChoice
from carnet.practices.models import Center, Practice
from carnet.practices.scoping import PracticeScopedManager, ScopedThroughConnection
from carnet.scheduling.models import Appointment, PersonalEvent, Practitioner


class ConnectionState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    ACTIVE = "active", _("Active")
    BROKEN = "broken", _("Broken")
    REVOKED = "revoked", _("Disconnected")


class Direction(models.TextChoices):
    ONE_WAY = "one_way", _("Carnet to Google only")
    TWO_WAY = "two_way", _("Both ways")


class Provider(models.TextChoices):
    GOOGLE = "google", _("Google Calendar")


LIVE_STATES = (ConnectionState.PENDING, ConnectionState.ACTIVE, ConnectionState.BROKEN)


class CalendarConnection(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="calendar_connections"
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.CASCADE,
        related_name="calendar_connections",
        verbose_name=_("practitioner"),
    )
    provider = models.CharField(
        _("provider"), max_length=16, choices=Provider.choices, default=Provider.GOOGLE
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ConnectionState.choices, default=ConnectionState.PENDING
    )
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.TWO_WAY
    )
    privacy = models.CharField(
        _("appointment titles in the calendar"),
        max_length=16,
        choices=[
            (TitleChoice.PATIENT_NAME.value, _("Patient's name")),
            (TitleChoice.INITIALS.value, _("Patient's initials")),
            (TitleChoice.GENERIC.value, _('"Appointment" only')),
        ],
        default=TitleChoice.PATIENT_NAME.value,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The center the request was made from: an admin approves it from that center (issue 12).
    center = models.ForeignKey(Center, on_delete=models.SET_NULL, null=True, blank=True)
    account_email = models.EmailField(_("account"), blank=True)
    calendar_id = models.CharField(_("calendar"), max_length=1024, blank=True)
    calendar_name = models.CharField(_("calendar name"), max_length=255, blank=True)
    # True when Carnet created the calendar ("Carnet - <name>", scope calendar.app.created);
    # False when the member chose one of their existing calendars (broad `calendar` scope).
    calendar_created = models.BooleanField(default=True)
    scope = models.CharField(max_length=255, blank=True)
    refresh_token = models.TextField(blank=True)  # sealed
    access_token = models.TextField(blank=True)  # sealed
    access_expires_at = models.DateTimeField(null=True, blank=True)
    sync_token = models.TextField(blank=True)
    channel_id = models.CharField(max_length=64, blank=True)
    channel_token = models.CharField(max_length=128, blank=True)
    channel_resource_id = models.CharField(max_length=255, blank=True)
    channel_expires_at = models.DateTimeField(null=True, blank=True)
    # One pull at a time per connection: a conditional UPDATE claims it until `pull_claimed_until`;
    # a notification arriving meanwhile sets `pull_requested`, and the running pull goes again.
    pull_claimed_until = models.DateTimeField(null=True, blank=True)
    pull_requested = models.BooleanField(default=False)
    backfill_total = models.PositiveIntegerField(default=0)
    # One backfill at a time: claimed until then; the minute's poll restarts an unfinished one.
    backfill_claimed_until = models.DateTimeField(null=True, blank=True)
    backfill_done = models.PositiveIntegerField(default=0)
    last_push_at = models.DateTimeField(_("last change sent"), null=True, blank=True)
    last_pull_at = models.DateTimeField(_("last change received"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    broken_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("calendar connection")
        verbose_name_plural = _("calendar connections")
        constraints = [
            # One calendar per practitioner: at most one live connection each.
            models.UniqueConstraint(
                fields=["practitioner"],
                condition=Q(state__in=[state.value for state in LIVE_STATES]),
                name="one_live_connection_per_practitioner",
            ),
            # One Google account, one agenda of the practice (issue 12): the callback says so in
            # words first; this is the guarantee under concurrent requests.
            models.UniqueConstraint(
                fields=["practice", "account_email"],
                condition=Q(state__in=[state.value for state in LIVE_STATES])
                & ~Q(account_email=""),
                name="one_live_connection_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} – {self.practitioner_id}"

    @property
    def awaits_calendar_choice(self) -> bool:
        """Made for one of the account's existing calendars, which the member has not picked
        yet: nothing syncs and no admin is asked before (`carnet.calsync.existing_calendar`)."""
        return (
            not self.calendar_created
            and not self.calendar_id
            and self.state in (ConnectionState.PENDING, ConnectionState.ACTIVE)
        )

    @property
    def key(self) -> str:
        """What outbox events record as their `connection` (no echo to the same calendar)."""
        return f"{self.provider}:{self.pk}"


class RemoteEvent(models.Model):
    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="remote_events"
    )
    remote_id = models.CharField(max_length=1024)
    etag = models.CharField(max_length=255, blank=True)
    remote_updated = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    personal_event = models.ForeignKey(
        PersonalEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Carnet's `sequence` of the object as last written to, or read from, the remote calendar.
    version = models.PositiveIntegerField(default=0)
    gone = models.BooleanField(default=False)

    objects = ScopedThroughConnection()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "remote_id"], name="remote_event_once"),
        ]

    def __str__(self) -> str:
        return self.remote_id


class ConflictKind(models.TextChoices):
    """What happened; the label is what staff read in the conflict log."""

    GOOGLE_KEPT = (
        "google_kept",
        _("Changed in Google after the change in Carnet: Google's version was kept."),
    )
    CARNET_KEPT = (
        "carnet_kept",
        _("Changed in Google before the change in Carnet: Carnet's version was kept."),
    )
    ONE_WAY = (
        "one_way",
        _(
            "Changed in Google, but this calendar only receives Carnet's changes: Carnet's version "
            "was put back."
        ),
    )
    TIME_TAKEN = (
        "time_taken",
        _(
            "Moved in Google onto a time that is not free in Carnet: the change was not "
            "applied and Google was set back."
        ),
    )
    DELETED_IN_GOOGLE = (
        "deleted_in_google",
        _("Deleted in Google: the appointment was cancelled in Carnet."),
    )


class SyncConflict(models.Model):
    """A change one side made that the other side's rule overrode: the log staff read."""

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="conflicts"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    remote_id = models.CharField(max_length=1024, blank=True)
    kind = models.CharField(_("what happened"), max_length=24, choices=ConflictKind.choices)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedThroughConnection()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.get_kind_display()
