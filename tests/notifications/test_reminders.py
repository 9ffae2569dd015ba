"""The reminder sweep: due at the practice's reminder time the day before, in its zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from carnet.notifications import reminders, sending
from carnet.notifications.models import Notification
from carnet.scheduling.booking import cancel, reschedule
from tests.notifications.conftest import PARIS, Clinic, build_clinic

pytestmark = pytest.mark.django_db

MONDAY = datetime(2030, 5, 13, tzinfo=PARIS).date()


def at(day_offset: int, hour: int, minute: int = 0, zone: ZoneInfo = PARIS) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day_offset), time(hour, minute), zone)


def sweep_and_send(now: datetime) -> None:
    """The periodic sweep, then the `send` jobs it enqueued, run here."""
    reminders.create_due(now)
    sending.send(reminders.due_ids(now), now=now)


def reminded(mailbox: list[object]) -> list[str]:
    return sorted(m.to[0] for m in mailbox if "Reminder" in m.subject)  # type: ignore[attr-defined]


def test_reminders_go_at_the_practices_time_the_day_before_once(
    clinic: Clinic, mailbox: list[object]
) -> None:
    appointment = clinic.book(at(1, 9))
    clinic.book(at(2, 9))  # the day after: not yet
    mailbox.clear()
    sweep_and_send(at(0, 17, 59))
    assert mailbox == []
    sweep_and_send(at(0, 18, 0))
    assert len(mailbox) == 1
    sweep_and_send(at(0, 18, 1))
    sweep_and_send(at(0, 23, 59))
    assert len(mailbox) == 1, "sent once, however many sweeps"
    row = Notification.objects.get(kind="reminder_email")
    assert (row.appointment, row.for_date, row.status) == (appointment, at(1, 0).date(), "sent")


def test_a_practice_chooses_its_reminder_time(clinic: Clinic, mailbox: list[object]) -> None:
    clinic.practice.reminder_time = time(9, 30)
    clinic.practice.save()
    clinic.book(at(1, 9))
    mailbox.clear()
    sweep_and_send(at(0, 9, 29))
    assert mailbox == []
    sweep_and_send(at(0, 9, 30))
    assert len(mailbox) == 1


def test_moved_after_its_reminder_gets_one_for_its_new_day_and_cancelled_gets_none(
    clinic: Clinic, mailbox: list[object]
) -> None:
    moved = clinic.book(at(1, 9))
    dropped = clinic.book(at(1, 10))
    sweep_and_send(at(0, 18))
    mailbox.clear()
    reschedule(clinic.practice, moved, start=at(3, 11), now=at(0, 19))
    cancel(clinic.practice, dropped, now=at(0, 19))
    sweep_and_send(at(2, 18))
    assert len([m for m in mailbox if "Reminder" in m.subject]) == 1  # type: ignore[attr-defined]
    assert Notification.objects.filter(appointment=moved, kind="reminder_email").count() == 2
    assert Notification.objects.filter(appointment=dropped, kind="reminder_email").count() == 1


def test_cancelled_between_the_sweep_and_the_send_is_not_reminded(
    clinic: Clinic, mailbox: list[object]
) -> None:
    appointment = clinic.book(at(1, 9))
    reminders.create_due(at(0, 18))
    cancel(clinic.practice, appointment, now=at(0, 18))
    mailbox.clear()
    sending.send(reminders.due_ids(at(0, 18)), now=at(0, 18))
    row = Notification.objects.get(kind="reminder_email")
    assert (row.status, row.get_reason_display()) == ("skipped", "the appointment was cancelled")
    assert reminded(mailbox) == []


@pytest.mark.parametrize(
    ("zone_name", "saturday", "last_hour"),
    [
        # Clocks go forward on Sunday 31 March 2030 in Paris (a 23-hour day)...
        ("Europe/Paris", datetime(2030, 3, 30).date(), 23),
        # ...and back on Sunday 27 October 2030 (25 hours); New York moves on 3 Nov 2030.
        ("Europe/Paris", datetime(2030, 10, 26).date(), 23),
        ("America/New_York", datetime(2030, 11, 2).date(), 23),
        ("America/New_York", datetime(2030, 3, 9).date(), 23),
    ],
)
def test_daylight_saving_the_day_before_a_clock_change(
    zone_name: str, saturday: object, last_hour: int, mailbox: list[object]
) -> None:
    zone = ZoneInfo(zone_name)
    clinic = build_clinic(time_zone=zone_name)
    sunday = saturday + timedelta(days=1)  # type: ignore[operator]
    first = clinic.book(datetime.combine(sunday, time(0, 30), zone))
    last = clinic.book(datetime.combine(sunday, time(last_hour, 15), zone))
    monday = clinic.book(datetime.combine(sunday + timedelta(days=1), time(0, 15), zone))
    mailbox.clear()
    six_pm = datetime.combine(saturday, time(18), zone)  # type: ignore[arg-type]
    sweep_and_send(six_pm - timedelta(minutes=1))
    assert mailbox == []
    sweep_and_send(six_pm)
    assert set(
        Notification.objects.filter(kind="reminder_email", status="sent").values_list(
            "appointment", flat=True
        )
    ) == {first.pk, last.pk}
    assert monday.pk not in set(Notification.objects.values_list("appointment", flat=True))
    # 18:00 local is what the practice set, whatever the UTC offset that day.
    assert six_pm.astimezone(ZoneInfo("UTC")).hour in (16, 17, 22, 23)


def test_sms_reminders_only_when_asked_and_to_a_valid_mobile(
    clinic: Clinic, mailbox: list[object]
) -> None:
    from tests import factories

    clinic.kind.sms_reminder = True
    clinic.kind.save()
    landline = factories.patient(clinic.practice, mobile="+33140000000", email="a@example.org")
    unticked = clinic.book(at(1, 9), sms_reminder=False)
    fixed = clinic.book(at(1, 10), patient=landline, sms_reminder=True)
    reminders.create_due(at(0, 18))
    rows = Notification.objects.filter(kind="reminder_sms")
    assert set(rows.values_list("appointment", flat=True)) == {unticked.pk, fixed.pk}
    try:
        import carnet.notifications.sms  # noqa: F401
    except ImportError:
        pytest.skip("the SMS package (N2) is not there yet")
    sending.send(reminders.due_ids(at(0, 18)), now=at(0, 18))
    assert rows.get(appointment=unticked).get_reason_display() == "SMS not requested"
    landline_row = rows.get(appointment=fixed)
    assert landline_row.status == "skipped"
    assert "not a mobile" in landline_row.last_error
