"""Shapes shared by every router: errors, and the short references one object makes to another.

Each router keeps its own input and output schemas beside its routes; what several of them
return lives here so that a client reads one error shape everywhere (docs/api.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import Field as PydanticField


class FieldError(Schema):
    """One refused value: where it was (`loc`, e.g. ["body", "start"]), its name and why."""

    loc: list[str | int]
    field: str
    msg: str


class ErrorOut(Schema):
    """Every error answer: a sentence for a person (`detail`, in the member's language) and a
    stable `code` for a program; `errors` lists each refused value (422 only)."""

    detail: str
    code: str
    errors: list[FieldError] = []


class Reference(Schema):
    """Another object, by id and the name a person knows it by."""

    id: int
    name: str


# What any operation may answer besides its success (docs/api.md, "Errors"): a body that is not
# JSON (400), no or a bad session or token (401), a failed CSRF check (403), out of reach
# (404), invalid values (422), too many bad tokens (429). Routes that book add 409.
ERRORS: dict[int, Any] = {status: ErrorOut for status in (400, 401, 403, 404, 422, 429)}


# A database id: positive and within a 64-bit integer, so that a giant number is a 422 on every
# database (SQLite cannot even compare it; PostgreSQL would just find nothing).
DatabaseId = Annotated[int, PydanticField(gt=0, le=2**63 - 1)]
