"""A cap on the size of request bodies, enforced before a body is held in memory.

Neither uvicorn nor Starlette limits request bodies: FastAPI reads a JSON body whole before validating it, so
one 300 MB request holds well over a gigabyte and gets a pod with a 256Mi memory limit OOM-killed. The
middleware below is plain ASGI (no Starlette base class), so it behaves the same on every Starlette version:

* a `Content-Length` over the limit gets 413 at once, before a byte of the body is read, and a
  `Content-Length` that is not a number gets 400;
* a body without one (`Transfer-Encoding: chunked`) is counted as its chunks arrive, and the request is
  refused with 413 as soon as the count passes the limit, so at most the limit plus one chunk is buffered.

Both answers carry `Connection: close`: the client may still be sending, and the rest of its body is not read.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Dict, MutableMapping, Optional

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The largest request body the API accepts. A task is a title of at most 200 characters, so 1 MiB is generous.
MAX_BODY_BYTES = 1024 * 1024

_CLOSE_HEADERS = {"Connection": "close"}


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit.

    An HTTPException, because FastAPI turns any other exception raised while it reads a body into a 400
    ("There was an error parsing the body") but re-raises HTTPExceptions, which its handler answers as JSON.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_detail(limit), headers=dict(_CLOSE_HEADERS))


def too_large_detail(limit: int) -> str:
    return f"request body is larger than {limit} bytes"


def declared_length(headers: Any) -> Optional[int]:
    """The request's Content-Length; None without one; -1 when it is not a plain decimal number."""
    values = {value.strip() for name, value in headers if name.lower() == b"content-length"}
    if not values:
        return None
    if len(values) != 1:
        return -1
    value = values.pop()
    # Only ASCII digits: int() would also take "+5", "1_0" and non-ASCII digits. 19 digits is far past any
    # limit, and checking the length first keeps int() away from a header of thousands of digits.
    if not value or len(value) > 19 or not all(0x30 <= byte <= 0x39 for byte in value):
        return -1
    return int(value)


class BodySizeLimit:
    """ASGI middleware: refuses request bodies over `max_bytes` with 413, before they are read whole."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        length = declared_length(scope.get("headers") or ())
        if length is not None and length < 0:
            await _send_json(send, 400, {"detail": "invalid Content-Length header"})
            return
        if length is not None and length > self.max_bytes:
            await _send_json(send, 413, {"detail": too_large_detail(self.max_bytes)})
            return

        limit = self.max_bytes
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            # Reached only when nothing inside answered the exception (FastAPI's routes do); a response
            # already under way cannot be replaced, so then the exception goes on to the server.
            if response_started:
                raise
            await _send_json(send, 413, {"detail": too_large_detail(limit)})


async def _send_json(send: Send, status: int, content: Dict[str, Any]) -> None:
    body = json.dumps(content, separators=(",", ":")).encode("ascii")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    headers += [
        (name.lower().encode("ascii"), value.encode("ascii")) for name, value in _CLOSE_HEADERS.items()
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
