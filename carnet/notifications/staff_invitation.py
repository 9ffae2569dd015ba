"""The email that invites someone to join a practice's staff: a plain letter, one link.

Built like the patients' letters (`carnet.notifications.email`: the practice's name as the
sender's name, unfolded headers) but sent at once by the members page, not through the
notification log: the person inviting is there to see an error, and an invitation that could
not be sent is not kept (`carnet.workspace.members`). The letter is in the practice's language;
the invitee has no language of their own yet.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from carnet.notifications.email import _Letter, _sender
from carnet.practices.models import Invitation

__all__ = ["build_invitation_email"]


def build_invitation_email(invitation: Invitation, link: str) -> EmailMultiAlternatives:
    """The invitation letter to `invitation.email`, carrying `link` (the only copy of the token)."""
    practice = invitation.practice
    inviter = invitation.invited_by.email if invitation.invited_by is not None else ""
    with translation.override(practice.language):
        context = {
            "practice": practice.name,
            "role": invitation.get_role_display(),
            "inviter": inviter,
            "link": link,
            "expires": date_format(invitation.expires_at.astimezone(practice.zone), "l j F Y"),
        }
        subject = _("Join %(practice)s on Carnet") % {"practice": practice.name}
        body = render_to_string("notifications/email/staff_invitation.txt", context)
    return _Letter(
        subject=subject,
        body=body,
        from_email=_sender(practice.name),
        to=[invitation.email],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": practice.language},
    )
