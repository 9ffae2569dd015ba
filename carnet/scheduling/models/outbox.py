"""The outbox: what changed in an agenda, and who still has to hear about it.

A door (`booking`, `personal_events`) writes one `OutboxEvent` in the same transaction as the
change, and one `Delivery` per consumer that wants it (the confirmation email, the SMS, each
calendar connection, ...). A delivery is done only once its consumer's side effect succeeded; until
then the relay (`carnet.scheduling.outbox.relay`, every minute) hands it to a worker again, so a
crash, a lost job or a broken database delays a side effect but never loses it.
See docs/jobs.md.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    """Who made the change. The values are those of `AppointmentSource`."""

    STAFF = "staff", _("Staff")
    ONLINE = "online", _("Online booking")
    EXTERNAL = "external", _("External calendar")


class Subject(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment")
    PERSONAL_EVENT = "personal_event", _("Personal event")


class Change(models.TextChoices):
    # appointments
    BOOKED = "booked", _("Booked")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    STATUS = "status", _("Status changed")
    # personal events
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")
    OCCURRENCE_MOVED = "occurrence_moved", _("One occurrence moved")
    OCCURRENCE_CANCELLED = "occurrence_cancelled", _("One occurrence cancelled")


class OutboxEvent(models.Model):
    """One change of one appointment or personal event, as its consumers need to know it."""

    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.CASCADE, related_name="+", verbose_name=_("practice")
    )
    practitioner = models.ForeignKey(
        "scheduling.Practitioner",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("practitioner"),
    )
    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)
    # The public id of the appointment or personal event: it outlives a deleted personal event,
    # and it is what calendars know the object by.
    subject_id = models.UUIDField(_("subject id"))
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("appointment"),
    )
    personal_event = models.ForeignKey(
        "scheduling.PersonalEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # the event of its deletion must survive it
        related_name="outbox_events",
        verbose_name=_("personal event"),
    )
    kind = models.CharField(_("change"), max_length=24, choices=Change.choices)
    # The subject's sequence after the change, and what it was before (times, status).
    sequence = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    # Which external calendar connection the change came from (origin "external"): its consumer
    # must not push the change back. An opaque identifier until connections exist (issue 11).
    connection = models.CharField(  # noqa: DJ001 (None: "no connection", unlike any id)
        _("connection"), max_length=64, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(connection__isnull=True) | Q(origin="external"),
                name="outbox_connection_is_external",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject} {self.subject_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One consumer's duty for one event: done only after its side effect succeeded."""

    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    consumer = models.CharField(_("consumer"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # A worker's claim: nobody else runs this delivery until then. A worker that died holding it
    # leaves a claim that expires, after which the relay hands the delivery to another.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    done_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=["event", "consumer"], name="delivery_once_per_consumer")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer} <- {self.event_id} ({self.status})"
