"""Redis down must not stop Carnet: booking, login and the feed work, a little slower.

The cache is pointed at a real address where nothing listens (a refused connection, as when
Redis is stopped); so is the job queue where a booking enqueues its jobs.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings
from huey import RedisHuey
from redis import ConnectionPool

from carnet.feeds.links import issue_link
from carnet.scheduling.booking import book
from carnet.scheduling.models import Appointment
from tests import factories

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
FAIL_SAFE_CACHE_DOWN = {
    "default": {
        "BACKEND": "carnet.cache.FailSafeRedisCache",
        "LOCATION": UNREACHABLE_REDIS,
        "OPTIONS": OPTIONS,
    }
}
# Django's own backend, which raises: what a cache failure during a booking looks like.
PLAIN_CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": UNREACHABLE_REDIS,
        "OPTIONS": OPTIONS,
    }
}
PARIS = ZoneInfo("Europe/Paris")
PASSWORD = "a long pass phrase for tests"


@pytest.fixture
def queue_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue's storage in an unreachable Redis, as with REDIS_URL when Redis is down."""
    from carnet.jobs.queue import huey

    unreachable = RedisHuey(huey.name, connection_pool=ConnectionPool.from_url(UNREACHABLE_REDIS))
    monkeypatch.setattr(huey, "storage", unreachable.storage)


def next_tuesday() -> date:
    today = date.today()
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def book_one() -> Appointment:
    """A staff booking next Tuesday at 9:00, inside the practitioner's hours and the feed."""
    practice = factories.practice()
    center = factories.center(practice)
    doctor = factories.practitioner(practice)
    factories.weekly_hours(doctor, center)
    kind = factories.appointment_type(practice, [doctor])
    patient = factories.patient(practice)
    start = datetime.combine(next_tuesday(), time(9), tzinfo=PARIS)
    return book(
        practice, appointment_type=kind, patient=patient, practitioner=doctor, start=start
    ).appointment


@pytest.mark.django_db(transaction=True)  # the commit, and what runs after it, are real
@pytest.mark.usefixtures("queue_down")
@pytest.mark.parametrize("caches", [FAIL_SAFE_CACHE_DOWN, PLAIN_CACHE_DOWN], ids=["ours", "plain"])
def test_booking_succeeds_with_redis_down(
    caches: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    # DEBUG: after its first warning, the fail-safe cache says it once a minute only.
    with override_settings(CACHES=caches), caplog.at_level(logging.DEBUG):
        appointment = book_one()
    assert Appointment.objects.filter(pk=appointment.pk).exists()
    assert "Could not record a feed change" in caplog.text or "Cache unreachable" in caplog.text


@pytest.mark.django_db
@override_settings(CACHES=FAIL_SAFE_CACHE_DOWN)
def test_login_works_with_redis_down() -> None:
    factories.user("staff@example.org", password=PASSWORD)
    client = Client()
    response = client.post("/accounts/login/", {"login": "staff@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
@override_settings(CACHES=FAIL_SAFE_CACHE_DOWN)
def test_the_feed_answers_with_redis_down() -> None:
    appointment = book_one()
    token = issue_link(appointment.practitioner)
    for _request in range(3):  # rate limits fail open: no 429, no 500
        response = Client().get(f"/feeds/{token}.ics")
        assert response.status_code == 200
        assert b"BEGIN:VEVENT" in response.content


@pytest.mark.django_db
def test_a_fail_safe_cache_answers_like_an_empty_one() -> None:
    from django.core.cache import caches

    with override_settings(CACHES=FAIL_SAFE_CACHE_DOWN):
        down = caches["default"]
        down.set("k", 1)
        assert down.get("k", "default") == "default"
        assert down.add("k", 1) is True
        assert down.incr("k", 3) == 3
        assert down.get_many(["k"]) == {}
        assert down.set_many({"k": 1, "l": 2}) == ["k", "l"]
        assert down.has_key("k") is False
        assert down.delete("k") is False
        down.delete_many(["k"])
        down.clear()
