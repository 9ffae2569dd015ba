"""HTTP routing: one `App` answers API, OAuth and control requests; `Handler` speaks HTTP.

The API lives under /calendar/v3/ as at https://www.googleapis.com (paths without the prefix
are accepted too, since googleapiclient's `api_endpoint` replaces rootUrl + servicePath);
OAuth under /o/oauth2/v2/auth, /token and /revoke; the batch endpoint at /batch/calendar/v3;
and the control API for tests under /_emulator/ (see docs/google-emulator.md).
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from .calendars import CalendarsApi
from .errors import ApiError, unauthenticated
from .events import EventsApi
from .faults import Fault
from .oauth import OAuthError, subject
from .scopes import Caller

if TYPE_CHECKING:
    from .emulator import GoogleCalendarEmulator

API_PREFIX = "/calendar/v3"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @classmethod
    def parse(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
        parts = urllib.parse.urlsplit(target)
        return cls(
            method.upper(),
            parts.path,
            urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in headers.items()},
            body,
        )

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "parseError", "Parse Error") from None
        if not isinstance(data, dict):
            raise ApiError(400, "parseError", "Parse Error")
        return data

    def form(self) -> dict[str, str]:
        fields = urllib.parse.parse_qs(self.body.decode(errors="replace"))
        fields.update(self.query)
        return {key: values[-1] for key, values in fields.items()}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
        out = {"Content-Type": "application/json; charset=UTF-8"} | (headers or {})
        if isinstance(data, dict) and isinstance(data.get("etag"), str):
            out.setdefault("ETag", data["etag"])
        return cls(status, json.dumps(data, indent=1).encode(), out)

    def reason_phrase(self) -> str:
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    @classmethod
    def error(cls, error: ApiError) -> Response:
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        if error.code == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="https://accounts.google.com/"'
        return cls(error.code, error.json_bytes(), headers)


@dataclass
class LoggedRequest:
    method: str
    path: str
    status: int
    user: str | None
    at: float

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "user": self.user,
            "at": self.at,
        }


Route = tuple[str, re.Pattern[str], Callable[..., Response]]


class App:
    """Everything the emulator answers, independent of the HTTP server that carries it."""

    def __init__(self, emulator: GoogleCalendarEmulator) -> None:
        self.emulator = emulator
        self.calendars = CalendarsApi(emulator.store)
        self.events = EventsApi(emulator.store)
        self.log: list[LoggedRequest] = []
        c, e = r"(?P<calendar>[^/]+)", r"(?P<event>[^/]+)"
        self.api_routes: list[Route] = [
            ("POST", re.compile(r"/calendars"), self._calendar_insert),
            ("GET", re.compile(rf"/calendars/{c}"), self._calendar_get),
            ("PUT", re.compile(rf"/calendars/{c}"), self._calendar_update),
            ("PATCH", re.compile(rf"/calendars/{c}"), self._calendar_patch),
            ("DELETE", re.compile(rf"/calendars/{c}"), self._calendar_delete),
            ("GET", re.compile(r"/users/me/calendarList"), self._calendar_list),
            ("GET", re.compile(rf"/users/me/calendarList/{c}"), self._calendar_list_get),
            ("GET", re.compile(rf"/calendars/{c}/events"), self._events_list),
            ("POST", re.compile(rf"/calendars/{c}/events"), self._events_insert),
            ("POST", re.compile(rf"/calendars/{c}/events/watch"), self._events_watch),
            ("GET", re.compile(rf"/calendars/{c}/events/{e}/instances"), self._events_instances),
            ("GET", re.compile(rf"/calendars/{c}/events/{e}"), self._events_get),
            ("PUT", re.compile(rf"/calendars/{c}/events/{e}"), self._events_update),
            ("PATCH", re.compile(rf"/calendars/{c}/events/{e}"), self._events_patch),
            ("DELETE", re.compile(rf"/calendars/{c}/events/{e}"), self._events_delete),
            ("POST", re.compile(r"/channels/stop"), self._channels_stop),
            ("POST", re.compile(r"/freeBusy"), self._free_busy),
        ]

    # --- entry point ---------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_emulator/") or path == "/_emulator":
            from .control import handle_control

            return handle_control(self.emulator, request)
        if path in ("/o/oauth2/v2/auth", "/o/oauth2/auth"):
            return self._authorize(request)
        if path in ("/token", "/o/oauth2/token"):
            return self._token(request)
        if path in ("/revoke", "/o/oauth2/revoke"):
            return self._revoke(request)
        if path in ("/oauth2/v3/userinfo", "/oauth2/v2/userinfo", "/v1/userinfo"):
            return self._userinfo(request)
        if path.rstrip("/") in ("/batch/calendar/v3", "/batch"):
            from .batch import handle_batch

            return handle_batch(self, request)
        return self.handle_api(request)

    def handle_api(self, request: Request) -> Response:
        """One Calendar API call: faults, authentication, quota, then the method itself."""
        path = request.path
        if path.startswith(API_PREFIX + "/"):
            path = path[len(API_PREFIX) :]
        user = None
        try:
            self._apply_fault(request)
            caller = self._caller(request)
            user = caller.user
            self.emulator.quota.charge(caller.user)
            response = self._route(request, path, caller)
        except ApiError as error:
            response = Response.error(error)
            if error.code in (403, 429) and error.reason == "rateLimitExceeded":
                response.headers.setdefault("Retry-After", "1")
        except _FaultResponse as fault:
            response = fault.response
        self.log.append(
            LoggedRequest(request.method, request.path, response.status, user, time.time())
        )
        return response

    def _apply_fault(self, request: Request) -> None:
        fault = self.emulator.faults.take(request.method, request.path)
        if fault is None:
            return
        if fault.latency > 0:
            time.sleep(fault.latency)
        error = fault.error()
        if error is not None:
            response = Response.error(error)
            if fault.retry_after is not None:
                response.headers["Retry-After"] = str(fault.retry_after)
            raise _FaultResponse(response)

    def _caller(self, request: Request) -> Caller:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        token = token or (request.query.get("access_token") or [""])[-1]
        caller = self.emulator.oauth.caller_for(token) if token else None
        if caller is None:
            raise unauthenticated()
        return caller

    def _route(self, request: Request, path: str, caller: Caller) -> Response:
        known_path = False
        for method, pattern, view in self.api_routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            known_path = True
            if method == request.method:
                arguments = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
                return view(request, caller, **arguments)
        if known_path:
            raise ApiError(405, "httpMethodNotAllowed", "Method Not Allowed")
        raise ApiError(404, "notFound", "Not Found")

    # --- API views ----------------------------------------------------------------------------

    def _calendar_insert(self, request: Request, caller: Caller) -> Response:
        return Response.json(200, self.calendars.insert(caller, request.json()))

    def _calendar_get(self, request: Request, caller: Caller, calendar: str) -> Response:
        return Response.json(200, self.calendars.get(caller, calendar))

    def _calendar_update(self, request: Request, caller: Caller, calendar: str) -> Response:
        return Response.json(
            200, self.calendars.modify(caller, calendar, request.json(), replace=True)
        )

    def _calendar_patch(self, request: Request, caller: Caller, calendar: str) -> Response:
        return Response.json(
            200, self.calendars.modify(caller, calendar, request.json(), replace=False)
        )

    def _calendar_delete(self, request: Request, caller: Caller, calendar: str) -> Response:
        self.calendars.delete(caller, calendar)
        return Response(204)

    def _calendar_list(self, request: Request, caller: Caller) -> Response:
        return Response.json(200, self.calendars.list_entries(caller))

    def _calendar_list_get(self, request: Request, caller: Caller, calendar: str) -> Response:
        return Response.json(200, self.calendars.get_entry(caller, calendar))

    def _events_list(self, request: Request, caller: Caller, calendar: str) -> Response:
        return Response.json(200, self.events.list_events(caller, calendar, request.query))

    def _events_insert(self, request: Request, caller: Caller, calendar: str) -> Response:
        return Response.json(
            200, self.events.insert(caller, calendar, request.json(), request.query)
        )

    def _events_watch(self, request: Request, caller: Caller, calendar: str) -> Response:
        return Response.json(200, self.emulator.push.watch(caller, calendar, request.json()))

    def _events_instances(
        self, request: Request, caller: Caller, calendar: str, event: str
    ) -> Response:
        return Response.json(200, self.events.instances(caller, calendar, event, request.query))

    def _events_get(self, request: Request, caller: Caller, calendar: str, event: str) -> Response:
        body = self.events.get(caller, calendar, event, request.query)
        if request.headers.get("if-none-match") == body.get("etag"):
            return Response(304, headers={"ETag": body["etag"]})
        return Response.json(200, body)

    def _events_update(
        self, request: Request, caller: Caller, calendar: str, event: str
    ) -> Response:
        return self._events_modify(request, caller, calendar, event, replace=True)

    def _events_patch(
        self, request: Request, caller: Caller, calendar: str, event: str
    ) -> Response:
        return self._events_modify(request, caller, calendar, event, replace=False)

    def _events_modify(
        self, request: Request, caller: Caller, calendar: str, event: str, *, replace: bool
    ) -> Response:
        """PUT replaces the event, PATCH merges into it; both honour If-Match."""
        body = self.events.modify(
            caller,
            calendar,
            event,
            request.json(),
            request.query,
            if_match=request.headers.get("if-match"),
            replace=replace,
        )
        return Response.json(200, body)

    def _events_delete(
        self, request: Request, caller: Caller, calendar: str, event: str
    ) -> Response:
        self.events.delete(
            caller, calendar, event, request.query, if_match=request.headers.get("if-match")
        )
        return Response(204)

    def _channels_stop(self, request: Request, caller: Caller) -> Response:
        self.emulator.push.stop_channel(caller, request.json())
        return Response(204)

    def _free_busy(self, request: Request, caller: Caller) -> Response:
        return Response.json(200, self.calendars.free_busy(caller, request.json()))

    # --- OAuth --------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        params = {key: values[-1] for key, values in request.query.items()}
        client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
        if not client_id or not redirect_uri:
            return Response(400, b"Error 400: invalid_request\n", {"Content-Type": "text/plain"})
        arguments: dict[str, str] = {}
        if params.get("response_type", "code") != "code":
            arguments["error"] = "unsupported_response_type"
        else:
            arguments["code"] = self.emulator.oauth.authorize(
                client_id=client_id,
                redirect_uri=redirect_uri,
                scope=params.get("scope", ""),
                login_hint=params.get("login_hint"),
                code_challenge=params.get("code_challenge"),
                challenge_method=params.get("code_challenge_method"),
            )
            arguments["scope"] = params.get("scope", "")
        if "state" in params:
            arguments["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        location = redirect_uri + separator + urllib.parse.urlencode(arguments)
        return Response(302, b"", {"Location": location})

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, b"", {"Allow": "POST"})
        form = request.form()
        try:
            fault = self.emulator.faults.take("POST", request.path)
            if fault is not None:
                time.sleep(fault.latency)
                if fault.oauth_error:
                    raise OAuthError(400, fault.oauth_error, fault.message or "Bad Request")
                if fault.status is not None:
                    raise OAuthError(fault.status, "internal_failure", "Backend Error")
            with self.emulator.store.lock:
                data = self.emulator.oauth.token(form, request.headers.get("authorization"))
        except OAuthError as error:
            self.log.append(LoggedRequest("POST", request.path, error.status, None, time.time()))
            return Response.json(error.status, error.body())
        self.log.append(LoggedRequest("POST", request.path, 200, None, time.time()))
        return Response.json(200, data, {"Cache-Control": "no-store"})

    def _userinfo(self, request: Request) -> Response:
        try:
            caller = self._caller(request)
        except ApiError as error:
            return Response.error(error)
        body = {"sub": subject(caller.user), "email": caller.user, "email_verified": True}
        return Response.json(200, body)

    def _revoke(self, request: Request) -> Response:
        token = request.form().get("token", "")
        with self.emulator.store.lock:
            revoked = self.emulator.oauth.revoke(token)
        if not revoked:
            return Response.json(
                400, {"error": "invalid_token", "error_description": "Token expired or revoked"}
            )
        return Response.json(200, {})


class _FaultResponse(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, as httplib2 and urllib expect."""

    protocol_version = "HTTP/1.1"
    app: App  # set on the subclass the emulator builds

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request.parse(self.command, self.path, dict(self.headers.items()), body)
        try:
            response = self.app.handle(request)
        except Exception as error:
            response = Response.error(ApiError(500, "backendError", f"Backend Error: {error!r}"))
        self.send_response(
            response.status,
            response.reason_phrase(),
        )
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.status not in (204, 304) and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the request log through the control API instead."""


__all__ = ["App", "Fault", "Handler", "Request", "Response"]
