"""Django's admin is the operators' tool: superusers only.

It shows every practice at once, so a practice's own staff (even an owner flagged `is_staff`)
never gets in: they run their practice from the workspace, where the roles policy applies.
The admin runs unscoped (see `carnet.practices.tenancy`), which is safe only because of this.
Loaded while the app registry is being filled: no model may be imported here.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class OperatorsAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class OperatorsAdminConfig(AdminConfig):
    default_site = "carnet.practices.admin_site.OperatorsAdminSite"
