"""How allauth fits Carnet: messages in the page's language, operator-created accounts trusted."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from carnet.accounts.models import User
from carnet.accounts.verification import record_operator_vouching
from carnet.practices.middleware import page_language, visitor_language

LOGGED_OUT = "account/messages/logged_out.txt"


class AccountAdapter(DefaultAccountAdapter):
    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        """Write the message in the language of the page that will show it.

        A message is rendered during one request (the login form, in the browser's language) and
        shown on the next (the agenda, in the user's language): render it in the latter. The
        logged-out message is shown to a visitor, so in the visitor's language.
        """
        if message_template == LOGGED_OUT:
            language = visitor_language(request)
        else:
            language = page_language(request)
        with translation.override(language):
            super().add_message(
                request, level, message_template, message_context, extra_tags, message
            )

    def pre_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponse | None:
        """Before the verification stage: an account an operator created has a vouched address."""
        if isinstance(user, User):
            record_operator_vouching(user)
        return super().pre_login(request, user, **kwargs)
