"""A member's API tokens: how an integrator's program acts as that member, in one practice.

Only the SHA-256 of a token is stored (`carnet.feeds.links.hash_token`, as for feed links):
the token is shown once, when it is made. `prefix` (its first characters) is kept so that the
member can tell their tokens apart in the list. A revoked token stays listed, for the record,
and never works again. Creating, finding and revoking tokens lives in `carnet.api.tokens`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from carnet.practices.scoping import ScopedThroughMembership


class ApiToken(models.Model):
    membership = models.ForeignKey(
        "practices.Membership",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("begins with"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ScopedThroughMembership()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
