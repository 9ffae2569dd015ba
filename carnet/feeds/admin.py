from django.contrib import admin
from django.http import HttpRequest

from carnet.feeds.models import FeedLink
from carnet.practices.admin_tools import PracticeTimeAdmin


@admin.register(FeedLink)
class FeedLinkAdmin(PracticeTimeAdmin):
    """Read and switch off links; a new link is made by its owner or `carnet feed-link`."""

    practice_path = "practitioner__practice"
    list_display = ("practitioner", "enabled", "title_choice", "personal_choice", "rotated_at")
    list_filter = ("enabled", "title_choice", "personal_choice")
    search_fields = ("practitioner__display_name", "practitioner__email")
    fields = ("practitioner", "enabled", "title_choice", "personal_choice", "rotated_at")
    readonly_fields = ("practitioner", "rotated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
