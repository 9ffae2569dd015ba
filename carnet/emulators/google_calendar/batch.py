"""The batch endpoint: several API calls in one multipart/mixed request, as googleapiclient's
BatchHttpRequest sends them to /batch/calendar/v3.

Each part is `Content-Type: application/http` with a `Content-ID` and a whole HTTP request
(path only). The outer request's headers (Authorization) apply to every part unless the part
sets its own. Each call is handled exactly as if sent alone (it counts against the quota,
faults apply to it) and answered, in order, in a part whose Content-ID is
`<response-` + the request's id.
"""

from __future__ import annotations

import secrets
from email.message import Message
from email.parser import BytesParser, Parser
from typing import TYPE_CHECKING

from .errors import ApiError, bad_request
from .server import Request, Response

if TYPE_CHECKING:
    from .server import App

MAX_CALLS = 1000


def handle_batch(app: App, request: Request) -> Response:
    if request.method != "POST":
        return Response.error(ApiError(405, "httpMethodNotAllowed", "Method Not Allowed"))
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/mixed"):
        return Response.error(bad_request("Invalid batch request: multipart/mixed expected."))
    message = BytesParser().parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.body
    )
    parts = message.get_payload() if message.is_multipart() else []
    if not isinstance(parts, list) or not parts:
        return Response.error(bad_request("Invalid batch request: no parts."))
    if len(parts) > MAX_CALLS:
        return Response.error(bad_request(f"A batch may hold at most {MAX_CALLS} calls."))
    boundary = "batch_" + secrets.token_hex(12)
    chunks: list[bytes] = []
    for part in parts:
        if not isinstance(part, Message):
            return Response.error(bad_request("Invalid batch request: bad part."))
        inner = _inner_request(part, request)
        response = app.handle_api(inner) if inner else Response.error(bad_request("Bad part."))
        chunks.append(_response_part(part, response, boundary))
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return Response(200, body, {"Content-Type": f"multipart/mixed; boundary={boundary}"})


def _inner_request(part: Message, outer: Request) -> Request | None:
    payload = part.get_payload(decode=False)
    if not isinstance(payload, str):
        return None
    payload = payload.lstrip("\r\n")
    request_line, _, rest = payload.partition("\n")
    pieces = request_line.strip().split(" ")
    if len(pieces) < 2:
        return None
    inner = Parser().parsestr(rest)
    headers = {
        name.lower(): value
        for name, value in outer.headers.items()
        if not name.lower().startswith("content-")
    }
    headers.pop("host", None)
    for name, value in inner.items():
        headers[name.lower()] = value
    body = inner.get_payload(decode=False)
    data = body.encode() if isinstance(body, str) else b""
    return Request.parse(pieces[0], pieces[1], headers, data.strip())


def _response_part(part: Message, response: Response, boundary: str) -> bytes:
    content_id = part.get("Content-ID", "")
    response_id = "<response-" + content_id[1:] if content_id.startswith("<") else content_id
    reason = response.reason_phrase()
    lines = [
        f"--{boundary}",
        "Content-Type: application/http",
        f"Content-ID: {response_id}",
        "",
        f"HTTP/1.1 {response.status} {reason}",
    ]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    lines += [f"Content-Length: {len(response.body)}", "", ""]
    return "\r\n".join(lines).encode() + response.body + b"\r\n"
