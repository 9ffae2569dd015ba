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
