from django.contrib import admin
from django.urls import include, path

from carnet.accounts import views as account_views
from carnet.api.main import api
from carnet.health import healthz
from carnet.workspace import members as workspace_members
from carnet.workspace import views as workspace_views

urlpatterns = [
    path("", workspace_views.home, name="home"),
    path("healthz", healthz, name="health"),
    # Operators log in through the same, rate-limited form as everyone (before the admin's own).
    path("admin/login/", account_views.operator_login, name="operator_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("app/<slug:practice_slug>/", include("carnet.workspace.urls")),
    path("app/<slug:practice_slug>/settings/calendar-sync/", include("carnet.calsync.staff_urls")),
    # Staff notifications (the bell in the header): docs/calendar-sync.md, "Governance".
    path("app/<slug:practice_slug>/notifications/", include("carnet.inbox.urls")),
    # Google's callbacks for calendar sync: the OAuth redirect and the push webhook.
    path("calsync/", include("carnet.calsync.urls")),
    # The JSON API (docs/api.md): /api/practices/<slug>/..., its OpenAPI document and docs page.
    path("api/", api.urls),
    # The patients' booking site, public, found by the practice's slug (docs/portal.md).
    path("book/", include("carnet.portal.urls")),
    # "My appointments": a patient account's appointments and patients, across practices.
    path("me/", include("carnet.portal.mine.urls")),
    # The private ICS feed, its help page and its settings page (under app/<slug>/).
    path("", include("carnet.feeds.urls")),
    # A staff invitation's page, public (the token is the key), scoped once the token is found.
    path("invitations/<str:token>/", workspace_members.invitation, name="invitation"),
    # The patients' page behind the link in their emails (see its cancel form).
    path("", include("carnet.notifications.urls")),
    # The SMS provider's delivery-status callback (public, signed by the provider).
    path("", include("carnet.notifications.sms.urls")),
]
