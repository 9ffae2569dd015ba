"""Scheduling data, one module per concept; import models from here."""

from carnet.scheduling.models.appointment import Appointment, AppointmentSource, AppointmentStatus
from carnet.scheduling.models.appointment_type import AppointmentType
from carnet.scheduling.models.outbox import (
    Change,
    Delivery,
    DeliveryStatus,
    Origin,
    OutboxEvent,
    Subject,
)
from carnet.scheduling.models.personal_event import PersonalEvent, PersonalEventOverride
from carnet.scheduling.models.practitioner import Practitioner
from carnet.scheduling.models.schedule import (
    ScheduleException,
    ScheduleExceptionKind,
    ScheduleLine,
    TypeScheduleLine,
    Weekday,
)

__all__ = [
    "Appointment",
    "AppointmentSource",
    "AppointmentStatus",
    "AppointmentType",
    "Change",
    "Delivery",
    "DeliveryStatus",
    "Origin",
    "OutboxEvent",
    "PersonalEvent",
    "PersonalEventOverride",
    "Practitioner",
    "ScheduleException",
    "ScheduleExceptionKind",
    "ScheduleLine",
    "Subject",
    "TypeScheduleLine",
    "Weekday",
]
