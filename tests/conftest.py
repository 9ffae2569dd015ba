"""Test set-up shared by every test. Real services: see the README's "Tests" section."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits and cached feeds live in the cache: each test starts from an empty one."""
    cache.clear()


def on_postgres() -> bool:
    return bool(os.environ.get("DATABASE_URL"))


def on_redis() -> bool:
    return bool(os.environ.get("REDIS_URL"))


@pytest.fixture(autouse=True)
def _english_by_default(settings: object) -> object:
    """Tests read English messages unless they choose a language (the product defaults to fr)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    # Real hashing costs ~0.3 s a password; tests check behaviour, not key stretching.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> object:
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
