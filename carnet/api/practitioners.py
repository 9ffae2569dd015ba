"""Practitioners whose agendas the member may read, and whether they may change each one."""

from __future__ import annotations

from typing import Any

from ninja import Path, Router, Schema

from carnet.api.main import member_request
from carnet.api.schemas import ERRORS
from carnet.practices import policy

router = Router(tags=["practitioners"])


class PractitionerOut(Schema):
    id: int
    name: str
    profession: str
    is_active: bool
    # The member may book, move and cancel in this agenda (else: read only).
    can_change: bool


@router.get("/practitioners", response={200: list[PractitionerOut], **ERRORS})
def list_practitioners(request: Any, practice_slug: Path[str]) -> Any:
    """`policy.visible_practitioners`, by name."""
    membership = member_request(request).membership
    changeable = set(policy.managed_practitioners(membership).values_list("pk", flat=True))
    return [
        {
            "id": practitioner.pk,
            "name": practitioner.display_name,
            "profession": practitioner.profession,
            "is_active": practitioner.is_active,
            "can_change": practitioner.pk in changeable,
        }
        for practitioner in policy.visible_practitioners(membership).order_by("display_name", "pk")
    ]
