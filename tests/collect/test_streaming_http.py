"""StreamingHttpClient against servers that send exactly the bytes each test writes."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from wildchat.collect.backends.streaming_http import (
    HIGH_WATER_BYTES,
    HttpError,
    HttpTimeout,
    StreamingHttpClient,
    drain,
)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head, await reader.readexactly(length)


@asynccontextmanager
async def server(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[tuple[str, list[int]]]:
    """A raw TCP server; yields its base URL and the client ports of the connections it accepted."""
    ports: list[int] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ports.append(writer.get_extra_info("peername")[1])
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1", ports
    finally:
        listener.close()


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


async def read_all(client: StreamingHttpClient, body: bytes = b"{}") -> tuple[int, bytes]:
    response = await client.post("/chat/completions", body)
    data = b""
    try:
        while chunk := await response.read():
            data += chunk
    finally:
        client.release(response)
    return response.status, data


def test_requests_carry_the_headers_and_body_and_connections_are_kept_alive() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head, body = await read_request(reader)
            seen.append(head + body)
            writer.write(
                HEAD + b"transfer-encoding: chunked\r\n\r\n" + chunked(b"data: a\n\n", b"data: b\n\n")
            )

    async def main() -> None:
        async with server(handler) as (url, ports):
            client = StreamingHttpClient(url, {"Authorization": "Bearer k"}, timeout_s=5)
            for _ in range(3):
                assert await read_all(client, b'{"x": 1}') == (200, b"data: a\n\ndata: b\n\n")
            await client.close()
            assert len(ports) == 1  # one connection for all three
        request = seen[0]
        assert request.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
        assert b"\r\nAuthorization: Bearer k\r\n" in request and b"\r\nContent-Length: 8\r\n" in request
        assert request.endswith(b'\r\n\r\n{"x": 1}')

    asyncio.run(main())


@pytest.mark.parametrize("split", [1, 3, 7])
def test_a_reply_split_anywhere_arrives_whole(split: int) -> None:
    reply = HEAD + b"content-length: 18\r\n\r\ndata: a\n\ndata: b\n\n"

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        for start in range(0, len(reply), split):
            writer.write(reply[start : start + split])
            await writer.drain()
            await asyncio.sleep(0)

    async def main() -> None:
        async with server(handler) as (url, _):
            client = StreamingHttpClient(url, {}, timeout_s=5)
            assert await read_all(client) == (200, b"data: a\n\ndata: b\n\n")

    asyncio.run(main())


def test_a_body_delimited_by_closing_the_connection_ends_there() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(HEAD + b"connection: close\r\n\r\ndata: a\n\n")
        await writer.drain()

    async def main() -> None:
        async with server(handler) as (url, _):
            assert await read_all(StreamingHttpClient(url, {}, timeout_s=5)) == (200, b"data: a\n\n")

    asyncio.run(main())


def test_a_connection_dropped_mid_body_is_an_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(HEAD + b"transfer-encoding: chunked\r\n\r\n" + b"9\r\ndata: a\n\n\r\n")
        await writer.drain()

    async def main() -> None:
        async with server(handler) as (url, _):
            with pytest.raises(HttpError, match="closed the connection"):
                await read_all(StreamingHttpClient(url, {}, timeout_s=5))

    asyncio.run(main())


def test_a_silent_server_times_out_and_a_missing_one_is_unreachable() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(HEAD + b"transfer-encoding: chunked\r\n\r\n")
        await asyncio.sleep(2)

    async def main() -> None:
        async with server(handler) as (url, _):
            with pytest.raises(HttpTimeout):
                await read_all(StreamingHttpClient(url, {}, timeout_s=0.2))
        with pytest.raises(HttpError, match="could not connect"):
            await read_all(StreamingHttpClient(url, {}, timeout_s=1))

    asyncio.run(main())


def test_a_malformed_response_is_an_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SMTP ready\r\n\r\n")
        await asyncio.sleep(1)

    async def main() -> None:
        async with server(handler) as (url, _):
            with pytest.raises(HttpError, match="malformed"):
                await read_all(StreamingHttpClient(url, {}, timeout_s=5))

    asyncio.run(main())


def test_a_kept_alive_connection_the_server_closed_is_replaced_once() -> None:
    """The server closes a kept-alive connection just as it is reused: the request goes again on a
    new connection. Each connection here answers its first request and drops its second."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(HEAD + b"content-length: 9\r\n\r\ndata: a\n\n")
        await writer.drain()
        await read_request(reader)  # closed unanswered

    async def main() -> None:
        async with server(handler) as (url, ports):
            client = StreamingHttpClient(url, {}, timeout_s=5)
            assert await read_all(client) == (200, b"data: a\n\n")
            assert await read_all(client) == (200, b"data: a\n\n")
            assert len(ports) == 2

    asyncio.run(main())


def test_a_new_connection_that_fails_is_not_tried_again() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)  # closed unanswered

    async def main() -> None:
        async with server(handler) as (url, ports):
            with pytest.raises(HttpError, match="closed the connection"):
                await read_all(StreamingHttpClient(url, {}, timeout_s=5))
            assert len(ports) == 1

    asyncio.run(main())


def test_the_end_of_a_body_is_drained_and_the_connection_reused() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            writer.write(HEAD + b"transfer-encoding: chunked\r\n\r\n" + b"e\r\ndata: [DONE]\n\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.2)
            writer.write(b"0\r\n\r\n")

    async def main() -> None:
        async with server(handler) as (url, ports):
            client = StreamingHttpClient(url, {}, timeout_s=5)
            for _ in range(2):
                response = await client.post("/chat/completions", b"{}")
                assert await response.read() == b"data: [DONE]\n\n" and not response.complete
                await drain(client, response, limit_bytes=1024, timeout_s=5)
            assert len(ports) == 1

    asyncio.run(main())


def test_reading_pauses_while_much_of_a_reply_waits() -> None:
    size = 3 * HIGH_WATER_BYTES

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(HEAD + b"content-length: %d\r\n\r\n" % size + b"x" * size)
        await writer.drain()

    async def main() -> None:
        async with server(handler) as (url, _):
            client = StreamingHttpClient(url, {}, timeout_s=5)
            response = await client.post("/chat/completions", b"{}")
            await asyncio.sleep(0.3)  # the server writes everything it can meanwhile
            assert response._buffered <= 2 * HIGH_WATER_BYTES  # paused, not all in memory
            total = 0
            while chunk := await response.read():
                total += len(chunk)
            client.release(response)
            assert total == size

    asyncio.run(main())


def test_https_verifies_the_server(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    self_signed = "-x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    self_signed += " -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        ["openssl", "req", *self_signed.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(HEAD + b"content-length: 9\r\n\r\ndata: a\n\n")
        await writer.drain()

    async def main() -> None:
        async with server(handler, server_side) as (url, _):
            url = url.replace("http://", "https://")
            client = StreamingHttpClient(url, {}, timeout_s=5, ssl_context=trusting)
            assert await read_all(client) == (200, b"data: a\n\n")
            with pytest.raises(HttpError, match="could not connect"):  # not a trusted certificate
                await read_all(StreamingHttpClient(url, {}, timeout_s=5))

    asyncio.run(main())


def test_a_request_cancelled_before_the_reply_closes_its_connection() -> None:
    closed = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        if await reader.read() == b"":  # the client hung up
            closed.set()

    async def main() -> None:
        async with server(handler) as (url, _):
            client = StreamingHttpClient(url, {}, timeout_s=5, max_connections=1)
            waiting = asyncio.create_task(client.post("/chat/completions", b"{}"))
            await asyncio.sleep(0.2)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            await asyncio.wait_for(closed.wait(), 2)
            assert not client._slots.locked()  # its slot is free again

    asyncio.run(main())
