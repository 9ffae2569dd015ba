"""The managers of models holding practice data: an unscoped query raises (django-scopes).

Inside `scope(practice=...)` (a staff request, see `carnet.practices.tenancy`) queries are
limited to that practice; with no scope active they raise `ScopeError`; jobs, commands and the
operators' admin run under `scopes_disabled()` on purpose. Objects reached through a foreign key
(`appointment.patient`) use the base manager and are never blocked.

django-scopes' own `ScopedManager(practice=...)` builds its class inside a function, which
django-stubs cannot follow (every reverse relation of a scoped model would lose its type). These
classes apply the same rule, from the same scope state, with a class per path to the practice.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from django.db import models
from django_scopes import get_scope
from django_scopes.manager import DisabledQuerySet

DIMENSION = "practice"


class PracticeScopedManager[M: models.Model](models.Manager[M]):
    """For models with a `practice` foreign key."""

    practice_path: ClassVar[str] = "practice"
    _override_scope: dict[str, Any] | None = None

    def get_queryset(self) -> models.QuerySet[M]:
        current: dict[str, Any] = self._override_scope or get_scope()
        queryset = super().get_queryset()
        if not current.get("_enabled", True):
            return queryset
        if DIMENSION not in current:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes={DIMENSION})
        value = current[DIMENSION]
        if isinstance(value, list | tuple):
            return queryset.filter(**{f"{self.practice_path}__in": value})
        if value is not None:
            return queryset.filter(**{self.practice_path: value})
        return queryset

    def all(self) -> models.QuerySet[M]:
        # A DisabledQuerySet raises on .all(): an unscoped `Model.objects.all()` raises at once.
        queryset = super().all()
        if isinstance(queryset, DisabledQuerySet):
            queryset.all()
        return queryset

    def with_scope(self, **scope: Any) -> PracticeScopedManager[M]:
        cloned = copy.copy(self)
        cloned._override_scope = {**scope, "_enabled": True}
        return cloned

    def with_scopes_disabled(self) -> PracticeScopedManager[M]:
        cloned = copy.copy(self)
        cloned._override_scope = {"_enabled": False}
        return cloned


class ScopedThroughPractitioner[M: models.Model](PracticeScopedManager[M]):
    practice_path = "practitioner__practice"


class ScopedThroughAppointmentType[M: models.Model](PracticeScopedManager[M]):
    practice_path = "appointment_type__practice"


class ScopedThroughEvent[M: models.Model](PracticeScopedManager[M]):
    practice_path = "event__practice"


class ScopedThroughConnection[M: models.Model](PracticeScopedManager[M]):
    practice_path = "connection__practice"


class ScopedThroughMembership[M: models.Model](PracticeScopedManager[M]):
    practice_path = "membership__practice"
