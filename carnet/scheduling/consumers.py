"""Who hears about agenda changes: the registry of outbox consumers.

A consumer is a name, a function that performs its side effect for one `OutboxEvent` (send the
email, push to the calendar), and a predicate saying which events it wants. The doors create one
`Delivery` per event for every registered consumer that wants it; the `deliver` task calls the
consumer's function and marks the delivery done only when it returned.

Consumers come from two places, so that every process (web, `carnet worker`) knows the same ones:
the setting `OUTBOX_CONSUMERS` (dotted paths of `Consumer` objects, imported on first use), and
`register()` from an app's `ready()`. A consumer's function must be idempotent: after a crash
between its side effect and the "done" mark, it runs again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Lock
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from carnet.scheduling.models import OutboxEvent

__all__ = ["Consumer", "by_name", "interested", "register", "registered", "unregister"]


def _every_event(event: OutboxEvent) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Consumer:
    """`connection` is set for a consumer that writes to one external calendar connection: events
    that came from that very connection are never given to it (no echo)."""

    name: str
    handle: Callable[[OutboxEvent], Any]
    wants: Callable[[OutboxEvent], bool] = field(default=_every_event)
    connection: str | None = None

    def accepts(self, event: OutboxEvent) -> bool:
        if self.connection is not None and event.connection == self.connection:
            return False
        return bool(self.wants(event))


_registered: dict[str, Consumer] = {}
_from_settings: dict[str, Consumer] | None = None
_loading = Lock()


def register(consumer: Consumer) -> None:
    """Add (or replace) a consumer in this process."""
    if len(consumer.name) > 100:
        raise ValueError("A consumer's name is at most 100 characters (Delivery.consumer).")
    _registered[consumer.name] = consumer


def unregister(name: str) -> None:
    _registered.pop(name, None)


def _settings_consumers() -> dict[str, Consumer]:
    global _from_settings
    with _loading:
        if _from_settings is None:
            loaded: dict[str, Consumer] = {}
            for path in getattr(settings, "OUTBOX_CONSUMERS", ()):
                consumer = import_string(path)
                if not isinstance(consumer, Consumer):
                    raise TypeError(f"OUTBOX_CONSUMERS: {path} is not a Consumer")
                loaded[consumer.name] = consumer
            _from_settings = loaded
        return _from_settings


def registered() -> list[Consumer]:
    """Every consumer known to this process, by name."""
    return sorted({**_settings_consumers(), **_registered}.values(), key=lambda c: c.name)


def by_name(name: str) -> Consumer | None:
    return _registered.get(name) or _settings_consumers().get(name)


def interested(event: OutboxEvent) -> list[Consumer]:
    return [consumer for consumer in registered() if consumer.accepts(event)]


def _reload(*, setting: str, **kwargs: Any) -> None:
    global _from_settings
    if setting == "OUTBOX_CONSUMERS":
        _from_settings = None


setting_changed.connect(_reload, dispatch_uid="carnet-outbox-consumers")
