"""A `django.tasks` backend that hands tasks to Huey.

Application code only ever sees Django's task API (`@task`, `.enqueue()`), so the engine could
change without touching a single call site. Huey carries the task's import path and arguments;
the consumer imports the task and calls it.
"""

from __future__ import annotations

from typing import Any

from django.db import close_old_connections
from django.tasks import Task, TaskResult, TaskResultStatus
from django.tasks.backends.base import BaseTaskBackend
from django.utils import timezone
from django.utils.module_loading import import_string
from django_scopes import scopes_disabled

from carnet.jobs.queue import huey


@huey.task(name="carnet.run_django_task")
def run_django_task(module_path: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    """Run one Django task in a consumer. Connections are recycled around it like a request."""
    close_old_connections()
    try:
        task: Task = import_string(module_path)
        # Tasks take explicit ids and find their practice from them: unscoped on purpose.
        with scopes_disabled():
            task.call(*args, **kwargs)
    finally:
        close_old_connections()


class HueyTaskBackend(BaseTaskBackend):
    supports_defer = True

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        if task.run_after is not None:
            message = run_django_task.schedule(
                args=(task.module_path, list(args), dict(kwargs)), eta=task.run_after
            )
        else:
            message = run_django_task(task.module_path, list(args), dict(kwargs))
        return TaskResult(
            task=task,
            id=str(getattr(message, "id", "immediate")),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
