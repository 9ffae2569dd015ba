"""A practitioner's busy time that is not a patient visit; possibly recurring (RFC 5545)."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from carnet.practices.boundaries import refuse_cross_practice
from carnet.practices.models import Practice
from carnet.practices.scoping import PracticeScopedManager, ScopedThroughEvent
from carnet.practices.timezones import validate_time_zone


def validate_exdates(value: object) -> None:
    """A list of at most a thousand ISO date-times: the agenda and the feed read every one."""
    from carnet.scheduling.recurrence import exdates_problem

    detail = exdates_problem(value)
    if detail:
        raise ValidationError(
            _("These excluded occurrences cannot be used: %(detail)s"),
            code="exdates",
            params={"detail": detail},
        )


class PersonalEventSource(models.TextChoices):
    STAFF = "staff", _("Staff")
    EXTERNAL = "external", _("External calendar")


class PersonalEvent(models.Model):
    practice = models.ForeignKey(
        Practice,
        on_delete=models.CASCADE,
        related_name="personal_events",
        verbose_name=_("practice"),
    )
    practitioner = models.ForeignKey(
        "scheduling.Practitioner",
        on_delete=models.CASCADE,
        related_name="personal_events",
        verbose_name=_("practitioner"),
    )
    title = models.CharField(_("title"), max_length=200)
    # Start/end of the first occurrence, stored in UTC; `time_zone` says which wall clock the
    # recurrence follows so that a weekly 09:00 meeting stays at 09:00 across DST.
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    rrule = models.CharField(
        _("recurrence rule"),
        max_length=500,
        blank=True,
        help_text=_("An RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=TU; empty for a single event."),
    )
    exdates = models.JSONField(
        _("excluded occurrences"),
        default=list,
        blank=True,
        help_text=_("ISO start times of occurrences removed from the series."),
        validators=[validate_exdates],
    )
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=PersonalEventSource.choices,
        default=PersonalEventSource.STAFF,
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("personal event")
        verbose_name_plural = _("personal events")
        ordering = ("start",)
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="personal_event_order")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def clean(self) -> None:
        super().clean()
        refuse_cross_practice(self, "practitioner")
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if self.rrule:
            from carnet.scheduling.recurrence import validate_rrule

            try:
                zone: ZoneInfo | None = self.zone
            except (ValueError, KeyError):
                zone = None  # the time zone field has its own error
            # Judged by what the rule produces from this event's first start, in its zone.
            detail = validate_rrule(self.rrule, self.start, zone)
            if detail:
                # The engine's detail is translated where it can be; the sentence around it is.
                raise ValidationError(
                    {
                        "rrule": _("This recurrence rule cannot be used: %(detail)s")
                        % {"detail": detail}
                    }
                )


class PersonalEventOverride(models.Model):
    """One occurrence of a recurring event that was moved or cancelled on its own."""

    event = models.ForeignKey(
        PersonalEvent, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("event")
    )
    recurrence_id = models.DateTimeField(
        _("original start"), help_text=_("When this occurrence would have started.")
    )
    start = models.DateTimeField(_("new start"), null=True, blank=True)
    end = models.DateTimeField(_("new end"), null=True, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    objects = ScopedThroughEvent()

    class Meta:
        verbose_name = _("changed occurrence")
        verbose_name_plural = _("changed occurrences")
        ordering = ("recurrence_id",)
        constraints = [
            models.UniqueConstraint(fields=["event", "recurrence_id"], name="override_unique"),
            models.CheckConstraint(
                condition=Q(cancelled=True) | Q(start__isnull=False, end__gt=F("start")),
                name="override_moved_has_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} @ {self.recurrence_id:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        super().clean()
        if not self.cancelled and (not self.start or not self.end or self.end <= self.start):
            raise ValidationError(_("A moved occurrence needs a new start and a later end."))
