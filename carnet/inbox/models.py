"""What a member of staff is told inside Carnet: the bell in the header and its page.

A notification stores a `kind` and the facts it is about (`params`, plain values), never a
sentence: the text is written when it is read, in the reader's language (`carnet.inbox.notices`),
so that a French admin and a Spanish practitioner of the same practice each read their own.
`link` is where it leads (a path inside Carnet). Rows belong to one member of one practice.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.practices.models import Membership, Practice
from carnet.practices.scoping import PracticeScopedManager


class NoticeKind(models.TextChoices):
    APPROVAL_REQUESTED = "approval_requested", _("Calendar connection to approve")
    CONNECTION_APPROVED = "connection_approved", _("Calendar connection approved")
    CONNECTION_DENIED = "connection_denied", _("Calendar connection refused")
    CONNECTION_BROKEN = "connection_broken", _("Calendar connection broken")
    SYNC_CONFLICT = "sync_conflict", _("Calendar change overridden")
    MESSAGE_FAILED = "message_failed", _("Message to a patient not sent")


class StaffNotification(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="notices", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NoticeKind.choices)
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = PracticeScopedManager()

    class Meta:
        verbose_name = _("staff notification")
        verbose_name_plural = _("staff notifications")
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notice_unread"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} -> {self.recipient_id}"
