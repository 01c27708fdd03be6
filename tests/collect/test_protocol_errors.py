"""Requests the app never sees: oversized or malformed heads, sent over a raw socket to `wildchat serve`.

Each must get a JSON error in the OpenAI format (431, 414 or 400) instead of being served or
answered in plain text, and a request within the limits must still be served.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import ServiceProcess, running_service


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def error(self) -> dict[str, Any]:
        assert self.headers.get("content-type") == "application/json", self
        error: dict[str, Any] = json.loads(self.body)["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["message"]
        return error


def parse(raw: bytes) -> list[Reply]:
    """The responses on one connection (each with a Content-Length), in order."""
    replies = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        length = int(headers["content-length"])
        replies.append(Reply(int(status_line.split()[1]), headers, rest[:length]))
        raw = rest[length:]
    return replies


def _send(sock: socket.socket, data: bytes) -> None:
    # The server may answer and close before reading everything: the reply says why.
    with contextlib.suppress(OSError):
        sock.sendall(data)


def exchange(service: ServiceProcess, data: bytes) -> list[Reply]:
    """Send `data` (while reading, from another thread: the server may answer before it has read
    it all), then read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sender = threading.Thread(target=_send, args=(sock, data), daemon=True)
        sender.start()
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        sender.join(10)
    return parse(received)


def request(
    path: str = "/healthz", headers: list[tuple[str, str]] | None = None, close: bool = True
) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers or []]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, upstream_url: str) -> Iterator[ServiceProcess]:
    root = tmp_path_factory.mktemp("protocol")
    with running_service(root / "data", upstream_url) as live:
        yield live


def test_a_one_megabyte_header_is_431(service: ServiceProcess) -> None:
    [reply] = exchange(service, request(headers=[("X-Big", "a" * 1_000_000)]))
    assert reply.status == 431
    error = reply.error()
    assert error["code"] == "request_headers_too_large" and "16384 bytes" in error["message"]
    assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize("count", [2000, 101])
def test_too_many_headers_are_431(service: ServiceProcess, count: int) -> None:
    [reply] = exchange(service, request(headers=[(f"X-H{i}", "v") for i in range(count)]))
    assert reply.status == 431 and reply.error()["code"] == "request_headers_too_large"
    if count == 101:  # within the size limit: the count is what is refused
        assert "more than 100 header fields" in reply.error()["message"]


def test_a_head_that_never_ends_is_refused_without_waiting_for_it(service: ServiceProcess) -> None:
    """Only the limit (and one read) is ever held: the answer comes while the header is unfinished."""
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        _send(sock, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    [reply] = parse(received)
    assert reply.status == 431 and reply.error()["code"] == "request_headers_too_large"


def test_a_long_url_is_414(service: ServiceProcess) -> None:
    [reply] = exchange(service, request(path="/healthz?q=" + "a" * 20_000))
    assert reply.status == 414 and reply.error()["code"] == "url_too_long"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            b"POST /api/consent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: abc\r\n\r\n{}",
            "Content-Length",
        ),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n", "header value"),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x7fb\r\n\r\n", "header value"),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: a\x00b\r\n\r\n", "header value"),
        (b"BREW /healthz HTCPCP/1.0\r\n\r\n", "method"),
        # The head is fine and the app is reading the body when it breaks.
        (
            b"POST /api/consent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n",
            "chunk size",
        ),
    ],
    ids=["content-length-abc", "control-char", "del-char", "nul-char", "bad-method", "bad-chunk"],
)
def test_malformed_requests_get_a_json_400(service: ServiceProcess, raw: bytes, reason: str) -> None:
    [reply] = exchange(service, raw)
    assert reply.status == 400
    error = reply.error()
    assert error["code"] == "invalid_http_request" and reason in error["message"]
    assert reply.headers["connection"] == "close"


def test_requests_within_the_limits_are_served_and_kept_alive(service: ServiceProcess) -> None:
    # 90 headers and about 14 KiB of head, twice on one connection: the limits are per request.
    headers = [(f"X-Field-{i}", "v" * 140) for i in range(90)]
    [first, second] = exchange(service, request(headers=headers, close=False) + request(headers=headers))
    assert first.status == second.status == 200
    assert json.loads(second.body)["database"] is True
    # Then a refused head on a kept-alive connection: the first answer stands, the second is 431.
    too_big = request(headers=[("X-Big", "a" * 20_000)])
    [served, refused] = exchange(service, request(close=False) + too_big)
    assert (served.status, refused.status) == (200, 431)


def test_a_large_body_is_not_counted_as_head(service: ServiceProcess) -> None:
    body = json.dumps({"model": "loopback", "messages": [{"role": "user", "content": "a" * 900_000}]})
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    [reply] = exchange(service, head.encode() + body.encode())
    assert reply.status == 401  # read in full by the app, which wants an API key


def test_the_limits_are_settings(tmp_path: Path, upstream_url: str) -> None:
    limits = {"WILDCHAT_MAX_HEADER_BYTES": "2048", "WILDCHAT_MAX_HEADERS": "20"}
    with running_service(tmp_path / "data", upstream_url, env=limits) as live:
        [ok] = exchange(live, request(headers=[(f"X-H{i}", "v") for i in range(15)]))
        [many] = exchange(live, request(headers=[(f"X-H{i}", "v") for i in range(25)]))
        [big] = exchange(live, request(headers=[("X-Big", "a" * 3000)]))
    assert ok.status == 200
    assert many.status == 431 and "more than 20 header fields" in many.error()["message"]
    assert big.status == 431 and "2048 bytes" in big.error()["message"]
