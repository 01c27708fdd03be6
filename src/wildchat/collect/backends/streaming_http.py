"""A small HTTP/1.1 client for the relay's one request: POST a JSON body, read the reply as it streams.

Written here rather than taken from aiohttp (which it replaced on this path) because of what a chat
turn pays at low load, where the service's added latency is the CPU its code spends on the way
(measured with `benchmarks/proxy_overhead.py` and timestamps inside the service): aiohttp takes
0.1 ms on a warm process, and 0.3 ms after the idle gaps of a single conversation, to build a
request in a general-purpose way, and on Python 3.11 writes it one event-loop turn later. This
client writes prebuilt header bytes and the body at once. The parts a library does well still come
from libraries: httptools (llhttp, the parser uvicorn uses) reads the response, chunked encoding
included, and asyncio does TLS.

What it does not do, on purpose: redirects (a POST must not turn into a GET), proxies, cookies,
compression (no Accept-Encoding is sent), HTTP/2. `upstream_client = "sdk"` covers servers that
need any of these.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from typing import cast
from urllib.parse import urlsplit

import httptools

# Stop reading from the socket while this much of a reply waits for the relay to take it.
HIGH_WATER_BYTES = 1024 * 1024


class HttpError(Exception):
    """The connection failed, closed early, timed out, or the server broke the protocol."""


class HttpTimeout(HttpError):
    pass


class Response(asyncio.Protocol):
    """One connection to the server, and the response it is reading (httptools calls the `on_*`)."""

    def __init__(self, timeout_s: float) -> None:
        self.status = 0
        self._timeout_s = timeout_s
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._paused = False
        self._headers_done = False
        self._framed = False  # Content-Length or chunked: the body ends on its own, not at close
        self._complete = False
        self._keep_alive = False
        self._closed = False
        self._error: HttpError | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.reused = False
        # The one header the relay passes on: how long an upstream that answers 429 asks us to wait.
        self.retry_after: str | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's does not subclass it

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"the server sent a malformed response ({exc})"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        if self._headers_done and not self._framed:
            self._complete = True  # a body delimited by the end of the connection
        elif not self._complete:
            self._fail(HttpError("the server closed the connection before the response ended"))
        self._wake()

    # -- httptools -------------------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name == b"content-length" or (name == b"transfer-encoding" and b"chunked" in value.lower()):
            self._framed = True
        elif name == b"retry-after":
            self.retry_after = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self._headers_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER_BYTES and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self._complete = True
        # Asked now: once the message is over the parser has forgotten its headers.
        self._keep_alive = self._parser.should_keep_alive()
        self._wake()

    # -- for the client --------------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        """The whole body has arrived (what is left to read is in memory)."""
        return self._complete

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def reusable(self) -> bool:
        return self._complete and self._keep_alive and not self._chunks and not self._closed

    def send(self, data: bytes) -> None:
        if self._transport is None or self._closed:
            raise HttpError("the connection is closed")
        self._transport.write(data)

    def reset(self) -> None:
        """Ready for the next request on this connection."""
        self._parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.retry_after = None
        self._headers_done = self._framed = self._complete = self._keep_alive = False
        self.reused = True

    async def headers(self) -> None:
        while not self._headers_done:
            if self._error is not None:
                raise self._error
            await self._wait()

    async def read(self) -> bytes:
        """Body bytes as they arrive; b"" once the body has ended."""
        while not self._chunks:
            if self._complete:
                return b""
            if self._error is not None:
                raise self._error
            await self._wait()
        data = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        self._chunks.clear()
        self._buffered = 0
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        return data

    def close(self) -> None:
        self._closed = True
        if self._transport is not None:
            self._transport.close()

    async def _wait(self) -> None:
        # A read timeout per wait, as aiohttp's sock_read: a long reply is fine while bytes come.
        waiter = self._waiter = self._loop.create_future()
        timer = self._loop.call_later(self._timeout_s, self._time_out, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def _time_out(self, waiter: asyncio.Future[None]) -> None:
        if not waiter.done():
            waiter.set_exception(HttpTimeout("the server sent nothing in time"))

    def _fail(self, error: HttpError) -> None:
        if self._error is None:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class StreamingHttpClient:
    """A pool of keep-alive connections to one server, for POST requests whose replies stream."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        timeout_s: float,
        max_connections: int = 1000,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self._host = url.hostname
        self._port = url.port or (443 if url.scheme == "https" else 80)
        https = url.scheme == "https"
        self._ssl = (ssl_context or ssl.create_default_context()) if https else None  # verifies the host
        self._prefix = url.path.rstrip("/")
        self._timeout_s = timeout_s
        host = url.netloc.rsplit("@", 1)[-1]  # never send credentials from the URL
        lines = [f"Host: {host}", *(f"{name}: {value}" for name, value in headers.items())]
        for line in lines:
            if "\r" in line or "\n" in line:
                raise ValueError("a header contains a line break")
        self._head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        self._idle: list[Response] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def post(self, path: str, body: bytes) -> Response:
        """Send the request and wait for the response's status line and headers.

        Call `release` with the response once done with it, whatever happened.
        """
        request = (
            f"POST {self._prefix}{path} HTTP/1.1\r\n".encode("latin-1")
            + self._head
            + b"Content-Length: %d\r\n\r\n" % len(body)
            + body
        )
        await self._slots.acquire()
        response: Response | None = None
        try:
            response = await self._connection()
            try:
                response.send(request)
                await response.headers()
            except HttpError:
                response.close()
                if not response.reused or response.status:
                    raise
                # A kept-alive connection the server closed just as we reused it: the request
                # never got there, so it goes once more on a new connection.
                response = await self._connection(fresh=True)
                response.send(request)
                await response.headers()
            return response
        except BaseException:
            if response is not None:
                response.close()  # cancelled or failed: the server must not go on for nobody
            self._slots.release()
            raise

    def release(self, response: Response) -> None:
        if response.reusable:
            self._idle.append(response)
        else:
            response.close()
        self._slots.release()

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for response in idle:
            response.close()

    async def _connection(self, fresh: bool = False) -> Response:
        while self._idle and not fresh:
            response = self._idle.pop()
            if not response.closed:
                response.reset()
                return response
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout_s):
                _, protocol = await loop.create_connection(
                    lambda: Response(self._timeout_s),
                    self._host,
                    self._port,
                    ssl=self._ssl,
                    server_hostname=self._host if self._ssl else None,
                )
        except TimeoutError as exc:
            raise HttpTimeout("connecting to the server timed out") from exc
        except (OSError, ssl.SSLError) as exc:
            raise HttpError(f"could not connect to the server ({type(exc).__name__})") from exc
        return protocol


async def drain(client: StreamingHttpClient, response: Response, limit_bytes: int, timeout_s: float) -> None:
    """Read what is left of a body (after the reply's end) so the connection can be used again."""
    read = 0
    try:
        with contextlib.suppress(HttpError, TimeoutError):
            async with asyncio.timeout(timeout_s):
                while chunk := await response.read():
                    read += len(chunk)
                    if read > limit_bytes:  # a server that keeps talking: not worth keeping
                        response.close()
                        break
    finally:
        client.release(response)  # back to the pool only if the body ended
