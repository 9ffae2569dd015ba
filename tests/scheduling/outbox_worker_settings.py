"""Settings of the `carnet worker` subprocesses started by tests/scheduling/test_outbox_workers.py.

Carnet's own settings, plus the probe consumers, short timings from the environment, and the test
database (OUTBOX_WORKER_DB_NAME), or on purpose one that does not exist.
"""

import os

from carnet.settings import *  # noqa: F403
from carnet.settings import DATABASES

# The same list as tests/scheduling/outbox_probe.py's CONSUMERS (no import: models are not
# loaded yet when settings are read).
OUTBOX_CONSUMERS = [
    "tests.scheduling.outbox_probe.probe_everything",
    "tests.scheduling.outbox_probe.probe_calendar",
]
OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
OUTBOX_RETRY_BASE_SECONDS = float(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "30"))
if os.environ.get("OUTBOX_WORKER_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["OUTBOX_WORKER_DB_NAME"]
# Only the probe consumers: patients' emails are tested in tests/notifications.
NOTIFICATIONS_ENABLED = False
