"""How the API says no: one JSON shape (`schemas.ErrorOut`) for every refusal, never a 500.

- 401 nobody is authenticated; 403 a CSRF failure, or an action the member's role forbids
  although they may see the object (overbooking by an assistant); 404 anything of another
  practice or outside the member's reach (the policy's rule: a 403 would confirm it exists).
- 409 the time is taken (`SlotTaken`): the client may offer to overbook.
- 422 invalid input: pydantic's refusals and the booking door's (`BookingError`), each naming
  the field it is about when there is one, in `errors`.
- 429 too many failed token attempts from one address.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from carnet.scheduling.errors import BookingError, InvalidValue, SlotTaken, WrongPractice
from carnet.scheduling.inputs import EARLIEST, LATEST

__all__ = ["ApiRefusal", "install", "invalid", "refusal_body"]

# The door names what it refused ("patient"); the API's inputs carry ids ("patient_id").
FIELD_OF_DOOR_INPUT = {
    "practitioner": "practitioner_id",
    "appointment_type": "appointment_type_id",
    "center": "center_id",
    "patient": "patient_id",
}
# Where pydantic puts a value; the rest of `loc` is its name.
SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


class ApiRefusal(Exception):
    """A refusal decided by a route (not by the door), with its status, code and field."""

    def __init__(self, status: int, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.field = status, code, detail, field


def invalid(field: str, detail: str, code: str = "invalid") -> ApiRefusal:
    """A 422 about one body field: the shape of a pydantic refusal, for a route's own checks."""
    return ApiRefusal(422, code, detail, field)


def check_within_range(field: str, moment: date) -> None:
    """Dates Carnet handles: the years of `carnet.scheduling.inputs` (1900 up to 9000), the same
    answer on SQLite and PostgreSQL (which would otherwise differ on year 1 or 9999)."""
    instant = (
        moment if isinstance(moment, datetime) else datetime.combine(moment, time(), tzinfo=UTC)
    )
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    if not EARLIEST <= instant < LATEST:
        raise invalid(field, _("Choose a date between the years 1900 and 8999."), "out_of_range")


def refusal_body(
    detail: str, code: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"detail": detail, "code": code, "errors": errors or []}


def _field_error(field: str, msg: str, source: str = "body") -> dict[str, Any]:
    return {"loc": [source, field], "field": field, "msg": msg}


def _validation(request: HttpRequest, exc: NinjaValidationError, api: NinjaAPI) -> HttpResponse:
    errors = []
    for error in exc.errors:
        loc = [part for part in error.get("loc", ()) if isinstance(part, str | int)]
        if len(loc) > 2 and loc[0] == "body":
            del loc[1]  # the view's argument name ("data"): the client never sent it
        names = [str(part) for part in loc if part not in SOURCES]
        errors.append(
            {"loc": loc, "field": ".".join(names) or "__all__", "msg": str(error.get("msg", ""))}
        )
    body = refusal_body(_("Some values are not valid."), "invalid", errors)
    return api.create_response(request, body, status=422)


def _booking(request: HttpRequest, exc: BookingError, api: NinjaAPI) -> HttpResponse:
    status = 409 if isinstance(exc, SlotTaken) else 422
    field = None
    if isinstance(exc, WrongPractice | InvalidValue):
        field = FIELD_OF_DOOR_INPUT.get(exc.field, exc.field)
    errors = [_field_error(field, str(exc))] if field and field != "__all__" else []
    return api.create_response(
        request, refusal_body(str(exc), exc.code or "invalid", errors), status=status
    )


def _django_validation(
    request: HttpRequest, exc: DjangoValidationError, api: NinjaAPI
) -> HttpResponse:
    errors: list[dict[str, Any]] = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.message_dict.items():
            errors.extend(_field_error(field, str(message)) for message in field_errors)
    detail = _("Some values are not valid.") if errors else " ".join(exc.messages)
    return api.create_response(request, refusal_body(detail, "invalid", errors), status=422)


def _refusal(request: HttpRequest, exc: ApiRefusal, api: NinjaAPI) -> HttpResponse:
    errors = [_field_error(exc.field, exc.detail)] if exc.field else []
    return api.create_response(
        request, refusal_body(exc.detail, exc.code, errors), status=exc.status
    )


def _not_found(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, refusal_body(_("Not found."), "not_found"), status=404)


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        detail, code = _("Log in, or send an API token."), "unauthorized"
    elif isinstance(exc, Throttled):
        detail, code = _("Too many requests; try again later."), "throttled"
    elif exc.status_code == 403 and "CSRF" in str(exc):
        detail, code = _("The CSRF token is missing or wrong (send X-CSRFToken)."), "csrf"
    elif exc.status_code == 400:
        detail, code = _("The request body is not valid JSON."), "bad_request"
    else:
        detail, code = str(exc), "error"
    return api.create_response(request, refusal_body(detail, code), status=exc.status_code)


def _out_of_range(request: HttpRequest, exc: OverflowError, api: NinjaAPI) -> HttpResponse:
    """A date in year 1 or 9999, an id past 2**63: Python or the database cannot count that far.

    Whatever the route, the answer is a 422 naming the problem, never a 500."""
    detail = _("A date or a number is out of the range Carnet handles.")
    return api.create_response(request, refusal_body(detail, "out_of_range"), status=422)


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API (more specific classes win, as in ninja)."""
    handlers: list[tuple[type[Exception], Any]] = [
        (NinjaValidationError, _validation),
        (BookingError, _booking),
        (DjangoValidationError, _django_validation),
        (ApiRefusal, _refusal),
        (Http404, _not_found),
        (HttpError, _http_error),
        (OverflowError, _out_of_range),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, partial(handler, api=api))
