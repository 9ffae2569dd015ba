"""Benchmark of the staff workspace over HTTP: `uv run python bench/agenda.py`.

Against a running `carnet serve` (started here on a free port, with its own SQLite data
directory), logged in as the practice's owner (a session minted directly, test data only):

1. patient search: 50,000 patients in one practice (`bulk_create`), the patients page
   (`/app/<slug>/patients/?q=...`) searched by last-name prefix, "first last", a mobile typed as
   "06 12 34 56 78", a partial mobile and an email; median over SEARCHES requests
   (target ≤ 30 ms, issue 8).

2. week view: one center with 5 practitioners (weekly hours Monday to Friday) and 600
   appointments in one week (24 a day each, `bulk_create`, as the demo seeds its history), plus
   a daily recurring lunch break per practitioner; the agenda's data for that week and center
   (`GET /api/practices/<slug>/agenda?start=&end=&center=`), median over WEEKS requests
   (target ≤ 40 ms, issue 8).

The last line printed is one JSON object with both medians.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from harness import REPO, carnet_serve, mint_session, request

sys.path.insert(0, str(REPO))

PATIENTS = 50_000
SEARCHES = 300
WEEKS = 200
WEEK_PRACTITIONERS = 5
VISITS_A_DAY = 24  # 20-minute visits from 08:00: 5 practitioners x 5 days x 24 = 600
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefevre",
    "Faure",
    "Andre",
    "Mercier",
    "Blanc",
    "Guerin",
    "Boyer",
    "Garnier",
    "Chevalier",
]
FIRST_NAMES = [
    "Marie",
    "Jeanne",
    "Paul",
    "Louis",
    "Camille",
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Emma",
    "Jules",
    "Alice",
    "Gabriel",
    "Inès",
    "Arthur",
    "Manon",
    "Nathan",
    "Sarah",
    "Tom",
    "Julie",
]


def mobile(n: int) -> str:
    return f"+336{n:08d}"


def seed() -> dict[str, Any]:
    """One practice, its owner, PATIENTS patients; the owner's session cookie."""
    from django.conf import settings
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from carnet.accounts.models import User
    from carnet.patients.models import Patient
    from carnet.practices.models import Membership, Practice, Role

    call_command("migrate", verbosity=0)
    rng = random.Random(8)
    with scopes_disabled():
        practice = Practice.objects.create(name="Bench practice", slug="bench", language="en")
        owner = User.objects.create_user(email="owner@example.org")  # session minted below
        Membership.objects.create(user=owner, practice=practice, role=Role.OWNER)
        Patient.objects.bulk_create(
            (
                Patient(
                    practice=practice,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=f"{rng.choice(LAST_NAMES)}{'' if n % 3 else n}",
                    email=f"patient{n}@example.org",
                    mobile=mobile(10_000_000 + n),
                )
                for n in range(PATIENTS)
            ),
            batch_size=2_000,
        )
        count = Patient.objects.filter(practice=practice).count()
        week = seed_week(practice)
    return {
        "slug": practice.slug,
        "patients": count,
        "cookie": f"{settings.SESSION_COOKIE_NAME}={mint_session(owner)}",
        **week,
    }


def seed_week(practice: Any) -> dict[str, Any]:
    """A center, WEEK_PRACTITIONERS practitioners open Monday to Friday 08:00-12:00 and
    13:00-17:00, 600 appointments in next week and a daily lunch break each; the week's query."""
    from datetime import datetime, time, timedelta

    from carnet.patients.models import Patient
    from carnet.practices.models import Center
    from carnet.scheduling.models import (
        Appointment,
        AppointmentType,
        PersonalEvent,
        Practitioner,
        ScheduleLine,
    )

    zone = practice.zone
    center = Center.objects.create(
        practice=practice, name="Bench center", time_zone=practice.time_zone
    )
    kind = AppointmentType.objects.create(practice=practice, name="Visit", duration_minutes=20)
    today = datetime.now(zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    patients = list(Patient.objects.filter(practice=practice).order_by("pk")[:600])
    visits, lines, breaks = [], [], []
    for n in range(WEEK_PRACTITIONERS):
        sheet = Practitioner.objects.create(practice=practice, display_name=f"Dr Bench {n}")
        kind.practitioners.add(sheet)
        for weekday in range(5):
            for start, end in ((time(8), time(12)), (time(13), time(17))):
                lines.append(
                    ScheduleLine(
                        practitioner=sheet, weekday=weekday, start=start, end=end, center=center
                    )
                )
            day = datetime.combine(monday + timedelta(days=weekday), time(8), zone)
            for k in range(VISITS_A_DAY):
                start = day + timedelta(minutes=20 * k + (60 if k >= 12 else 0))
                visits.append(
                    Appointment(
                        practice=practice,
                        center=center,
                        practitioner=sheet,
                        patient=patients[len(visits) % len(patients)],
                        appointment_type=kind,
                        start=start,
                        end=start + timedelta(minutes=20),
                    )
                )
        lunch = datetime.combine(monday, time(12, 15), zone)
        breaks.append(
            PersonalEvent(
                practice=practice,
                practitioner=sheet,
                title="Lunch",
                start=lunch,
                end=lunch + timedelta(minutes=30),
                time_zone=practice.time_zone,
                rrule="FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
            )
        )
    ScheduleLine.objects.bulk_create(lines)
    Appointment.objects.bulk_create(visits)
    PersonalEvent.objects.bulk_create(breaks)
    start = datetime.combine(monday, time(0), zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), zone)
    return {
        "week_query": urlencode(
            {"start": start.isoformat(), "end": end.isoformat(), "center": center.pk}
        ),
        "week_visits": len(visits),
    }


def searches(rng: random.Random) -> Iterator[tuple[str, str]]:
    """(kind, what is typed), in turn: every kind of search a front desk makes."""
    while True:
        n = 10_000_000 + rng.randrange(PATIENTS)
        digits = f"0{mobile(n)[3:]}"
        spaced = " ".join(digits[i : i + 2] for i in range(0, 10, 2))
        yield "last name prefix", rng.choice(LAST_NAMES)[:4].lower()
        yield "first and last", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[:3]}"
        yield "mobile", spaced
        yield "partial mobile", spaced[:8]
        yield "email", f"patient{n - 10_000_000}@example.org"


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="carnet-bench-agenda-")
    os.environ["CARNET_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
    import django

    django.setup()
    began = time.perf_counter()
    world = seed()
    print(f"SQLite, {world['patients']} patients seeded in {time.perf_counter() - began:.1f} s")
    rng = random.Random(7)
    times: dict[str, list[float]] = {}
    with carnet_serve({**os.environ, "CARNET_DATA_DIR": data_dir}) as port:
        typed = searches(rng)
        for index in range(SEARCHES + 10):
            kind, text = next(typed)
            path = f"/app/{world['slug']}/patients/?{urlencode({'q': text})}"
            started = time.perf_counter()
            status, body, _response = request(
                port, "GET", path, headers={"Cookie": world["cookie"]}
            )
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200 or "patient-search" not in body:
                raise RuntimeError(f"{path}: HTTP {status}")
            if kind in {"mobile", "email"} and "patients/" not in body.split("<tbody>")[-1]:
                raise RuntimeError(f"{path}: the patient was not found")
            if index >= 10:  # the first few warm caches up
                times.setdefault(kind, []).append(elapsed)
        weeks_ms = []
        path = f"/api/practices/{world['slug']}/agenda?{world['week_query']}"
        for _index in range(WEEKS + 10):
            started = time.perf_counter()
            status, body, _response = request(
                port, "GET", path, headers={"Cookie": world["cookie"]}
            )
            weeks_ms.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{path}: HTTP {status}: {body[:300]}")
            answer = json.loads(body)
            if len(answer["appointments"]) != world["week_visits"]:
                raise RuntimeError(f"{path}: {len(answer['appointments'])} appointments")
    for kind, values in times.items():
        print(f"{kind}: median {statistics.median(values):.1f} ms over {len(values)}")
    every = [value for values in times.values() for value in values]
    median = statistics.median(every)
    print(f"patient search, all kinds: median {median:.1f} ms, max {max(every):.1f} ms")
    week = weeks_ms[10:]  # the first few warm caches up
    week_median = statistics.median(week)
    print(
        f"week view ({world['week_visits']} appointments, {WEEK_PRACTITIONERS} practitioners): "
        f"median {week_median:.1f} ms, max {max(week):.1f} ms over {len(week)}"
    )
    print(
        json.dumps(
            {"week_median_ms": round(week_median, 1), "patient_search_median_ms": round(median, 1)}
        )
    )


if __name__ == "__main__":
    main()
