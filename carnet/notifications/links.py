"""The patient's link to their appointment: an unguessable signed token, no login.

The token is the appointment's public id signed with the site's secret key and a salt of its
own (`django.core.signing`), so nobody can make one for another appointment, and a token made
for this page is good for nothing else. It stays valid as long as the appointment exists; the
page itself decides what may still be done (the practice's cut-off, a past appointment).
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "carnet.notifications.appointment-link"


def make_token(public_id: UUID) -> str:
    return signing.dumps(public_id.hex, salt=SALT)


def read_token(token: str) -> UUID | None:
    """The public id the token was made for, or None when it is tampered with or malformed."""
    try:
        value = signing.loads(token, salt=SALT)
        return UUID(hex=str(value))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def appointment_url(public_id: UUID) -> str:
    """The absolute link put in emails."""
    path = reverse("notifications:appointment", kwargs={"token": make_token(public_id)})
    return f"{settings.SITE_URL}{path}"
