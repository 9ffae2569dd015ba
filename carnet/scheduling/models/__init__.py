"""Scheduling data, one module per concept; import models from here."""

from carnet.scheduling.models.appointment import Appointment, AppointmentSource, AppointmentStatus
from carnet.scheduling.models.appointment_event import AppointmentChange, AppointmentEvent
from carnet.scheduling.models.appointment_type import AppointmentType
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
    "AppointmentChange",
    "AppointmentEvent",
    "AppointmentSource",
    "AppointmentStatus",
    "AppointmentType",
    "PersonalEvent",
    "PersonalEventOverride",
    "Practitioner",
    "ScheduleException",
    "ScheduleExceptionKind",
    "ScheduleLine",
    "TypeScheduleLine",
    "Weekday",
]
