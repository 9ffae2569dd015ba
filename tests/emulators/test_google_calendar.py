"""The Google Calendar emulator, driven only through Google's own client libraries.

googleapiclient (static discovery document) and google-auth talk to it exactly as they would
talk to Google; the control API (/_emulator/...) only sets the stage: grants, faults, quotas,
expired tokens.
"""

# ruff: noqa: S310 - every URL opened here is the local emulator's own

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httplib2
import pytest
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from carnet.emulators.google_calendar import GoogleCalendarEmulator

SCOPE_FULL = "https://www.googleapis.com/auth/calendar"
SCOPE_APP = "https://www.googleapis.com/auth/calendar.app.created"
USER = "doctor@example.com"
CLIENT = "carnet-client.apps.googleusercontent.com"


@pytest.fixture(scope="module")
def running() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(port=0) as emulator:
        yield emulator


@pytest.fixture
def emulator(running: GoogleCalendarEmulator) -> GoogleCalendarEmulator:
    control(running, "POST", "/_emulator/reset")
    return running


def control(emulator: GoogleCalendarEmulator, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(emulator.base_url + path, data=data, method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"{}")


def credentials(
    emulator: GoogleCalendarEmulator,
    *,
    scopes: tuple[str, ...] = (SCOPE_FULL,),
    user: str = USER,
    client_id: str = CLIENT,
) -> Credentials:
    """Credentials holding only a refresh token: the first call refreshes through the emulator."""
    grant = control(
        emulator,
        "POST",
        "/_emulator/grants",
        {"user": user, "scopes": list(scopes), "client_id": client_id},
    )
    return Credentials(
        token=None,
        refresh_token=grant["refresh_token"],
        token_uri=emulator.token_uri,
        client_id=client_id,
        client_secret="secret",
        scopes=list(scopes),
    )


def calendar_service(emulator: GoogleCalendarEmulator, creds: Credentials | None = None) -> Any:
    return build(
        "calendar",
        "v3",
        credentials=creds or credentials(emulator),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": emulator.api_endpoint},
    )


def reason(error: HttpError) -> str:
    return json.loads(error.content)["error"]["errors"][0]["reason"]


def timed(start: str, end: str, zone: str = "Europe/Paris") -> dict[str, Any]:
    return {
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
    }


def all_pages(request_for: Callable[[str | None], Any]) -> tuple[list[dict[str, Any]], dict]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        page = request_for(token).execute()
        items += page["items"]
        token = page.get("nextPageToken")
        if token is None:
            return items, page
        assert "nextSyncToken" not in page


# --- OAuth ----------------------------------------------------------------------------------


def authorization_code(url: str) -> tuple[str, dict[str, list[str]]]:
    """Open the authorization URL (auto-approved): the path and query it redirects to."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.build_opener(NoRedirect).open(url)
    assert answer.value.code == 302
    location = urllib.parse.urlsplit(answer.value.headers["Location"])
    return location.path, urllib.parse.parse_qs(location.query)


def oauth_flow(emulator: GoogleCalendarEmulator, redirect: str) -> Any:
    from google_auth_oauthlib.flow import Flow

    return Flow.from_client_config(
        {
            "web": {
                "client_id": CLIENT,
                "client_secret": "secret",
                "auth_uri": emulator.auth_uri,
                "token_uri": emulator.token_uri,
                "redirect_uris": [redirect],
            }
        },
        scopes=["openid", "https://www.googleapis.com/auth/userinfo.email", SCOPE_APP],
        redirect_uri=redirect,
    )


def test_authorization_code_flow_gives_working_offline_credentials(
    emulator: GoogleCalendarEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator speaks plain HTTP
    redirect = "http://127.0.0.1:9/oauth/callback"
    flow = oauth_flow(emulator, redirect)  # with PKCE (S256), as google-auth-oauthlib does
    url, state = flow.authorization_url(access_type="offline", prompt="consent", login_hint=USER)
    path, query = authorization_code(url)
    assert path == "/oauth/callback" and query["state"] == [state]

    token = flow.fetch_token(code=query["code"][0])
    claims = token["id_token"].split(".")[1]
    assert json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["email"] == USER
    assert flow.credentials.refresh_token
    service = calendar_service(emulator, flow.credentials)
    created = service.calendars().insert(body={"summary": "Carnet - Dr Who"}).execute()
    assert created["id"].endswith("@group.calendar.google.com")
    assert control(emulator, "GET", "/_emulator/state")["calendars"][0]["owner"] == USER
    with pytest.raises(InvalidGrantError):
        flow.fetch_token(code=query["code"][0])  # a code is good once

    other = oauth_flow(emulator, redirect)
    url, _ = other.authorization_url(access_type="offline")
    _, query = authorization_code(url)
    other.code_verifier = "not-the-verifier-of-this-code-challenge-at-all"
    with pytest.raises(InvalidGrantError):
        other.fetch_token(code=query["code"][0])


def test_calls_without_a_valid_bearer_token_answer_401(emulator: GoogleCalendarEmulator) -> None:
    anonymous = build(
        "calendar",
        "v3",
        http=httplib2.Http(),
        static_discovery=True,
        client_options={"api_endpoint": emulator.api_endpoint},
    )
    with pytest.raises(HttpError) as refused:
        anonymous.events().list(calendarId="primary").execute()
    error = json.loads(refused.value.content)["error"]
    assert refused.value.resp.status == 401 and error["errors"][0]["reason"] == "authError"
    assert error["errors"][0]["location"] == "Authorization"


def test_expired_access_token_is_refreshed_through_the_token_endpoint(
    emulator: GoogleCalendarEmulator,
) -> None:
    creds = credentials(emulator)
    service = calendar_service(emulator, creds)
    service.calendarList().list().execute()
    first_token = creds.token
    control(emulator, "POST", "/_emulator/access-tokens/expire")

    service.calendarList().list().execute()  # 401, refresh, retry: invisible to the caller

    assert creds.token != first_token
    statuses = [
        (r["path"], r["status"])
        for r in control(emulator, "GET", "/_emulator/requests")["requests"]
    ]
    assert ("/calendar/v3/users/me/calendarList", 401) in statuses
    assert statuses[-1] == ("/calendar/v3/users/me/calendarList", 200)
    assert sum(1 for path, _ in statuses if path == "/token") == 2


def test_revoked_refresh_token_answers_invalid_grant(emulator: GoogleCalendarEmulator) -> None:
    creds = credentials(emulator)
    service = calendar_service(emulator, creds)
    service.calendarList().list().execute()
    revoke = urllib.request.Request(
        emulator.revoke_uri,
        data=urllib.parse.urlencode({"token": creds.refresh_token}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(revoke) as response:
        assert response.status == 200

    control(emulator, "POST", "/_emulator/access-tokens/expire")
    with pytest.raises(RefreshError, match="invalid_grant"):  # 401, then the refresh fails
        service.calendarList().list().execute()
    statuses = [
        (r["path"], r["status"])
        for r in control(emulator, "GET", "/_emulator/requests")["requests"]
    ]
    assert statuses[-2:] == [("/calendar/v3/users/me/calendarList", 401), ("/token", 400)]


def test_calendar_app_created_reaches_only_the_apps_own_calendars(
    emulator: GoogleCalendarEmulator,
) -> None:
    app = calendar_service(emulator, credentials(emulator, scopes=(SCOPE_APP,)))
    own = (
        app.calendars()
        .insert(body={"summary": "Carnet - Dr A", "timeZone": "Europe/Paris"})
        .execute()
    )
    app.events().insert(
        calendarId=own["id"], body=timed("2026-03-02T09:00:00", "2026-03-02T09:30:00")
    ).execute()

    with pytest.raises(HttpError) as primary:
        app.events().list(calendarId="primary").execute()
    assert primary.value.resp.status == 403

    other_app = calendar_service(
        emulator, credentials(emulator, scopes=(SCOPE_APP,), client_id="another-app")
    )
    with pytest.raises(HttpError) as foreign:
        other_app.events().list(calendarId=own["id"]).execute()
    assert foreign.value.resp.status == 403

    full = calendar_service(emulator)
    ids = {entry["id"] for entry in full.calendarList().list().execute()["items"]}
    assert ids == {USER, own["id"]}
    assert [e["id"] for e in app.calendarList().list().execute()["items"]] == [own["id"]]


def test_calendars_insert_get_delete(emulator: GoogleCalendarEmulator) -> None:
    calendars = calendar_service(emulator).calendars()
    created = calendars.insert(
        body={"summary": "Carnet - Dr B", "timeZone": "Europe/Paris"}
    ).execute()
    assert calendars.get(calendarId=created["id"]).execute() == created
    assert calendars.get(calendarId="primary").execute()["id"] == USER
    calendars.delete(calendarId=created["id"]).execute()
    with pytest.raises(HttpError) as gone:
        calendars.get(calendarId=created["id"]).execute()
    assert gone.value.resp.status == 404
    with pytest.raises(HttpError) as primary:
        calendars.delete(calendarId="primary").execute()
    assert primary.value.resp.status == 400


# --- events, ids, etags ----------------------------------------------------------------------


def test_client_supplied_ids_are_validated_and_never_reused(
    emulator: GoogleCalendarEmulator,
) -> None:
    events = calendar_service(emulator).events()
    body = timed("2026-03-02T09:00:00", "2026-03-02T09:30:00")
    for bad in ("abc", "UPPERCASE123", "has_underscore1", "wxyz12345"):
        with pytest.raises(HttpError) as invalid:
            events.insert(calendarId="primary", body=body | {"id": bad}).execute()
        assert invalid.value.resp.status == 400, bad
    event_id = "carnet0123456789abcdefuv"
    created = events.insert(calendarId="primary", body=body | {"id": event_id}).execute()
    assert created["id"] == event_id and created["status"] == "confirmed"
    assert created["updated"].endswith("Z") and len(created["updated"]) == 24  # ms precision

    with pytest.raises(HttpError) as duplicate:
        events.insert(calendarId="primary", body=body | {"id": event_id}).execute()
    assert duplicate.value.resp.status == 409 and reason(duplicate.value) == "duplicate"

    events.delete(calendarId="primary", eventId=event_id, sendUpdates="none").execute()
    assert events.get(calendarId="primary", eventId=event_id).execute()["status"] == "cancelled"
    with pytest.raises(HttpError) as reused:
        events.insert(calendarId="primary", body=body | {"id": event_id}).execute()
    assert reused.value.resp.status == 409
    with pytest.raises(HttpError) as gone:
        events.delete(calendarId="primary", eventId=event_id).execute()
    assert gone.value.resp.status == 410 and reason(gone.value) == "deleted"
    with pytest.raises(HttpError) as missing:
        events.get(calendarId="primary", eventId="nosuchevent1").execute()
    assert missing.value.resp.status == 404


def test_etags_change_on_every_write_and_if_match_guards_writes(
    emulator: GoogleCalendarEmulator,
) -> None:
    events = calendar_service(emulator).events()
    created = events.insert(
        calendarId="primary",
        body=timed("2026-03-02T09:00:00", "2026-03-02T09:30:00") | {"summary": "A"},
    ).execute()
    patched = events.patch(
        calendarId="primary", eventId=created["id"], body={"summary": "B"}
    ).execute()
    assert patched["etag"] != created["etag"] and patched["summary"] == "B"
    assert patched["start"] == created["start"] and patched["sequence"] == created["sequence"]

    stale = events.update(
        calendarId="primary", eventId=created["id"], body=created | {"summary": "C"}
    )
    stale.headers["If-Match"] = created["etag"]
    with pytest.raises(HttpError) as conflict:
        stale.execute()
    assert conflict.value.resp.status == 412 and reason(conflict.value) == "conditionNotMet"

    moved = events.update(
        calendarId="primary",
        eventId=created["id"],
        body=timed("2026-03-02T10:00:00", "2026-03-02T10:30:00") | {"summary": "C"},
    )
    moved.headers["If-Match"] = patched["etag"]
    result = moved.execute()
    assert result["summary"] == "C" and result["sequence"] == created["sequence"] + 1

    delete = events.delete(calendarId="primary", eventId=created["id"])
    delete.headers["If-Match"] = patched["etag"]
    with pytest.raises(HttpError) as stale_delete:
        delete.execute()
    assert stale_delete.value.resp.status == 412
    assert (
        events.get(calendarId="primary", eventId=created["id"]).execute()["status"] == "confirmed"
    )


def test_extended_properties_round_trip_and_filter(emulator: GoogleCalendarEmulator) -> None:
    events = calendar_service(emulator).events()
    for n, appointment in enumerate(("a1", "a2")):
        events.insert(
            calendarId="primary",
            body=timed(f"2026-03-0{n + 2}T09:00:00", f"2026-03-0{n + 2}T09:30:00")
            | {
                "extendedProperties": {
                    "private": {"carnetAppointment": appointment, "kind": "appt"}
                }
            },
        ).execute()
    found = events.list(
        calendarId="primary", privateExtendedProperty="carnetAppointment=a2"
    ).execute()
    assert [e["extendedProperties"]["private"]["carnetAppointment"] for e in found["items"]] == [
        "a2"
    ]
    both = events.list(
        calendarId="primary", privateExtendedProperty=["kind=appt", "carnetAppointment=a1"]
    ).execute()
    assert len(both["items"]) == 1
    patched = events.patch(
        calendarId="primary",
        eventId=found["items"][0]["id"],
        body={"extendedProperties": {"private": {"extra": "x"}}},
    ).execute()
    assert patched["extendedProperties"]["private"] == {
        "carnetAppointment": "a2",
        "kind": "appt",
        "extra": "x",
    }


# --- sync ------------------------------------------------------------------------------------


def test_full_then_incremental_sync_with_tombstones(emulator: GoogleCalendarEmulator) -> None:
    events = calendar_service(emulator).events()
    ids = [
        events.insert(
            calendarId="primary", body=timed(f"2026-03-0{d}T09:00:00", f"2026-03-0{d}T10:00:00")
        ).execute()["id"]
        for d in (2, 3, 4, 5, 6)
    ]
    items, last = all_pages(
        lambda token: events.list(calendarId="primary", maxResults=2, pageToken=token)
    )
    assert sorted(i["id"] for i in items) == sorted(ids)
    sync_token = last["nextSyncToken"]

    assert events.list(calendarId="primary", syncToken=sync_token).execute()["items"] == []
    events.patch(calendarId="primary", eventId=ids[0], body={"summary": "moved"}).execute()
    events.delete(calendarId="primary", eventId=ids[1]).execute()
    added = events.insert(
        calendarId="primary", body=timed("2026-03-09T09:00:00", "2026-03-09T10:00:00")
    ).execute()

    changes, last = all_pages(
        lambda token: events.list(
            calendarId="primary", syncToken=sync_token, maxResults=1, pageToken=token
        )
    )
    by_id = {item["id"]: item for item in changes}
    assert set(by_id) == {ids[0], ids[1], added["id"]}
    assert by_id[ids[0]]["summary"] == "moved"
    assert by_id[ids[1]]["status"] == "cancelled"
    # A full list does not show the deleted event; showDeleted does.
    assert ids[1] not in {i["id"] for i in events.list(calendarId="primary").execute()["items"]}
    shown = events.list(calendarId="primary", showDeleted=True).execute()["items"]
    assert ids[1] in {i["id"] for i in shown}
    assert (
        events.list(calendarId="primary", syncToken=last["nextSyncToken"]).execute()["items"] == []
    )


def test_expired_sync_token_answers_410_full_sync_required(
    emulator: GoogleCalendarEmulator,
) -> None:
    events = calendar_service(emulator).events()
    token = events.list(calendarId="primary").execute()["nextSyncToken"]
    control(emulator, "POST", "/_emulator/sync-tokens/expire", {})
    with pytest.raises(HttpError) as gone:
        events.list(calendarId="primary", syncToken=token).execute()
    assert gone.value.resp.status == 410 and reason(gone.value) == "fullSyncRequired"
    fresh = events.list(calendarId="primary").execute()["nextSyncToken"]
    assert events.list(calendarId="primary", syncToken=fresh).execute()["items"] == []


@pytest.mark.parametrize(
    "parameter",
    [
        {"timeMin": "2026-01-01T00:00:00Z"},
        {"timeMax": "2026-01-01T00:00:00Z"},
        {"q": "x"},
        {"orderBy": "updated"},
        {"iCalUID": "x@google.com"},
        {"privateExtendedProperty": "a=b"},
        {"sharedExtendedProperty": "a=b"},
        {"updatedMin": "2026-01-01T00:00:00Z"},
        {"showDeleted": False},
    ],
)
def test_filters_are_refused_with_a_sync_token(
    emulator: GoogleCalendarEmulator, parameter: dict[str, str]
) -> None:
    events = calendar_service(emulator).events()
    token = events.list(calendarId="primary").execute()["nextSyncToken"]
    with pytest.raises(HttpError) as refused:
        events.list(calendarId="primary", syncToken=token, **parameter).execute()
    assert refused.value.resp.status == 400


# --- recurring events ------------------------------------------------------------------------


def test_recurring_instances_exceptions_and_their_sync(emulator: GoogleCalendarEmulator) -> None:
    events = calendar_service(emulator).events()
    master = events.insert(
        calendarId="primary",
        body=timed("2026-03-16T09:00:00+01:00", "2026-03-16T09:30:00+01:00")
        | {"recurrence": ["RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE;TZID=Europe/Paris:20260406T090000"]},
    ).execute()
    token = events.list(calendarId="primary").execute()["nextSyncToken"]

    instances = events.instances(calendarId="primary", eventId=master["id"]).execute()["items"]
    # 09:00 in Paris is 08:00Z before the DST change of 29 March and 07:00Z after it.
    assert [i["id"] for i in instances] == [
        f"{master['id']}_20260316T080000Z",
        f"{master['id']}_20260323T080000Z",
        f"{master['id']}_20260330T070000Z",
        f"{master['id']}_20260413T070000Z",
    ]
    assert all(i["recurringEventId"] == master["id"] for i in instances)
    assert instances[2]["originalStartTime"]["dateTime"] == "2026-03-30T09:00:00+02:00"

    moved = events.patch(
        calendarId="primary",
        eventId=instances[1]["id"],
        body=timed("2026-03-23T11:00:00+01:00", "2026-03-23T11:30:00+01:00"),
    ).execute()
    assert moved["id"] == instances[1]["id"] and moved["recurringEventId"] == master["id"]
    events.delete(calendarId="primary", eventId=instances[2]["id"]).execute()

    singles = events.list(calendarId="primary", singleEvents=True, orderBy="startTime").execute()
    assert [i["start"]["dateTime"] for i in singles["items"]] == [
        "2026-03-16T09:00:00+01:00",
        "2026-03-23T11:00:00+01:00",
        "2026-04-13T09:00:00+02:00",
    ]
    changes = {
        i["id"]: i for i in events.list(calendarId="primary", syncToken=token).execute()["items"]
    }
    assert set(changes) == {instances[1]["id"], instances[2]["id"]}
    cancelled = changes[instances[2]["id"]]
    assert cancelled["status"] == "cancelled" and cancelled["recurringEventId"] == master["id"]
    assert cancelled["originalStartTime"]["dateTime"] == "2026-03-30T09:00:00+02:00"
    # Without singleEvents, the master and its exceptions (the cancelled one too) are listed.
    plain = {i["id"]: i["status"] for i in events.list(calendarId="primary").execute()["items"]}
    assert plain == {
        master["id"]: "confirmed",
        instances[1]["id"]: "confirmed",
        instances[2]["id"]: "cancelled",
    }


def test_all_day_instances_are_named_by_date(emulator: GoogleCalendarEmulator) -> None:
    events = calendar_service(emulator).events()
    master = events.insert(
        calendarId="primary",
        body={
            "start": {"date": "2026-05-01"},
            "end": {"date": "2026-05-02"},
            "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
        },
    ).execute()
    instances = events.instances(calendarId="primary", eventId=master["id"]).execute()["items"]
    assert [i["id"] for i in instances] == [f"{master['id']}_2026050{d}" for d in (1, 2, 3)]
    assert instances[1]["originalStartTime"] == {"date": "2026-05-02"}
    assert instances[1]["end"] == {"date": "2026-05-03"}


def test_this_and_following_split_cuts_the_series_and_its_later_exceptions(
    emulator: GoogleCalendarEmulator,
) -> None:
    events = calendar_service(emulator).events()
    master = events.insert(
        calendarId="primary",
        body=timed("2026-06-01T14:00:00", "2026-06-01T15:00:00")
        | {"recurrence": ["RRULE:FREQ=WEEKLY;COUNT=6"], "summary": "Series"},
    ).execute()
    late = f"{master['id']}_20260629T120000Z"
    events.patch(calendarId="primary", eventId=late, body={"summary": "special"}).execute()
    token = events.list(calendarId="primary").execute()["nextSyncToken"]

    # "This and following" from 15 June: the series ends before it, a new one takes over.
    events.patch(
        calendarId="primary",
        eventId=master["id"],
        body={"recurrence": ["RRULE:FREQ=WEEKLY;UNTIL=20260614T215959Z"]},
    ).execute()
    follower = events.insert(
        calendarId="primary",
        body=timed("2026-06-15T16:00:00", "2026-06-15T17:00:00")
        | {"recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"], "summary": "Series"},
    ).execute()

    old = events.instances(calendarId="primary", eventId=master["id"]).execute()["items"]
    assert [i["start"]["dateTime"][:10] for i in old] == ["2026-06-01", "2026-06-08"]
    changes = {
        i["id"]: i for i in events.list(calendarId="primary", syncToken=token).execute()["items"]
    }
    assert set(changes) == {master["id"], late, follower["id"]}
    assert changes[late]["status"] == "cancelled"


# --- free/busy, push, batch --------------------------------------------------------------------


def test_free_busy_merges_events_and_occurrences(emulator: GoogleCalendarEmulator) -> None:
    service = calendar_service(emulator)
    events = service.events()
    events.insert(
        calendarId="primary", body=timed("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z", "UTC")
    ).execute()
    events.insert(
        calendarId="primary", body=timed("2026-03-02T09:30:00Z", "2026-03-02T11:00:00Z", "UTC")
    ).execute()
    events.insert(
        calendarId="primary",
        body=timed("2026-03-01T14:00:00Z", "2026-03-01T15:00:00Z", "UTC")
        | {"recurrence": ["RRULE:FREQ=DAILY;COUNT=3"]},
    ).execute()
    events.insert(
        calendarId="primary",
        body=timed("2026-03-02T16:00:00Z", "2026-03-02T17:00:00Z", "UTC")
        | {"transparency": "transparent"},
    ).execute()
    answer = (
        service.freebusy()
        .query(
            body={
                "timeMin": "2026-03-02T00:00:00Z",
                "timeMax": "2026-03-03T00:00:00Z",
                "items": [{"id": "primary"}, {"id": "nobody@example.com"}],
            }
        )
        .execute()
    )
    assert answer["calendars"]["primary"]["busy"] == [
        {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T11:00:00Z"},
        {"start": "2026-03-02T14:00:00Z", "end": "2026-03-02T15:00:00Z"},
    ]
    assert answer["calendars"]["nobody@example.com"]["errors"][0]["reason"] == "notFound"


class Webhook:
    """A small local HTTP server recording the notifications it receives."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        self.arrived = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with outer.arrived:
                    outer.received.append(dict(self.headers.items()))
                    outer.arrived.notify_all()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/google/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 5) -> list[dict[str, str]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def test_push_notifications_sync_then_exists_until_stopped(
    emulator: GoogleCalendarEmulator, webhook: Webhook
) -> None:
    service = calendar_service(emulator)
    channel = (
        service.events()
        .watch(
            calendarId="primary",
            body={"id": "chan-1", "type": "web_hook", "address": webhook.url, "token": "secret-t"},
        )
        .execute()
    )
    assert channel["id"] == "chan-1" and channel["resourceId"] and int(channel["expiration"]) > 0
    assert webhook.wait_for(1)[0]["X-Goog-Resource-State"] == "sync"

    service.events().insert(
        calendarId="primary", body=timed("2026-03-02T09:00:00", "2026-03-02T10:00:00")
    ).execute()
    sync, change = webhook.wait_for(2)[:2]
    assert change["X-Goog-Resource-State"] == "exists"
    assert change["X-Goog-Channel-ID"] == "chan-1" and change["X-Goog-Channel-Token"] == "secret-t"
    assert change["X-Goog-Resource-ID"] == channel["resourceId"]
    assert change["X-Goog-Resource-URI"] == channel["resourceUri"]
    assert (sync["X-Goog-Message-Number"], change["X-Goog-Message-Number"]) == ("1", "2")
    assert change["X-Goog-Channel-Expiration"].endswith("GMT")

    service.channels().stop(body={"id": "chan-1", "resourceId": channel["resourceId"]}).execute()
    service.events().insert(
        calendarId="primary", body=timed("2026-03-03T09:00:00", "2026-03-03T10:00:00")
    ).execute()
    assert emulator.push.wait_idle()
    assert len(webhook.received) == 2
    with pytest.raises(HttpError) as unknown:
        service.channels().stop(
            body={"id": "chan-1", "resourceId": channel["resourceId"]}
        ).execute()
    assert unknown.value.resp.status == 404


def test_expired_channel_receives_nothing(
    emulator: GoogleCalendarEmulator, webhook: Webhook
) -> None:
    service = calendar_service(emulator)
    service.events().watch(
        calendarId="primary",
        body={
            "id": "short",
            "type": "web_hook",
            "address": webhook.url,
            "expiration": int(time.time() * 1000) + 300,
        },
    ).execute()
    webhook.wait_for(1)
    time.sleep(0.35)
    service.events().insert(
        calendarId="primary", body=timed("2026-03-02T09:00:00", "2026-03-02T10:00:00")
    ).execute()
    assert emulator.push.wait_idle()
    assert [h["X-Goog-Resource-State"] for h in webhook.received] == ["sync"]


def test_batch_runs_each_call_and_answers_each(emulator: GoogleCalendarEmulator) -> None:
    service = calendar_service(emulator)
    answers: dict[str, Any] = {}

    def collect(request_id: str, response: Any, exception: HttpError | None) -> None:
        answers[request_id] = exception or response

    batch = BatchHttpRequest(callback=collect, batch_uri=emulator.batch_uri)
    for n in range(5):
        batch.add(
            service.events().insert(
                calendarId="primary",
                sendUpdates="none",
                body=timed(f"2026-03-0{n + 1}T09:00:00", f"2026-03-0{n + 1}T10:00:00")
                | {"id": f"batch{n}0000"},
            ),
            request_id=str(n),
        )
    batch.add(
        service.events().insert(
            calendarId="primary",
            body=timed("2026-03-09T09:00:00", "2026-03-09T10:00:00") | {"id": "batch00000"},
        ),
        request_id="dup",
    )
    batch.add(service.events().get(calendarId="primary", eventId="batch00000"), request_id="get")
    batch.execute()

    assert [answers[str(n)]["id"] for n in range(5)] == [f"batch{n}0000" for n in range(5)]
    assert isinstance(answers["dup"], HttpError) and answers["dup"].resp.status == 409
    assert answers["get"]["etag"] == answers["0"]["etag"]
    logged = control(emulator, "GET", "/_emulator/requests")["requests"]
    assert sum(1 for r in logged if "/events" in r["path"]) == 7  # each call counts


# --- faults and quota ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "expected_reason"),
    [
        ({"status": 503}, 503, "backendError"),
        ({"status": 500}, 500, "backendError"),
        ({"status": 429}, 429, "rateLimitExceeded"),
        ({"status": 403, "reason": "rateLimitExceeded"}, 403, "rateLimitExceeded"),
        ({"status": 403, "reason": "userRateLimitExceeded"}, 403, "userRateLimitExceeded"),
        ({"status": 410, "reason": "fullSyncRequired"}, 410, "fullSyncRequired"),
    ],
)
def test_injected_faults_answer_in_googles_format(
    emulator: GoogleCalendarEmulator, fault: dict[str, Any], status: int, expected_reason: str
) -> None:
    events = calendar_service(emulator).events()
    control(
        emulator,
        "POST",
        "/_emulator/faults",
        fault | {"count": 2, "path": "/events$", "method": "GET"},
    )
    for _ in range(2):
        with pytest.raises(HttpError) as failed:
            events.list(calendarId="primary").execute()
        assert failed.value.resp.status == status
        error = json.loads(failed.value.content)["error"]
        assert error["code"] == status and error["errors"][0]["reason"] == expected_reason
        assert error["status"]
    assert events.list(calendarId="primary").execute()["items"] == []


def test_latency_fault_delays_calls(emulator: GoogleCalendarEmulator) -> None:
    events = calendar_service(emulator).events()
    events.list(calendarId="primary").execute()
    control(emulator, "POST", "/_emulator/faults", {"latency": 0.3, "count": 1})
    started = time.monotonic()
    events.list(calendarId="primary").execute()
    assert time.monotonic() - started >= 0.3


def test_token_endpoint_fault_invalid_grant(emulator: GoogleCalendarEmulator) -> None:
    creds = credentials(emulator)
    control(
        emulator, "POST", "/_emulator/faults", {"path": "^/token$", "oauth_error": "invalid_grant"}
    )
    with pytest.raises(RefreshError, match="invalid_grant"):
        calendar_service(emulator, creds).calendarList().list().execute()


@pytest.mark.parametrize("status", [403, 429])
def test_per_user_quota(emulator: GoogleCalendarEmulator, status: int) -> None:
    control(emulator, "POST", "/_emulator/quota", {"per_minute": 3, "status": status})
    service = calendar_service(emulator)
    other = calendar_service(emulator, credentials(emulator, user="other@example.com"))
    for _ in range(3):
        service.events().list(calendarId="primary").execute()
    with pytest.raises(HttpError) as limited:
        service.events().list(calendarId="primary").execute()
    assert limited.value.resp.status == status and reason(limited.value) == "rateLimitExceeded"
    assert json.loads(limited.value.content)["error"]["errors"][0]["domain"] == "usageLimits"
    other.events().list(calendarId="primary").execute()  # the quota is per user


# --- misc ------------------------------------------------------------------------------------


def test_list_parameters_are_validated(emulator: GoogleCalendarEmulator) -> None:
    events = calendar_service(emulator).events()
    with pytest.raises(HttpError) as order:
        events.list(calendarId="primary", orderBy="startTime").execute()
    assert order.value.resp.status == 400
    with pytest.raises(HttpError) as naive:  # no offset and no timeZone: where is 09:00?
        events.insert(
            calendarId="primary",
            body={
                "start": {"dateTime": "2026-03-02T09:00:00"},
                "end": {"dateTime": "2026-03-02T10:00:00"},
            },
        ).execute()
    assert naive.value.resp.status == 400
    with pytest.raises(HttpError) as backwards:
        events.insert(
            calendarId="primary", body=timed("2026-03-02T10:00:00", "2026-03-02T09:00:00")
        ).execute()
    assert reason(backwards.value) == "timeRangeEmpty"


def test_command_line_starts_the_emulator() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "carnet.emulators.google_calendar", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.rsplit(" ", 1)[-1].strip()
        with urllib.request.urlopen(base_url + "/_emulator/state", timeout=5) as response:
            assert json.loads(response.read())["calendars"] == []
    finally:
        process.terminate()
        process.wait(timeout=5)
