"""What a member of a practice may see and change: the one place roles are decided.

Pages, forms and the API ask these functions; none of them checks a role itself.

- Owners and administrators: everything in their practice.
- Practitioners: read every agenda of the practice (colleagues' included); change only their
  own (the practitioner sheets whose login is theirs), and see only their own patients' records.
- Assistants: only the practitioners they are linked to (`Membership.practitioners`), in their
  centers (`Membership.centers`). An assistant with no center listed works in every center of
  the practice: the link to practitioners is what restricts them, the centers narrow it further
  (a practice with one center should not have to tick it). An assistant linked to no
  practitioner sees no agenda at all.
- Practitioner sheets (schedule, booking rules): admins edit every sheet, a practitioner their
  own; an assistant reads the sheets of the practitioners they are linked to.
- A calendar feed link (it opens an agenda to whoever holds it) is managed by the practitioner
  themself and by admins only, never by assistants.

Anything denied is answered like an object of another practice: 404, never 403.
Every function first requires the object to belong to the member's practice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from carnet.patients.models import Patient
from carnet.practices.models import Center, Membership, Role
from carnet.scheduling.models import Appointment, PersonalEvent, Practitioner


@dataclass(frozen=True)
class Reach:
    """A member's reach in their practice, computed once per membership object."""

    practice_id: int
    everything: bool  # owners and admins
    reads_every_agenda: bool  # practitioners read their colleagues' agendas
    agendas: frozenset[int]  # practitioner ids whose agendas the member may change
    centers: frozenset[int] | None  # None: every center of the practice

    def in_centers(self, center_id: int | None) -> bool:
        return self.centers is None or center_id in self.centers


def reach(membership: Membership) -> Reach:
    cached = membership.__dict__.get("_policy_reach")
    if isinstance(cached, Reach):
        return cached
    practice_id = membership.practice_id
    everything = membership.role in (Role.OWNER, Role.ADMIN)
    agendas: frozenset[int] = frozenset()
    centers: frozenset[int] | None = None
    if membership.role == Role.PRACTITIONER:
        agendas = frozenset(
            Practitioner.objects.filter(
                practice_id=practice_id, user_id=membership.user_id
            ).values_list("pk", flat=True)
        )
    elif membership.role == Role.ASSISTANT:
        agendas = frozenset(
            membership.practitioners.filter(practice_id=practice_id).values_list("pk", flat=True)
        )
        listed = frozenset(
            membership.centers.filter(practice_id=practice_id).values_list("pk", flat=True)
        )
        centers = listed or None
    result = Reach(
        practice_id=practice_id,
        everything=everything,
        reads_every_agenda=everything or membership.role == Role.PRACTITIONER,
        agendas=agendas,
        centers=centers,
    )
    membership.__dict__["_policy_reach"] = result
    return result


# --- practice-wide ------------------------------------------------------------------------------


def can_manage_practice(membership: Membership) -> bool:
    """Settings, centers, types, members: owners and admins."""
    return reach(membership).everything


def assignable_roles(membership: Membership) -> list[Role]:
    """The roles a member may give when inviting or changing a member.

    Owners give any role; administrators every role but owner, so that an administrator cannot
    make themself, or anyone, an owner. Other members give none.
    """
    if not can_manage_practice(membership):
        return []
    if membership.role == Role.OWNER:
        return list(Role)
    return [role for role in Role if role != Role.OWNER]


def can_change_member(membership: Membership, other: Membership) -> bool:
    """Changing another member's role, links or removing them: owners and admins of the same
    practice; an owner's place only by an owner (an admin cannot demote or remove an owner)."""
    if other.practice_id != membership.practice_id or not can_manage_practice(membership):
        return False
    return other.role != Role.OWNER or membership.role == Role.OWNER


# --- practitioners and their agendas -----------------------------------------------------------


def visible_practitioners(membership: Membership) -> QuerySet[Practitioner]:
    """The practitioners whose agendas the member may read."""
    member = reach(membership)
    queryset = Practitioner.objects.filter(practice_id=member.practice_id)
    if not member.reads_every_agenda:
        queryset = queryset.filter(pk__in=member.agendas)
    return queryset


def managed_practitioners(membership: Membership) -> QuerySet[Practitioner]:
    """The practitioners whose agendas the member may change (book, move, cancel, busy time)."""
    member = reach(membership)
    queryset = Practitioner.objects.filter(practice_id=member.practice_id)
    if not member.everything:
        queryset = queryset.filter(pk__in=member.agendas)
    return queryset


def can_view_practitioner(membership: Membership, practitioner: Practitioner) -> bool:
    member = reach(membership)
    if practitioner.practice_id != member.practice_id:
        return False
    return member.reads_every_agenda or practitioner.pk in member.agendas


def can_manage_practitioner(membership: Membership, practitioner: Practitioner) -> bool:
    member = reach(membership)
    if practitioner.practice_id != member.practice_id:
        return False
    return member.everything or practitioner.pk in member.agendas


def can_manage_feed(membership: Membership, practitioner: Practitioner) -> bool:
    """The private feed link: the practitioner themself and admins, never an assistant."""
    member = reach(membership)
    if practitioner.practice_id != member.practice_id:
        return False
    return member.everything or (
        practitioner.user_id is not None and practitioner.user_id == membership.user_id
    )


# --- calendar sync (docs/calendar-sync.md, "Governance") ---------------------------------------


def calendar_practitioners(membership: Membership) -> QuerySet[Practitioner]:
    """The agendas the member may connect to an external calendar (and see the connection of).

    The same reach as changing an agenda: a practitioner their own, an assistant the
    practitioners they are linked to (whatever their centers: a connection has no center of its
    own), admins every one. Only an admin's connection starts at once; the others wait for an
    admin's approval (`can_approve_calendar_connections`).
    """
    return managed_practitioners(membership)


def can_approve_calendar_connections(membership: Membership) -> bool:
    """Approve or refuse a connection, and read the sync health page: owners and admins."""
    return can_manage_practice(membership)


def can_read_audit_log(membership: Membership) -> bool:
    """The practice's audit log (read-only for everyone, by construction): owners and admins."""
    return can_manage_practice(membership)


# --- practitioner sheets (settings) -------------------------------------------------------------


def sheet_practitioners(membership: Membership) -> QuerySet[Practitioner]:
    """The professional information sheets the member may open.

    Admins: every sheet. A practitioner: their own (colleagues' schedules show in the agenda;
    their contact details and calendar settings are theirs). An assistant: the sheets of the
    practitioners they are linked to, to answer patients about hours and booking rules.
    """
    member = reach(membership)
    queryset = Practitioner.objects.filter(practice_id=member.practice_id)
    if not member.everything:
        queryset = queryset.filter(pk__in=member.agendas)
    return queryset


def can_see_sheets(membership: Membership) -> bool:
    """The practitioners page (and its link): admins, and members with a sheet to open."""
    member = reach(membership)
    return member.everything or bool(member.agendas)


def can_edit_sheet(membership: Membership, practitioner: Practitioner) -> bool:
    """Change a sheet (weekly schedule, booking rules, sync default): admins any sheet, a
    practitioner their own. Assistants only read: hours and rules are the practitioner's call."""
    member = reach(membership)
    if practitioner.practice_id != member.practice_id:
        return False
    if member.everything:
        return True
    return membership.role == Role.PRACTITIONER and practitioner.pk in member.agendas


# --- appointments -------------------------------------------------------------------------------


def visible_appointments(membership: Membership) -> QuerySet[Appointment]:
    """The appointments the member may read (patient, type, time)."""
    member = reach(membership)
    queryset = Appointment.objects.filter(practice_id=member.practice_id)
    if member.reads_every_agenda:
        return queryset
    queryset = queryset.filter(practitioner_id__in=member.agendas)
    if member.centers is not None:
        queryset = queryset.filter(center_id__in=member.centers)
    return queryset


def can_view_appointment(membership: Membership, appointment: Appointment) -> bool:
    member = reach(membership)
    if appointment.practice_id != member.practice_id:
        return False
    if member.reads_every_agenda:
        return True
    return appointment.practitioner_id in member.agendas and member.in_centers(
        appointment.center_id
    )


def can_change_appointment(membership: Membership, appointment: Appointment) -> bool:
    member = reach(membership)
    if appointment.practice_id != member.practice_id:
        return False
    if member.everything:
        return True
    return appointment.practitioner_id in member.agendas and member.in_centers(
        appointment.center_id
    )


def can_overbook(membership: Membership) -> bool:
    """Place an appointment over another on purpose (`allow_overlap`): practitioners and
    admins, whose agendas they are; an assistant asks them rather than decide it."""
    return reach(membership).everything or membership.role == Role.PRACTITIONER


def can_book(membership: Membership) -> bool:
    """The "New appointment" page (and its buttons): admins, and members with an agenda to fill.

    Which practitioners and centers the form offers: `managed_practitioners`, `booking_centers`.
    """
    member = reach(membership)
    return member.everything or bool(member.agendas)


def booking_centers(membership: Membership) -> QuerySet[Center]:
    """The centers where the member may place or move appointments: an assistant's own centers
    (every center when none is listed, as for reading), everyone else every center."""
    member = reach(membership)
    queryset = Center.objects.filter(practice_id=member.practice_id)
    if member.centers is not None:
        queryset = queryset.filter(pk__in=member.centers)
    return queryset


# --- personal events (busy time) ---------------------------------------------------------------


def can_manage_personal_events(membership: Membership) -> bool:
    """The personal-events pages (and their link): admins, and members with an agenda to change.

    Like appointments, busy time is written by whoever may change the agenda: admins for every
    practitioner, a practitioner their own, an assistant the practitioners they are linked to.
    A personal event has no center, so an assistant's centers do not narrow it.
    """
    member = reach(membership)
    return member.everything or bool(member.agendas)


def managed_personal_events(membership: Membership) -> QuerySet[PersonalEvent]:
    """The personal events the member may open, change and delete (see above)."""
    member = reach(membership)
    queryset = PersonalEvent.objects.filter(practice_id=member.practice_id)
    if not member.everything:
        queryset = queryset.filter(practitioner_id__in=member.agendas)
    return queryset


# --- patients -----------------------------------------------------------------------------------


def visible_patients(membership: Membership) -> QuerySet[Patient]:
    """Patient records (contact details, history): all for admins; else the member's own.

    A practitioner's or assistant's patients are those with an appointment in an agenda they
    may change (for an assistant, in their centers).
    """
    member = reach(membership)
    queryset = Patient.objects.filter(practice_id=member.practice_id)
    if member.everything:
        return queryset
    appointments = Appointment.objects.filter(
        practice_id=member.practice_id, practitioner_id__in=member.agendas
    )
    if member.centers is not None:
        appointments = appointments.filter(center_id__in=member.centers)
    return queryset.filter(pk__in=appointments.values("patient_id"))


def can_view_patient(membership: Membership, patient: Patient) -> bool:
    if patient.practice_id != membership.practice_id:
        return False
    return visible_patients(membership).filter(pk=patient.pk).exists()


def can_see_patients(membership: Membership) -> bool:
    """The patients page (and its link): admins, and members with an agenda of their own.

    A practitioner or assistant with no agenda has, by definition, no patients to list.
    """
    member = reach(membership)
    return member.everything or bool(member.agendas)


def can_add_patient(membership: Membership) -> bool:
    """Creating a patient record: admins, practitioners and assistants who book for an agenda."""
    return can_see_patients(membership)


def bookable_patients(membership: Membership) -> QuerySet[Patient]:
    """`can_book_patient` as a query, for pickers: the member's own patients, and records of
    the practice with no appointment yet (admins: every patient)."""
    member = reach(membership)
    if not can_add_patient(membership):
        return Patient.objects.none()
    if member.everything:
        return visible_patients(membership)
    booked = Appointment.objects.filter(practice_id=member.practice_id, patient_id=OuterRef("pk"))
    return Patient.objects.filter(practice_id=member.practice_id).filter(
        Q(pk__in=visible_patients(membership).values("pk")) | ~Exists(booked)
    )


def can_book_patient(membership: Membership, patient: Patient) -> bool:
    """Book an appointment for `patient`: one of the member's own patients, or a record with
    no appointment yet (just created, e.g. through the API, and invisible until booked)."""
    if patient.practice_id != membership.practice_id or not can_add_patient(membership):
        return False
    if can_view_patient(membership, patient):
        return True
    return not Appointment.objects.filter(
        practice_id=membership.practice_id, patient_id=patient.pk
    ).exists()


def can_change_patient(membership: Membership, patient: Patient) -> bool:
    """Editing a record's contact details: whoever may see it (admins: every patient;
    practitioners and assistants: their own patients). Never another practice's."""
    return can_view_patient(membership, patient)
