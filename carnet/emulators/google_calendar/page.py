"""GET /_emulator/calendar: "Google Calendar (emulated)", to see and change calendars by hand.

`carnet demo` runs the emulator so that a new user can watch two-way sync without a Google
account: this page plays the part of Google Calendar's own web app. It lists every calendar
with its upcoming events, and its forms add an event (optionally weekly), move one (a new
start, same length) or delete one. Each form acts as the calendar's owner would through the
API: it calls the very `EventsApi` methods the API routes call, so etags, `updated`, sync
versions and push notifications to watching channels follow exactly as for an API call.

    GET  /_emulator/calendar
    POST /_emulator/calendar/<calendarId>/events                     title, start, end, repeat
    POST /_emulator/calendar/<calendarId>/events/<eventId>/move      start
    POST /_emulator/calendar/<calendarId>/events/<eventId>/delete

Times typed in the forms are wall-clock times in the calendar's zone (`YYYY-MM-DDTHH:MM`, as
`<input type="datetime-local">` sends them). Bad input answers 400 with the page and a message.
No authentication, like the rest of /_emulator/: the emulator is a development tool that
listens on 127.0.0.1. Plain HTML without script; English only, as Google's page would be in
the user's own language and this one stands in for it in development.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from datetime import UTC, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .errors import ApiError
from .scopes import FULL, Caller
from .store import Calendar
from .times import EventTime

if TYPE_CHECKING:
    from .emulator import GoogleCalendarEmulator
    from .server import Request, Response

PAGE = "/_emulator/calendar"
# The client id the owner's own edits carry, as if made in Google Calendar's web app.
WEB_APP_CLIENT = "google-calendar-web"
TITLE_MAX = 300
SHOWN_PER_CALENDAR = 250
SHOWN_DAYS = 90  # a weekly series without end would otherwise fill the page
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DONE = {
    "added": "Event added.",
    "moved": "Event moved.",
    "deleted": "Event deleted.",
}


class PageError(Exception):
    """Input the page refuses: shown above the page with this status (400 unless told)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def is_page_path(path: str) -> bool:
    return path == PAGE or path.startswith(PAGE + "/")


def handle_page(emulator: GoogleCalendarEmulator, request: Request) -> Response:
    """The page (GET) or one of its forms (POST, then 303 back to the page)."""
    from .server import Response

    path = request.path.rstrip("/")
    if path == PAGE:
        if request.method not in ("GET", "HEAD"):
            return Response(405, b"", {"Allow": "GET"})
        done = DONE.get((request.query.get("done") or [""])[-1])
        return _html(200, render(emulator, notice=done))
    parts = [urllib.parse.unquote(part) for part in path[len(PAGE) + 1 :].split("/")]
    action = _action(parts)
    if action is None:
        return _html(404, render(emulator, error="There is no such page."))
    if request.method != "POST":
        return Response(405, b"", {"Allow": "POST"})
    if not _same_origin(request):
        # Another website must not drive this page from the developer's browser.
        return _html(403, render(emulator, error="This form only works from this page."))
    form = _form(request)
    try:
        calendar = _calendar(emulator, parts[0])
        if action == "add":
            add_event(emulator, calendar, form)
        elif action == "move":
            move_event(emulator, calendar, parts[2], form)
        else:
            delete_event(emulator, calendar, parts[2])
    except PageError as refused:
        return _html(refused.status, render(emulator, error=refused.message))
    except ApiError as refused:  # what Google would answer: deleted already, bad times...
        status = refused.code if 400 <= refused.code < 500 else 400
        return _html(status, render(emulator, error=refused.message))
    done = {"add": "added", "move": "moved", "delete": "deleted"}[action]
    location = f"{PAGE}?done={done}#{anchor(calendar.id)}"
    return Response(303, b"", {"Location": location})


def _same_origin(request: Request) -> bool:
    """The browser's Origin (or Referer) names this emulator's own address, or nothing at all
    (a script, such as the tests)."""
    sent = request.headers.get("origin") or request.headers.get("referer") or ""
    if not sent:
        return True
    host = request.headers.get("host", "")
    return urllib.parse.urlsplit(sent).netloc == host


def _action(parts: list[str]) -> str | None:
    if len(parts) == 2 and parts[1] == "events" and parts[0]:
        return "add"
    if len(parts) == 4 and parts[1] == "events" and parts[0] and parts[2]:
        return {"move": "move", "delete": "delete"}.get(parts[3])
    return None


def _form(request: Request) -> dict[str, str]:
    fields = urllib.parse.parse_qs(request.body.decode(errors="replace"), keep_blank_values=True)
    return {key: values[-1] for key, values in fields.items()}


def _html(status: int, text: str) -> Response:
    from .server import Response

    headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    return Response(status, text.encode(), headers)


# --- acting as the owner ---------------------------------------------------------------------


def owner(calendar: Calendar) -> Caller:
    """The calendar's owner, with full access, as in Google Calendar's own web app."""
    return Caller(
        user=calendar.owner,
        client_id=calendar.created_by_client or WEB_APP_CLIENT,
        scopes=frozenset({FULL}),
    )


def _calendar(emulator: GoogleCalendarEmulator, calendar_id: str) -> Calendar:
    with emulator.store.lock:
        calendar = emulator.store.calendars.get(calendar_id)
    if calendar is None:
        raise PageError("There is no such calendar (the emulator may have been reset).", 404)
    return calendar


def local_time(text: str, zone_name: str, field: str) -> datetime:
    """A wall-clock time typed in the form, in the calendar's zone; PageError if unusable."""
    text = text.strip()
    if not text:
        raise PageError(f"Please give the {field}.")
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise PageError(f"The {field} must look like 2026-03-25T09:30.") from None
    if naive.tzinfo is not None:
        raise PageError(f"The {field} must be a time without a UTC offset.")
    zone = ZoneInfo(zone_name)
    moment = naive.replace(tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise PageError(f"The {field} does not exist in {zone_name} (the clocks change then).")
    return moment


def _time_body(moment: datetime, zone_name: str) -> dict[str, str]:
    local = moment.astimezone(ZoneInfo(zone_name)).replace(microsecond=0)
    return {"dateTime": local.isoformat(), "timeZone": zone_name}


def add_event(emulator: GoogleCalendarEmulator, calendar: Calendar, form: dict[str, str]) -> None:
    """events.insert by the owner: a timed event, weekly on its weekday if asked."""
    title = form.get("title", "").strip()
    if not title:
        raise PageError("Please give the event a title.")
    if len(title) > TITLE_MAX:
        raise PageError(f"The title is too long ({TITLE_MAX} characters at most).")
    start = local_time(form.get("start", ""), calendar.time_zone, "start")
    end = local_time(form.get("end", ""), calendar.time_zone, "end")
    if end <= start:
        raise PageError("The end must be after the start.")
    repeat = form.get("repeat", "")
    if repeat not in ("", "weekly"):
        raise PageError("Repeat must be weekly or nothing.")
    body: dict[str, Any] = {
        "summary": title,
        "start": _time_body(start, calendar.time_zone),
        "end": _time_body(end, calendar.time_zone),
    }
    if repeat == "weekly":
        body["recurrence"] = [f"RRULE:FREQ=WEEKLY;BYDAY={WEEKDAYS[start.weekday()]}"]
    emulator.app.events.insert(owner(calendar), calendar.id, body, {"sendUpdates": ["none"]})


def move_event(
    emulator: GoogleCalendarEmulator, calendar: Calendar, event_id: str, form: dict[str, str]
) -> None:
    """events.patch by the owner: a new start, the same length (one occurrence of a series)."""
    start = local_time(form.get("start", ""), calendar.time_zone, "new start")
    caller = owner(calendar)
    current = emulator.app.events.get(caller, calendar.id, event_id, {})
    if current.get("status") == "cancelled":
        raise PageError("This event was deleted.", 410)
    first = EventTime.parse(current["start"], field="start", calendar_zone=calendar.time_zone)
    last = EventTime.parse(current["end"], field="end", calendar_zone=calendar.time_zone)
    if first.all_day:
        raise PageError("All-day events cannot be moved here.")
    zone_name = current["start"].get("timeZone") or calendar.time_zone
    end = start + (last.instant() - first.instant())
    patch = {
        "start": _time_body(start, zone_name),
        "end": _time_body(end, current["end"].get("timeZone") or zone_name),
    }
    params = {"sendUpdates": ["none"]}
    emulator.app.events.modify(
        caller, calendar.id, event_id, patch, params, if_match=None, replace=False
    )


def delete_event(emulator: GoogleCalendarEmulator, calendar: Calendar, event_id: str) -> None:
    """events.delete by the owner (an occurrence, or a whole series by its id)."""
    emulator.app.events.delete(
        owner(calendar), calendar.id, event_id, {"sendUpdates": ["none"]}, if_match=None
    )


# --- the page ----------------------------------------------------------------------------------


def anchor(calendar_id: str) -> str:
    return "cal-" + hashlib.sha256(calendar_id.encode()).hexdigest()[:10]


def upcoming(
    emulator: GoogleCalendarEmulator, calendar: Calendar, now: datetime
) -> tuple[list[dict[str, Any]], bool]:
    """The next events and occurrences of the calendar, by start; True if there are more."""
    params = {
        "singleEvents": ["true"],
        "orderBy": ["startTime"],
        "timeMin": [_rfc3339(now)],
        "timeMax": [_rfc3339(now + timedelta(days=SHOWN_DAYS))],
        "maxResults": [str(SHOWN_PER_CALENDAR)],
    }
    listed = emulator.app.events.list_events(owner(calendar), calendar.id, params)
    return list(listed["items"]), "nextPageToken" in listed


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(event: dict[str, Any], calendar: Calendar) -> tuple[str, str, str]:
    """Start and end as the owner reads them, in the calendar's zone; the form's start value."""
    zone = ZoneInfo(calendar.time_zone)
    first = EventTime.parse(event["start"], field="start", calendar_zone=calendar.time_zone)
    last = EventTime.parse(event["end"], field="end", calendar_zone=calendar.time_zone)
    if first.all_day:
        assert first.day is not None and last.day is not None
        days = (last.day - timedelta(days=1)).strftime("%a %d %b %Y")
        return first.day.strftime("%a %d %b %Y"), days + " (all day)", ""
    start, end = first.instant().astimezone(zone), last.instant().astimezone(zone)
    end_text = (
        end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%a %d %b %H:%M")
    )
    return start.strftime("%a %d %b %Y, %H:%M"), end_text, start.strftime("%Y-%m-%dT%H:%M")


def _action_url(calendar: Calendar, *rest: str) -> str:
    parts = [calendar.id, "events", *rest]
    return escape(PAGE + "/" + "/".join(urllib.parse.quote(part, safe="") for part in parts))


def _event_item(event: dict[str, Any], calendar: Calendar) -> str:
    start, end, start_value = _when(event, calendar)
    title = escape(str(event.get("summary") or "(No title)"))
    series = event.get("recurringEventId")
    marker = ' <span class="repeat">↻ repeats</span>' if series else ""
    forms = []
    if start_value:
        forms.append(
            f'<form method="post" action="{_action_url(calendar, event["id"], "move")}">'
            '<label>New start <input type="datetime-local" name="start" required '
            f'value="{escape(start_value)}"></label>'
            '<button type="submit">Move</button></form>'
        )
    delete_label = "Delete this occurrence" if series else "Delete"
    forms.append(
        f'<form method="post" action="{_action_url(calendar, event["id"], "delete")}">'
        f'<button type="submit">{delete_label}</button></form>'
    )
    if series:
        forms.append(
            f'<form method="post" action="{_action_url(calendar, str(series), "delete")}">'
            '<button type="submit">Delete the whole series</button></form>'
        )
    return (
        f'<li><p class="title">{title}{marker}</p>'
        f'<p class="when">{escape(start)} – {escape(end)}</p>'
        f"<details><summary>Change</summary>{''.join(forms)}</details></li>"
    )


def _calendar_section(emulator: GoogleCalendarEmulator, calendar: Calendar, now: datetime) -> str:
    events, more = upcoming(emulator, calendar, now)
    items = "".join(_event_item(event, calendar) for event in events)
    listing = f'<ul class="events">{items}</ul>' if items else "<p>No upcoming events.</p>"
    if more:
        listing += f"<p>Only the next {SHOWN_PER_CALENDAR} events are shown.</p>"
    zone = escape(calendar.time_zone)
    return (
        f'<section id="{anchor(calendar.id)}"><h2>{escape(calendar.summary)}</h2>'
        f'<p class="meta">{escape(calendar.owner)} · {zone} · <code>{escape(calendar.id)}</code>'
        "</p>"
        f'<form method="post" action="{_action_url(calendar)}" class="add">'
        f"<h3>Add an event (times in {zone})</h3>"
        '<label>Title <input name="title" required maxlength="300"></label>'
        '<label>Start <input type="datetime-local" name="start" required></label>'
        '<label>End <input type="datetime-local" name="end" required></label>'
        '<label class="check"><input type="checkbox" name="repeat" value="weekly"> '
        "Repeat every week</label>"
        '<button type="submit">Add event</button></form>'
        f"<h3>The next {SHOWN_DAYS} days</h3>{listing}</section>"
    )


STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;padding:0.75rem;max-width:48rem;
color:#202124;line-height:1.4}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-bottom:0.2rem}h3{font-size:1rem}
section{border-top:1px solid #dadce0;padding-top:0.5rem;margin-top:1rem}
.meta{color:#5f6368;font-size:0.85rem;overflow-wrap:anywhere}
.notice{background:#e6f4ea;padding:0.5rem}.error{background:#fce8e6;padding:0.5rem}
form{margin:0.4rem 0}label{display:block;margin:0.3rem 0}
input:not([type=checkbox]){display:block;width:100%;box-sizing:border-box;font:inherit}
label.check{display:flex;gap:0.4rem;align-items:center}
button{font:inherit;margin-top:0.2rem}
ul.events{list-style:none;padding:0}ul.events li{border-bottom:1px solid #eee;padding:0.3rem 0}
.title{font-weight:600;margin:0;overflow-wrap:anywhere}.when{margin:0}
.repeat{font-weight:normal;color:#1a73e8}
"""


def render(
    emulator: GoogleCalendarEmulator, *, notice: str | None = None, error: str | None = None
) -> str:
    """The whole page: every calendar of every account, with its forms."""
    now = datetime.now(UTC)
    with emulator.store.lock:
        calendars = sorted(
            emulator.store.calendars.values(), key=lambda c: (c.owner, not c.primary, c.summary)
        )
    sections = "".join(_calendar_section(emulator, calendar, now) for calendar in calendars)
    if not sections:
        sections = (
            "<p>No calendar yet. Carnet creates “Carnet - &lt;practitioner&gt;” when an agenda "
            "is connected.</p>"
        )
    banner = ""
    if notice:
        banner += f'<p class="notice" role="status">{escape(notice)}</p>'
    if error:
        banner += f'<p class="error" role="alert">{escape(error)}</p>'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'  # no /favicon.ico request, which the API would refuse
        "<title>Google Calendar (emulated)</title>"
        f"<style>{STYLE}</style></head><body>"
        "<h1>Google Calendar (emulated)</h1>"
        "<p>Changes made here reach the applications watching a calendar by push "
        "notification, as Google's do.</p>"
        f"{banner}{sections}</body></html>"
    )
