"""A small world for API tests: practice A with every role, practice B alike, and clients."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client

from carnet.api.tokens import issue_token
from carnet.practices.models import Membership, Practice, Role
from carnet.scheduling import booking
from tests import factories


class ApiWorld:
    """A: centers c1, c2; practitioners `own` (the practitioner member's) and `colleague`;
    an assistant linked to `own` in c1 only. B: one of everything. Appointments tomorrow:
    `own_c1` (own, c1), `own_c2` (own, c2), `colleague_c1` (colleague, c1), `b` (practice B).
    """

    def __init__(self) -> None:
        # English, so that tests read the source sentences (members read their language).
        self.a = factories.practice("Practice A", language="en")
        self.b = factories.practice("Practice B")
        self.c1 = factories.center(self.a, "Center one")
        self.c2 = factories.center(self.a, "Center two")
        self.members = {
            role: factories.member(self.a, role)
            for role in (Role.OWNER, Role.ADMIN, Role.PRACTITIONER, Role.ASSISTANT)
        }
        self.own = factories.practitioner(self.a, "Own Sheet", user=self.members[Role.PRACTITIONER])
        self.colleague = factories.practitioner(
            self.a, "Colleague", user=factories.member(self.a, Role.PRACTITIONER)
        )
        assistant = self.membership(Role.ASSISTANT)
        assistant.practitioners.set([self.own])
        assistant.centers.set([self.c1])
        self.kind = factories.appointment_type(self.a, [self.own, self.colleague])
        self.patient = factories.patient(self.a, email="jeanne@example.org")
        self.tomorrow = datetime.combine(
            datetime.now(self.a.zone).date() + timedelta(days=1), time(9), self.a.zone
        )
        self.own_c1 = self.book(self.a, self.own, self.c1, self.kind, self.patient, 0)
        self.own_c2 = self.book(self.a, self.own, self.c2, self.kind, factories.patient(self.a), 1)
        self.colleague_c1 = self.book(
            self.a, self.colleague, self.c1, self.kind, factories.patient(self.a), 2
        )
        b_center = factories.center(self.b)
        self.b_member = factories.member(self.b, Role.OWNER)
        b_practitioner = factories.practitioner(self.b)
        self.b_kind = factories.appointment_type(self.b, [b_practitioner])
        self.b_patient = factories.patient(self.b)
        self.b_appointment = self.book(
            self.b, b_practitioner, b_center, self.b_kind, self.b_patient, 0
        )

    def membership(self, role: str, practice: Practice | None = None) -> Membership:
        user = self.members[role] if practice is None else self.b_member
        return Membership.objects.get(user=user, practice=practice or self.a)

    def book(
        self, practice: Practice, practitioner: Any, center: Any, kind: Any, patient: Any, hour: int
    ) -> Any:
        start = self.tomorrow + timedelta(hours=hour)
        return booking.book(
            practice,
            appointment_type=kind,
            patient=patient,
            start=start,
            practitioner=practitioner,
            center=center,
        ).appointment

    def url(self, path: str, practice: Practice | None = None) -> str:
        return f"/api/practices/{(practice or self.a).slug}/{path}"

    def session(self, role: str) -> Client:
        """A logged-in member's browser (CSRF enforced, as in production)."""
        client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(self.members[role])
        return client

    def token_client(self, role: str) -> Client:
        """An integrator's program with the member's API token (no cookie at all)."""
        _row, token = issue_token(self.membership(role), "test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def world(db: Any) -> ApiWorld:
    return ApiWorld()
