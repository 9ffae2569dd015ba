"""Members of a practice (owners and admins): the list, inviting by email, a member's role and
links, removing a member; and the public page where an invitation is accepted.

The rules live below these views: who may change whom in `carnet.practices.policy`, the last
admin's protection in `carnet.practices.members`, tokens and expiry in
`carnet.practices.invitations`. The invitation page runs with no practice until its token names
an invitation, then in that invitation's practice; every wrong token (unknown, expired, used)
gets the same 404, and the page is limited per client address.
"""

from __future__ import annotations

import smtplib
from typing import Any

from allauth.account.adapter import get_adapter
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_scopes import scope

from carnet.accounts.models import User
from carnet.feeds.throttle import hit, parse_limit
from carnet.notifications.staff_invitation import build_invitation_email
from carnet.practices import invitations, policy
from carnet.practices.members import remove_member, update_member
from carnet.practices.models import Center, Invitation, Membership, Role
from carnet.practices.tenancy import PracticeRequest
from carnet.scheduling.models import Practitioner
from carnet.workspace.practice_settings import require_manager


def _role_choices(membership: Membership) -> list[tuple[str, str]]:
    return [(role.value, str(role.label)) for role in policy.assignable_roles(membership)]


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"))

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(membership)  # type: ignore[attr-defined]
        self.fields["role"].initial = Role.PRACTITIONER


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    sheets = forms.ModelMultipleChoiceField(
        Practitioner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Their own practitioner sheet"),
        help_text=gettext_lazy("For practitioners: the agenda that is theirs."),
    )
    agendas = forms.ModelMultipleChoiceField(
        Practitioner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Agendas managed"),
        help_text=gettext_lazy("For assistants: the practitioners whose agendas they manage."),
    )
    centers = forms.ModelMultipleChoiceField(
        Center.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Centers"),
        help_text=gettext_lazy(
            "The centers this person works in. An assistant with none ticked works in all."
        ),
    )

    def __init__(self, *args: Any, manager: Membership, member: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        practice = member.practice
        practitioners = Practitioner.objects.filter(practice=practice).order_by("display_name")
        self.fields["role"].choices = _role_choices(manager)  # type: ignore[attr-defined]
        self.fields["sheets"].queryset = practitioners.filter(  # type: ignore[attr-defined]
            Q(user__isnull=True) | Q(user=member.user)
        )
        self.fields["agendas"].queryset = practitioners  # type: ignore[attr-defined]
        self.fields["centers"].queryset = Center.objects.filter(  # type: ignore[attr-defined]
            practice=practice
        ).order_by("name")


def _context(request: PracticeRequest, **extra: Any) -> dict[str, Any]:
    return {"practice": request.practice, "membership": request.membership, **extra}


def _send_invitation(request: PracticeRequest, form: InviteForm) -> bool:
    """Invite and email at once; an invitation whose email failed is not kept."""
    actor = request.user if isinstance(request.user, User) else None
    try:
        with transaction.atomic():
            invitation, token = invitations.invite(
                request.practice, form.cleaned_data["email"], form.cleaned_data["role"], actor
            )
            build_invitation_email(invitation, invitations.invitation_url(token)).send()
    except ValidationError as error:
        form.add_error("email", error)
        return False
    except (smtplib.SMTPException, OSError):
        form.add_error(
            None, _("The invitation email could not be sent. Nothing was saved: try again later.")
        )
        return False
    return True


def member_list(request: PracticeRequest) -> HttpResponse:
    require_manager(request)
    membership = request.membership
    invite_form = InviteForm(
        request.POST if request.POST.get("action") == "invite" else None, membership=membership
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite" and invite_form.is_valid() and _send_invitation(request, invite_form):
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": invite_form.cleaned_data["email"]},
            )
            return redirect("workspace:members", practice_slug=request.practice.slug)
        if action == "revoke":
            chosen = request.POST.get("invitation", "")
            withdrawn = get_object_or_404(
                Invitation.objects.filter(practice=request.practice),
                pk=int(chosen) if chosen.isdigit() and len(chosen) < 19 else 0,
            )
            invitations.revoke(withdrawn, request.user if isinstance(request.user, User) else None)
            messages.success(
                request, _("The invitation to %(email)s is withdrawn.") % {"email": withdrawn.email}
            )
            return redirect("workspace:members", practice_slug=request.practice.slug)
    members = (
        Membership.objects.filter(practice=request.practice)
        .select_related("user")
        .prefetch_related("practitioners", "centers")
        .order_by("user__email")
    )
    rows = [(member, policy.can_change_member(membership, member)) for member in members]
    pending = Invitation.objects.filter(practice=request.practice).order_by("email")
    return render(
        request,
        "workspace/settings/members.html",
        _context(request, rows=rows, pending=pending, invite_form=invite_form),
    )


def member_edit(request: PracticeRequest, membership_id: int) -> HttpResponse:
    require_manager(request)
    manager = request.membership
    member = get_object_or_404(
        Membership.objects.filter(practice=request.practice).select_related("user", "practice"),
        pk=membership_id,
    )
    if not policy.can_change_member(manager, member):
        raise Http404
    actor = request.user if isinstance(request.user, User) else None
    slug = request.practice.slug
    yourself = member.pk == manager.pk
    if request.method == "POST" and request.POST.get("action") == "remove":
        try:
            remove_member(member, actor)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("workspace:member_edit", practice_slug=slug, membership_id=member.pk)
        messages.success(
            request, _("%(email)s is no longer a member.") % {"email": member.user.email}
        )
        if yourself:
            return redirect("home")
        return redirect("workspace:members", practice_slug=slug)
    initial = {
        "role": member.role,
        "sheets": Practitioner.objects.filter(practice=request.practice, user=member.user),
        "agendas": member.practitioners.all(),
        "centers": member.centers.all(),
    }
    form = MemberForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        manager=manager,
        member=member,
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_member(
                member,
                role=form.cleaned_data["role"],
                agendas=form.cleaned_data["agendas"],
                sheets=form.cleaned_data["sheets"],
                centers=form.cleaned_data["centers"],
                actor=actor,
            )
        except ValidationError as error:
            form.add_error("role" if error.code == "last_admin" else None, error)
        else:
            messages.success(request, _("Saved: %(email)s.") % {"email": member.user.email})
            if yourself and not policy.can_manage_practice(member):
                return redirect("workspace:today", practice_slug=slug)
            return redirect("workspace:members", practice_slug=slug)
    return render(
        request,
        "workspace/settings/member_edit.html",
        _context(request, member=member, form=form, yourself=yourself),
    )


# --- the invitation, opened by the invitee -------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the address: no path in any Referer, no copy in a cache or an index.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return _private(render(request, "workspace/settings/invitation.html", context, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    wait = hit(
        f"invitation:{request.META.get('REMOTE_ADDR', '')}",
        parse_limit(settings.INVITATION_RATE_LIMIT),
    )
    if wait is not None:
        response = _page(
            request, {"problem": _("Too many requests. Please try again in a while.")}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
    found = invitations.find(token)
    if found is None:
        return _page(
            request,
            {"problem": _("This invitation link is not valid: it may have expired or been used.")},
            status=404,
        )
    with scope(practice=found.practice_id):
        return _invitation_page(request, found)


def _invitation_page(request: HttpRequest, found: Invitation) -> HttpResponse:
    here = request.get_full_path()
    user = request.user
    context: dict[str, Any] = {"invitation": found, "invited_practice": found.practice}
    if not isinstance(user, User):
        # Whoever holds the link can read that mailbox: signing up with this address needs no
        # second verification email (allauth's invitation hook).
        get_adapter(request).stash_verified_email(request, found.email)
        context["signup_url"] = (
            reverse("account_signup") + "?" + urlencode({"email": found.email, "next": here})
        )
        context["login_url"] = reverse("account_login") + "?" + urlencode({"next": here})
        return _page(request, context)
    if user.email.lower() != found.email.lower():
        context["other_address"] = True
        return _page(request, context)
    if request.method == "POST":
        try:
            joined = invitations.accept(found, user)
        except ValidationError as error:
            context["problem"] = " ".join(error.messages)
            return _page(request, context, status=409)
        messages.success(request, _("Welcome to %(practice)s.") % {"practice": found.practice.name})
        return redirect("workspace:today", practice_slug=joined.practice.slug)
    context["can_accept"] = True
    return _page(request, context)
