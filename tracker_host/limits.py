"""Request body size limit (413 with the error envelope), applied before anything parses."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import envelope
from .faults import DEV_PREFIX


class BodyLimitMiddleware:
    """Reads the whole body up front (it is small), refusing it past the limit.

    Dev routes get a larger limit: `/api/v1/dev/load` takes whole installation states.
    """

    def __init__(self, app: ASGIApp, limit: int, dev_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.dev_limit = dev_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.dev_limit if scope["path"].startswith(DEV_PREFIX) else self.limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False
            if too_big:
                await self._refuse(send, limit)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        response = envelope.error_response(envelope.payload_too_large(limit))
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [*response.raw_headers, (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": response.body})
