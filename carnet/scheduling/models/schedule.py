"""Weekly schedules (several ranges a day, per center) and their dated exceptions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carnet.practices.boundaries import refuse_cross_practice
from carnet.practices.models import Center
from carnet.practices.scoping import ScopedThroughAppointmentType, ScopedThroughPractitioner
from carnet.scheduling.weekly import LineValues, line_error, overlap_errors


class Weekday(models.IntegerChoices):
    # A context of their own: without it these entries would also replace Django's day names
    # in formatted dates ("dimanche 22 novembre", lowercase in French and Spanish).
    MONDAY = 0, pgettext_lazy("weekday", "Monday")
    TUESDAY = 1, pgettext_lazy("weekday", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("weekday", "Wednesday")
    THURSDAY = 3, pgettext_lazy("weekday", "Thursday")
    FRIDAY = 4, pgettext_lazy("weekday", "Friday")
    SATURDAY = 5, pgettext_lazy("weekday", "Saturday")
    SUNDAY = 6, pgettext_lazy("weekday", "Sunday")


class WeeklyLine(models.Model):
    """One opening range on one weekday in one center, in the center's local time."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    center = models.ForeignKey(Center, on_delete=models.CASCADE, verbose_name=_("center"))

    owner_field = ""  # the field the lines of one schedule share

    class Meta:
        abstract = True
        ordering = ("weekday", "start")

    def values(self) -> LineValues:
        return LineValues(self.weekday, self.start, self.end, self.center_id)

    def clean(self) -> None:
        super().clean()
        refuse_cross_practice(self, "center", owner=self.owner_field)
        if self.start is None or self.end is None or self.weekday is None:
            return
        error = line_error(self.values())
        if error:
            raise ValidationError({"end": error})
        owner_id = getattr(self, f"{self.owner_field}_id", None)
        # A formset that edits the whole schedule at once checks overlaps among its own rows.
        if owner_id is None or self.center_id is None or getattr(self, "checked_as_set", False):
            return
        siblings = (
            type(self)
            ._default_manager.filter(**{f"{self.owner_field}_id": owner_id})
            .exclude(pk=self.pk)
        )
        errors = overlap_errors([self.values(), *(line.values() for line in siblings)])
        if errors:
            raise ValidationError(errors)


class ScheduleLine(WeeklyLine):
    practitioner = models.ForeignKey(
        "scheduling.Practitioner",
        on_delete=models.CASCADE,
        related_name="schedule_lines",
        verbose_name=_("practitioner"),
    )
    owner_field = "practitioner"

    objects = ScopedThroughPractitioner()

    class Meta(WeeklyLine.Meta):
        verbose_name = _("schedule range")
        verbose_name_plural = _("weekly schedule")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="schedule_line_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class TypeScheduleLine(WeeklyLine):
    """A range of an appointment type's own schedule, which replaces the general one."""

    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType",
        on_delete=models.CASCADE,
        related_name="schedule_lines",
        verbose_name=_("appointment type"),
    )
    owner_field = "appointment_type"

    objects = ScopedThroughAppointmentType()

    class Meta(WeeklyLine.Meta):
        verbose_name = _("type schedule range")
        verbose_name_plural = _("own weekly schedule")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="type_schedule_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ScheduleExceptionKind(models.TextChoices):
    TIME_OFF = "time_off", _("Time off")
    EXTRA = "extra", _("Extra opening hours")


class ScheduleException(models.Model):
    """A dated change to the weekly schedule: time off (whole days or ranges) or extra hours."""

    practitioner = models.ForeignKey(
        "scheduling.Practitioner",
        on_delete=models.CASCADE,
        related_name="schedule_exceptions",
        verbose_name=_("practitioner"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ScheduleExceptionKind.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    center = models.ForeignKey(
        Center,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("center"),
        help_text=_("Time off without a center applies to every center."),
    )
    label = models.CharField(_("label"), max_length=150, blank=True)

    objects = ScopedThroughPractitioner()

    class Meta:
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")
        ordering = ("start",)
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="schedule_exception_order")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        super().clean()
        refuse_cross_practice(self, "center", owner="practitioner")
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if self.kind == ScheduleExceptionKind.EXTRA and not self.center_id:
            raise ValidationError({"center": _("Extra opening hours need a center.")})
