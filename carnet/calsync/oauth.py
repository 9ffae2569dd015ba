"""Connecting a Google account: the OAuth 2.0 web flow, with offline access.

Through google-auth-oauthlib's `Flow` (Google's own library), with the endpoints from settings
so the emulator can stand in. The scopes are the narrowest that work: `calendar.app.created`
(Carnet creates a dedicated "Carnet - <name>" calendar and can touch nothing else of the
account) and `openid email`, whose ID token names the account (one Google account, one agenda).
Only a member who chooses to write into one of their existing calendars is asked for the broad
`calendar` scope instead (`EXISTING_CALENDAR_SCOPES`): nothing narrower can list calendars and
write events in one Carnet did not create.
PKCE is used; the verifier and the request wait in the user's session, keyed by the `state`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from google_auth_oauthlib.flow import Flow

from carnet.calsync.google.client import APP_CREATED_SCOPE, FULL_SCOPE

IDENTITY_SCOPES = ["openid", "https://www.googleapis.com/auth/userinfo.email"]
SCOPES = [*IDENTITY_SCOPES, APP_CREATED_SCOPE]
EXISTING_CALENDAR_SCOPES = [*IDENTITY_SCOPES, FULL_SCOPE]
SESSION_KEY = "calsync_oauth"

if not settings.SECURE:
    # oauthlib refuses http:// redirects unless told; only a development site (SITE_URL on
    # http://, as `carnet demo`) gets here, production runs on https.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
# Google may grant fewer or more scopes than asked (include_granted_scopes); we check ours.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")


def redirect_uri() -> str:
    from django.urls import reverse

    return f"{settings.SITE_URL}{reverse('calsync:google_callback')}"


def _flow(
    state: str | None = None,
    code_verifier: str | None = None,
    scopes: list[str] | None = None,
) -> Flow:
    config = {
        "web": {
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
            "auth_uri": settings.GOOGLE_OAUTH_AUTH_URL,
            "token_uri": settings.GOOGLE_OAUTH_TOKEN_URL,
        }
    }
    flow = Flow.from_client_config(
        config, scopes=scopes or SCOPES, state=state, code_verifier=code_verifier
    )
    flow.redirect_uri = redirect_uri()
    return flow


@dataclass(frozen=True)
class Authorization:
    url: str
    state: str
    code_verifier: str


def begin(login_hint: str = "", scopes: list[str] | None = None) -> Authorization:
    """Where to send the browser for consent: `SCOPES` unless told (`EXISTING_CALENDAR_SCOPES`)."""
    flow = _flow(scopes=scopes)
    extra: dict[str, str] = {"prompt": "consent", "include_granted_scopes": "true"}
    if login_hint:
        extra["login_hint"] = login_hint
    url, state = flow.authorization_url(**extra)
    return Authorization(url=url, state=state, code_verifier=str(flow.code_verifier or ""))


@dataclass(frozen=True)
class Granted:
    access_token: str
    refresh_token: str
    expires_at: datetime | None
    scopes: str
    account_email: str


class GrantRefused(Exception):
    """The user said no, or Google's answer lacks what sync needs (refresh token, scope)."""


def finish(
    *,
    state: str,
    code_verifier: str,
    authorization_response: str,
    scopes: list[str] | None = None,
) -> Granted:
    flow = _flow(state=state, code_verifier=code_verifier or None, scopes=scopes)
    try:
        token: dict[str, Any] = flow.fetch_token(authorization_response=authorization_response)
    except Exception as error:  # oauthlib raises many kinds; all mean "not connected"
        raise GrantRefused(str(error.__class__.__name__)) from None
    granted = (
        " ".join(token.get("scope") or [])
        if isinstance(token.get("scope"), list)
        else str(token.get("scope") or "")
    )
    if not token.get("refresh_token"):
        raise GrantRefused("no refresh token")
    # The full scope serves either choice; the narrow one only the calendar Carnet creates
    # (Google's consent screen lets the user untick a scope).
    enough = {FULL_SCOPE} if FULL_SCOPE in (scopes or SCOPES) else {FULL_SCOPE, APP_CREATED_SCOPE}
    if not enough & set(granted.split()):
        raise GrantRefused("calendar access was not granted")
    expires_at = token.get("expires_at")
    return Granted(
        access_token=str(token["access_token"]),
        refresh_token=str(token["refresh_token"]),
        expires_at=datetime.fromtimestamp(float(expires_at), tz=UTC) if expires_at else None,
        scopes=granted,
        account_email=_email(token.get("id_token")),
    )


def _email(id_token: Any) -> str:
    """The account's email from the ID token's claims.

    The token comes straight from Google's token endpoint over TLS, which OpenID Connect
    (Core 3.1.3.7) accepts in place of checking its signature; only the email is read.
    """
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return ""
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return ""
    if not isinstance(claims, dict) or claims.get("email_verified") is False:
        return ""  # an address Google did not verify names no one
    email = claims.get("email")
    return str(email).lower() if isinstance(email, str) else ""


def revoke(token: str) -> None:
    """Tell Google to forget the grant (best effort: a token already revoked is fine)."""
    import urllib.parse
    import urllib.request

    revoke_url = settings.GOOGLE_OAUTH_TOKEN_URL.rsplit("/", 1)[0] + "/revoke"
    data = urllib.parse.urlencode({"token": token}).encode()
    request = urllib.request.Request(revoke_url, data=data, method="POST")  # noqa: S310
    with contextlib.suppress(OSError):
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - configured URL
