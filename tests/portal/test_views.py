"""The booking site with Django's client and the real door: choosing, the week's slots, logging
in, confirming for a new or an existing patient, the confirmation page and its calendar links."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.test import Client
from django.utils import timezone

from carnet.patients.models import Patient
from carnet.portal.slots import week_start_of
from carnet.scheduling.models import Appointment, OutboxEvent
from tests import factories
from tests.portal.conftest import Site, free_slot

pytestmark = pytest.mark.django_db


def confirm_url(site: Site, start: str, practitioner: str = "any") -> str:
    query = {"type": site.kind.pk, "practitioner": practitioner, "start": start}
    return f"{site.url}confirm/?{urlencode(query)}"


def logged_in(site: Site) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(site.account)
    return client


NEW_PATIENT = {
    "patient": "new",
    "first_name": "Claire",
    "last_name": "Roux",
    "mobile": "06 12 34 56 78",
    "birth_date": "1985-04-02",
}


def test_the_page_offers_online_types_only(client: Client, site: Site) -> None:
    page = client.get(site.url)
    assert page.status_code == 200
    text = page.text
    assert "Consultation" in text
    assert "Surgery" not in text
    assert "Cache-Control" not in page or "no-store" not in page["Cache-Control"]


def test_choosing_a_type_shows_its_description_above_the_week_in_the_practice_zone(
    client: Client, site: Site
) -> None:
    slot = free_slot(site)
    week = slot.start.date().isoformat()
    text = client.get(site.url, {"type": site.kind.pk, "week": week}).text
    assert "Bring your health card." in text
    assert text.index("Bring your health card.") < text.index('id="week-title"')
    assert "Europe/Paris" in text
    assert "Dr Alice Durand" in text and "Any practitioner" in text
    assert urlencode({"start": slot.start.isoformat()}) in text.replace("&amp;", "&")
    assert 'rel="next"' in text
    # The current week has no "previous" link: nothing before today can be booked.
    assert 'rel="prev"' not in client.get(site.url, {"type": site.kind.pk}).text


def test_the_next_weeks_stop_at_the_horizon(client: Client, site: Site) -> None:
    site.doctor.booking_horizon_days = 7
    site.doctor.save()
    today = timezone.now().astimezone(site.practice.zone).date()
    far = today + timedelta(days=14)
    text = client.get(site.url, {"type": site.kind.pk, "week": far.isoformat()}).text
    assert 'rel="next"' not in text
    assert "No free slots this week." in text


def test_the_json_slots_are_the_pages(client: Client, site: Site) -> None:
    slot = free_slot(site)
    data = client.get(
        f"{site.url}slots.json",
        {"type": site.kind.pk, "practitioner": "any", "week": slot.start.date().isoformat()},
    ).json()
    assert data["time_zone"] == "Europe/Paris"
    starts = [s["start"] for day in data["days"] for s in day["slots"]]
    assert slot.start.isoformat() in starts
    assert len(data["days"]) == 7


def test_confirming_needs_a_login_and_comes_back_after_it(client: Client, site: Site) -> None:
    url = confirm_url(site, free_slot(site).start.isoformat())
    response = client.get(url)
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.path == "/accounts/login/"
    assert parse_qs(target.query)["next"] == [url]


def test_a_new_patient_books_with_the_type_and_practitioner_defaults(site: Site) -> None:
    client = logged_in(site)
    slot = free_slot(site)
    url = confirm_url(site, slot.start.isoformat())
    page = client.get(url)
    assert page.status_code == 200
    assert "Confirm your appointment" in page.text and page["Cache-Control"] == "no-store"
    response = client.post(url, {**hidden(url), **NEW_PATIENT})
    assert response.status_code == 302, response.content
    appointment = Appointment.objects.get()
    assert appointment.start == slot.start
    assert appointment.source == "online"
    assert appointment.sms_reminder is True  # the type's SMS option
    assert appointment.sync_external is True  # the practitioner's sync default
    patient = appointment.patient
    assert (patient.first_name, patient.mobile, str(patient.birth_date)) == (
        "Claire",
        "+33612345678",
        "1985-04-02",
    )
    assert patient.account == site.account
    assert OutboxEvent.objects.get().origin == "online"
    assert response["Location"] == f"{site.url}done/{appointment.public_id}/"

    done = client.get(response["Location"])
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    assert "Dr Alice Durand" in done.text and "Cabinet Voltaire" in done.text
    google = next(
        part.split('"')[0]
        for part in done.text.split('href="')
        if part.startswith("https://calendar.google.com/")
    ).replace("&amp;", "&")
    query = parse_qs(urlparse(google).query)
    assert query["action"] == ["TEMPLATE"]
    assert "Dr Alice Durand" in query["text"][0]
    assert query["dates"][0] == (
        f"{slot.start.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}/"
        f"{slot.end.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    )
    # No patient data and not the reason for the visit in a third party's URL.
    for secret in ("Claire", "Roux", "612345678", "Consultation", "1985"):
        assert secret not in google

    ics = client.get(f"{site.url}done/{appointment.public_id}/appointment.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert f"UID:{appointment.public_id}@" in body and "Claire" not in body


def hidden(url: str) -> dict[str, str]:
    """What the confirm form sends back besides the patient: the choice from the link."""
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def test_an_account_books_for_one_of_its_patients_and_sees_only_its_own(site: Site) -> None:
    son = factories.patient(site.practice, first_name="Léo", account=site.account)
    stranger = factories.patient(site.practice, first_name="Zoé", account=factories.user())
    client = logged_in(site)
    url = confirm_url(site, free_slot(site).start.isoformat())
    text = client.get(url).text
    assert "Léo" in text and "Zoé" not in text
    # Someone else's patient, by id: refused, nothing saved.
    refused = client.post(url, {**hidden(url), "patient": str(stranger.pk)})
    assert refused.status_code == 400 and not Appointment.objects.exists()
    response = client.post(url, {**hidden(url), "patient": str(son.pk)})
    assert response.status_code == 302
    assert Appointment.objects.get().patient == son
    assert Patient.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "01 23 45 67 89", "is not a mobile number"),
        ("mobile", "12", "is not a valid phone number"),
        ("mobile", "", "Enter a mobile number"),
        ("birth_date", "", "Enter the patient"),
        ("birth_date", "2999-01-01", "between 1900 and today"),
        ("birth_date", "31/31/31", "Enter a valid date"),
        ("first_name", "", "first name"),
        ("last_name", "a\x00b", "Null characters are not allowed"),
        ("patient", "999999", "Select a valid choice"),
    ],
)
def test_bad_patient_details_are_named_and_nothing_is_saved(
    site: Site, field: str, value: str, message: str
) -> None:
    client = logged_in(site)
    url = confirm_url(site, free_slot(site).start.isoformat())
    response = client.post(url, {**hidden(url), **NEW_PATIENT, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.exists() and not Patient.objects.exists()


def test_the_confirmation_of_someone_elses_appointment_is_a_404(site: Site) -> None:
    client = logged_in(site)
    url = confirm_url(site, free_slot(site).start.isoformat())
    client.post(url, {**hidden(url), **NEW_PATIENT})
    appointment = Appointment.objects.get()
    other = Client()
    other.force_login(factories.user())
    assert other.get(f"{site.url}done/{appointment.public_id}/").status_code == 404
    assert other.get(f"{site.url}done/{appointment.public_id}/appointment.ics").status_code == 404
    # Nor through another practice's booking address.
    elsewhere = factories.practice()
    path = f"/book/{elsewhere.slug}/done/{appointment.public_id}/"
    assert client.get(path).status_code == 404


def test_an_unknown_practice_is_a_404(client: Client, db: object) -> None:
    assert client.get("/book/nobody-here/").status_code == 404
    assert client.get("/book/nobody-here/slots.json").status_code == 404


def test_with_nothing_free_this_week_the_page_opens_on_the_first_week_with_a_slot(
    site: Site, client: Client
) -> None:
    """A Sunday evening, or a week fully booked: the patient sees the next free slots at once,
    not a week of "no free slot"; days already over are not listed."""
    from carnet.scheduling.models import ScheduleException

    zone = site.practice.zone
    today = timezone.now().astimezone(zone).date()
    next_monday = week_start_of(today) + timedelta(days=7)
    ScheduleException.objects.create(
        practitioner=site.doctor,
        start=timezone.now() - timedelta(days=7),
        end=datetime.combine(next_monday, time(0), tzinfo=zone),
    )
    query = f"{site.url}?type={site.kind.pk}&practitioner=any"
    opened = client.get(query)
    assert opened.status_code == 200
    days = [day.date for day, _slots in opened.context["days"]]
    assert days[0] == next_monday
    assert any(slots for _day, slots in opened.context["days"])
    asked = client.get(f"{query}&week={today.isoformat()}")
    assert [day.date for day, _slots in asked.context["days"]] == [
        today + timedelta(days=n) for n in range((next_monday - today).days)
    ]
    assert "No free slots this week." in asked.text
