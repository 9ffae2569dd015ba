"""Whose address is proven: sign-up proves it by the emailed link, an operator by vouching for it.

Accounts that came through sign-up have an address record, unverified until its owner follows the
link. For accounts an operator creates (createsuperuser and code through `create_user`, `carnet
add_practice`, the admin's add form) the operator vouches for the address: it is recorded as
verified at creation. Accounts created in bulk (the demo seed) have no record yet: theirs is
recorded at first login. (allauth may add an unverified record for an account that has none, e.g.
when a password reset is requested for it, which is why the vouching happens at creation.)
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from carnet.accounts.models import User


def is_verified(user: User) -> bool:
    """True when the user's address is proven, or was vouched for by creating the account."""
    addresses = EmailAddress.objects.filter(user=user)
    if not addresses.exists():
        return True
    return addresses.filter(email__iexact=user.email, verified=True).exists()


def record_operator_vouching(user: User) -> None:
    """Mark an operator-created account's address as verified, unless sign-up made it (no-op)."""
    if not EmailAddress.objects.filter(user=user).exists():
        vouch_for(user)


@transaction.atomic
def vouch_for(user: User) -> None:
    """The operator vouches for the address: it becomes the account's one verified address."""
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email}
    )
    address.verified = True
    address.primary = True
    address.save(update_fields=["verified", "primary"])


@transaction.atomic
def take_over_unverified(user: User, password: str) -> None:
    """Hand an unverified account to the person the operator vouches for.

    Whoever signed up with the address never proved they read it, so nothing of theirs survives:
    the password becomes the operator's (which also ends every session of the account, as Django
    ties sessions to the password hash) and the address is marked verified.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    vouch_for(user)
