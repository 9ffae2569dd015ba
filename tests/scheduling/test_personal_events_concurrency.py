"""An online booking and a personal event written at the same moment for the same time.

Made deterministic: one thread writes and holds its transaction open (so its lock is held) while
the other starts; the test checks the other is waiting, then lets the first commit. With the
door's lock the second always sees the first. Written around the lock (as every writer of
personal events did before `carnet.scheduling.personal_events`), PostgreSQL lets both in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connections, transaction
from django_scopes import scopes_disabled

from carnet.scheduling import personal_events
from carnet.scheduling.booking import Channel, book
from carnet.scheduling.errors import OverPersonalEvent
from carnet.scheduling.models import Appointment, PersonalEvent

pytestmark = pytest.mark.django_db(transaction=True)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=PARIS)
TUESDAY = date(2030, 1, 8)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TUESDAY, time(hour, minute), tzinfo=PARIS)


def online_booking(clinic: dict[str, Any]) -> Any:
    return book(
        clinic["practice"],
        appointment_type=clinic["kind"],
        patient=clinic["patient"],
        practitioner=clinic["doctor"],
        start=at(10),
        channel=Channel.ONLINE,
        now=NOW,
    )


def personal_event(clinic: dict[str, Any]) -> Any:
    return personal_events.create(
        clinic["practice"],
        practitioner=clinic["doctor"],
        title="Hospital round",
        start=at(9, 30),
        end=at(11),
    )


def personal_event_around_the_door(clinic: dict[str, Any]) -> Any:
    """What the staff pages and the admin did before the door: a plain insert, no lock."""
    with scopes_disabled():
        return PersonalEvent.objects.create(
            practice=clinic["practice"],
            practitioner=clinic["doctor"],
            title="Hospital round",
            start=at(9, 30),
            end=at(11),
        )


def first_holds_then_second(
    first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[Any, Any, bool]:
    """Run `first` in a transaction kept open until `second` (another thread and connection)
    has had 0.5 s to get through; returns both outcomes and whether `second` had to wait."""
    first_done = threading.Event()
    release = threading.Event()
    outcomes: dict[str, Any] = {}

    def run(name: str, action: Callable[[], Any], hold: bool) -> None:
        try:
            if hold:
                with transaction.atomic():
                    outcomes[name] = action()
                    first_done.set()
                    release.wait(timeout=30)
            else:
                outcomes[name] = action()
        except Exception as exc:
            outcomes[name] = exc
        finally:
            first_done.set()
            connections.close_all()

    holder = threading.Thread(target=run, args=("first", first, True))
    holder.start()
    assert first_done.wait(timeout=30)
    follower = threading.Thread(target=run, args=("second", second, False))
    follower.start()
    follower.join(timeout=0.5)
    waited = follower.is_alive()
    release.set()
    holder.join(timeout=30)
    follower.join(timeout=30)
    return outcomes["first"], outcomes["second"], waited


def test_a_booking_behind_a_personal_event_being_written_is_refused(
    clinic: dict[str, Any],
) -> None:
    event, booking, waited = first_holds_then_second(
        lambda: personal_event(clinic), lambda: online_booking(clinic)
    )
    assert waited, "the booking waited for the practitioner's lock"
    assert isinstance(event, personal_events.PersonalEventResult)
    assert isinstance(booking, OverPersonalEvent), booking
    assert not Appointment.objects.exists()
    assert PersonalEvent.objects.count() == 1


def test_a_personal_event_behind_a_booking_is_written_with_a_warning(
    clinic: dict[str, Any],
) -> None:
    booking, event, waited = first_holds_then_second(
        lambda: online_booking(clinic), lambda: personal_event(clinic)
    )
    assert waited, "the personal event waited for the practitioner's lock"
    assert isinstance(booking.appointment, Appointment), booking
    assert isinstance(event, personal_events.PersonalEventResult), event
    assert [w.code for w in event.warnings] == ["over_appointment"]


@pytest.mark.skipif(
    not settings.DATABASE_IS_POSTGRES,
    reason="SQLite serialises every writer (BEGIN IMMEDIATE): the race needs row-level locking",
)
def test_without_the_door_both_end_up_there_unnoticed(clinic: dict[str, Any]) -> None:
    """The bug the door fixes, reproduced: nothing stops the booking, nobody is warned."""
    event, booking, waited = first_holds_then_second(
        lambda: personal_event_around_the_door(clinic), lambda: online_booking(clinic)
    )
    assert not waited
    assert isinstance(event, PersonalEvent)
    assert isinstance(booking.appointment, Appointment), booking
    assert Appointment.objects.count() == 1 and PersonalEvent.objects.count() == 1
