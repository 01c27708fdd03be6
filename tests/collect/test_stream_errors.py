"""A stream whose producer fails ends with an error event in the OpenAI format, never cut off.

(A store that refuses the turn is covered end to end in test_log_privacy.py.)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anyio

from wildchat.collect.turns import EventStreamResponse


async def failing_events() -> AsyncIterator[bytes]:
    yield b'data: {"choices": []}\n\n'
    raise RuntimeError("a fault of ours")


async def test_a_failing_producer_ends_the_stream_with_an_error_event() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await EventStreamResponse(failing_events())({"type": "http"}, receive, send)
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert [m["more_body"] for m in bodies] == [True, False]  # the body is ended, not cut off
    last = bodies[-1]["body"].decode()
    assert last.startswith("data: ") and last.endswith("\n\n")
    error = json.loads(last.removeprefix("data: "))["error"]
    assert error["code"] == "internal_error" and error["type"] == "server_error"
    assert "fault" not in error["message"]  # no detail goes to the client
