"""The control API under /_emulator/, for tests and the demo (no authentication).

POST   /_emulator/reset                      forget everything (tokens, calendars, faults)
GET    /_emulator/state                      calendars and their events, tombstones included
POST   /_emulator/faults                     {"status", "count", "path", "method", "reason",
                                              "message", "latency", "oauth_error", "retry_after"}
GET    /_emulator/faults, DELETE /_emulator/faults
POST   /_emulator/quota                      {"per_minute": 600, "status": 403|429}
POST   /_emulator/sync-tokens/expire         {"calendarId": optional} -> later 410s
POST   /_emulator/access-tokens/expire       every access token answers 401
POST   /_emulator/grants                     {"user", "scopes": [...], "client_id"}
                                              -> {"refresh_token", "access_token", "expires_in"}
POST   /_emulator/grants/revoke              {"user"} -> refresh answers invalid_grant
GET    /_emulator/requests                   the API calls received (method, path, status)
GET    /_emulator/channels, GET /_emulator/notifications
GET    /_emulator/calendar                   a page to see and change calendars (page.py)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .faults import Fault
from .page import handle_page, is_page_path
from .server import Request, Response

if TYPE_CHECKING:
    from .emulator import GoogleCalendarEmulator


def handle_control(emulator: GoogleCalendarEmulator, request: Request) -> Response:
    if is_page_path(request.path):
        return handle_page(emulator, request)
    route = (request.method, request.path.rstrip("/"))
    try:
        body = request.json() if request.method == "POST" else {}
    except ApiError as error:
        return Response.error(error)
    try:
        data = _dispatch(emulator, route, body)
    except (ValueError, TypeError, KeyError) as error:
        return Response.json(400, {"error": str(error)})
    if data is None:
        return Response.json(404, {"error": f"unknown control route {route[0]} {route[1]}"})
    return Response.json(200, data)


def _dispatch(
    emulator: GoogleCalendarEmulator, route: tuple[str, str], body: dict[str, Any]
) -> Any:
    match route:
        case ("POST", "/_emulator/reset"):
            emulator.reset()
            return {}
        case ("GET", "/_emulator/state"):
            return emulator.state()
        case ("POST", "/_emulator/faults"):
            emulator.faults.add(Fault.from_json(body))
            return {"faults": [fault.as_json() for fault in emulator.faults.active]}
        case ("GET", "/_emulator/faults"):
            return {"faults": [fault.as_json() for fault in emulator.faults.active]}
        case ("DELETE", "/_emulator/faults"):
            emulator.faults.clear()
            return {"faults": []}
        case ("POST", "/_emulator/quota"):
            emulator.quota.per_minute = int(body.get("per_minute", emulator.quota.per_minute))
            emulator.quota.status = int(body.get("status", emulator.quota.status))
            if emulator.quota.status not in (403, 429):
                raise ValueError("status must be 403 or 429")
            return {
                "per_minute": emulator.quota.per_minute,
                "status": emulator.quota.status,
                "rejected": emulator.quota.rejected,
            }
        case ("POST", "/_emulator/sync-tokens/expire"):
            emulator.store.expire_sync_tokens(body.get("calendarId"))
            return {}
        case ("POST", "/_emulator/access-tokens/expire"):
            with emulator.store.lock:
                emulator.oauth.expire_access_tokens()
            return {}
        case ("POST", "/_emulator/grants"):
            return emulator.grant(
                str(body.get("user") or emulator.default_user),
                list(body["scopes"]),
                str(body.get("client_id") or "carnet-test"),
            )
        case ("POST", "/_emulator/grants/revoke"):
            with emulator.store.lock:
                return {"revoked": emulator.oauth.revoke_user(str(body["user"]))}
        case ("GET", "/_emulator/requests"):
            return {"requests": [entry.as_json() for entry in emulator.app.log]}
        case ("GET", "/_emulator/channels"):
            with emulator.store.lock:
                return {
                    "channels": [
                        channel.body()
                        | {
                            "address": channel.address,
                            "active": channel.active(),
                            "calendarId": channel.calendar_id,
                        }
                        for channel in emulator.push.channels.values()
                    ]
                }
        case ("GET", "/_emulator/notifications"):
            with emulator.store.lock:
                return {
                    "notifications": [
                        {
                            "channelId": d.channel_id,
                            "headers": d.headers,
                            "status": d.status,
                            "error": d.error,
                        }
                        for d in emulator.push.deliveries
                    ]
                }
    return None
