"""Nothing of one practice may refer to another practice's data, whoever writes it.

Models call `refuse_cross_practice` from their `clean()` (every form, the admin, the API and
`full_clean` go through it). Many-to-many links are not seen by `clean()`: admin forms check
them with `cross_practice_choices`, and `guard_links` (connected to `m2m_changed` when the app
starts) refuses them for any other writer, before a row is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext_lazy as _

CROSS_PRACTICE = _("This %(name)s belongs to another practice.")
CROSS_PRACTICE_LINKS = _("These belong to another practice: %(names)s.")


def practice_id_of(obj: models.Model | None) -> int | None:
    """The practice an object belongs to: its own `practice`, or its owner's."""
    if obj is None:
        return None
    for path in ("practice_id", "practitioner", "appointment_type", "event"):
        value = getattr(obj, path, None)
        if path == "practice_id":
            if value is not None:
                return int(value)
            continue
        if isinstance(value, models.Model):
            return practice_id_of(value)
    return None


def _related(instance: models.Model, name: str) -> models.Model | None:
    try:
        value = getattr(instance, name)
    except ObjectDoesNotExist:  # a dangling id: the field's own validation reports it
        return None
    return value if isinstance(value, models.Model) else None


def refuse_cross_practice(instance: models.Model, *fields: str, owner: str | None = None) -> None:
    """Raise a ValidationError on each of `fields` that points into another practice.

    The practice is the instance's own (`practice`), or its `owner` field's (a schedule line
    belongs to its practitioner's practice). An unset reference is left to the field's own
    "required" check.
    """
    practice_id = practice_id_of(_related(instance, owner)) if owner else practice_id_of(instance)
    if practice_id is None:
        return
    errors: dict[str, ValidationError] = {}
    for name in fields:
        related = _related(instance, name)
        other = practice_id_of(related)
        if other is not None and other != practice_id:
            verbose = instance._meta.get_field(name).verbose_name  # type: ignore[union-attr]
            errors[name] = ValidationError(
                CROSS_PRACTICE, code="cross_practice", params={"name": verbose}
            )
    if errors:
        raise ValidationError(errors)


def cross_practice_choices(practice: Any, chosen: Iterable[models.Model]) -> list[str]:
    """The chosen objects (of a many-to-many field) that belong to another practice."""
    practice_id = getattr(practice, "pk", practice)
    return [str(obj) for obj in chosen if practice_id_of(obj) not in (None, practice_id)]


# The guarded many-to-many fields: (model label, field name).
GUARDED_LINKS = (
    ("scheduling.AppointmentType", "practitioners"),
    ("practices.Membership", "practitioners"),
    ("practices.Membership", "centers"),
)


def guard_links(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type[models.Model],
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    """`m2m_changed`: refuse to link objects of two practices, in either direction."""
    if action != "pre_add" or not pk_set:
        return
    for label, field_name in GUARDED_LINKS:
        from django.apps import apps

        owner_model = apps.get_model(label)
        field = owner_model._meta.get_field(field_name)
        if sender is not field.remote_field.through:  # type: ignore[union-attr]
            continue
        practice_id = practice_id_of(instance)
        others = model._base_manager.filter(pk__in=pk_set)
        strangers = [other for other in others if practice_id_of(other) != practice_id]
        if strangers:
            names = ", ".join(str(other) for other in strangers)
            raise ValidationError(
                CROSS_PRACTICE_LINKS, code="cross_practice", params={"names": names}
            )


def connect() -> None:
    m2m_changed.connect(guard_links, dispatch_uid="carnet.practices.boundaries.guard_links")
