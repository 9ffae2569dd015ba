"""Twilio's request signature (X-Twilio-Signature): proof that a webhook comes from Twilio.

Twilio signs each webhook with the account's auth token: HMAC-SHA1 over the full URL it called
followed by every POST parameter, sorted by name, as name + value with no separator; the digest
is sent base64-encoded. Only Twilio and Carnet know the token, so a matching signature proves
the sender; the comparison takes constant time so that it cannot be guessed byte by byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Iterable

DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_signature(url: str, params: Iterable[tuple[str, str]], auth_token: str) -> str:
    """The signature Twilio sends for a POST of `params` to `url`."""
    grouped: dict[str, set[str]] = {}
    for name, value in params:
        grouped.setdefault(name, set()).add(value)
    payload = url + "".join(
        name + value for name in sorted(grouped) for value in sorted(grouped[name])
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_variants(url: str) -> set[str]:
    """`url` with and without its scheme's default port: Twilio may sign either form."""
    parts = urllib.parse.urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    variants = {url}
    if parts.hostname is None or default is None:
        return variants
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    try:
        port = parts.port
    except ValueError:
        return variants
    if port is None:
        variants.add(urllib.parse.urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")))
    elif port == default:
        variants.add(urllib.parse.urlunsplit(parts._replace(netloc=f"{prefix}{host}")))
    return variants


def is_valid_signature(
    signature: str, urls: Iterable[str], params: list[tuple[str, str]], auth_token: str
) -> bool:
    """True when `signature` is Twilio's for `params` posted to one of `urls`."""
    if not signature or not auth_token:
        return False
    given = signature.encode()
    matched = False
    for url in urls:
        for variant in url_variants(url):
            expected = twilio_signature(variant, params, auth_token).encode()
            # No early exit: every candidate costs the same, match or not.
            matched |= hmac.compare_digest(expected, given)
    return matched
