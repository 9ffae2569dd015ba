"""A member's API tokens (docs/api.md): create one (shown once), list and revoke one's own.

Every member may have tokens: a token acts as its member, with exactly the member's role, in
this practice only, so it grants nothing the member could not do in the pages. Nobody sees
another member's tokens, admins included (they revoke access by changing the membership).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carnet.api.tokens import issue_token, member_tokens, revoke_token
from carnet.practices.tenancy import PracticeRequest


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What will use it, e.g. “Reception tablet” or “Accounting export”."),
    )


def api_tokens(request: PracticeRequest) -> HttpResponse:
    """GET lists; POST `name` creates one (shown in this answer only); POST `revoke` stops one."""
    membership = request.membership
    form = TokenForm(request.POST if "name" in request.POST else None)
    new_token = None
    if request.method == "POST" and "revoke" in request.POST:
        token_id = request.POST.get("revoke", "")
        if token_id.isdigit() and revoke_token(membership, int(token_id)):
            messages.success(request, _("The token was revoked: it no longer works."))
        return redirect("workspace:api_tokens", practice_slug=request.practice.slug)
    if request.method == "POST" and form.is_valid():
        _row, new_token = issue_token(membership, form.cleaned_data["name"])
        form = TokenForm()
    # Rendered, not redirected, after creating: the token must not travel through a session.
    return render(
        request,
        "workspace/settings/api_tokens.html",
        {
            "practice": request.practice,
            "membership": membership,
            "form": form,
            "new_token": new_token,
            "tokens": list(member_tokens(membership)),
            "zone": request.practice.zone,
        },
    )
