"""The outbox grows up: one event table for appointments and personal events, with an origin, and
one delivery per (event, consumer) instead of a single "processed" mark."""

import django.db.models.deletion
from django.db import migrations, models


def fill_subjects(apps, schema_editor):
    """Existing events are appointment events: copy the subject's ids and origin."""
    OutboxEvent = apps.get_model("scheduling", "OutboxEvent")
    for event in OutboxEvent.objects.select_related("appointment").iterator():
        event.subject = "appointment"
        event.subject_id = event.appointment.public_id
        event.practice_id = event.appointment.practice_id
        event.practitioner_id = event.appointment.practitioner_id
        event.origin = event.appointment.source
        event.save(update_fields=["subject", "subject_id", "practice", "practitioner", "origin"])


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0001_initial"),
        ("scheduling", "0002_appointment_event"),
    ]

    operations = [
        migrations.RenameModel("AppointmentEvent", "OutboxEvent"),
        migrations.RemoveIndex(model_name="outboxevent", name="appointment_event_pending"),
        migrations.RemoveField(model_name="outboxevent", name="processed_at"),
        migrations.AlterModelOptions(
            name="outboxevent",
            options={
                "ordering": ("id",),
                "verbose_name": "outbox event",
                "verbose_name_plural": "outbox events",
            },
        ),
        migrations.AlterField(
            model_name="outboxevent",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="scheduling.appointment",
                verbose_name="appointment",
            ),
        ),
        migrations.AlterField(
            model_name="outboxevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("booked", "Booked"),
                    ("rescheduled", "Rescheduled"),
                    ("cancelled", "Cancelled"),
                    ("status", "Status changed"),
                    ("created", "Created"),
                    ("changed", "Changed"),
                    ("deleted", "Deleted"),
                    ("occurrence_moved", "One occurrence moved"),
                    ("occurrence_cancelled", "One occurrence cancelled"),
                ],
                max_length=24,
                verbose_name="change",
            ),
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="practice",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="practices.practice",
                verbose_name="practice",
            ),
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="practitioner",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="scheduling.practitioner",
                verbose_name="practitioner",
            ),
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="personal_event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="outbox_events",
                to="scheduling.personalevent",
                verbose_name="personal event",
            ),
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="subject",
            field=models.CharField(
                choices=[("appointment", "Appointment"), ("personal_event", "Personal event")],
                default="appointment",
                max_length=16,
                verbose_name="subject",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="subject_id",
            field=models.UUIDField(null=True, verbose_name="subject id"),
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="origin",
            field=models.CharField(
                choices=[
                    ("staff", "Staff"),
                    ("online", "Online booking"),
                    ("external", "External calendar"),
                ],
                default="staff",
                max_length=16,
                verbose_name="origin",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="outboxevent",
            name="connection",
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name="connection"),
        ),
        migrations.RunPython(fill_subjects, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="outboxevent",
            name="practice",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="practices.practice",
                verbose_name="practice",
            ),
        ),
        migrations.AlterField(
            model_name="outboxevent",
            name="subject_id",
            field=models.UUIDField(verbose_name="subject id"),
        ),
        migrations.AddConstraint(
            model_name="outboxevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("connection__isnull", True), ("origin", "external"), _connector="OR"
                ),
                name="outbox_connection_is_external",
            ),
        ),
        migrations.CreateModel(
            name="Delivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("consumer", models.CharField(max_length=100, verbose_name="consumer")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Pending"), ("done", "Done"), ("failed", "Failed")],
                        default="pending",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("next_attempt_at", models.DateTimeField(verbose_name="next attempt")),
                (
                    "claimed_until",
                    models.DateTimeField(blank=True, null=True, verbose_name="claimed until"),
                ),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="delivered")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="scheduling.outboxevent",
                        verbose_name="event",
                    ),
                ),
            ],
            options={
                "verbose_name": "delivery",
                "verbose_name_plural": "deliveries",
                "ordering": ("id",),
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "pending")),
                        fields=["next_attempt_at"],
                        name="delivery_due",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("event", "consumer"), name="delivery_once_per_consumer"
                    )
                ],
            },
        ),
    ]
