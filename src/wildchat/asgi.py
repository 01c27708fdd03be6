"""ASGI pieces that both servers (the chat service and the explorer) put in front of their apps."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Answers HEAD as GET, without the body (RFC 9110): FastAPI routes declare GET alone, so
    the HEAD that monitors, load balancers and `curl -I` send would get a 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # a streamed body: only its last (empty) message goes out
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy: the server keeps its own scope, and still knows to send no body.
        await self.app({**scope, "method": "GET"}, receive, headers_only)
