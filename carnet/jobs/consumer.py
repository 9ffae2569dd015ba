"""Starting the job consumer, embedded in the web process or on its own (`carnet worker`)."""

from __future__ import annotations

from huey.consumer import Consumer

from carnet.jobs.queue import huey


def build_consumer(workers: int = 2, periodic: bool = True) -> Consumer:
    # Importing registers the job runner and the periodic jobs with this process's Huey.
    import carnet.jobs.backend
    import carnet.jobs.periodic  # noqa: F401

    return huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=periodic,
        initial_delay=0.05,
        max_delay=1.0,
        backoff=1.5,
        check_worker_health=True,
    )
