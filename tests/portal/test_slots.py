"""The shared helpers of the booking site: a week's slots by local day, an account's patients."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from carnet.portal.patients import account_patients
from carnet.portal.slots import week_slots, week_start_of
from tests import factories
from tests.portal.conftest import Site, build_site

pytestmark = pytest.mark.django_db


def test_a_week_is_seven_local_days_with_wall_clock_labels_across_a_clock_change() -> None:
    """New York falls back on Sunday 2030-11-03: 09:00 stays 09:00 on both sides."""
    site = build_site(time_zone="America/New_York")
    zone = ZoneInfo("America/New_York")
    site.center.time_zone = "America/New_York"
    site.center.save()
    site.doctor.booking_horizon_days = 730
    site.doctor.min_notice_minutes = 0
    site.doctor.save()
    now = datetime(2030, 10, 28, 6, tzinfo=zone)
    days = week_slots(site.practice, site.kind, site.doctor, None, week_start_of(now.date()), now)
    assert [day.date.isoformat() for day in days] == [
        f"2030-{month}" for month in ("10-28", "10-29", "10-30", "10-31", "11-01", "11-02", "11-03")
    ]
    for day in days:
        assert day.slots[0].label == "09:00" and day.slots[-1].label == "17:30"
        assert day.slots[0].start == datetime.combine(day.date, time(9), zone)
        assert all(slot.start.date() == day.date for slot in day.slots)
        assert all(slot.practitioner_ids == (site.doctor.pk,) for slot in day.slots)
    offsets = {day.slots[0].start.utcoffset() for day in days}
    assert offsets == {timedelta(hours=-4), timedelta(hours=-5)}


def test_an_accounts_patients_are_its_own_in_this_practice_only(site: Site) -> None:
    mine = factories.patient(site.practice, first_name="Léo", account=site.account)
    factories.patient(site.practice, first_name="Someone else", account=factories.user())
    factories.patient(site.practice, first_name="Nobody's")
    elsewhere = factories.practice()
    factories.patient(elsewhere, first_name="Léo elsewhere", account=site.account)
    # Called from inside another practice's scope, it still answers for the practice asked.
    with scope(practice=elsewhere):
        found = list(account_patients(site.account, site.practice))
    assert found == [mine]
    assert list(account_patients(None, site.practice)) == []
