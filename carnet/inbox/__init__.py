"""In-app notifications for staff: the bell in the header and the notifications page.

Other apps call the two functions below (imported lazily, so that importing `carnet.inbox` never
loads models before Django is ready):

- `notify_conflict(conflict)`: a `SyncConflict` was just created (calendar sync engine);
- `notify_message_failed(row)`: a patient's `Notification` ended failed (notifications log).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from carnet.calsync.models import SyncConflict
    from carnet.notifications.models import Notification


def notify_conflict(conflict: SyncConflict) -> int:
    """Tell the practitioner and the admins that a calendar change was overridden."""
    from carnet.inbox.notices import notify_conflict as notify

    return notify(conflict)


def notify_message_failed(row: Notification) -> int:
    """Tell the admins that a message to a patient could not be sent."""
    from carnet.inbox.notices import notify_message_failed as notify

    return notify(row)
