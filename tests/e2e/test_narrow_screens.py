"""Every page fits a phone: nothing scrolls sideways at 390 px, nothing breaks at 1280 px.

The pages come from the URL configuration itself, so a page is checked the day it is added: a
route with a parameter this test does not know how to fill, or a page no role can open, fails
the test until someone says here how to reach it. Each page is opened as every kind of visitor
(anonymous, owner, practitioner, assistant); whatever that visitor is shown (the page, or the
login form it is sent to) must fit. Screenshots of the main pages at both widths are saved under
$CARNET_ARTIFACTS_DIR (or the test's temporary directory) for a human to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from carnet.accounts.models import User
from carnet.notifications.links import make_token
from carnet.practices.models import Membership, Role
from carnet.scheduling.models import Appointment
from tests import factories
from tests.accounts.authenticator import set_up_app
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    BrowserWatch,
    SmallPractice,
    confirm_password,
    log_in,
    log_in_with_code,
)

pytestmark = pytest.mark.django_db(transaction=True)

ANONYMOUS = "anonymous"
VISITORS = (ANONYMOUS, Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT)

# Routes that are not pages a person reads, each with the reason.
NOT_PAGES = {
    "health": "plain-text health check for load balancers",
    "feeds:feed": "the ICS feed, read by calendar programs",
    "sms:twilio_status": "Twilio's delivery-status webhook (POST only)",
    "mine:cancel": "the cancel button's action on My appointments (POST only)",
    "portal:slots": "the booking site's slots as JSON, for scripts",
    "portal:ics": "the .ics file of a booked appointment, read by calendar programs",
    "mfa_download_recovery_codes": "the recovery codes as a text file to keep",
    "calendar_sync:choices": "a calendar connection's choices form's action (POST only)",
    "calendar_sync:disconnect": "the disconnect button's action (POST only)",
    "calendar_sync:center": "the center switcher's action (POST only)",
    "calsync:google_callback": "Google's OAuth redirect: needs a request waiting in the session",
    "calsync:google_notify": "Google's push-notification webhook (POST only)",
    "api:api-root": "django-ninja's root of the API, which only answers 404",
}
# The Django admin is the operators' tool (superusers), with Django's own responsive layout.
NOT_PAGES_PREFIXES = ("admin/",)
# The JSON API's routes are for programs (tests/api/); its docs page (api/docs) is a page.
NOT_PAGES_PREFIXES += ("api/practices/", "api/openapi.json")

# Links from another account's emails: opening one logs the current user out (allauth does so on
# purpose), so only visitors who are not logged in open them here.
ANONYMOUS_ONLY = {"account_confirm_email", "account_reset_password_from_key"}

# Who must see each page itself (not a redirect to the login form): the test fails when one of
# them cannot, so a page cannot silently drop out of the check.
MUST_SEE: dict[str, set[str]] = {
    "home": {ANONYMOUS},
    "account_login": {ANONYMOUS},
    "account_signup": {ANONYMOUS},
    "account_reset_password": {ANONYMOUS},
    # Two-factor pages (docs/mfa.md): the owner has an authenticator app, the others have none.
    "mfa_index": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "mfa_activate_totp": {Role.PRACTITIONER, Role.ASSISTANT},
    "mfa_deactivate_totp": {Role.OWNER},
    "mfa_view_recovery_codes": {Role.OWNER},
    "mfa_generate_recovery_codes": {Role.OWNER},
    "mfa_reauthenticate": {Role.OWNER},
    "feeds:help": {ANONYMOUS, Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:today": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:agenda": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:appointment_detail": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:appointment_new": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:appointment_edit": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:appointment_cancel": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "feeds:settings": {Role.OWNER, Role.PRACTITIONER},
    "workspace:patients": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:patient_new": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:patient_detail": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:patient_edit": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:practitioners": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:practitioner_sheet": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:appointment_types": {Role.OWNER},
    "workspace:appointment_type_new": {Role.OWNER},
    "workspace:appointment_type_edit": {Role.OWNER},
    "workspace:centers": {Role.OWNER},
    # The practice's settings, members and booking page: owners and admins.
    "workspace:settings": {Role.OWNER},
    "workspace:checklist": {Role.OWNER},
    "workspace:members": {Role.OWNER},
    "workspace:member_edit": {Role.OWNER},
    "workspace:booking_page": {Role.OWNER},
    # Every member's own API tokens (docs/api.md).
    "workspace:api_tokens": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    # A staff invitation's page: whoever holds the link (logged in with another address too).
    "invitation": {ANONYMOUS, Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:center_new": {Role.OWNER},
    "workspace:center_edit": {Role.OWNER},
    "account_confirm_email": {ANONYMOUS},
    "account_reset_password_from_key": {ANONYMOUS},
    "notifications:appointment": {ANONYMOUS, Role.OWNER},
    # Any verified account has "My appointments"; the owner also has an appointment there.
    "mine:appointments": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "mine:move": {Role.OWNER},
    "mine:patient": {Role.OWNER},
    # The booking site: public; confirming needs a login; the confirmation is the booker's.
    "portal:start": {ANONYMOUS, Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "portal:confirm": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "portal:done": {Role.OWNER},
    # Personal events: whoever may change the practitioner's agenda.
    "workspace:personal_events": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:personal_event_new": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:personal_event_edit": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "workspace:personal_event_delete": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    # Calendar sync: every member connects what they manage; approval, health, audit: admins.
    "calendar_sync:page": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
    "calendar_sync:approval": {Role.OWNER},
    "calendar_sync:health": {Role.OWNER},
    "workspace:audit": {Role.OWNER},
    "inbox:list": {Role.OWNER, Role.PRACTITIONER, Role.ASSISTANT},
}
# The pages a human looks at in the screenshots.
SCREENSHOTS = {
    "workspace:settings",
    "workspace:members",
    "workspace:checklist",
    "workspace:personal_events",
    "workspace:personal_event_edit",
    "home",
    "account_login",
    "account_signup",
    "account_reset_password",
    "mfa_index",
    "mfa_activate_totp",
    "feeds:help",
    "workspace:today",
    "workspace:agenda",
    "workspace:appointment_detail",
    "workspace:appointment_new",
    "workspace:appointment_edit",
    "feeds:settings",
    "workspace:patients",
    "workspace:patient_detail",
    "workspace:practitioner_sheet",
    "workspace:appointment_type_edit",
    "mine:appointments",
    "mine:move",
    "portal:start",
    "portal:confirm",
    "portal:done",
}


def routes(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(full route, name with namespace) of every named URL pattern."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield route, namespace + entry.name


def pages() -> list[tuple[str, str]]:
    return sorted(
        (route, name)
        for route, name in set(routes(get_resolver().url_patterns))
        if name not in NOT_PAGES and not route.startswith(NOT_PAGES_PREFIXES)
    )


def _newcomer() -> User:
    """Someone who just signed up: the links of their emails are pages too."""
    account = User.objects.filter(email="newcomer@example.org").first()
    if account is None:
        account = factories.user("newcomer@example.org")
    EmailAddress.objects.update_or_create(
        user=account, email=account.email, defaults={"primary": True, "verified": False}
    )
    return account


def _confirm_email_key(world: SmallPractice) -> dict[str, str]:
    address = EmailAddress.objects.get(user=_newcomer(), email="newcomer@example.org")
    return {"key": EmailConfirmationHMAC(address).key}


def _owners_own_appointment(world: SmallPractice) -> Appointment:
    """The owner books for themself too: a patient of the practice held by their account, with
    an appointment in three days (beyond the cut-off, so it can be moved)."""
    world.patient.account = world.owner
    world.patient.save(update_fields=["account"])
    found = Appointment.objects.filter(
        patient=world.patient, start__gt=timezone.now() + timedelta(days=2)
    ).first()
    if found is None:
        start = world.appointments[0].start + timedelta(days=3)
        found = Appointment.objects.create(
            practice=world.practice,
            center=world.center,
            practitioner=world.practitioner,
            patient=world.patient,
            appointment_type=world.appointments[0].appointment_type,
            start=start,
            end=start + timedelta(minutes=30),
        )
    return found


def _bookable(world: SmallPractice) -> str:
    """Open the practice online (its type, every day 08:00-20:00); the query of the first free
    slot, to fill the booking site's pages."""
    from carnet.portal.slots import week_slots, week_start_of
    from carnet.scheduling.models import AppointmentType, ScheduleLine

    kind = AppointmentType.objects.get(practice=world.practice)
    if not kind.online_booking:
        kind.online_booking = True
        kind.description = "Apportez votre carnet de maternité et vos derniers résultats."
        kind.save()
        factories.weekly_hours(world.practitioner, world.center, range(7), ((time(8), time(20)),))
    assert ScheduleLine.objects.filter(practitioner=world.practitioner).exists()
    now = timezone.now()
    week = week_start_of(now.astimezone(world.practice.zone).date())
    slots = [
        slot
        for offset in (0, 7)
        for day in week_slots(world.practice, kind, None, None, week + timedelta(offset), now)
        for slot in day.slots
    ]
    return urlencode({"type": kind.pk, "practitioner": "any", "start": slots[0].start.isoformat()})


def _invitation_token(world: SmallPractice) -> str:
    """A fresh invitation of the small practice (issued again each time: the token is not kept)."""
    from carnet.practices.invitations import invite

    _invitation, token = invite(world.practice, "invited@example.org", Role.ASSISTANT, world.owner)
    return token


def _password_reset_key(world: SmallPractice) -> dict[str, str]:
    account = _newcomer()
    return {
        "uidb36": user_pk_to_url_str(account),
        "key": default_token_generator.make_token(account),
    }


def _calendar_connection(world: SmallPractice) -> Any:
    """The practitioner's connection waiting for approval, with a long account name, and a
    notification about it for the owner (the bell and its page)."""
    from carnet.calsync.models import CalendarConnection
    from carnet.inbox.models import NoticeKind, StaffNotification

    connection, created = CalendarConnection.objects.get_or_create(
        practice=world.practice,
        practitioner=world.practitioner,
        defaults={
            "account_email": "secretariat.maison-de-sante-des-lilas@example.org",
            "center": world.center,
            "requested_by": world.assistant,
        },
    )
    if created:
        StaffNotification.objects.create(
            practice=world.practice,
            recipient=Membership.objects.get(practice=world.practice, user=world.owner),
            kind=NoticeKind.APPROVAL_REQUESTED,
            params={
                "requester": world.assistant.email,
                "practitioner": world.practitioner.display_name,
                "account": connection.account_email,
                "center": world.center.name,
            },
        )
    return connection


def _personal_event(world: SmallPractice) -> Any:
    """A series of the practitioner's personal events, with a long title."""
    from carnet.scheduling import personal_events
    from carnet.scheduling.models import PersonalEvent

    event = PersonalEvent.objects.filter(practitioner=world.practitioner).first()
    if event is None:
        start = world.appointments[-1].end + timedelta(days=1)
        event = personal_events.create(
            world.practice,
            practitioner=world.practitioner,
            title="Réunion de coordination pluriprofessionnelle",
            start=start,
            end=start + timedelta(hours=1),
            rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=10",
        ).event
    return event


def _personal_event_pages(world: SmallPractice) -> dict[str, Any]:
    """The series opened at its first occurrence: the edit page then shows both forms ("this
    occurrence" and "the whole series"), its widest layout."""
    event = _personal_event(world)
    occurrence = event.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "practice_slug": world.practice.slug,
        "event_id": event.pk,
        "?": urlencode({"occurrence": occurrence}),
    }


# How to fill the parameters of each page that has some, from the small practice.
PARAMETERS: dict[str, Callable[[SmallPractice], dict[str, Any]]] = {
    "workspace:today": lambda world: {"practice_slug": world.practice.slug},
    "workspace:agenda": lambda world: {"practice_slug": world.practice.slug},
    "workspace:api_tokens": lambda world: {"practice_slug": world.practice.slug},
    "workspace:appointment_detail": lambda world: {
        "practice_slug": world.practice.slug,
        "public_id": world.appointments[0].public_id,
    },
    # As the agenda links to it when an empty time is clicked.
    "workspace:appointment_new": lambda world: {
        "practice_slug": world.practice.slug,
        "?": urlencode(
            {
                "practitioner": world.practitioner.pk,
                "center": world.center.pk,
                "start": (world.appointments[-1].end + timedelta(hours=1))
                .astimezone(world.center.zone)
                .strftime("%Y-%m-%dT%H:%M"),
            }
        ),
    },
    "workspace:appointment_edit": lambda world: {
        "practice_slug": world.practice.slug,
        "public_id": world.appointments[1].public_id,
    },
    "workspace:appointment_cancel": lambda world: {
        "practice_slug": world.practice.slug,
        "public_id": world.appointments[1].public_id,
    },
    "feeds:settings": lambda world: {
        "practice_slug": world.practice.slug,
        "practitioner_id": world.practitioner.pk,
    },
    "workspace:patients": lambda world: {"practice_slug": world.practice.slug},
    "workspace:settings": lambda world: {"practice_slug": world.practice.slug},
    "workspace:checklist": lambda world: {"practice_slug": world.practice.slug},
    "workspace:members": lambda world: {"practice_slug": world.practice.slug},
    "workspace:booking_page": lambda world: {"practice_slug": world.practice.slug},
    "workspace:member_edit": lambda world: {
        "practice_slug": world.practice.slug,
        "membership_id": Membership.objects.get(practice=world.practice, user=world.assistant).pk,
    },
    "invitation": lambda world: {"token": _invitation_token(world)},
    "workspace:patient_new": lambda world: {"practice_slug": world.practice.slug},
    "workspace:patient_detail": lambda world: {
        "practice_slug": world.practice.slug,
        "patient_id": world.patient.pk,
    },
    "workspace:patient_edit": lambda world: {
        "practice_slug": world.practice.slug,
        "patient_id": world.patient.pk,
    },
    "workspace:practitioners": lambda world: {"practice_slug": world.practice.slug},
    "workspace:appointment_types": lambda world: {"practice_slug": world.practice.slug},
    "workspace:appointment_type_new": lambda world: {"practice_slug": world.practice.slug},
    "workspace:centers": lambda world: {"practice_slug": world.practice.slug},
    "workspace:center_new": lambda world: {"practice_slug": world.practice.slug},
    "workspace:practitioner_sheet": lambda world: {
        "practice_slug": world.practice.slug,
        "practitioner_id": world.practitioner.pk,
    },
    "workspace:appointment_type_edit": lambda world: {
        "practice_slug": world.practice.slug,
        "type_id": world.appointments[0].appointment_type_id,
    },
    "workspace:center_edit": lambda world: {
        "practice_slug": world.practice.slug,
        "center_id": world.center.pk,
    },
    "notifications:appointment": lambda world: {
        "token": make_token(world.appointments[-1].public_id)
    },
    "mine:move": lambda world: {"public_id": _owners_own_appointment(world).public_id},
    "mine:patient": lambda world: {"patient_id": _owners_own_appointment(world).patient_id},
    "portal:start": lambda world: {
        "booking_slug": world.practice.slug,
        "?": _bookable(world).split("&start=")[0],
    },
    "portal:confirm": lambda world: {"booking_slug": world.practice.slug, "?": _bookable(world)},
    "portal:done": lambda world: {
        "booking_slug": world.practice.slug,
        "public_id": _owners_own_appointment(world).public_id,
    },
    "workspace:personal_events": lambda world: {
        "practice_slug": world.practice.slug,
        "?": urlencode({"practitioner": _personal_event(world).practitioner_id}),
    },
    "workspace:personal_event_new": lambda world: {
        "practice_slug": world.practice.slug,
        "?": urlencode({"practitioner": world.practitioner.pk, "start": "2030-01-07T09:00"}),
    },
    "workspace:personal_event_edit": _personal_event_pages,
    "calendar_sync:page": lambda world: {
        "practice_slug": _calendar_connection(world).practice.slug
    },
    "calendar_sync:approval": lambda world: {
        "practice_slug": world.practice.slug,
        "connection_id": _calendar_connection(world).pk,
    },
    # Leads to the sync page unless the connection waits for its calendar (checked in
    # tests/e2e/test_existing_calendar.py with the emulator, which lists the calendars).
    "calendar_sync:pick_calendar": lambda world: {
        "practice_slug": world.practice.slug,
        "connection_id": _calendar_connection(world).pk,
    },
    "calendar_sync:health": lambda world: {
        "practice_slug": _calendar_connection(world).practice.slug
    },
    "workspace:audit": lambda world: {"practice_slug": world.practice.slug},
    "inbox:list": lambda world: {"practice_slug": _calendar_connection(world).practice.slug},
    "workspace:personal_event_delete": _personal_event_pages,
    "account_confirm_email": _confirm_email_key,
    "account_reset_password_from_key": _password_reset_key,
}

PARAMETER = re.compile(r"<[^>]+>|\(\?P<")


def url_of(route: str, name: str, world: SmallPractice) -> str:
    if not PARAMETER.search(route):
        return reverse(name)
    if name not in PARAMETERS:
        raise AssertionError(f"{route} ({name}): say in PARAMETERS how to fill its parameters")
    kwargs = PARAMETERS[name](world)
    query = kwargs.pop("?", "")  # a query string, for pages that show more with one
    return reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def widest_elements(page: Any) -> list[str]:
    """The elements that stick out on the right, to say in a failure what overflows."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                             || e.scrollWidth > e.clientWidth + 1
                                && getComputedStyle(e).overflowX === 'visible')
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                     + ' right=' + Math.round(e.getBoundingClientRect().right))"""
        )
    )


def sign_in(page: Any, live_server: Any, world: SmallPractice, visitor: str) -> None:
    """The owner protects their account with an authenticator app (so its pages are checked as
    theirs); every member then confirms their password, so that the two-factor pages show
    themselves instead of the password prompt in front of them (valid for a few minutes; these
    pages come first in the walk)."""
    account = world.accounts[visitor]
    if visitor == Role.OWNER:
        log_in_with_code(page, live_server, account.email, set_up_app(account))
    else:
        log_in(page, live_server, account.email)
    confirm_password(page, live_server)


def test_every_page_fits_a_phone_and_a_desktop(
    live_server: Any,
    browser: Any,
    small_practice: SmallPractice,
    artifacts_dir: Path,
    browser_watch: BrowserWatch,
) -> None:
    world = small_practice
    found = pages()
    assert any(name == "workspace:today" for _route, name in found), "the walk found no pages"
    failures: list[str] = []
    seen: dict[str, set[str]] = {name: set() for _route, name in found}

    for visitor in VISITORS:
        context = browser.new_context(locale="en-GB", viewport=PHONE)
        page = context.new_page()
        browser_watch.attach(page)
        if visitor != ANONYMOUS:
            sign_in(page, live_server, world, visitor)
        checked: set[str] = set()
        for route, name in found:
            if visitor != ANONYMOUS and name in ANONYMOUS_ONLY:
                continue
            url = url_of(route, name, world)
            # Asked first with the tab's cookies: a page this visitor may not see is a 404,
            # which the browser would log as an error, and which has nothing to lay out.
            if context.request.get(live_server.url + url).status == 404:
                continue
            page.set_viewport_size(PHONE)
            page.goto(live_server.url + url)
            landed = page.url.removeprefix(live_server.url)
            login = reverse("account_login")
            if not landed.startswith(login) or url.startswith(login):
                seen[name].add(visitor)  # the page itself, or the page it leads this visitor to
            here = landed.split("?")[0] == url.split("?")[0]
            if landed in checked and not here:
                continue  # redirected to a page this visitor already checked
            checked.add(landed)
            for size, label in ((PHONE, "phone"), (DESKTOP, "desktop")):
                page.set_viewport_size(size)
                extra = overflow(page)
                if extra > 0:
                    failures.append(
                        f"{landed} as {visitor} at {size['width']} px is {extra} px too wide: "
                        + ", ".join(widest_elements(page))
                    )
                if name in SCREENSHOTS and here:
                    safe = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                    page.screenshot(
                        path=artifacts_dir / f"{safe}-{visitor}-{label}.png", full_page=True
                    )
        context.close()

    missing = [
        f"{name}: {sorted(visitors - seen.get(name, set()))} could not open it"
        for name, visitors in MUST_SEE.items()
        if not visitors <= seen.get(name, set())
    ]
    unseen = [name for name, visitors in seen.items() if not visitors]
    assert not failures, "pages wider than the window:\n" + "\n".join(failures)
    assert not browser_watch.problems, "the browser saw:\n" + "\n".join(browser_watch.problems)
    assert not missing, "pages that should have been checked:\n" + "\n".join(missing)
    # A page nobody could open was not checked: say here how to reach it.
    assert not unseen, f"pages no visitor could open, so none was checked: {unseen}"


def test_the_new_feed_link_fits_a_phone(
    live_server: Any, page: Any, small_practice: SmallPractice
) -> None:
    """The private link is shown once, right after turning it on: long fields, on a phone."""
    page.set_viewport_size(PHONE)
    log_in(page, live_server, small_practice.practitioner_user.email)
    page.goto(
        live_server.url
        + reverse(
            "feeds:settings",
            kwargs={
                "practice_slug": small_practice.practice.slug,
                "practitioner_id": small_practice.practitioner.pk,
            },
        )
    )
    with page.expect_navigation():
        page.click("button[value=enable]")
    assert page.locator("input[readonly]").count() >= 1, "the new link is not shown"
    assert overflow(page) <= 0, ", ".join(widest_elements(page))
