"""The feed over HTTP: what it shows and hides, its window, caching headers, 304s, limits."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
from django.test import Client
from django.utils.http import http_date

from carnet.feeds.links import disable_link, issue_link
from carnet.feeds.models import FeedLink
from carnet.scheduling.models import AppointmentStatus, PersonalEventOverride
from tests import factories
from tests.feeds.feed_data import (  # noqa: F401  (autouse fixtures)
    SECRET_EMAIL,
    SECRET_NOTES,
    SECRET_PHONE,
    SECRET_TYPE,
    Agenda,
    _feed_defaults,
    agenda_fixture,
    soon,
)

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return [c for c in calendar.walk("VEVENT")]


def _summaries(body: bytes) -> list[str]:
    return [str(event["SUMMARY"]) for event in _events(body)]


def test_feed_is_a_calendar_with_private_headers(client: Client, agenda: Agenda) -> None:
    appointment = agenda.appointment(soon(2))
    response = client.get(agenda.feed_path())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Cache-Control"] == "private, max-age=900"
    assert response["Referrer-Policy"] == "no-referrer"  # the token is in this URL
    assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/")
    assert response["Last-Modified"]
    body = response.content
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT15M" in body
    assert b"X-WR-CALNAME:Dr Alice Durand \xe2\x80\x93 Carnet" in body
    (event,) = _events(body)
    assert str(event["UID"]) == f"{appointment.public_id}@carnet"
    assert str(event["SUMMARY"]) == "Jeanne Martin"
    url = f"https://carnet.example.org/app/{agenda.practice.slug}/appointments/{appointment.public_id}/"
    assert str(event["DESCRIPTION"]) == f"Open in Carnet: {url}"  # the link, once
    assert "URL" not in event
    assert event.decoded("DTSTART") == appointment.start


def test_feed_never_carries_contact_details_notes_or_the_reason(
    client: Client, agenda: Agenda
) -> None:
    agenda.appointment(soon(2), notes=SECRET_NOTES)
    agenda.personal_event(soon(3), title="Oncologist")
    for title_choice in ("name", "initials", "generic"):
        FeedLink.objects.filter(practitioner=agenda.practitioner).update(title_choice=title_choice)
        path = agenda.feed_path()
        body = client.get(path).content
        for secret in (SECRET_EMAIL, SECRET_PHONE, "612345678", SECRET_NOTES, SECRET_TYPE):
            assert secret.encode() not in body
        assert b"Oncologist" not in body  # personal events show "Busy" by default
        for event in _events(body):  # UIDs are public UUIDs, never database ids
            assert re.fullmatch(r"[0-9a-f-]{36}@carnet", str(event["UID"]))


@pytest.mark.parametrize(
    ("choice", "title"),
    [("name", "Jeanne Martin"), ("initials", "J. M."), ("generic", "Appointment")],
)
def test_title_follows_the_privacy_choice(
    client: Client, agenda: Agenda, choice: str, title: str
) -> None:
    agenda.appointment(soon(2))
    path = agenda.feed_path()
    FeedLink.objects.update(title_choice=choice)
    assert _summaries(client.get(path).content) == [title]


def test_personal_events_show_busy_or_their_title(client: Client, agenda: Agenda) -> None:
    agenda.personal_event(soon(2), title="School run")
    path = agenda.feed_path()
    assert _summaries(client.get(path).content) == ["Busy"]
    FeedLink.objects.update(personal_choice="title")
    assert _summaries(client.get(path).content) == ["School run"]


def test_cancelled_appointments_are_left_out(client: Client, agenda: Agenda) -> None:
    kept = agenda.appointment(soon(2))
    agenda.appointment(soon(3), status=AppointmentStatus.CANCELLED)
    uids = [str(e["UID"]) for e in _events(client.get(agenda.feed_path()).content)]
    assert uids == [f"{kept.public_id}@carnet"]


def test_rolling_window_30_days_back_a_year_ahead(client: Client, agenda: Agenda) -> None:
    inside = [agenda.appointment(soon(d)) for d in (-29, 0, 364)]
    for days in (-32, 368):
        agenda.appointment(soon(days))
    uids = {str(e["UID"]) for e in _events(client.get(agenda.feed_path()).content)}
    assert uids == {f"{a.public_id}@carnet" for a in inside}


def test_window_reaches_a_booking_horizon_longer_than_a_year(
    client: Client, agenda: Agenda
) -> None:
    agenda.practitioner.booking_horizon_days = 600
    agenda.practitioner.save()
    far = agenda.appointment(soon(590))
    agenda.appointment(soon(604))
    uids = [str(e["UID"]) for e in _events(client.get(agenda.feed_path()).content)]
    assert uids == [f"{far.public_id}@carnet"]


def test_personal_events_in_the_window_and_recurring_series_whole(
    client: Client, agenda: Agenda
) -> None:
    agenda.personal_event(soon(-40), title="Too old")
    single = agenda.personal_event(soon(5), title="Dentist")
    weekly = agenda.personal_event(
        soon(-200),
        title="Staff meeting",
        rrule="FREQ=WEEKLY",
        time_zone="Europe/Paris",
        exdates=[(soon(-200) + timedelta(weeks=30)).isoformat()],
    )
    PersonalEventOverride.objects.create(
        event=weekly,
        recurrence_id=soon(-200) + timedelta(weeks=31),
        start=soon(-200) + timedelta(weeks=31, hours=2),
        end=soon(-200) + timedelta(weeks=31, hours=3),
    )
    agenda.personal_event(soon(-300), title="Ended", rrule="FREQ=DAILY;COUNT=3")
    agenda.personal_event(soon(-300), title="Until local", rrule="FREQ=DAILY;UNTIL=20991231")
    path = agenda.feed_path()
    FeedLink.objects.filter(practitioner=agenda.practitioner).update(personal_choice="title")
    body = client.get(path).content
    events = _events(body)
    titles = sorted({str(e["SUMMARY"]) for e in events})
    assert titles == ["Dentist", "Staff meeting", "Until local"]
    masters = [e for e in events if "RRULE" in e and str(e["SUMMARY"]) == "Staff meeting"]
    assert len(masters) == 1 and str(masters[0]["UID"]) == f"{weekly.public_id}@carnet"
    assert any("RECURRENCE-ID" in e for e in events)
    assert b"EXDATE;TZID=Europe/Paris:" in body
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris" in body
    assert b"UNTIL=20991231T225959Z" in body  # a local UNTIL is written in UTC
    assert any(str(e["UID"]) == f"{single.public_id}@carnet" for e in events)


# --- not found, methods ---------------------------------------------------------------------


def _shape(response: object) -> tuple[object, ...]:
    return (
        response.status_code,  # type: ignore[attr-defined]
        response.content,  # type: ignore[attr-defined]
        response["Content-Type"],  # type: ignore[index]
        response.get("Cache-Control"),  # type: ignore[attr-defined]
        response.get("X-Robots-Tag"),  # type: ignore[attr-defined]
        response.get("ETag"),  # type: ignore[attr-defined]
    )


def test_unknown_revoked_and_disabled_links_get_the_same_404(
    client: Client, agenda: Agenda
) -> None:
    revoked = agenda.feed_path()
    agenda.feed_path()  # regenerated: the first one is revoked
    disabled_owner = factories.practitioner(agenda.practice)
    disabled = issue_link(disabled_owner)
    FeedLink.objects.filter(practitioner=disabled_owner).update(enabled=False)
    turned_off_owner = factories.practitioner(agenda.practice)
    turned_off = issue_link(turned_off_owner)
    disable_link(turned_off_owner)
    responses = [
        client.get("/feeds/" + "A" * 43 + ".ics"),
        client.get("/feeds/not-even-a-token.ics"),
        client.get(revoked),
        client.get(f"/feeds/{disabled}.ics"),
        client.get(f"/feeds/{turned_off}.ics"),
    ]
    shapes = {_shape(response) for response in responses}
    assert len(shapes) == 1
    assert responses[0].status_code == 404


def test_head_works_and_other_methods_are_refused(client: Client, agenda: Agenda) -> None:
    agenda.appointment(soon(2))
    path = agenda.feed_path()
    full = client.get(path)
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == full["ETag"] and head["Content-Type"] == full["Content-Type"]
    for method in (client.post, client.put, client.delete):
        response = method(path)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"


# --- conditional requests -----------------------------------------------------------------


def test_if_none_match_gives_304_until_something_changes(
    client: Client, agenda: Agenda, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    appointment = agenda.appointment(soon(2))
    path = agenda.feed_path()
    first = client.get(path)
    etag = first["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"].startswith("private")
    assert client.get(path, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other", ' + etag}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200

    appointment.start += timedelta(hours=1)
    appointment.end += timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):  # the feed learns of it on commit
        appointment.save()
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_same_data_gives_the_same_bytes_and_etag(client: Client, agenda: Agenda) -> None:
    agenda.appointment(soon(2))
    path = agenda.feed_path()
    first = client.get(path)
    from django.core.cache import cache

    cache.clear()  # render again from the database
    second = client.get(path)
    assert (first.content, first["ETag"]) == (second.content, second["ETag"])


def test_if_modified_since_gives_304(client: Client, agenda: Agenda) -> None:
    agenda.appointment(soon(2))
    path = agenda.feed_path()
    first = client.get(path)
    modified = first["Last-Modified"]
    not_modified = client.get(path, headers={"If-Modified-Since": modified})
    assert not_modified.status_code == 304
    assert not_modified["Last-Modified"] == modified
    earlier = http_date(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins when both are sent (RFC 9110 section 13.2.2).
    both = {"If-Modified-Since": modified, "If-None-Match": '"stale"'}
    assert client.get(path, headers=both).status_code == 200


@pytest.mark.parametrize("change", ["cancel", "delete_event", "rename_patient", "settings"])
def test_every_change_moves_etag_and_last_modified(
    client: Client,
    agenda: Agenda,
    change: str,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    appointment = agenda.appointment(soon(2))
    event = agenda.personal_event(soon(3))
    path = agenda.feed_path()
    first = client.get(path)
    with django_capture_on_commit_callbacks(execute=True):  # the feed learns of it on commit
        if change == "cancel":
            appointment.status = AppointmentStatus.CANCELLED
            appointment.save()
        elif change == "delete_event":
            event.delete()  # leaves no timestamp behind
        elif change == "rename_patient":
            agenda.patient.last_name = "Moreau"
            agenda.patient.save()
        else:
            FeedLink.objects.get().save()  # e.g. a new privacy choice
    after = client.get(path, headers={"If-Modified-Since": first["Last-Modified"]})
    assert after.status_code == 200
    assert after["ETag"] != first["ETag"]
    assert after.content != first.content or change == "settings"
    refetch = client.get(path, headers={"If-Modified-Since": after["Last-Modified"]})
    assert refetch.status_code == 304


def test_refresh_interval_follows_the_practice(client: Client, agenda: Agenda) -> None:
    agenda.practice.feed_refresh_minutes = 60
    agenda.practice.save()
    response = client.get(agenda.feed_path())
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.content
    assert response["Cache-Control"] == "private, max-age=3600"


def test_labels_are_in_the_practice_language(client: Client, agenda: Agenda) -> None:
    agenda.practice.language = "fr"
    agenda.practice.save()
    agenda.personal_event(soon(2))
    body = client.get(agenda.feed_path()).content
    from django.utils import translation

    with translation.override("fr"):
        busy = translation.gettext("Busy")
    assert busy.encode() in body


# --- rate limits ----------------------------------------------------------------------------


def test_rate_limit_per_link_answers_429_with_retry_after(
    client: Client, agenda: Agenda, settings: object
) -> None:
    settings.FEED_RATE_LIMIT = "3/h"  # type: ignore[attr-defined]
    path = agenda.feed_path()
    etag = client.get(path)["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304  # 304s count
    assert client.get(path).status_code == 200
    limited = client.get(path)
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 3600
    # Another practitioner's link has its own budget.
    other = factories.practitioner(agenda.practice)
    assert client.get(f"/feeds/{issue_link(other)}.ics").status_code == 200


def test_unknown_tokens_are_limited_per_address_valid_links_still_served(
    client: Client, agenda: Agenda, settings: object
) -> None:
    settings.FEED_MISS_RATE_LIMIT = "2/h"  # type: ignore[attr-defined]
    path = agenda.feed_path()
    codes = [client.get(f"/feeds/guess{n}.ics").status_code for n in range(3)]
    assert codes == [404, 404, 429]
    limited = client.get("/feeds/guess3.ics")
    assert limited["Referrer-Policy"] == "no-referrer"
    not_found = client.get("/feeds/guess9.ics", REMOTE_ADDR="192.0.2.8")
    assert not_found.status_code == 404 and not_found["Referrer-Policy"] == "no-referrer"
    other_address = client.get("/feeds/guess9.ics", REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 404
    assert client.get(path).status_code == 200


def test_unknown_tokens_are_counted_by_remote_addr_not_by_a_forwarded_header(
    client: Client, settings: object
) -> None:
    """Behind the proxy, waitress puts the client in REMOTE_ADDR (carnet.server); a header
    sent by the client itself must not give a scanner a fresh allowance per request."""
    settings.FEED_MISS_RATE_LIMIT = "2/h"  # type: ignore[attr-defined]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # type: ignore[attr-defined]
    codes = [
        client.get(f"/feeds/guess{n}.ics", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    assert codes == [404, 404, 429]


# --- the appointment page the feed links to -----------------------------------------------


def test_appointment_page_needs_a_member_of_the_practice(agenda: Agenda) -> None:
    appointment = agenda.appointment(soon(2), notes=SECRET_NOTES)
    url = f"/app/{agenda.practice.slug}/appointments/{appointment.public_id}/"
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    member = Client()
    member.force_login(agenda.owner)
    page = member.get(url)
    assert page.status_code == 200
    assert b"Jeanne Martin" in page.content and SECRET_TYPE.encode() in page.content

    stranger_practice = factories.practice()
    stranger = Client()
    stranger.force_login(factories.member(stranger_practice))
    assert stranger.get(url).status_code == 404
    # Its own practice's URL with another practice's appointment: 404 as well.
    other_url = f"/app/{stranger_practice.slug}/appointments/{appointment.public_id}/"
    assert stranger.get(other_url).status_code == 404
    assert (
        member.get(f"/app/{agenda.practice.slug}/appointments/{stranger_practice.pk}/").status_code
        == 404
    )


def test_an_unchanged_feed_costs_one_query(
    client: Client,
    agenda: Agenda,
    django_assert_num_queries: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("carnet.feeds.views.SETTLE", 0.0)  # the write settled long ago
    agenda.appointment(soon(2))
    path = agenda.feed_path()
    etag = client.get(path)["ETag"]
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert client.get(path).status_code == 200  # the body comes from the cache


def test_a_fingerprint_read_just_after_a_write_is_not_kept(
    client: Client, agenda: Agenda, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    from django.core.cache import cache

    with django_capture_on_commit_callbacks(execute=True):
        agenda.appointment(soon(2))  # a generation of "now": a read may have begun before
    path = agenda.feed_path()
    client.get(path)
    assert cache.get(f"feeds:state:{FeedLink.objects.get().pk}") is None


def test_writes_without_signals_are_seen_when_the_state_expires(
    client: Client, agenda: Agenda, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.cache import cache

    monkeypatch.setattr("carnet.feeds.views.SETTLE", 0.0)

    appointment = agenda.appointment(soon(2))
    path = agenda.feed_path()
    etag = client.get(path)["ETag"]
    type(appointment).objects.filter(pk=appointment.pk).update(sequence=7)  # no signal
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    link_id = FeedLink.objects.get().pk
    cache.delete(f"feeds:state:{link_id}")  # what STATE_TTL does after five minutes
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200 and b"SEQUENCE:7" in response.content
