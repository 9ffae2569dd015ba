"""The outbox in one process: deliveries per consumer, claims, backoff, give-up, the relay.

Worker processes (killed, broken, two at once) are in test_outbox_workers.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from carnet.jobs.queue import huey
from carnet.scheduling import outbox
from carnet.scheduling.booking import Channel, book, cancel
from carnet.scheduling.consumers import Consumer, register, unregister
from carnet.scheduling.models import Delivery, OutboxEvent

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=PARIS)
TUESDAY = datetime(2030, 1, 8, 9, 0, tzinfo=PARIS)


class Recorder:
    """A consumer's side effect, countable: the events it handled, in order."""

    def __init__(self, failures: int = 0) -> None:
        self.handled: list[int] = []
        self.failures = failures

    def __call__(self, event: OutboxEvent) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SMTP server unreachable")
        self.handled.append(event.pk)


@pytest.fixture(autouse=True)
def _empty_queue() -> None:
    huey.flush()


@pytest.fixture
def consumers() -> Iterator[dict[str, Recorder]]:
    recorders = {"email": Recorder(), "calendar-7": Recorder()}
    register(Consumer("email", recorders["email"]))
    # The consumer of calendar connection "7": never told of what came from "7" itself.
    register(Consumer("calendar-7", recorders["calendar-7"], connection="7"))
    yield recorders
    unregister("email")
    unregister("calendar-7")


def booking(clinic: dict[str, object], hour: int = 9, **extra: object) -> OutboxEvent:
    result = book(
        clinic["practice"],  # type: ignore[arg-type]
        appointment_type=clinic["kind"],  # type: ignore[arg-type]
        patient=clinic["patient"],  # type: ignore[arg-type]
        practitioner=clinic["doctor"],  # type: ignore[arg-type]
        start=datetime.combine(TUESDAY.date(), time(hour), tzinfo=PARIS),
        now=NOW,
        **extra,  # type: ignore[arg-type]
    )
    assert result.event is not None
    return result.event


def test_each_interested_consumer_gets_one_delivery(
    clinic: dict[str, object], consumers: dict[str, Recorder]
) -> None:
    by_staff = booking(clinic, 9)
    from_calendar_7 = booking(clinic, 10, channel=Channel.EXTERNAL, connection="7")
    from_calendar_8 = booking(clinic, 11, channel=Channel.EXTERNAL, connection="8")

    def consumers_of(event: OutboxEvent) -> list[str]:
        return sorted(event.deliveries.values_list("consumer", flat=True))

    assert (by_staff.origin, by_staff.connection) == ("staff", None)
    assert consumers_of(by_staff) == ["calendar-7", "email"]
    # A change pulled from calendar 7 is never pushed back to it; calendar 8's goes to 7.
    assert (from_calendar_7.origin, from_calendar_7.connection) == ("external", "7")
    assert consumers_of(from_calendar_7) == ["email"]
    assert consumers_of(from_calendar_8) == ["calendar-7", "email"]
    # One delivery per (event, consumer), whoever tries to add another.
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(event=by_staff, consumer="email", next_attempt_at=timezone.now())


def test_a_rolled_back_change_leaves_no_event_and_enqueues_nothing(
    clinic: dict[str, object], consumers: dict[str, Recorder], django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        booking(clinic)
        raise RuntimeError("the request failed after booking")
    assert not OutboxEvent.objects.exists()
    assert not Delivery.objects.exists()
    assert callbacks == []
    assert huey.pending_count() == 0


def test_a_delivery_is_done_once_its_side_effect_succeeded_and_never_again(
    clinic: dict[str, object], consumers: dict[str, Recorder]
) -> None:
    event = booking(clinic)
    delivery = event.deliveries.get(consumer="email")
    assert outbox.run_delivery(delivery.pk) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("done", 1, None)
    assert delivery.done_at is not None
    # A duplicated job, a retry, the relay: nothing more happens.
    assert outbox.run_delivery(delivery.pk) == "skipped"
    assert outbox.relay() == 1  # only calendar-7's delivery is still due
    assert consumers["email"].handled == [event.pk]


@override_settings(OUTBOX_RETRY_BASE_SECONDS=10, OUTBOX_MAX_ATTEMPTS=5)
def test_a_failing_consumer_is_retried_with_growing_backoff_then_delivered_by_the_relay(
    clinic: dict[str, object], consumers: dict[str, Recorder]
) -> None:
    consumers["email"].failures = 3
    event = booking(clinic)
    delivery = event.deliveries.get(consumer="email")
    moment = timezone.now()
    waits = []
    for attempt in (1, 2, 3):
        assert outbox.run_delivery(delivery.pk, now=moment) == "retry"
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("pending", attempt)
        assert delivery.last_error == "ConnectionError: SMTP server unreachable"
        wait = delivery.next_attempt_at - moment
        # Doubling from 10 s, with jitter in the upper half: [5, 10], [10, 20], [20, 40].
        assert (
            timedelta(seconds=5 * 2 ** (attempt - 1))
            <= wait
            <= timedelta(seconds=10 * 2 ** (attempt - 1))
        )
        waits.append(wait)
        # Not before its time, neither by a stray job nor by the relay.
        assert outbox.run_delivery(delivery.pk, now=moment) == "skipped"
        assert delivery.pk not in _relayed(moment)
        moment = delivery.next_attempt_at
    assert waits == sorted(waits)
    # Due now: the relay hands it to a worker, which delivers it.
    assert delivery.pk in _relayed(moment)
    assert outbox.run_delivery(delivery.pk, now=moment) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("done", 4, "")
    assert consumers["email"].handled == [event.pk]


@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_after_the_last_attempt_the_delivery_is_recorded_as_failed_and_left_alone(
    clinic: dict[str, object], consumers: dict[str, Recorder]
) -> None:
    consumers["email"].failures = 100
    delivery = booking(clinic).deliveries.get(consumer="email")
    moment = timezone.now()
    outcomes = []
    for _ in range(3):
        outcomes.append(outbox.run_delivery(delivery.pk, now=moment))
        delivery.refresh_from_db()
        moment = delivery.next_attempt_at
    assert outcomes == ["retry", "retry", "failed"]
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert delivery.last_error == "ConnectionError: SMTP server unreachable"
    later = moment + timedelta(days=30)
    assert delivery.pk not in _relayed(later)
    assert outbox.run_delivery(delivery.pk, now=later) == "skipped"
    assert consumers["email"].handled == []


def test_a_claim_keeps_others_off_until_its_lease_expires(
    clinic: dict[str, object], consumers: dict[str, Recorder]
) -> None:
    delivery = booking(clinic).deliveries.get(consumer="email")
    moment = timezone.now()
    # A worker claimed it and died (or is still working): the claim holds until its lease ends.
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=moment + timedelta(minutes=5), attempts=1
    )
    assert outbox.run_delivery(delivery.pk, now=moment) == "skipped"
    assert delivery.pk not in _relayed(moment)
    after_lease = moment + timedelta(minutes=5, seconds=1)
    assert delivery.pk in _relayed(after_lease)
    assert outbox.run_delivery(delivery.pk, now=after_lease) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("done", 2)


def test_an_unknown_consumer_is_retried_not_dropped(
    clinic: dict[str, object], consumers: dict[str, Recorder]
) -> None:
    """A worker that does not (yet) know a consumer leaves the delivery for one that does."""
    delivery = booking(clinic).deliveries.get(consumer="email")
    unregister("email")
    assert outbox.run_delivery(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert "No outbox consumer named 'email'" in delivery.last_error


def test_every_change_of_an_appointment_is_an_event(
    clinic: dict[str, object], consumers: dict[str, Recorder]
) -> None:
    event = booking(clinic)
    cancelled = cancel(clinic["practice"], event.appointment, now=NOW).event  # type: ignore[arg-type]
    assert cancelled is not None
    assert [e.kind for e in OutboxEvent.objects.all()] == ["booked", "cancelled"]
    assert cancelled.sequence == 1
    assert Delivery.objects.filter(event=cancelled).count() == 2


def test_the_relay_runs_every_minute() -> None:
    from carnet.jobs.periodic import relay_outbox

    minute = datetime(2030, 1, 7, 8, 0)
    assert all(
        relay_outbox.task_class().validate_datetime(minute + timedelta(minutes=n)) for n in range(3)
    )
    assert relay_outbox.call_local() == 0


def _relayed(moment: datetime) -> list[int]:
    """Which deliveries the relay enqueues at `moment` (read back from the job queue)."""
    huey.flush()
    outbox.relay(now=moment)
    found = []
    while (message := huey.dequeue()) is not None:
        found.append(message.args[1][0])
    return found
