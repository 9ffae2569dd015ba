"""The personal-event pages: repetition chosen in plain words becomes the rule, one occurrence or
the whole series is changed or deleted, bad input is refused beside its field with nothing
written, and only the members the roles policy allows can open anything."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from carnet.practices.models import Membership, Role
from carnet.scheduling import personal_events
from carnet.scheduling.models import OutboxEvent, PersonalEvent, PersonalEventOverride
from tests import factories

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")  # the factories' practice zone


def logged_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def next_monday(hour: int = 9) -> datetime:
    """Monday at least a week ahead, at `hour` in Paris: inside the list's 60 days."""
    today = timezone.now().astimezone(PARIS).date() + timedelta(days=7)
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    return datetime.combine(monday, time(hour), PARIS)


def local(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def utc_id(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def world() -> dict[str, Any]:
    practice = factories.practice(language="en")
    owner = factories.member(practice, Role.OWNER)
    doctor_user = factories.member(practice, Role.PRACTITIONER)
    doctor = factories.practitioner(practice, "Dr Morel", user=doctor_user)
    colleague = factories.practitioner(
        practice, "Dr Roux", user=factories.member(practice, Role.PRACTITIONER)
    )
    assistant = factories.member(practice, Role.ASSISTANT)
    Membership.objects.get(user=assistant, practice=practice).practitioners.set([doctor])
    return {
        "practice": practice,
        "owner": owner,
        "doctor_user": doctor_user,
        "doctor": doctor,
        "colleague": colleague,
        "assistant": assistant,
        "base": f"/app/{practice.slug}/personal-events/",
    }


def weekly(world: dict[str, Any], **extra: Any) -> PersonalEvent:
    start = next_monday()
    return personal_events.create(
        world["practice"],
        practitioner=world["doctor"],
        title="Staff meeting",
        start=start,
        end=start + timedelta(hours=1),
        rrule=extra.pop("rrule", "FREQ=WEEKLY;BYDAY=MO"),
        **extra,
    ).event


def form_data(start: datetime, **extra: Any) -> dict[str, Any]:
    data = {
        "title": "Lunch",
        "start": local(start),
        "end": local(start + timedelta(hours=1)),
        "repeat": "none",
        "ends": "never",
    }
    data.update(extra)
    return data


# --- creating ---------------------------------------------------------------------------------


def test_the_form_is_filled_from_the_agenda_link(world: dict[str, Any]) -> None:
    start = next_monday(14)
    page = logged_in(world["owner"]).get(
        world["base"] + "new/", {"practitioner": world["colleague"].pk, "start": local(start)}
    )
    assert page.status_code == 200
    text = page.text
    assert f'value="{world["colleague"].pk}" selected' in text
    assert f'value="{local(start)}"' in text
    assert f'value="{local(start + timedelta(hours=1))}"' in text


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:30", "2026-13-45T09:00", "soon", "0001-01-01T00:00"]
)
def test_a_start_the_form_cannot_use_gives_the_next_hour(world: dict[str, Any], start: str) -> None:
    page = logged_in(world["owner"]).get(world["base"] + "new/", {"start": start})
    assert page.status_code == 200
    assert page.context["form"].initial["start"] > timezone.now()


def test_creating_a_one_off_event(world: dict[str, Any]) -> None:
    client = logged_in(world["doctor_user"])
    start = next_monday(12)
    response = client.post(
        world["base"] + "new/", form_data(start, practitioner=world["doctor"].pk)
    )
    assert response.status_code == 302
    assert response["Location"] == f"{world['base']}?practitioner={world['doctor'].pk}"
    event = PersonalEvent.objects.get()
    assert (event.title, event.start, event.rrule) == ("Lunch", start, "")
    assert event.time_zone == "Europe/Paris"
    listing = client.get(response["Location"]).text
    assert "Personal event created: Lunch." in listing
    assert "Lunch" in listing and "12:00–13:00" in listing


@pytest.mark.parametrize(
    ("choices", "rule"),
    [
        ({"repeat": "daily"}, "FREQ=DAILY"),
        ({"repeat": "weekly", "days": ["0", "3"]}, "FREQ=WEEKLY;BYDAY=MO,TH"),
        ({"repeat": "weekly"}, "FREQ=WEEKLY;BYDAY=MO"),  # no day ticked: the first one's
        (
            {"repeat": "biweekly", "days": ["0"], "ends": "count", "count": "6"},
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=6",
        ),
        (
            {"repeat": "monthly", "ends": "until", "until": "2090-12-31"},
            "FREQ=MONTHLY;UNTIL=20901231",
        ),
    ],
)
def test_repetition_in_plain_words_becomes_the_rule(
    world: dict[str, Any], choices: dict[str, Any], rule: str
) -> None:
    client = logged_in(world["owner"])
    data = form_data(next_monday(), practitioner=world["doctor"].pk, **choices)
    assert client.post(world["base"] + "new/", data).status_code == 302
    assert PersonalEvent.objects.get().rrule == rule


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"end": "START"}, "end", "The end must be after the start."),
        ({"start": "tomorrow"}, "start", "Enter a valid date/time."),
        (
            {"repeat": "weekly", "days": ["2"]},
            "days",
            "The first occurrence is on a Monday: tick that day too",
        ),
        ({"repeat": "daily", "ends": "until"}, "until", "Choose the last day of the repetition."),
        (
            {"repeat": "daily", "ends": "until", "until": "2020-01-01"},
            "until",
            "The last day cannot be before the first occurrence.",
        ),
        ({"repeat": "daily", "ends": "count", "count": "0"}, "count", "greater than or equal to 1"),
        ({"repeat": "daily", "ends": "count"}, "count", "Say how many times"),
        ({"repeat": "hourly"}, "repeat", "Select a valid choice."),
        ({"practitioner": "999999"}, "practitioner", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_beside_its_field_with_nothing_written(
    world: dict[str, Any], change: dict[str, Any], field: str, message: str
) -> None:
    start = next_monday()
    data = form_data(start, practitioner=world["doctor"].pk)
    data.update({k: (data["start"] if v == "START" else v) for k, v in change.items()})
    response = logged_in(world["owner"]).post(world["base"] + "new/", data)
    assert response.status_code == 200
    assert message in response.text
    errors = response.context["form"].errors
    assert field in errors, errors
    assert not PersonalEvent.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_a_time_the_clocks_skip_is_refused(world: dict[str, Any]) -> None:
    data = form_data(next_monday(), practitioner=world["doctor"].pk)
    # The last Sunday of March 2090: 02:00 -> 03:00 in Paris, so 02:30 never happens.
    data.update(start="2090-03-26T02:30", end="2090-03-26T04:00")
    response = logged_in(world["owner"]).post(world["base"] + "new/", data)
    assert response.status_code == 200
    assert "start" in response.context["form"].errors
    assert not PersonalEvent.objects.exists()


def test_a_member_cannot_create_for_a_practitioner_they_do_not_manage(
    world: dict[str, Any],
) -> None:
    client = logged_in(world["doctor_user"])
    assert (
        client.get(world["base"] + "new/", {"practitioner": world["colleague"].pk}).status_code
        == 404
    )
    response = client.post(
        world["base"] + "new/", form_data(next_monday(), practitioner=world["colleague"].pk)
    )
    assert response.status_code == 200
    assert "practitioner" in response.context["form"].errors
    assert not PersonalEvent.objects.exists()


# --- one occurrence or the whole series ---------------------------------------------------------


def test_moving_one_occurrence_leaves_the_series(world: dict[str, Any]) -> None:
    event = weekly(world)
    second = event.start + timedelta(days=7)
    client = logged_in(world["assistant"])
    url = f"{world['base']}{event.pk}/?occurrence={utc_id(second)}"
    page = client.get(url)
    assert page.status_code == 200
    assert "This occurrence" in page.text and "The whole series" in page.text
    assert f'value="{local(second)}"' in page.text  # the occurrence's own times
    moved = second + timedelta(hours=3)
    response = client.post(
        url,
        {
            "scope": "occurrence",
            "occurrence-start": local(moved),
            "occurrence-end": local(moved + timedelta(minutes=30)),
        },
    )
    assert response.status_code == 302
    override = PersonalEventOverride.objects.get()
    assert (override.recurrence_id, override.start, override.cancelled) == (second, moved, False)
    event.refresh_from_db()
    assert (event.title, event.start, event.rrule) == (
        "Staff meeting",
        second - timedelta(days=7),
        "FREQ=WEEKLY;BYDAY=MO",
    )
    listing = client.get(response["Location"]).text
    assert "Occurrence moved: Staff meeting." in listing
    assert "this occurrence moved" in listing
    assert "12:00–12:30" in listing
    # Opened again, the moved occurrence shows its new times.
    assert f'value="{local(moved)}"' in client.get(url).text


def test_a_bad_occurrence_move_changes_nothing(world: dict[str, Any]) -> None:
    event = weekly(world)
    second = event.start + timedelta(days=7)
    url = f"{world['base']}{event.pk}/?occurrence={utc_id(second)}"
    response = logged_in(world["owner"]).post(
        url,
        {"scope": "occurrence", "occurrence-start": local(second), "occurrence-end": local(second)},
    )
    assert response.status_code == 200
    assert "The end must be after the start." in response.text
    assert not PersonalEventOverride.objects.exists()


def test_changing_the_whole_series(world: dict[str, Any]) -> None:
    event = weekly(world)
    second = event.start + timedelta(days=7)
    client = logged_in(world["doctor_user"])
    url = f"{world['base']}{event.pk}/?occurrence={utc_id(second)}"
    data = form_data(
        event.start + timedelta(hours=1),
        scope="series",
        title="Team meeting",
        repeat="weekly",
        days=["0", "2"],
        ends="count",
        count="4",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Team meeting"
    assert event.rrule == "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"
    assert event.start.astimezone(event.zone).hour == 10
    listing = client.get(response["Location"]).text
    assert "Series saved: Team meeting." in listing
    assert listing.count("Team meeting</a>") == 4
    assert "Every week on Monday, Wednesday, 4 times" in listing


def test_the_edit_form_shows_the_stored_repetition(world: dict[str, Any]) -> None:
    event = weekly(world, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20901231")
    form = logged_in(world["owner"]).get(f"{world['base']}{event.pk}/").context["form"]
    assert form.initial["repeat"] == "biweekly"
    assert form.initial["ends"] == "until"
    assert str(form.initial["until"]) == "2090-12-31"


def test_an_unusable_stored_rule_is_refused_with_the_reason(world: dict[str, Any]) -> None:
    """A rule from another calendar, stored before the checks: kept only if the engine accepts
    it; a plain choice replaces it."""
    event = weekly(world)
    PersonalEvent.objects.filter(pk=event.pk).update(rrule="FREQ=HOURLY;BYDAY=MO")
    client = logged_in(world["owner"])
    url = f"{world['base']}{event.pk}/"
    page = client.get(url).text
    assert "Keep as it is: Repeats (rule set in another calendar)" in page
    data = form_data(event.start, scope="series", title="Staff meeting", repeat="keep")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "This repetition cannot be used: FREQ=HOURLY is not supported" in response.text
    event.refresh_from_db()
    assert event.rrule == "FREQ=HOURLY;BYDAY=MO"
    assert client.post(url, {**data, "repeat": "weekly"}).status_code == 302
    event.refresh_from_db()
    assert event.rrule == "FREQ=WEEKLY;BYDAY=MO"


def test_a_one_off_event_is_edited_without_choosing(world: dict[str, Any]) -> None:
    start = next_monday(12)
    event = personal_events.create(
        world["practice"],
        practitioner=world["doctor"],
        title="Dentist",
        start=start,
        end=start + timedelta(hours=1),
    ).event
    client = logged_in(world["owner"])
    url = f"{world['base']}{event.pk}/?occurrence={utc_id(start)}"
    page = client.get(url).text
    assert "This occurrence" not in page
    response = client.post(url, form_data(start, title="Dentist (moved)"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Dentist (moved)"


@pytest.mark.parametrize("occurrence", ["not-a-date", "2090-01-01T09:00:00", "OFFSET", "SKIPPED"])
def test_an_occurrence_the_series_does_not_have_is_a_404(
    world: dict[str, Any], occurrence: str
) -> None:
    event = weekly(world)
    second = event.start + timedelta(days=7)
    if occurrence == "OFFSET":
        occurrence = utc_id(second + timedelta(hours=1))
    if occurrence == "SKIPPED":
        personal_events.cancel_occurrence(world["practice"], event, second)
        occurrence = utc_id(second)
    client = logged_in(world["owner"])
    for suffix in ("", "delete/"):
        url = f"{world['base']}{event.pk}/{suffix}"
        assert client.get(url, {"occurrence": occurrence}).status_code == 404


# --- deleting -----------------------------------------------------------------------------------


def test_deleting_one_occurrence(world: dict[str, Any]) -> None:
    event = weekly(world)
    second = event.start + timedelta(days=7)
    client = logged_in(world["owner"])
    url = f"{world['base']}{event.pk}/delete/?occurrence={utc_id(second)}"
    page = client.get(url).text
    assert "Delete this occurrence" in page and "Delete the whole series" in page
    response = client.post(url, {"scope": "occurrence"})
    assert response.status_code == 302
    override = PersonalEventOverride.objects.get()
    assert (override.recurrence_id, override.cancelled) == (second, True)
    listing = client.get(response["Location"]).text
    assert "Occurrence deleted: Staff meeting." in listing
    assert second.strftime("%a %-d %b %Y") not in listing
    assert event.start.strftime("%a %-d %b %Y") in listing


def test_deleting_the_whole_series(world: dict[str, Any]) -> None:
    event = weekly(world)
    second = event.start + timedelta(days=7)
    personal_events.move_occurrence(
        world["practice"], event, second, start=second, end=second + timedelta(minutes=20)
    )
    client = logged_in(world["doctor_user"])
    url = f"{world['base']}{event.pk}/delete/?occurrence={utc_id(second)}"
    response = client.post(url, {"scope": "series"})
    assert response.status_code == 302
    assert not PersonalEvent.objects.exists()
    assert not PersonalEventOverride.objects.exists()
    listing = client.get(response["Location"]).text
    assert "Series deleted: Staff meeting." in listing
    assert "No personal events in this period." in listing


def test_deleting_without_saying_what_deletes_nothing(world: dict[str, Any]) -> None:
    event = weekly(world)
    second = event.start + timedelta(days=7)
    url = f"{world['base']}{event.pk}/delete/?occurrence={utc_id(second)}"
    response = logged_in(world["owner"]).post(url, {"scope": "everything"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert PersonalEvent.objects.filter(pk=event.pk).exists()
    assert not PersonalEventOverride.objects.exists()


def test_deleting_a_one_off_event(world: dict[str, Any]) -> None:
    start = next_monday(12)
    event = personal_events.create(
        world["practice"],
        practitioner=world["doctor"],
        title="Dentist",
        start=start,
        end=start + timedelta(hours=1),
    ).event
    client = logged_in(world["assistant"])
    response = client.post(f"{world['base']}{event.pk}/delete/")
    assert response.status_code == 302
    assert not PersonalEvent.objects.exists()
    assert "Deleted: Dentist." in client.get(response["Location"]).text


# --- the list and who may do what -------------------------------------------------------------


def test_the_list_shows_the_chosen_practitioner_upcoming_events(world: dict[str, Any]) -> None:
    mine = weekly(world)
    start = next_monday(12)
    personal_events.create(
        world["practice"],
        practitioner=world["colleague"],
        title="Colleague lunch",
        start=start,
        end=start + timedelta(hours=1),
    )
    past = timezone.now() - timedelta(days=3)
    personal_events.create(
        world["practice"],
        practitioner=world["doctor"],
        title="Last week's dentist",
        start=past,
        end=past + timedelta(hours=1),
    )
    client = logged_in(world["owner"])
    page = client.get(world["base"], {"practitioner": world["doctor"].pk}).text
    assert "Staff meeting" in page
    assert "Colleague lunch" not in page
    assert "Last week's dentist" not in page
    assert f"{world['base']}{mine.pk}/?occurrence={utc_id(mine.start)}" in page
    page = client.get(world["base"], {"practitioner": world["colleague"].pk}).text
    assert "Colleague lunch" in page and "Staff meeting" not in page
    # A practitioner sees their own by default.
    assert "Staff meeting" in logged_in(world["doctor_user"]).get(world["base"]).text


def test_the_navigation_leads_to_the_list(world: dict[str, Any]) -> None:
    page = logged_in(world["assistant"]).get(f"/app/{world['practice'].slug}/").text
    assert f'href="{world["base"]}"' in page
    outsider = factories.member(world["practice"], Role.ASSISTANT)  # linked to nobody
    page = logged_in(outsider).get(f"/app/{world['practice'].slug}/").text
    assert world["base"] not in page
    assert logged_in(outsider).get(world["base"]).status_code == 404


@pytest.mark.parametrize(
    ("who", "owner_of_event", "allowed"),
    [
        ("owner", "colleague", True),
        ("doctor_user", "doctor", True),
        ("doctor_user", "colleague", False),
        ("assistant", "doctor", True),
        ("assistant", "colleague", False),
    ],
)
def test_who_may_open_change_and_delete_an_event(
    world: dict[str, Any], who: str, owner_of_event: str, allowed: bool
) -> None:
    start = next_monday(12)
    event = personal_events.create(
        world["practice"],
        practitioner=world[owner_of_event],
        title="Busy",
        start=start,
        end=start + timedelta(hours=1),
    ).event
    client = logged_in(world[who])
    edit, delete = f"{world['base']}{event.pk}/", f"{world['base']}{event.pk}/delete/"
    expected = 200 if allowed else 404
    assert client.get(edit).status_code == expected
    assert client.get(delete).status_code == expected
    assert client.get(world["base"], {"practitioner": world[owner_of_event].pk}).status_code == (
        expected
    )
    if not allowed:
        assert client.post(edit, form_data(start, title="Mine now")).status_code == 404
        assert client.post(delete).status_code == 404
        event.refresh_from_db()
        assert event.title == "Busy"


def test_another_practice_events_are_a_404(world: dict[str, Any]) -> None:
    other = factories.practice()
    stranger = factories.practitioner(other, user=factories.member(other))
    start = next_monday(12)
    event = personal_events.create(
        other, practitioner=stranger, title="Elsewhere", start=start, end=start + timedelta(hours=1)
    ).event
    client = logged_in(world["owner"])
    assert client.get(f"{world['base']}{event.pk}/").status_code == 404
    assert client.post(f"{world['base']}{event.pk}/delete/").status_code == 404
    assert client.get(world["base"], {"practitioner": stranger.pk}).status_code == 404
    assert client.get(world["base"] + "new/", {"practitioner": stranger.pk}).status_code == 404
    assert PersonalEvent.objects.filter(pk=event.pk).exists()
