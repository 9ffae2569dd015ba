"""The roles policy: what each member may see and change, per practitioner and center."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from carnet.practices import policy
from carnet.practices.models import Membership, Role
from carnet.scheduling.models import Appointment
from tests import factories

pytestmark = pytest.mark.django_db


class Practice:
    """Three practitioners (the practitioner member is `first`), two centers, an appointment
    for each (practitioner, center), and a second practice with one appointment."""

    def __init__(self) -> None:
        self.practice = factories.practice()
        self.north = factories.center(self.practice, "North")
        self.south = factories.center(self.practice, "South")
        self.users = {role: factories.member(self.practice, role) for role in Role}
        self.first = factories.practitioner(self.practice, user=self.users[Role.PRACTITIONER])
        self.second = factories.practitioner(self.practice)
        self.third = factories.practitioner(self.practice)
        self.appointments = {
            (practitioner.pk, center.pk): appointment(practitioner, center)
            for practitioner in (self.first, self.second, self.third)
            for center in (self.north, self.south)
        }
        other = factories.practice()
        self.stranger = appointment(
            factories.practitioner(other, user=self.users[Role.PRACTITIONER]),
            factories.center(other),
        )

    def membership(self, role: str) -> Membership:
        return Membership.objects.get(user=self.users[role], practice=self.practice)


def appointment(practitioner: Any, center: Any) -> Appointment:
    # An hour apart per practitioner: one practitioner is never in two places at once.
    hours = practitioner.appointments.count()
    start = timezone.now().replace(microsecond=0) + timedelta(days=1, hours=hours)
    return Appointment.objects.create(
        practice=practitioner.practice,
        center=center,
        practitioner=practitioner,
        patient=factories.patient(practitioner.practice),
        appointment_type=factories.appointment_type(practitioner.practice, [practitioner]),
        start=start,
        end=start + timedelta(minutes=30),
    )


def keys(appointments: Any) -> set[tuple[int, int]]:
    return {(a.practitioner_id, a.center_id) for a in appointments}


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_see_and_change_everything_of_their_practice(role: str) -> None:
    world = Practice()
    member = world.membership(role)
    assert keys(policy.visible_appointments(member)) == set(world.appointments)
    assert all(policy.can_change_appointment(member, a) for a in world.appointments.values())
    assert set(policy.managed_practitioners(member)) == {world.first, world.second, world.third}
    assert policy.can_manage_practice(member)
    assert not policy.can_view_appointment(member, world.stranger)
    assert not policy.can_change_appointment(member, world.stranger)
    assert world.stranger.patient not in policy.visible_patients(member)


def test_a_practitioner_reads_colleagues_agendas_and_changes_only_their_own() -> None:
    world = Practice()
    member = world.membership(Role.PRACTITIONER)
    assert keys(policy.visible_appointments(member)) == set(world.appointments)
    assert set(policy.visible_practitioners(member)) == {world.first, world.second, world.third}
    assert list(policy.managed_practitioners(member)) == [world.first]
    changeable = {
        k for k, a in world.appointments.items() if policy.can_change_appointment(member, a)
    }
    assert changeable == {(world.first.pk, world.north.pk), (world.first.pk, world.south.pk)}
    assert policy.can_manage_feed(member, world.first)
    assert not policy.can_manage_feed(member, world.second)
    assert not policy.can_manage_practice(member)
    # Their own patients' records, not their colleagues'.
    own_patients = {a.patient for k, a in world.appointments.items() if k[0] == world.first.pk}
    assert set(policy.visible_patients(member)) == own_patients
    # Their sheet in another practice gives them nothing there.
    assert not policy.can_view_appointment(member, world.stranger)
    assert not policy.can_manage_practitioner(member, world.stranger.practitioner)


def test_an_assistant_linked_to_two_practitioners_never_sees_the_third() -> None:
    """The attack of issue 7: the third practitioner's patient, reason and time stay hidden."""
    world = Practice()
    member = world.membership(Role.ASSISTANT)
    member.practitioners.set([world.first, world.second])
    visible = keys(policy.visible_appointments(member))
    assert visible == {k for k in world.appointments if k[0] != world.third.pk}
    third = world.appointments[(world.third.pk, world.north.pk)]
    assert not policy.can_view_appointment(member, third)
    assert not policy.can_change_appointment(member, third)
    assert third.patient not in policy.visible_patients(member)
    assert set(policy.visible_practitioners(member)) == {world.first, world.second}
    assert not policy.can_view_practitioner(member, world.third)
    # Linked or not, an assistant never manages a private feed link.
    assert not policy.can_manage_feed(member, world.first)


def test_an_assistant_works_only_in_their_centers_when_some_are_listed() -> None:
    world = Practice()
    member = world.membership(Role.ASSISTANT)
    member.practitioners.set([world.first])
    member.centers.set([world.north])
    assert keys(policy.visible_appointments(member)) == {(world.first.pk, world.north.pk)}
    south = world.appointments[(world.first.pk, world.south.pk)]
    assert not policy.can_view_appointment(member, south)
    assert not policy.can_change_appointment(member, south)
    assert south.patient not in policy.visible_patients(member)


def test_an_assistant_with_no_center_listed_works_in_every_center() -> None:
    world = Practice()
    member = world.membership(Role.ASSISTANT)
    member.practitioners.set([world.first])
    assert keys(policy.visible_appointments(member)) == {
        (world.first.pk, world.north.pk),
        (world.first.pk, world.south.pk),
    }


def test_an_assistant_linked_to_nobody_sees_no_agenda() -> None:
    world = Practice()
    member = world.membership(Role.ASSISTANT)
    assert not policy.visible_appointments(member).exists()
    assert not policy.visible_practitioners(member).exists()
    assert not policy.visible_patients(member).exists()


def test_who_may_list_add_and_change_patients() -> None:
    world = Practice()
    own = world.appointments[(world.first.pk, world.north.pk)].patient
    colleagues = world.appointments[(world.second.pk, world.north.pk)].patient
    for role in (Role.OWNER, Role.ADMIN):
        member = world.membership(role)
        assert policy.can_see_patients(member) and policy.can_add_patient(member)
        assert policy.can_change_patient(member, own)
        assert policy.can_change_patient(member, colleagues)
        assert not policy.can_change_patient(member, world.stranger.patient)
    practitioner = world.membership(Role.PRACTITIONER)
    assert policy.can_see_patients(practitioner) and policy.can_add_patient(practitioner)
    assert policy.can_change_patient(practitioner, own)
    assert not policy.can_change_patient(practitioner, colleagues)
    # The practitioner member also has a sheet in the other practice: still not theirs here.
    assert not policy.can_change_patient(practitioner, world.stranger.patient)
    assistant = world.membership(Role.ASSISTANT)
    assert not policy.can_see_patients(assistant)  # linked to nobody: no patients
    assert not policy.can_add_patient(assistant)
    assistant.practitioners.set([world.second])
    assistant = world.membership(Role.ASSISTANT)  # reach is cached per membership object
    assert policy.can_see_patients(assistant) and policy.can_add_patient(assistant)
    assert policy.can_change_patient(assistant, colleagues)
    assert not policy.can_change_patient(assistant, own)
