"""What each OAuth scope lets a token do, as the Calendar API decides it.

Carnet asks for `calendar.app.created` by default: with it a client may create secondary
calendars and do anything on the calendars *it created*, and nothing else (403). The broad
`calendar` scope reaches every calendar of the account.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "https://www.googleapis.com/auth/"
FULL = PREFIX + "calendar"
READONLY = PREFIX + "calendar.readonly"
EVENTS = PREFIX + "calendar.events"
EVENTS_READONLY = PREFIX + "calendar.events.readonly"
APP_CREATED = PREFIX + "calendar.app.created"
FREEBUSY = PREFIX + "calendar.freebusy"

CALENDAR_SCOPES = frozenset({FULL, READONLY, EVENTS, EVENTS_READONLY, APP_CREATED, FREEBUSY})


@dataclass(frozen=True)
class Caller:
    """Who is calling: the Google account, the OAuth client and the scopes it was granted."""

    user: str
    client_id: str
    scopes: frozenset[str]

    def reaches_all_calendars(self, *, write: bool, events: bool) -> bool:
        """True if a scope opens every calendar of the account for this kind of call."""
        if FULL in self.scopes:
            return True
        if not write and READONLY in self.scopes:
            return True
        if events and EVENTS in self.scopes:
            return True
        return events and not write and EVENTS_READONLY in self.scopes

    def reaches_own_calendars(self) -> bool:
        """True if calendars this client created are open to it (calendar.app.created)."""
        return APP_CREATED in self.scopes

    def may_create_calendars(self) -> bool:
        return bool(self.scopes & {FULL, APP_CREATED})

    def may_query_free_busy(self) -> bool:
        return bool(self.scopes & CALENDAR_SCOPES)
