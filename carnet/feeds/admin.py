from django.contrib import admin

from carnet.feeds.models import FeedLink


@admin.register(FeedLink)
class FeedLinkAdmin(admin.ModelAdmin):
    """Read and switch off links; a new link is made by its owner or `carnet feed-link`."""

    list_display = ("practitioner", "enabled", "title_choice", "personal_choice", "rotated_at")
    list_filter = ("enabled", "title_choice", "personal_choice")
    search_fields = ("practitioner__display_name", "practitioner__email")
    fields = ("practitioner", "enabled", "title_choice", "personal_choice", "rotated_at")
    readonly_fields = ("practitioner", "rotated_at")

    def has_add_permission(self, request: object) -> bool:
        return False
