"""Settings of the `carnet worker` subprocesses of tests/calsync/test_backfill_worker.py: Carnet's
own, on the test's database (CALSYNC_WORKER_DB_NAME), patients' emails off."""

import os

from carnet.settings import *  # noqa: F403
from carnet.settings import DATABASES

if os.environ.get("CALSYNC_WORKER_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["CALSYNC_WORKER_DB_NAME"]
NOTIFICATIONS_ENABLED = False
