"""The operators' admin of practices (superusers only, see `carnet.practices.admin_site`)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from carnet.practices.admin_tools import PracticeTimeAdmin, SamePracticeLinksForm
from carnet.practices.models import AuditEntry, Center, Membership, Practice


class CenterInline(admin.StackedInline):
    model = Center
    extra = 0


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "time_zone", "language")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CenterInline]


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ("name", "practice", "time_zone")
    list_filter = ("practice",)


class MembershipForm(SamePracticeLinksForm):
    practice_links = ("practitioners", "centers")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "practice", "role")
    list_filter = ("practice", "role")
    filter_horizontal = ("practitioners", "centers")


@admin.register(AuditEntry)
class AuditEntryAdmin(PracticeTimeAdmin):
    list_display = ("local_at", "practice", "actor", "action", "subject")
    list_filter = ("practice", "action")
    readonly_fields = ("at", "practice", "actor", "action", "subject", "detail")

    # The log is evidence: nobody, operators included, adds, changes or deletes an entry.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("time"), ordering="at")
    def local_at(self, obj: AuditEntry) -> str:
        return self.local_time(obj, obj.at)
