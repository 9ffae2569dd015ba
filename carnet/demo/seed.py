"""The demo practice that `carnet demo` seeds: a French maison de santé with three weeks of agenda.

Everything is created in one transaction from a seeded random generator, so two runs at the same
`now` produce the same practice; a second run finds the practice by its slug and creates nothing.
Objects whose rules the staff forms enforce (practice, centers, schedules, types, patients) are
`full_clean`ed first, so the demo never holds data the application itself would refuse.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from carnet.accounts.models import User
from carnet.patients.models import Patient
from carnet.patients.phones import normalize_mobile
from carnet.practices.models import Center, Language, Membership, Practice, Role
from carnet.scheduling.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    AppointmentType,
    PersonalEvent,
    PersonalEventOverride,
    Practitioner,
    ScheduleException,
    ScheduleExceptionKind,
    ScheduleLine,
    TypeScheduleLine,
)
from carnet.scheduling.weekly import overlap_errors

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DEMO_SLUG", "seed_demo"]

DEMO_SLUG = "demo"
DEMO_PASSWORD = "carnet-demo"  # noqa: S105 - a published demo password, printed by `carnet demo`
DEMO_LOGINS = {
    "admin": "admin@demo.carnet.local",
    "practitioner": "sagefemme@demo.carnet.local",
    "assistant": "accueil@demo.carnet.local",
    "patient": "claire.roux@example.org",
}

PARIS = ZoneInfo("Europe/Paris")
LYON, VILLEURBANNE = "lyon", "villeurbanne"
MON, TUE, WED, THU, FRI, SAT = range(6)
MORNING_AND_AFTERNOON = ((time(8, 30), time(12, 30)), (time(14), time(18, 30)))

CENTERS = {
    LYON: ("Tilleuls – Lyon 3e", "12 rue Paul Bert\n69003 Lyon"),
    VILLEURBANNE: ("Tilleuls – Villeurbanne", "48 cours Émile Zola\n69100 Villeurbanne"),
}


@dataclass(frozen=True)
class PractitionerPlan:
    key: str
    name: str
    profession: str
    email: str
    horizon_days: int
    notice_minutes: int
    # (weekdays, center, ((start, end), ...)): the lunch break is the gap between two ranges.
    week: tuple[tuple[tuple[int, ...], str, tuple[tuple[time, time], ...]], ...]


PRACTITIONERS = (
    PractitionerPlan(
        "midwife1",
        "Camille Martin",
        "Sage-femme",
        "camille.martin@demo.carnet.local",
        60,
        120,
        (
            ((MON, TUE, THU), LYON, MORNING_AND_AFTERNOON),
            ((FRI,), VILLEURBANNE, ((time(8, 30), time(12, 30)),)),
        ),
    ),
    PractitionerPlan(
        "midwife2",
        "Élise Bernard",
        "Sage-femme",
        "elise.bernard@demo.carnet.local",
        90,
        24 * 60,
        (
            ((MON, THU), VILLEURBANNE, ((time(9), time(12, 30)), (time(13, 30), time(17)))),
            ((WED, FRI), LYON, ((time(9), time(12, 30)), (time(13, 30), time(18)))),
        ),
    ),
    PractitionerPlan(
        "physio",
        "Thomas Lefèvre",
        "Masseur-kinésithérapeute",
        "thomas.lefevre@demo.carnet.local",
        30,
        4 * 60,
        (
            ((MON, WED, FRI), VILLEURBANNE, ((time(8), time(12)), (time(13), time(19)))),
            ((TUE, THU), LYON, ((time(8), time(12)), (time(13), time(19)))),
        ),
    ),
)


@dataclass(frozen=True)
class TypePlan:
    name: str
    minutes: int
    color: str
    online: bool
    sms: bool
    offered_by: tuple[str, ...]
    description: str
    buffer_after: int = 0
    weight: int = 1  # how often the demo agenda holds this type, relative to the others
    own_week: tuple[tuple[int, str, time, time], ...] = ()


TYPES = (
    TypePlan(
        "Consultation prénatale",
        30,
        "#2563eb",
        True,
        True,
        ("midwife1", "midwife2"),
        "Suivi mensuel de grossesse. Apportez votre carte Vitale, votre carnet de maternité "
        "et vos derniers résultats d'analyses.",
        weight=4,
    ),
    TypePlan(
        "Préparation à la naissance",
        60,
        "#7c3aed",
        True,
        False,
        ("midwife1", "midwife2"),
        "Séance de préparation à la naissance et à la parentalité, le mercredi après-midi à "
        "Lyon. Venez en tenue confortable ; le ou la partenaire est bienvenu(e).",
        own_week=((WED, LYON, time(14), time(17)),),
    ),
    TypePlan(
        "Rééducation périnéale",
        30,
        "#db2777",
        True,
        False,
        ("midwife1", "midwife2", "physio"),
        "Séance de rééducation du périnée après l'accouchement, sur prescription. "
        "Pensez à apporter votre ordonnance.",
        weight=2,
    ),
    TypePlan(
        "Séance de kinésithérapie",
        45,
        "#059669",
        True,
        False,
        ("physio",),
        "Séance de kinésithérapie sur prescription médicale. Apportez votre ordonnance, votre "
        "carte Vitale et une tenue souple.",
        buffer_after=10,
        weight=6,
    ),
    TypePlan(
        "Suivi postnatal à domicile",
        60,
        "#d97706",
        False,
        False,
        ("midwife1", "midwife2"),
        "Visite de la sage-femme à votre domicile après le retour de maternité. "
        "À prendre par téléphone auprès de l'accueil.",
    ),
)

# (first name, last name, birth year): women followed by the midwives, then the physio's patients.
MIDWIFE_PATIENTS = (
    ("Claire", "Roux", 1992), ("Julie", "Moreau", 1990), ("Manon", "Petit", 1996),
    ("Camille", "Durand", 1994), ("Léa", "Leroy", 1997), ("Chloé", "Girard", 1993),
    ("Emma", "Bonnet", 1995), ("Inès", "Dupont", 1991), ("Sarah", "Lambert", 1989),
    ("Laura", "Fontaine", 1996), ("Pauline", "Rousseau", 1992), ("Marie", "Vincent", 1988),
    ("Anaïs", "Muller", 1998), ("Océane", "Faure", 1999), ("Mathilde", "André", 1990),
    ("Lucie", "Mercier", 1994), ("Charlotte", "Blanc", 1993), ("Audrey", "Guérin", 1987),
    ("Élodie", "Boyer", 1991), ("Justine", "Garnier", 1995), ("Margaux", "Chevalier", 1997),
    ("Amandine", "François", 1989), ("Nadia", "Benali", 1992), ("Sofia", "Lopez", 1994),
    ("Aurélie", "Perrin", 1986), ("Morgane", "Robin", 1996), ("Fanny", "Clément", 1993),
    ("Hélène", "Morin", 1988),
)  # fmt: skip
PHYSIO_PATIENTS = (
    ("Léo", "Roux", 2025), ("Lucas", "Moreau", 2017), ("Jean", "Gauthier", 1958),
    ("Nicolas", "Dumas", 1984), ("Paul", "Henry", 1979), ("Martine", "Lefebvre", 1952),
    ("Karim", "Haddad", 1986), ("Isabelle", "Renaud", 1969), ("Antoine", "Masson", 1992),
    ("Sylvie", "Marchand", 1963), ("Hugo", "Lemoine", 2001), ("Bernard", "Picard", 1948),
)  # fmt: skip
# Families: one patient account manages both patients (mother and child).
FAMILIES = ((0, 28), (1, 29))  # indexes into the patient list above
LANGUAGES = {6: Language.ENGLISH, 23: Language.SPANISH}


def seed_demo(now: datetime | None = None) -> tuple[Practice, bool]:
    """Create the demo practice unless it exists; return it and whether it was created now.

    `now` (aware; default the current time) anchors the three weeks of appointments: the week
    before is history (done, a few no-shows), the two weeks after are the upcoming agenda.
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    existing = Practice.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        return _Seeder(now).run(), True


def _clean(*objects: Model) -> None:
    for obj in objects:
        obj.full_clean()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class _Seeder:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rng = random.Random(2026)
        self.today = now.astimezone(PARIS).date()
        self.next_monday = self.today + timedelta(days=7 - self.today.weekday())
        self.password = make_password(DEMO_PASSWORD)  # hashed once: hashing is the slow part

    def run(self) -> Practice:
        practice = Practice(
            name="Maison de santé des Tilleuls",
            slug=DEMO_SLUG,
            time_zone="Europe/Paris",
            language=Language.FRENCH,
        )
        _clean(practice)
        practice.save()
        self.practice = practice
        self.centers = {}
        for key, (name, address) in CENTERS.items():
            center = Center(practice=practice, name=name, address=address, time_zone="Europe/Paris")
            _clean(center)
            center.save()
            self.centers[key] = center
        self._practitioners()
        self._schedules()
        self._types()
        self._staff()
        self._patients()
        self._appointments()
        self._team_meeting()
        return practice

    # Agenda owners ------------------------------------------------------------------------

    def _practitioners(self) -> None:
        self.practitioners: dict[str, Practitioner] = {}
        for plan in PRACTITIONERS:
            sheet = Practitioner(
                practice=self.practice,
                display_name=plan.name,
                profession=plan.profession,
                email=plan.email,
                booking_horizon_days=plan.horizon_days,
                min_notice_minutes=plan.notice_minutes,
            )
            _clean(sheet)
            sheet.save()
            self.practitioners[plan.key] = sheet

    def _schedules(self) -> None:
        lines = []
        for plan in PRACTITIONERS:
            sheet = self.practitioners[plan.key]
            own = [
                ScheduleLine(
                    practitioner=sheet,
                    weekday=weekday,
                    start=start,
                    end=end,
                    center=self.centers[center],
                )
                for weekdays, center, ranges in plan.week
                for weekday in weekdays
                for start, end in ranges
            ]
            _check_lines(own)
            lines += own
        ScheduleLine.objects.bulk_create(lines)

        midwife1, midwife2 = self.practitioners["midwife1"], self.practitioners["midwife2"]
        day_off = self.next_monday + timedelta(days=THU)
        saturday = self.next_monday + timedelta(days=SAT)
        self.exceptions = [
            ScheduleException(
                practitioner=midwife1,
                kind=ScheduleExceptionKind.TIME_OFF,
                start=_at(day_off, time(0)),
                end=_at(day_off + timedelta(days=1), time(0)),
                label="Congé",
            ),
            ScheduleException(
                practitioner=midwife2,
                kind=ScheduleExceptionKind.EXTRA,
                start=_at(saturday, time(9)),
                end=_at(saturday, time(12, 30)),
                center=self.centers[LYON],
                label="Permanence du samedi matin",
            ),
        ]
        _clean(*self.exceptions)
        ScheduleException.objects.bulk_create(self.exceptions)

    def _types(self) -> None:
        self.types: dict[str, AppointmentType] = {}
        own_lines = []
        for plan in TYPES:
            kind = AppointmentType(
                practice=self.practice,
                name=plan.name,
                duration_minutes=plan.minutes,
                color=plan.color,
                sms_reminder=plan.sms,
                description=plan.description,
                online_booking=plan.online,
                buffer_after_minutes=plan.buffer_after,
                has_own_schedule=bool(plan.own_week),
            )
            _clean(kind)
            kind.save()
            kind.practitioners.set([self.practitioners[key] for key in plan.offered_by])
            lines = [
                TypeScheduleLine(
                    appointment_type=kind,
                    weekday=weekday,
                    start=start,
                    end=end,
                    center=self.centers[center],
                )
                for weekday, center, start, end in plan.own_week
            ]
            _check_lines(lines)
            own_lines += lines
            self.types[plan.name] = kind
        TypeScheduleLine.objects.bulk_create(own_lines)
        self.own_lines = own_lines

    # People -------------------------------------------------------------------------------

    def _users(self, people: Iterable[tuple[str, str]]) -> dict[str, User]:
        """Users by email, reusing any left over from a demo practice deleted by hand."""
        wanted = dict(people)
        found = {user.email: user for user in User.objects.filter(email__in=wanted)}
        for user in found.values():
            user.password = self.password
            user.save(update_fields=["password"])
        missing = [
            User(email=email, full_name=name, password=self.password)
            for email, name in wanted.items()
            if email not in found
        ]
        _clean(*missing)
        User.objects.bulk_create(missing)
        found.update({user.email: user for user in User.objects.filter(email__in=wanted)})
        return found

    def _staff(self) -> None:
        users = self._users(
            [
                (DEMO_LOGINS["admin"], "Sophie Garnier"),
                (DEMO_LOGINS["practitioner"], "Camille Martin"),
                (DEMO_LOGINS["assistant"], "Nathalie Perret"),
            ]
        )
        self.admin = users[DEMO_LOGINS["admin"]]
        self.assistant = users[DEMO_LOGINS["assistant"]]
        midwife1, midwife2 = self.practitioners["midwife1"], self.practitioners["midwife2"]
        midwife1.user = users[DEMO_LOGINS["practitioner"]]
        # `carnet demo` connects her agenda to the emulated Google Calendar: her appointments
        # are synced (set before `_appointments`, which copies it onto each of them).
        midwife1.sync_by_default = True
        midwife1.save(update_fields=["user", "sync_by_default"])
        Membership.objects.create(user=self.admin, practice=self.practice, role=Role.OWNER)
        sheet = Membership.objects.create(
            user=midwife1.user, practice=self.practice, role=Role.PRACTITIONER
        )
        sheet.centers.set(self.centers.values())
        desk = Membership.objects.create(
            user=self.assistant, practice=self.practice, role=Role.ASSISTANT
        )
        desk.practitioners.set([midwife1, midwife2])
        desk.centers.set([self.centers[LYON]])

    def _mobile(self, used: set[str]) -> str:
        while True:
            raw = f"0{self.rng.choice('67')}{self.rng.randrange(10**8):08d}"
            try:
                mobile = normalize_mobile(raw)
            except ValidationError:
                continue  # not every 07 block is allocated to mobiles yet
            if mobile not in used:
                used.add(mobile)
                return mobile

    def _patients(self) -> None:
        rows = MIDWIFE_PATIENTS + PHYSIO_PATIENTS
        heads = {
            head: f"{_ascii(rows[head][0])}.{_ascii(rows[head][1])}@example.org"
            for head, _ in FAMILIES
        }
        accounts = self._users(
            (email, f"{rows[head][0]} {rows[head][1]}") for head, email in heads.items()
        )
        used: set[str] = set()
        patients = []
        for index, (first, last, year) in enumerate(rows):
            domain = "example.org" if index % 3 else "example.com"
            patient = Patient(
                practice=self.practice,
                first_name=first,
                last_name=last,
                email=f"{_ascii(first)}.{_ascii(last)}@{domain}",
                mobile=self._mobile(used),
                birth_date=date(year, self.rng.randint(1, 12), self.rng.randint(1, 28)),
                language=LANGUAGES.get(index, Language.FRENCH),
            )
            patients.append(patient)
        for head, child in FAMILIES:
            account = accounts[heads[head]]
            patients[head].account = patients[child].account = account
            patients[head].email = account.email
            # A child has no phone of its own: reminders go to the parent's mobile.
            patients[child].email = ""
            patients[child].mobile = patients[head].mobile
        _clean(*patients)
        self.patients = Patient.objects.bulk_create(patients)
        self.midwife_pool = self.patients[: len(MIDWIFE_PATIENTS)]
        # Physio patients, plus mothers coming for perineal re-education after the birth.
        self.physio_pool = self.patients[len(MIDWIFE_PATIENTS) :] + self.midwife_pool[::3]

    # Agenda -------------------------------------------------------------------------------

    def _appointments(self) -> None:
        # The seed writes history directly with bulk_create rather than through
        # `carnet.scheduling.booking`: past appointments cannot be booked (the services refuse
        # the past and the online rules add notice and horizon), and each booking would also
        # record an outbox event and an audit entry and enqueue confirmations and calendar
        # pushes for several hundred fictitious visits. Each practitioner's day is walked along
        # the opening hours, type by type, so no two visits of one practitioner overlap (the
        # tests check it, and PostgreSQL's exclusion constraint would refuse it anyway).
        booked: dict[tuple[int, date], bool] = {}
        appointments: list[Appointment] = []
        first_day, last_day = self.today - timedelta(days=7), self.today + timedelta(days=14)
        for plan in PRACTITIONERS:
            sheet = self.practitioners[plan.key]
            kinds = [self.types[t.name] for t in TYPES if plan.key in t.offered_by]
            day = first_day
            while day <= last_day:
                for start, end, center in self._open_ranges(sheet, plan, day):
                    appointments += self._fill(sheet, kinds, center, start, end, booked)
                day += timedelta(days=1)
        for appointment in self.rng.sample(appointments, 3):
            appointment.status = AppointmentStatus.CANCELLED
        Appointment.objects.bulk_create(appointments)

    def _open_ranges(
        self, sheet: Practitioner, plan: PractitionerPlan, day: date
    ) -> list[tuple[datetime, datetime, Center]]:
        ranges = [
            (_at(day, start), _at(day, end), self.centers[center])
            for weekdays, center, lines in plan.week
            if day.weekday() in weekdays
            for start, end in lines
        ]
        for exception in self.exceptions:
            if exception.practitioner_id != sheet.pk:
                continue
            local = exception.start.astimezone(PARIS).date()
            if exception.kind == ScheduleExceptionKind.EXTRA and local == day:
                assert exception.center is not None
                ranges.append((exception.start, exception.end, exception.center))
            elif exception.kind == ScheduleExceptionKind.TIME_OFF:
                # The demo's time off is whole days, so a range is either kept or dropped.
                ranges = [r for r in ranges if r[1] <= exception.start or r[0] >= exception.end]
        return ranges

    def _fill(
        self,
        sheet: Practitioner,
        kinds: Sequence[AppointmentType],
        center: Center,
        start: datetime,
        end: datetime,
        booked: dict[tuple[int, date], bool],
    ) -> list[Appointment]:
        created: list[Appointment] = []
        moment = start
        while True:
            # A type with its own schedule (birth preparation) has its afternoon to itself:
            # before it starts, only visits that end in time are placed.
            reserved = min(
                (
                    at
                    for kind in kinds
                    for at in self._own_starts(kind, center, moment.astimezone(PARIS).date())
                    if at > moment
                ),
                default=end,
            )
            fitting = [
                kind
                for kind in kinds
                if self._type_allows(kind, center, moment)
                and moment + timedelta(minutes=kind.duration_minutes)
                <= (end if kind.has_own_schedule else min(end, reserved))
            ]
            if not fitting:
                if reserved < end:
                    moment = reserved
                    continue
                return created
            own = [kind for kind in fitting if kind.has_own_schedule]
            kind = own[0] if own else self._weighted(fitting)
            length = timedelta(minutes=kind.duration_minutes)
            step = length + timedelta(minutes=kind.buffer_after_minutes)
            if self.rng.random() < 0.3:  # a free slot: about 70 % of the agenda is filled
                moment += step
                continue
            patient = self._patient(sheet, kind, moment.astimezone(PARIS).date(), booked)
            if patient is not None:
                created.append(self._appointment(sheet, kind, center, patient, moment, length))
            moment += step

    def _weighted(self, kinds: Sequence[AppointmentType]) -> AppointmentType:
        weights = {plan.name: plan.weight for plan in TYPES}
        return self.rng.choices(kinds, [weights[kind.name] for kind in kinds])[0]

    def _own_starts(self, kind: AppointmentType, center: Center, day: date) -> list[datetime]:
        return [
            _at(day, line.start)
            for line in self.own_lines
            if line.appointment_type_id == kind.pk
            and line.center_id == center.pk
            and line.weekday == day.weekday()
        ]

    def _type_allows(self, kind: AppointmentType, center: Center, moment: datetime) -> bool:
        if not kind.has_own_schedule:
            return True
        local = moment.astimezone(PARIS)
        finish = (local + timedelta(minutes=kind.duration_minutes)).time()
        return any(
            line.appointment_type_id == kind.pk
            and line.center_id == center.pk
            and line.weekday == local.weekday()
            and line.start <= local.time()
            and finish <= line.end
            for line in self.own_lines
        )

    def _patient(
        self,
        sheet: Practitioner,
        kind: AppointmentType,
        day: date,
        booked: dict[tuple[int, date], bool],
    ) -> Patient | None:
        pool = self.physio_pool if sheet == self.practitioners["physio"] else self.midwife_pool
        # One visit a day per patient; give up on this slot when nobody is free.
        for _attempt in range(8):
            patient = self.rng.choice(pool)
            if (patient.pk, day) not in booked:
                booked[patient.pk, day] = True
                return patient
        return None

    def _appointment(
        self,
        sheet: Practitioner,
        kind: AppointmentType,
        center: Center,
        patient: Patient,
        start: datetime,
        length: timedelta,
    ) -> Appointment:
        end = start + length
        online = kind.online_booking and self.rng.random() < 0.5
        if end > self.now:
            status = AppointmentStatus.CONFIRMED
        elif self.rng.random() < 0.06:
            status = AppointmentStatus.NO_SHOW
        else:
            status = AppointmentStatus.DONE
        return Appointment(
            practice=self.practice,
            center=center,
            practitioner=sheet,
            patient=patient,
            appointment_type=kind,
            start=start.astimezone(UTC),
            end=end.astimezone(UTC),
            status=status,
            source=AppointmentSource.ONLINE if online else AppointmentSource.STAFF,
            sms_reminder=kind.sms_reminder,
            sync_external=sheet.sync_by_default,
            created_by=(patient.account if online else self.assistant),
        )

    def _team_meeting(self) -> None:
        """Midwife 1's weekly meeting, in her Tuesday lunch break; one moved, one cancelled."""
        first = self.today - timedelta(days=21)
        first += timedelta(days=(TUE - first.weekday()) % 7)
        meeting = PersonalEvent(
            practice=self.practice,
            practitioner=self.practitioners["midwife1"],
            title="Réunion d'équipe",
            start=_at(first, time(12, 45)),
            end=_at(first, time(13, 45)),
            time_zone="Europe/Paris",
            rrule="FREQ=WEEKLY;BYDAY=TU",
        )
        _clean(meeting)
        meeting.save()
        moved = self.next_monday + timedelta(days=TUE)
        cancelled = moved + timedelta(days=7)
        overrides = [
            PersonalEventOverride(
                event=meeting,
                recurrence_id=_at(moved, time(12, 45)),
                # Moved to Wednesday, a day she does not see patients.
                start=_at(moved + timedelta(days=1), time(12, 45)),
                end=_at(moved + timedelta(days=1), time(13, 45)),
            ),
            PersonalEventOverride(
                event=meeting, recurrence_id=_at(cancelled, time(12, 45)), cancelled=True
            ),
        ]
        _clean(*overrides)
        PersonalEventOverride.objects.bulk_create(overrides)


def _at(day: date, at: time) -> datetime:
    """A Paris wall-clock time as an aware UTC instant (both demo centers are in Paris)."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def _check_lines(lines: Sequence[ScheduleLine | TypeScheduleLine]) -> None:
    """The same checks as the schedule formset: each line alone, then the set for overlaps."""
    for line in lines:
        line.checked_as_set = True  # type: ignore[union-attr]
        line.full_clean()
    errors = overlap_errors(line.values() for line in lines)
    if errors:
        raise ValidationError(errors)
