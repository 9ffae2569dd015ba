"""Side effects run after the transaction that caused them commits, and never after a rollback."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.tasks import Task

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` once the current transaction commits (at once outside a transaction).

    If the queue is unreachable at that moment the error is logged rather than raised into a
    request that has already committed; tasks are idempotent and the periodic jobs catch up.
    """
    transaction.on_commit(partial(task.enqueue, *args, **kwargs), robust=True)
