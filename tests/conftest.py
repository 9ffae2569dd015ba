"""Test set-up shared by every test. Real services: see the README's "Tests" section."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits and cached feeds live in the cache: each test starts from an empty one."""
    from django.conf import settings

    if not settings.configured:  # the pure-core tests also run without Django (-p no:django)
        return
    if settings.REDIS_URL:
        # FLUSHDB would also empty the job queue and anyone else's keys: delete ours only.
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


def on_postgres() -> bool:
    return bool(os.environ.get("DATABASE_URL"))


def on_redis() -> bool:
    return bool(os.environ.get("REDIS_URL"))


@pytest.fixture(autouse=True)
def _scopes_disabled() -> Iterator[None]:
    """Tests build and inspect data of several practices freely (django-scopes is off).

    Requests still run as in production: the tenancy middleware sets the scope of each one
    (tests/practices/test_tenancy.py proves that an unscoped query raises there).
    """
    from django.conf import settings

    if not settings.configured:  # the pure-core tests also run without Django (-p no:django)
        yield
        return
    from django_scopes import scopes_disabled

    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Tests read English messages unless they choose a language (the product defaults to fr).

    Real password hashing costs ~0.3 s a password; tests check behaviour, not key stretching.
    """
    from django.conf import settings

    if not settings.configured:  # the pure-core tests also run without Django (-p no:django)
        yield
        return
    from django.test import override_settings
    from django.utils import translation

    fast_hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        override_settings(LANGUAGE_CODE="en", PASSWORD_HASHERS=fast_hashers),
        translation.override("en"),
    ):
        yield


@pytest.fixture
def client() -> object:
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
