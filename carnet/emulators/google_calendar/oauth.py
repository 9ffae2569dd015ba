"""OAuth 2.0 as Google's endpoints speak it, minus the consent screen.

- GET  /o/oauth2/v2/auth (and /o/oauth2/auth): approves at once and redirects to
  `redirect_uri` with `code` and `state` (the account is `login_hint`, or the default one);
- POST /token: `authorization_code` and `refresh_token` grants; access tokens expire
  (`expires_in`), a revoked or unknown refresh token answers 400 `invalid_grant`;
- POST /revoke?token=...: revokes the grant behind an access or refresh token;
- PKCE (code_challenge S256/plain) checked when the authorization request carried one, and an
  OpenID Connect `id_token` (with the `email` claim) when the scopes include `openid`;
- GET /oauth2/v3/userinfo: the account's `sub` and `email` for a valid access token.

API calls need `Authorization: Bearer <access token>`; the grant's scopes travel with it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field

from .scopes import Caller


def subject(user: str) -> str:
    """The account's stable numeric id (the `sub` claim), derived from its address."""
    return str(int(hashlib.sha256(user.encode()).hexdigest()[:15], 16))


class OAuthError(Exception):
    """An error of the token endpoint, in its own format: {"error", "error_description"}."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class Grant:
    """What an account allowed one client: its scopes, and the refresh token that carries it."""

    user: str
    client_id: str
    scopes: frozenset[str]
    refresh_token: str
    revoked: bool = False
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch s)

    def caller(self) -> Caller:
        return Caller(self.user, self.client_id, self.scopes)


@dataclass
class PendingCode:
    grant: Grant
    redirect_uri: str
    code_challenge: str | None = None
    challenge_method: str = "plain"
    used: bool = False

    def verifier_matches(self, verifier: str | None) -> bool:
        """PKCE (RFC 7636): the verifier must hash to the challenge sent to /auth."""
        if self.code_challenge is None:
            return True
        if not verifier:
            return False
        if self.challenge_method == "S256":
            digest = hashlib.sha256(verifier.encode()).digest()
            return base64.urlsafe_b64encode(digest).decode().rstrip("=") == self.code_challenge
        return verifier == self.code_challenge


class OAuth:
    def __init__(self, *, default_user: str, access_token_lifetime_s: int = 3600) -> None:
        self.default_user = default_user
        self.access_token_lifetime_s = access_token_lifetime_s
        self.reset()

    def reset(self) -> None:
        self.grants: dict[str, Grant] = {}  # by refresh token
        self.codes: dict[str, PendingCode] = {}
        self.access: dict[str, Grant] = {}  # by access token
        self.clients: dict[str, str] = {}  # client_id -> secret, when registered

    # --- grants -----------------------------------------------------------------------

    def grant(self, user: str, scopes: list[str] | frozenset[str], client_id: str) -> Grant:
        """A consented grant (what the consent screen would give), with its refresh token."""
        grant = Grant(user, client_id, frozenset(scopes), "1//" + secrets.token_urlsafe(32))
        self.grants[grant.refresh_token] = grant
        return grant

    def authorize(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        scope: str,
        login_hint: str | None,
        code_challenge: str | None = None,
        challenge_method: str | None = None,
    ) -> str:
        """The code the authorization endpoint hands back for an auto-approved consent."""
        grant = self.grant(login_hint or self.default_user, scope.split(), client_id)
        code = "4/" + secrets.token_urlsafe(24)
        self.codes[code] = PendingCode(
            grant, redirect_uri, code_challenge, challenge_method or "plain"
        )
        return code

    def id_token(self, grant: Grant) -> str:
        """An OpenID Connect ID token naming the account (shape of Google's; not really signed)."""
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": grant.client_id,
            "azp": grant.client_id,
            "sub": subject(grant.user),
            "email": grant.user,
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
        }
        parts = [{"alg": "RS256", "kid": "emulator", "typ": "JWT"}, claims]
        encoded = [
            base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
            for part in parts
        ]
        return ".".join([*encoded, secrets.token_urlsafe(64)])

    def issue_access_token(self, grant: Grant) -> tuple[str, int]:
        token = "ya29." + secrets.token_urlsafe(32)
        grant.access_tokens[token] = time.time() + self.access_token_lifetime_s
        self.access[token] = grant
        return token, self.access_token_lifetime_s

    def caller_for(self, access_token: str) -> Caller | None:
        grant = self.access.get(access_token)
        if grant is None or grant.revoked:
            return None
        if grant.access_tokens.get(access_token, 0) <= time.time():
            return None
        return grant.caller()

    def expire_access_tokens(self) -> None:
        """Every access token now answers 401, so clients must refresh (tests)."""
        for grant in self.grants.values():
            for token in grant.access_tokens:
                grant.access_tokens[token] = 0

    def revoke(self, token: str) -> bool:
        grant = self.grants.get(token) or self.access.get(token)
        if grant is None or grant.revoked:
            return False
        grant.revoked = True
        return True

    def revoke_user(self, user: str) -> int:
        count = 0
        for grant in self.grants.values():
            if grant.user == user and not grant.revoked:
                grant.revoked = True
                count += 1
        return count

    # --- the token endpoint ------------------------------------------------------------------

    def token(self, form: dict[str, str], authorization: str | None) -> dict[str, object]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            decoded = base64.b64decode(authorization[6:]).decode(errors="replace")
            client_id, _, secret = decoded.partition(":")
        if not client_id:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        if client_id in self.clients and self.clients[client_id] != secret:
            raise OAuthError(401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            pending = self.codes.get(form.get("code", ""))
            if pending is None or pending.used:
                raise OAuthError(400, "invalid_grant", "Malformed auth code.")
            if pending.redirect_uri != form.get("redirect_uri"):
                raise OAuthError(400, "redirect_uri_mismatch", "Bad Request")
            if pending.grant.client_id != client_id:
                raise OAuthError(400, "invalid_grant", "Unauthorized")
            if not pending.verifier_matches(form.get("code_verifier")):
                raise OAuthError(400, "invalid_grant", "Invalid code verifier.")
            pending.used = True
            return self._tokens(pending.grant, with_refresh_token=True)
        if grant_type == "refresh_token":
            grant = self.grants.get(form.get("refresh_token", ""))
            if grant is None or grant.revoked:
                raise OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
            if grant.client_id != client_id:
                raise OAuthError(401, "unauthorized_client", "Unauthorized")
            return self._tokens(grant, with_refresh_token=False)
        raise OAuthError(400, "unsupported_grant_type", "Invalid grant_type: " + str(grant_type))

    def _tokens(self, grant: Grant, *, with_refresh_token: bool) -> dict[str, object]:
        access, lifetime = self.issue_access_token(grant)
        answer: dict[str, object] = {
            "access_token": access,
            "expires_in": lifetime,
            "scope": " ".join(sorted(grant.scopes)),
            "token_type": "Bearer",
        }
        if with_refresh_token:
            answer["refresh_token"] = grant.refresh_token
        if "openid" in grant.scopes:
            answer["id_token"] = self.id_token(grant)
        return answer
