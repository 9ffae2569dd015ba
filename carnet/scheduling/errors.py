"""Why a booking, a move or a cancellation was refused: one class per reason a user can act on.

Every error is a `ValidationError`, so a form can show it with `form.add_error(None, error)` and
the API can return `error.code` and `str(error.message)`. Messages are translatable sentences meant
for the person who asked (a patient on the booking site or a member of staff), never for a log.
When a service raises one of these, nothing has been written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

__all__ = [
    "AppointmentCancelled",
    "BookingError",
    "InThePast",
    "InvalidRange",
    "InvalidValue",
    "MissingCenter",
    "NotOffered",
    "NotOnlineBookable",
    "OutsideAvailability",
    "OverPersonalEvent",
    "SlotTaken",
    "WrongPractice",
]


class BookingError(ValidationError):
    """Base of every refusal by `carnet.scheduling.booking`; `code` says which one."""

    code_name: ClassVar[str] = "booking"
    default_message: ClassVar[str | Promise] = _("This appointment cannot be booked.")

    def __init__(
        self, message: str | Promise | None = None, params: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message or self.default_message, code=self.code_name, params=params)

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class SlotTaken(BookingError):
    """Another appointment of the practitioner holds that time (possibly booked a moment ago)."""

    code_name = "slot_taken"
    default_message = _("This slot was just taken; please pick another.")


class OutsideAvailability(BookingError):
    """The time is not offered online: outside opening hours, too soon, or too far ahead."""

    code_name = "outside_availability"
    REASONS: ClassVar[dict[str, str | Promise]] = {
        "schedule": _("This time is not among the practitioner's available times."),
        "notice": _("This time is too soon: appointments must be booked further in advance."),
        "horizon": _("This time is too far ahead: appointments cannot be booked that early yet."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.REASONS[reason])


class OverPersonalEvent(BookingError):
    """The practitioner has a personal event then (refused online; staff get a warning)."""

    code_name = "over_personal_event"
    default_message = _("The practitioner is not available at this time.")


class NotOnlineBookable(BookingError):
    code_name = "not_online_bookable"
    default_message = _("This type of appointment cannot be booked online.")


class NotOffered(BookingError):
    code_name = "not_offered"
    default_message = _("This practitioner does not offer this type of appointment.")


class WrongPractice(BookingError):
    """An id that is unknown, or belongs to another practice: the same answer for both, so that
    nobody can learn which ids exist elsewhere."""

    code_name = "wrong_practice"
    MESSAGES: ClassVar[dict[str, str | Promise]] = {
        "practitioner": _("This practitioner does not exist in this practice."),
        "appointment_type": _("This type of appointment does not exist in this practice."),
        "center": _("This center does not exist in this practice."),
        "patient": _("This patient does not exist in this practice."),
        "appointment": _("This appointment does not exist in this practice."),
        "personal_event": _("This personal event does not exist in this practice."),
        "occurrence": _("This occurrence is not part of the series."),
    }

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(self.MESSAGES[field])


class MissingCenter(BookingError):
    code_name = "missing_center"
    default_message = _("Choose the center where the appointment takes place.")


class InvalidRange(BookingError):
    code_name = "invalid_range"
    MESSAGES: ClassVar[dict[str, str | Promise]] = {
        "inverted": _("The end must be after the start."),
        "too_long": _("An appointment or a search cannot span more than a year."),
        "naive": _("Times must carry a time zone."),
        "duration": _("Online appointments last exactly the duration of their type."),
        "nonexistent": _(
            "This time does not exist on that day: the clocks change then. Pick another time."
        ),
        "out_of_bounds": _("This date is too far in the past or in the future."),
    }

    def __init__(self, kind: str = "inverted") -> None:
        self.kind = kind
        super().__init__(self.MESSAGES[kind])


class InThePast(BookingError):
    code_name = "in_the_past"
    default_message = _("This time has already passed.")


class AppointmentCancelled(BookingError):
    code_name = "appointment_cancelled"
    default_message = _("This appointment was cancelled; book a new one instead.")


class InvalidValue(BookingError):
    """A value given to a door that it cannot accept: unknown choice, text too long or unstorable.

    `field` names the input, so that a form can put the message next to it.
    """

    code_name = "invalid_value"
    MESSAGES: ClassVar[dict[str, str | Promise]] = {
        "channel": _("Unknown way of booking."),
        "status": _("Unknown appointment status."),
        "null_character": _("This text contains a character that cannot be stored."),
        "too_long": _("This text is too long: at most %(limit)d characters."),
        "required": _("This field is required."),
        "time_zone": _("Unknown time zone."),
        "rrule": _("This recurrence rule cannot be used: %(detail)s"),
        "not_recurring": _("This event does not repeat; change the event itself."),
    }

    def __init__(self, field: str, reason: str, **params: Any) -> None:
        self.field = field
        self.reason = reason
        super().__init__(self.MESSAGES[reason], params=params or None)

    @classmethod
    def from_validation(cls, error: ValidationError) -> InvalidValue:
        """A model's `full_clean` refusal (already a translated sentence), as a door's refusal."""
        fields = list(getattr(error, "error_dict", {})) or ["__all__"]
        found = cls.__new__(cls)
        found.field, found.reason = fields[0], "invalid"
        BookingError.__init__(found, " ".join(str(text) for text in error.messages))
        return found
