"""A non-streamed turn whose client leaves before the answer: recorded `interrupted`, upstream cancelled.

The upstream is the loopback server behind a recorder that notes, for each chat request, whether
its reply was sent to the end or the service hung up first. The client is the official SDK with a
timeout shorter than the slow model's reply: it gives up and closes its connection, as a user
closing a tab or a script timing out does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.collect.test_api import USER, client_for, stored_turns, wait_for
from tests.conftest import LiveService
from tests.support.loopback_upstream import REPLY, make_app, serve_in_thread
from wildchat.records import TurnStatus


class ReplyRecorder:
    """ASGI middleware: for each chat request, `cut` (the peer hung up mid-reply) or `sent`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers_delay_s = 0.0  # before the reply starts: a model still loading its prompt
        self.outcomes: list[tuple[str, str, float]] = []  # (model, outcome, monotonic time)
        self._lock = threading.Lock()

    def _note(self, model: str, outcome: str) -> None:
        with self._lock:
            self.outcomes.append((model, outcome, time.monotonic()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/chat/completions":
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        model = json.loads(body)["model"]
        replayed, finished, cut = False, False, False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def watch() -> None:
            nonlocal cut
            while (await receive())["type"] != "http.disconnect":
                pass
            if not finished:
                cut = True
                self._note(model, "cut")

        async def send_recording(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                finished = True
                if not cut:
                    self._note(model, "sent")
            await send(message)

        watcher = asyncio.create_task(watch())
        try:
            await asyncio.sleep(self.headers_delay_s)
            await self.app(scope, replay, send_recording)
        finally:
            await asyncio.sleep(0)
            watcher.cancel()


@pytest.fixture
def recorder() -> Iterator[tuple[ReplyRecorder, str]]:
    recording = ReplyRecorder(make_app(chunk_delay_s=0.002))
    with serve_in_thread(recording) as url:
        yield recording, url + "/v1"


@pytest.fixture
def service(service_on: Any, database_url: str, recorder: tuple[ReplyRecorder, str]) -> Iterator[LiveService]:
    with service_on(database_url, upstream_base_url=recorder[1]) as live:
        yield live


def test_an_abandoned_request_is_interrupted_and_its_upstream_call_cancelled(
    service: LiveService, recorder: tuple[ReplyRecorder, str]
) -> None:
    upstream = recorder[0]
    impatient = client_for(service).with_options(timeout=1.0)
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model="loopback-slow", messages=USER)  # 20 chunks, 5 s
    gave_up = time.monotonic()
    wait_for(lambda: len(stored_turns(service)) == 1)
    [turn] = stored_turns(service)
    assert turn.status is TurnStatus.INTERRUPTED
    assert turn.finish_reason is None and turn.completed_at is not None
    # What had arrived when the client left: a few chunks of the reply, never all of it.
    assert REPLY.startswith(turn.response) and 0 < len(turn.response) < len(REPLY)
    # The service hung up on the upstream at once, not after the 5 s the reply takes.
    wait_for(lambda: len(upstream.outcomes) == 1)
    [(model, outcome, when)] = upstream.outcomes
    assert (model, outcome) == ("loopback-slow", "cut")
    assert when - gave_up < 1.5


def test_a_request_abandoned_before_the_upstream_answers_is_interrupted(
    service: LiveService, recorder: tuple[ReplyRecorder, str]
) -> None:
    upstream = recorder[0]
    upstream.headers_delay_s = 2.0
    impatient = client_for(service).with_options(timeout=0.5)
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model="loopback", messages=USER)
    gave_up = time.monotonic()
    wait_for(lambda: len(stored_turns(service)) == 1)
    [turn] = stored_turns(service)
    assert turn.status is TurnStatus.INTERRUPTED and turn.response == ""
    wait_for(lambda: len(upstream.outcomes) == 1)
    [(_, outcome, when)] = upstream.outcomes
    assert outcome == "cut" and when - gave_up < 1.5


def test_a_patient_client_still_gets_the_whole_reply(
    service: LiveService, recorder: tuple[ReplyRecorder, str]
) -> None:
    reply = client_for(service).chat.completions.create(model="loopback", messages=USER)
    assert reply.choices[0].message.content == REPLY
    [turn] = stored_turns(service)
    assert turn.status is TurnStatus.COMPLETE and turn.response == REPLY
    wait_for(lambda: len(recorder[0].outcomes) == 1)
    assert recorder[0].outcomes[0][1] == "sent"
