from django.contrib import admin

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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "practice", "role")
    list_filter = ("practice", "role")
    filter_horizontal = ("practitioners", "centers")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "practice", "actor", "action", "subject")
    list_filter = ("practice", "action")
    readonly_fields = ("at", "practice", "actor", "action", "subject", "detail")
