"""The emulator's "Google Calendar (emulated)" page: what it lists, and what its forms change.

The forms must act exactly as the calendar's owner would through the API: the changes are
seen through Google's own client (incremental sync with a sync token, etags, sequence), and
watching channels are notified. Bad input answers 400 with a message and changes nothing.
"""

from __future__ import annotations

import http.client
import re
import urllib.parse
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from carnet.emulators.google_calendar import GoogleCalendarEmulator
from carnet.emulators.google_calendar.page import PAGE
from tests.emulators.test_google_calendar import Webhook, calendar_service, timed

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def running() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(port=0, default_time_zone="Europe/Paris") as emulator:
        yield emulator


@pytest.fixture
def emulator(running: GoogleCalendarEmulator) -> GoogleCalendarEmulator:
    running.reset()
    return running


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture
def service(emulator: GoogleCalendarEmulator) -> Any:
    return calendar_service(emulator)


@pytest.fixture
def calendar_id(service: Any) -> str:
    body = {"summary": "Carnet - Camille Martin", "timeZone": "Europe/Paris"}
    return str(service.calendars().insert(body=body).execute()["id"])


def soon(days: int = 10) -> date:
    return datetime.now(PARIS).date() + timedelta(days=days)


def request(
    emulator: GoogleCalendarEmulator,
    method: str,
    path: str,
    fields: dict[str, str] | None = None,
    origin: str = "",
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=10)
    try:
        body = urllib.parse.urlencode(fields or {})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if origin:
            headers["Origin"] = origin
        connection.request(method, path, body=body if method == "POST" else None, headers=headers)
        answer = connection.getresponse()
        headers = {k.lower(): v for k, v in answer.getheaders()}
        return answer.status, headers, answer.read().decode()
    finally:
        connection.close()


def events_url(calendar_id: str, *rest: str) -> str:
    parts = [calendar_id, "events", *rest]
    return PAGE + "/" + "/".join(urllib.parse.quote(part, safe="") for part in parts)


def live_events(service: Any, calendar_id: str, **params: Any) -> list[dict[str, Any]]:
    return list(service.events().list(calendarId=calendar_id, **params).execute()["items"])


def page_text(emulator: GoogleCalendarEmulator) -> str:
    status, headers, text = request(emulator, "GET", PAGE)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    return text


def test_the_page_lists_calendars_and_upcoming_events_escaped(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str
) -> None:
    day = soon()
    service.events().insert(
        calendarId=calendar_id,
        body={"summary": "<b>Réunion</b> & co", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"]}
        | timed(f"{day}T12:45:00", f"{day}T13:45:00"),
    ).execute()
    past = soon(-3)
    service.events().insert(
        calendarId=calendar_id,
        body={"summary": "Long gone"} | timed(f"{past}T09:00:00", f"{past}T10:00:00"),
    ).execute()
    text = page_text(emulator)
    assert "<title>Google Calendar (emulated)</title>" in text
    assert "Carnet - Camille Martin" in text and "Europe/Paris" in text
    assert "<b>Réunion</b>" not in text
    assert text.count("&lt;b&gt;Réunion&lt;/b&gt; &amp; co") == 3  # three occurrences
    assert text.count("↻ repeats") == 3
    assert f"{day:%a %d %b %Y}, 12:45 – 13:45" in text
    assert "Long gone" not in text
    assert 'name="viewport"' in text and "<script" not in text


def test_add_an_event_like_the_owner_notifies_the_channel_and_the_sync_token(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str, webhook: Webhook
) -> None:
    first = service.events().list(calendarId=calendar_id).execute()
    service.events().watch(
        calendarId=calendar_id,
        body={"id": "page-chan", "type": "web_hook", "address": webhook.url, "token": "t"},
    ).execute()
    webhook.wait_for(1)
    day = soon()
    status, headers, _text = request(
        emulator,
        "POST",
        events_url(calendar_id),
        {"title": "Dentiste", "start": f"{day}T07:00", "end": f"{day}T08:15"},
    )
    assert status == 303
    assert headers["location"].startswith(PAGE + "?done=added#cal-")
    notified = webhook.wait_for(2)
    assert notified[1]["X-Goog-Resource-State"] == "exists"

    changed = (
        service.events().list(calendarId=calendar_id, syncToken=first["nextSyncToken"]).execute()
    )
    [event] = changed["items"]
    assert event["summary"] == "Dentiste"
    assert event["start"]["timeZone"] == "Europe/Paris"
    start = datetime.fromisoformat(event["start"]["dateTime"])
    end = datetime.fromisoformat(event["end"]["dateTime"])
    assert start == datetime.combine(day, datetime.min.time().replace(hour=7), PARIS)
    assert end - start == timedelta(minutes=75)
    assert event["creator"]["email"] == "doctor@example.com"
    assert "recurrence" not in event
    after = request(emulator, "GET", headers["location"].split("#")[0])[2]
    assert '<p class="notice" role="status">Event added.</p>' in after


def test_add_a_weekly_event(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str
) -> None:
    day = soon()
    status, _headers, _text = request(
        emulator,
        "POST",
        events_url(calendar_id),
        {"title": "Yoga", "start": f"{day}T18:00", "end": f"{day}T19:00", "repeat": "weekly"},
    )
    assert status == 303
    [series] = live_events(service, calendar_id)
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]
    assert series["recurrence"] == [f"RRULE:FREQ=WEEKLY;BYDAY={weekday}"]
    occurrences = live_events(service, calendar_id, singleEvents=True, maxResults=3)
    assert [o["recurringEventId"] for o in occurrences] == [series["id"]] * 3


def test_move_keeps_the_length_and_changes_etag_and_sequence(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str
) -> None:
    day = soon()
    event = (
        service.events()
        .insert(
            calendarId=calendar_id,
            body={"summary": "Suivi"} | timed(f"{day}T09:00:00", f"{day}T09:45:00"),
        )
        .execute()
    )
    later = day + timedelta(days=1)
    status, _headers, _text = request(
        emulator, "POST", events_url(calendar_id, event["id"], "move"), {"start": f"{later}T20:30"}
    )
    assert status == 303
    moved = service.events().get(calendarId=calendar_id, eventId=event["id"]).execute()
    start = datetime.fromisoformat(moved["start"]["dateTime"])
    end = datetime.fromisoformat(moved["end"]["dateTime"])
    assert start == datetime(later.year, later.month, later.day, 20, 30, tzinfo=PARIS)
    assert end - start == timedelta(minutes=45)
    assert moved["etag"] != event["etag"]
    assert moved["sequence"] == event["sequence"] + 1
    assert moved["summary"] == "Suivi"


def test_move_one_occurrence_makes_an_exception(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str
) -> None:
    day = soon()
    series = (
        service.events()
        .insert(
            calendarId=calendar_id,
            body={"summary": "Réunion", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"]}
            | timed(f"{day}T12:45:00", f"{day}T13:45:00"),
        )
        .execute()
    )
    second = live_events(service, calendar_id, singleEvents=True)[1]
    status, _headers, _text = request(
        emulator,
        "POST",
        events_url(calendar_id, second["id"], "move"),
        {"start": f"{day + timedelta(days=8)}T12:45"},
    )
    assert status == 303
    exception = service.events().get(calendarId=calendar_id, eventId=second["id"]).execute()
    assert exception["recurringEventId"] == series["id"]
    assert exception["originalStartTime"] == second["originalStartTime"]
    starts = [
        datetime.fromisoformat(o["start"]["dateTime"]).date()
        for o in live_events(service, calendar_id, singleEvents=True, orderBy="startTime")
    ]
    assert starts == [day, day + timedelta(days=8), day + timedelta(days=14), day + timedelta(21)]


def test_delete_an_event_then_again(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str
) -> None:
    day = soon()
    event = (
        service.events()
        .insert(
            calendarId=calendar_id,
            body={"summary": "Annulé"} | timed(f"{day}T09:00:00", f"{day}T10:00:00"),
        )
        .execute()
    )
    url = events_url(calendar_id, event["id"], "delete")
    assert request(emulator, "POST", url)[0] == 303
    gone = service.events().get(calendarId=calendar_id, eventId=event["id"]).execute()
    assert gone["status"] == "cancelled"
    status, _headers, text = request(emulator, "POST", url)
    assert status == 410
    assert "Resource has been deleted" in text


def test_delete_one_occurrence_or_the_whole_series(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str
) -> None:
    day = soon()
    series = (
        service.events()
        .insert(
            calendarId=calendar_id,
            body={"summary": "Cours", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"]}
            | timed(f"{day}T18:00:00", f"{day}T19:00:00"),
        )
        .execute()
    )
    first = live_events(service, calendar_id, singleEvents=True)[0]
    assert request(emulator, "POST", events_url(calendar_id, first["id"], "delete"))[0] == 303
    assert len(live_events(service, calendar_id, singleEvents=True)) == 2
    assert request(emulator, "POST", events_url(calendar_id, series["id"], "delete"))[0] == 303
    assert live_events(service, calendar_id, singleEvents=True) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "", "start": "2030-01-07T09:00", "end": "2030-01-07T10:00"}, "a title"),
        ({"title": "x" * 301, "start": "2030-01-07T09:00", "end": "2030-01-07T10:00"}, "too long"),
        ({"title": "A", "start": "", "end": "2030-01-07T10:00"}, "give the start"),
        ({"title": "A", "start": "tomorrow", "end": "2030-01-07T10:00"}, "must look like"),
        ({"title": "A", "start": "2030-01-07T09:00+01:00", "end": "2030-01-07T10:00"}, "offset"),
        ({"title": "A", "start": "2030-01-07T10:00", "end": "2030-01-07T09:00"}, "after the start"),
        ({"title": "A", "start": "2030-01-07T10:00", "end": "2030-01-07T10:00"}, "after the start"),
        ({"title": "A", "start": "2030-03-31T02:30", "end": "2030-03-31T03:30"}, "does not exist"),
        (
            {"title": "A", "start": "2030-01-07T09:00", "end": "2030-01-07T10:00", "repeat": "x"},
            "weekly",
        ),
        ({}, "a title"),
    ],
)
def test_bad_input_to_add_answers_400_and_changes_nothing(
    emulator: GoogleCalendarEmulator,
    service: Any,
    calendar_id: str,
    fields: dict[str, str],
    message: str,
) -> None:
    version = emulator.store.version
    status, headers, text = request(emulator, "POST", events_url(calendar_id), fields)
    assert status == 400
    assert headers["content-type"].startswith("text/html")
    assert re.search(r'class="error" role="alert">[^<]*' + re.escape(message), text)
    assert emulator.store.version == version
    assert live_events(service, calendar_id, showDeleted=True) == []


def test_bad_moves_and_unknown_things(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str
) -> None:
    day = soon()
    event = (
        service.events()
        .insert(
            calendarId=calendar_id,
            body={"summary": "Suivi"} | timed(f"{day}T09:00:00", f"{day}T10:00:00"),
        )
        .execute()
    )
    all_day = (
        service.events()
        .insert(
            calendarId=calendar_id,
            body={"summary": "Congrès", "start": {"date": f"{day}"}, "end": {"date": f"{day}"}},
        )
        .execute()
    )
    version = emulator.store.version
    move = events_url(calendar_id, event["id"], "move")
    assert request(emulator, "POST", move, {"start": "soon"})[0] == 400
    assert request(emulator, "POST", move, {})[0] == 400
    status, _headers, text = request(
        emulator, "POST", events_url(calendar_id, all_day["id"], "move"), {"start": f"{day}T09:00"}
    )
    assert (status, "All-day events cannot be moved here." in text) == (400, True)
    status, _headers, text = request(
        emulator, "POST", events_url(calendar_id, "nosuchevent1", "move"), {"start": f"{day}T9:00"}
    )
    assert status == 400  # the time is checked first
    status, _headers, text = request(
        emulator, "POST", events_url(calendar_id, "nosuchevent1", "move"), {"start": f"{day}T09:00"}
    )
    assert (status, "Not Found" in text) == (404, True)
    assert request(emulator, "POST", events_url(calendar_id, "nosuchevent1", "delete"))[0] == 404
    status, _headers, text = request(
        emulator, "POST", events_url("nobody@group.calendar.google.com"), {"title": "A"}
    )
    assert (status, "no such calendar" in text) == (404, True)
    assert request(emulator, "GET", events_url(calendar_id))[0] == 405
    assert request(emulator, "POST", PAGE)[0] == 405
    assert request(emulator, "POST", events_url(calendar_id, event["id"], "paint"))[0] == 404
    assert emulator.store.version == version


def test_the_page_without_calendars(emulator: GoogleCalendarEmulator) -> None:
    assert "No calendar yet." in page_text(emulator)


def test_another_website_cannot_post_the_pages_forms(
    emulator: GoogleCalendarEmulator, service: Any, calendar_id: str
) -> None:
    version = emulator.store.version
    fields = {"title": "Injected", "start": f"{soon()}T10:00", "end": f"{soon()}T11:00"}
    status, _headers, _text = request(
        emulator, "POST", events_url(calendar_id), fields, origin="https://evil.example"
    )
    assert status == 403
    assert emulator.store.version == version
    own = f"http://127.0.0.1:{emulator.port}"
    status, _headers, _text = request(emulator, "POST", events_url(calendar_id), fields, origin=own)
    assert status == 303
