"""What an event's title says in the feed, and that nothing else about a patient gets there."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from carnet.feeds.ical import FeedAppointment, FeedCalendar, FeedPersonalEvent, render_feed
from carnet.feeds.privacy import (
    PersonalTitleChoice,
    TitleChoice,
    appointment_title,
    personal_event_title,
)

START = datetime(2026, 6, 2, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("choice", "first", "last", "title"),
    [
        (TitleChoice.PATIENT_NAME, "Jeanne", "Martin", "Jeanne Martin"),
        (TitleChoice.INITIALS, "Jeanne", "Martin", "J. M."),
        (TitleChoice.GENERIC, "Jeanne", "Martin", "Appointment"),
        ("name", "  Jeanne\n", " Martin  Durand ", "Jeanne Martin Durand"),
        ("initials", "Jean-Pierre", "Lefèvre", "J.-P. L."),
        ("initials", "marie claire", "de la Fontaine", "M. D."),
        ("initials", "Élodie", "Ångström", "É. Å."),
        ("initials", "E\u0301lodie", "o'Neil", "É. O."),  # decomposed accent is composed first
        ("initials", "", "Martin", "M."),
        ("name", "", "", "Appointment"),
        ("initials", " ", "-", "Appointment"),
    ],
)
def test_appointment_title(choice, first: str, last: str, title: str) -> None:
    assert appointment_title(choice, first, last, "Appointment") == title


def test_generic_label_is_the_callers_translation() -> None:
    assert appointment_title(TitleChoice.GENERIC, "Jeanne", "Martin", "Rendez-vous") == (
        "Rendez-vous"
    )


def test_unknown_choice_is_an_error_not_a_name() -> None:
    with pytest.raises(ValueError):
        appointment_title("everything", "Jeanne", "Martin", "Appointment")
    with pytest.raises(ValueError):
        personal_event_title("everything", "Oncologist", "Busy")


@pytest.mark.parametrize(
    ("choice", "title", "shown"),
    [
        (PersonalTitleChoice.BUSY, "Oncologist, Dr. X", "Occupé"),
        (PersonalTitleChoice.TITLE, "Oncologist, Dr. X", "Oncologist, Dr. X"),
        ("title", "  School\nrun ", "School run"),
        ("title", "   ", "Occupé"),
    ],
)
def test_personal_event_title(choice, title: str, shown: str) -> None:
    assert personal_event_title(choice, title, "Occupé") == shown


def test_feed_input_types_cannot_carry_contact_details_or_notes() -> None:
    """The writer cannot leak what it is never given."""
    assert [f.name for f in dataclasses.fields(FeedAppointment)] == [
        "uid",
        "start",
        "end",
        "summary",
        "url",
        "sequence",
        "last_modified",
    ]
    assert {f.name for f in dataclasses.fields(FeedPersonalEvent)} == {
        "uid",
        "summary",
        "start",
        "end",
        "zone",
        "rrule",
        "exdates",
        "overrides",
        "sequence",
        "last_modified",
    }
    with pytest.raises(TypeError):
        FeedAppointment(  # type: ignore[call-arg]
            uid=str(uuid.uuid4()),
            start=START,
            end=START + timedelta(minutes=30),
            summary="Jeanne Martin",
            url="https://carnet.example/a/1/",
            sequence=0,
            last_modified=START,
            email="jeanne@example.org",
        )


def render(choice: TitleChoice, first: str, last: str) -> bytes:
    appointment = FeedAppointment(
        uid=str(uuid.UUID(int=1)),
        start=START,
        end=START + timedelta(minutes=30),
        summary=appointment_title(choice, first, last, "Appointment"),
        url=f"https://carnet.example/agenda/appointments/{uuid.UUID(int=1)}/",
        sequence=0,
        last_modified=START,
    )
    calendar = FeedCalendar("Dr Lopez", timedelta(minutes=15), [appointment], [], "{url}")
    return render_feed(calendar, year=2026)


def event_values(data: bytes) -> dict[str, str]:
    """The one event's properties as values, read by a real parser (unfolded, unescaped)."""
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    return {name: str(value) for name, value in event.property_items(recursive=False)[1:-1]}


def test_rendered_titles_show_only_the_chosen_form() -> None:
    assert event_values(render(TitleChoice.PATIENT_NAME, "Jeanne", "Martin"))["SUMMARY"] == (
        "Jeanne Martin"
    )
    initials = render(TitleChoice.INITIALS, "Jeanne", "Martin")
    assert event_values(initials)["SUMMARY"] == "J. M."
    generic = render(TitleChoice.GENERIC, "Jeanne", "Martin")
    assert event_values(generic)["SUMMARY"] == "Appointment"
    for data in (initials, generic):
        assert b"Jeanne" not in data and b"Martin" not in data


names = st.text(st.characters(categories=["L"]), min_size=3, max_size=30)
# Initials: one letter (or a few, as upper() writes "ß" as "SS") and a dot, hyphenated parts.
INITIALS_RE = re.compile(
    r"[^\W\d_]{1,3}\.(?:-[^\W\d_]{1,3}\.)*(?: [^\W\d_]{1,3}\.(?:-[^\W\d_]{1,3}\.)*)?"
)


EVENT_PROPERTIES = {
    *("UID", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY"),
    *("DESCRIPTION", "TRANSP", "CLASS", "STATUS"),
}


@example(first="App", last="Point")  # both inside the word "Appointment": values, not lines
@given(first=names, last=names)
def test_initials_and_generic_never_show_a_name(first: str, last: str) -> None:
    url = f"https://carnet.example/agenda/appointments/{uuid.UUID(int=1)}/"
    generic = event_values(render(TitleChoice.GENERIC, first, last))
    assert generic["SUMMARY"] == "Appointment"
    initials = event_values(render(TitleChoice.INITIALS, first, last))
    assert INITIALS_RE.fullmatch(initials["SUMMARY"]), initials["SUMMARY"]
    for values in (generic, initials):
        # No other text property: the description is the link and nothing more.
        assert set(values) == EVENT_PROPERTIES
        assert values["DESCRIPTION"] == url
