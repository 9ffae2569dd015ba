"""Settings of the `carnet worker` processes of test_workers.py and bench/reminders.py: Carnet's
own, on the test's database (NOTIFY_WORKER_DB_NAME), with the lease from the environment."""

import os

from carnet.settings import *  # noqa: F403
from carnet.settings import DATABASES

if os.environ.get("NOTIFY_WORKER_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["NOTIFY_WORKER_DB_NAME"]
