"""The hot path's pieces on their own: the key cache, the upstream event parser, the event encoder."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.support.loopback_upstream import serve_in_thread
from wildchat.collect.backends.base import BackendError, ChatRequest
from wildchat.collect.backends.upstream import UpstreamBackend
from wildchat.collect.models import ModelRoute
from wildchat.collect.services import ParticipantCache
from wildchat.collect.turns import DONE, EventStreamResponse, LastEvents, TurnJob, _Events
from wildchat.records import Channel, Message, Turn
from wildchat.store import Store, make_engine, migrate
from wildchat.store.repository import hash_api_key


class CountingStore(Store):
    def __init__(self, path: Path) -> None:
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        super().__init__(engine)
        self.lookups = 0

    def participant_by_key_hash(self, key_hash: str) -> Any:
        self.lookups += 1
        return super().participant_by_key_hash(key_hash)


def test_cache_answers_known_keys_without_the_database(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "w.db")
    participant, key = store.create_participant("v1")
    now = [0.0]
    cache = ParticipantCache(store, ttl_s=30, clock=lambda: now[0])

    async def lookups() -> None:
        assert (await cache.participant(key)) == participant
        assert (await cache.participant(key)) == participant
        assert store.lookups == 1
        now[0] = 31.0  # expired: asked again
        assert (await cache.participant(key)) == participant
        assert store.lookups == 2
        for _ in range(2):  # unknown keys are never remembered (another worker may issue them)
            assert (await cache.participant(key + "x")) is None
        assert store.lookups == 4

    anyio.run(lookups)


def test_withdrawal_in_this_process_is_final_at_once(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "w.db")
    participant, key = store.create_participant("v1")
    cache = ParticipantCache(store, ttl_s=3600)

    async def lookups() -> None:
        assert (await cache.participant(key)) == participant
        store.withdraw(participant.id)
        cache.forget(participant.id)
        assert (await cache.participant(key)) is None

    anyio.run(lookups)


def test_a_lookup_that_overlaps_a_withdrawal_is_not_remembered(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "w.db")
    participant, key = store.create_participant("v1")
    cache = ParticipantCache(store, ttl_s=3600)
    read = store.participant_by_key_hash

    def read_then_withdraw(key_hash: str) -> Any:
        found = read(key_hash)  # the database still says yes ...
        store.withdraw(participant.id)  # ... and the withdrawal lands before the lookup returns
        cache.forget(participant.id)
        return found

    async def lookups() -> None:
        store.participant_by_key_hash = read_then_withdraw  # type: ignore[method-assign]
        assert (await cache.participant(key)) == participant  # this request was already in
        store.participant_by_key_hash = read  # type: ignore[method-assign]
        assert (await cache.participant(key)) is None  # the next one is refused

    anyio.run(lookups)
    assert hash_api_key(key) not in cache._entries


def test_cache_stays_bounded(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "w.db")
    keys = [store.create_participant("v1")[1] for _ in range(5)]
    cache = ParticipantCache(store, ttl_s=3600, max_entries=3)

    async def lookups() -> None:
        for key in keys:
            assert (await cache.participant(key)) is not None

    anyio.run(lookups)
    assert len(cache._entries) == 3 and hash_api_key(keys[-1]) in cache._entries


@pytest.mark.parametrize(
    "text", ["", "plain", 'quo"te\\ and\nnew line', "Grüße 🙂 \u2028 </script>", "\x00\x1f"]
)
def test_content_events_are_the_generic_encoding(text: str) -> None:
    turn = Turn(
        id=42,
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
        model='odd "model" name',
        messages=[Message("user", "hi")],
        params={},
        channel=Channel.API,
        participant_id="p",
        consent_version="v1",
    )
    route = ModelRoute('odd "model" name', None, "m", "", "upstream")  # type: ignore[arg-type]
    events = _Events(TurnJob(turn, route, None, None))  # type: ignore[arg-type]
    assert events.content(text) == events.chunk({"content": text})
    payload = json.loads(events.content(text)[len(b"data: ") :])
    assert payload["choices"][0]["delta"] == {"content": text}


def _fragmented_upstream(pieces: list[bytes]) -> Starlette:
    async def completions(_request: Request) -> Response:
        async def body() -> AsyncIterator[bytes]:
            for piece in pieces:
                yield piece
                await asyncio.sleep(0.005)  # each piece its own network read

        return StreamingResponse(body(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def _event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\r\n\r\n"


def _stream(backend: UpstreamBackend) -> tuple[str, str | None, Any]:
    async def collect() -> tuple[str, str | None, Any]:
        text, finish, usage = "", None, None
        try:
            async for chunk in backend.stream(ChatRequest(model="m", messages=[Message("user", "hi")])):
                text += chunk.text
                finish = chunk.finish_reason or finish
                usage = chunk.usage or usage
        finally:
            await backend.close()
        return text, finish, usage

    return asyncio.run(collect())


def test_events_split_anywhere_are_reassembled() -> None:
    def delta(text: str) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}

    wire = b"".join(
        [
            b": a comment\n\n",
            _event(delta("Grüße")),
            _event(delta(" aus ")),
            _event({"choices": [{"index": 1, "delta": {"content": "other choice"}}]}),
            _event(delta("Köln 🙂")),
            _event({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}),
            _event({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}),
            b"data: [DONE]",  # no final newline: the end of the stream ends the line
        ]
    )
    # Cut inside lines, inside multi-byte characters, between \r and \n.
    cuts = [5, 17, 18, 40, 41, 42, 90, 91, 150, len(wire) - 3]
    pieces = [wire[a:b] for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True)]
    with serve_in_thread(_fragmented_upstream(pieces)) as url:
        text, finish, usage = _stream(UpstreamBackend(url + "/v1", "k"))
    assert text == "Grüße aus Köln 🙂"
    assert finish == "length" and usage is not None and usage.completion_tokens == 4


def test_malformed_events_and_error_events_are_upstream_failures() -> None:
    for wire in (b"data: {not json\n\n", b'data: {"error": {"message": "overloaded"}}\n\n', b"data: [1]\n\n"):
        with serve_in_thread(_fragmented_upstream([wire])) as url, pytest.raises(BackendError) as failed:
            _stream(UpstreamBackend(url + "/v1", "k"))
        assert failed.value.status_code == 502


def test_the_reply_ends_at_done_and_the_connection_is_reused() -> None:
    """What follows [DONE] is read after the turn has ended; the connection then goes back to the pool."""
    ports: list[int] = []

    async def completions(request: Request) -> Response:
        assert request.client is not None
        ports.append(request.client.port)

        async def body() -> AsyncIterator[bytes]:
            yield _event({"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]})
            yield b"data: [DONE]\n\n"
            await asyncio.sleep(0.5)  # a slow end of the body: nobody should wait for it

        return StreamingResponse(body(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])

    async def two_turns(url: str) -> list[float]:
        backend = UpstreamBackend(url + "/v1", "k")
        took = []
        try:
            for _ in range(2):
                started = time.perf_counter()
                chunks = [
                    c async for c in backend.stream(ChatRequest(model="m", messages=[Message("user", "x")]))
                ]
                took.append(time.perf_counter() - started)
                assert "".join(c.text for c in chunks) == "hi" and chunks[-1].finish_reason == "stop"
                await asyncio.sleep(0.7)  # the drain finishes in the background
        finally:
            await backend.close()
        return took

    with serve_in_thread(app) as url:
        took = asyncio.run(two_turns(url))
    assert max(took) < 0.4
    assert len(ports) == 2 and ports[0] == ports[1]


def test_the_last_events_and_the_end_of_the_body_go_out_in_one_message() -> None:
    """Clients read on after [DONE] until the body ends: one write, one wake-up for them."""
    sent: list[dict[str, Any]] = []

    async def events() -> AsyncIterator[bytes]:
        yield b"data: {}\n\n"
        yield LastEvents(b"data: {}\n\n" + DONE)
        raise AssertionError("nothing is asked for after the last events")

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(10)
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "headers": []}
    anyio.run(EventStreamResponse(events()), scope, receive, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body", "http.response.body"]
    assert sent[1]["more_body"] is True
    assert sent[2]["body"].endswith(DONE) and sent[2]["more_body"] is False
