"""The outbox consumer that keeps each practitioner's calendar in step with their appointments.

For an appointment's event it pushes to the active connection of the appointment's
practitioner, and to any other active connection that still shows it (the appointment moved
to a colleague: it leaves the first calendar). A change that came from a connection is never
given back to that connection (no echo). `TryLater` and `Rejected` reach the outbox, which
backs off with jitter and retries; a broken connection ends the delivery (a reconnection
backfills everything).
"""

from __future__ import annotations

from carnet.calsync.connections import active_connection, provider_for
from carnet.calsync.models import CalendarConnection, ConnectionState, RemoteEvent
from carnet.calsync.push import push_appointment
from carnet.scheduling.consumers import Consumer
from carnet.scheduling.models import Appointment, OutboxEvent


def wants(event: OutboxEvent) -> bool:
    """Appointment changes, in practices with a calendar connected (else no delivery at all)."""
    return (
        event.appointment_id is not None
        and CalendarConnection.objects.with_scopes_disabled()
        .filter(practice_id=event.practice_id, state=ConnectionState.ACTIVE)
        .exists()
    )


def connections_for(appointment: Appointment) -> list[CalendarConnection]:
    found: dict[int, CalendarConnection] = {}
    own = active_connection(appointment.practitioner_id)
    if own is not None:
        found[own.pk] = own
    showing = (
        RemoteEvent.objects.with_scopes_disabled()
        .filter(
            appointment=appointment,
            gone=False,
            connection__state=ConnectionState.ACTIVE,
        )
        .select_related("connection", "connection__practice", "connection__practitioner")
    )
    for link in showing:
        found.setdefault(link.connection_id, link.connection)
    return list(found.values())


def handle(event: OutboxEvent) -> None:
    if event.appointment_id is None:
        return
    appointment = (
        Appointment.objects.with_scopes_disabled()
        .select_related("practice", "center", "patient", "practitioner")
        .filter(pk=event.appointment_id)
        .first()
    )
    if appointment is None:
        return
    for connection in connections_for(appointment):
        if event.connection == connection.key:
            continue  # the change came from this calendar
        push_appointment(connection, appointment, provider_for(connection))


CONSUMER = Consumer("calendar-sync", handle, wants=wants)
