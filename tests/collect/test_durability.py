"""The turn log survives real process deaths: SIGKILL under load, SIGTERM mid-stream, several workers.

The service runs as `wildchat serve` in a subprocess (tests/support/processes.py) and clients use
the official `openai` SDK or raw HTTP, as participants do. The promise under test: a turn whose
reply the client received in full (its finish_reason chunk arrived) is in the store, complete.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.support.loopback_upstream import CHUNKS, REPLY
from tests.support.processes import (
    ServiceProcess,
    UpstreamProcess,
    consent,
    running_service,
    running_upstream,
)
from wildchat.records import Turn, TurnStatus
from wildchat.store import Store, make_engine

CLIENTS = 32
MIN_DELIVERED = 20  # the SIGKILL test is vacuous unless this many replies were delivered first
KILL_AFTER_S = 2.0
KILL_WHEN_DELIVERED = 60  # kill once this many are delivered (and KILL_AFTER_S passed) …
KILL_AT_THE_LATEST_S = 12.0  # … or at this point, whichever comes first
UPSTREAM_CHUNK_DELAY_S = 0.01  # 20 chunks → ≈0.2 s a stream, so 32 streams overlap all the time


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpstreamProcess]:
    with running_upstream(tmp_path_factory.mktemp("upstream"), delay_s=UPSTREAM_CHUNK_DELAY_S) as process:
        yield process


def turn_id_of(completion_id: str) -> int:
    assert completion_id.startswith("chatcmpl-"), completion_id
    return int(completion_id.removeprefix("chatcmpl-"))


def read_turns(database_url: str, ids: list[int]) -> dict[int, Turn | None]:
    store = Store(make_engine(database_url))
    try:
        return {turn_id: store.get_turn(turn_id) for turn_id in ids}
    finally:
        store.engine.dispose()


def stored_problems(database_url: str, replies: dict[int, str]) -> list[str]:
    """Why each delivered turn is not stored as delivered (empty when all are)."""
    problems = []
    for turn_id, turn in read_turns(database_url, list(replies)).items():
        if turn is None:
            problems.append(f"{turn_id}: missing")
        elif turn.status is not TurnStatus.COMPLETE or turn.finish_reason != "stop":
            problems.append(f"{turn_id}: status {turn.status.value}, finish_reason {turn.finish_reason}")
        elif turn.response != REPLY:
            problems.append(f"{turn_id}: stored reply {turn.response!r} != {REPLY!r}")
    return problems


def api_key(service: ServiceProcess) -> str:
    with httpx.Client(timeout=10) as client:
        return consent(client, service.url)


def sdk_client(service: ServiceProcess, key: str) -> openai.AsyncOpenAI:
    """The SDK as participants use it (its pool holds up to 1,000 connections)."""
    return openai.AsyncOpenAI(
        base_url=service.api_url,
        api_key=key,
        max_retries=0,  # a retry would hide a failure, and after the kill it only waits
        timeout=30.0,
    )


# -- SIGKILL under concurrent load -----------------------------------------------------------------


@dataclass
class LoadOutcome:
    delivered: dict[int, str] = field(default_factory=dict)  # turn id → the reply the client got
    in_flight_at_kill: int = 0
    errors_before_kill: list[str] = field(default_factory=list)
    seconds_before_kill: float = 0.0


async def load_then_kill(service: ServiceProcess, key: str) -> LoadOutcome:
    outcome = LoadOutcome()
    streaming: set[int] = set()
    killed = False
    client = sdk_client(service, key)

    async def participant(index: int) -> None:
        number = 0
        while not killed:
            number += 1
            streaming.add(index)
            try:
                stream = await client.chat.completions.create(
                    model="loopback",
                    messages=[{"role": "user", "content": f"client {index}, request {number}"}],
                    stream=True,
                )
                reply = ""
                async for chunk in stream:
                    for choice in chunk.choices:
                        reply += choice.delta.content or ""
                        if choice.finish_reason is not None:
                            # Sent only after the commit: from here on the turn must be stored.
                            outcome.delivered[turn_id_of(chunk.id)] = reply
            except Exception as exc:  # after the kill every open stream breaks, which is expected
                if not killed:
                    outcome.errors_before_kill.append(f"client {index}: {exc!r}")
                return
            finally:
                streaming.discard(index)

    loop = asyncio.get_running_loop()
    started = loop.time()
    tasks = [asyncio.create_task(participant(i)) for i in range(CLIENTS)]
    try:
        while not outcome.errors_before_kill:
            elapsed = loop.time() - started
            if elapsed >= KILL_AT_THE_LATEST_S or (
                elapsed >= KILL_AFTER_S and len(outcome.delivered) >= KILL_WHEN_DELIVERED
            ):
                break
            await asyncio.sleep(0.02)
        outcome.seconds_before_kill = loop.time() - started
        outcome.in_flight_at_kill = len(streaming)
        killed = True
        service.kill()  # SIGKILL to the whole process group: no shutdown code runs
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=15)
    finally:
        for task in tasks:
            task.cancel()
        await client.close()
    return outcome


def test_sigkill_under_load_keeps_every_delivered_turn(
    upstream: UpstreamProcess, database_url: str, tmp_path: Path
) -> None:
    with running_service(tmp_path / "data", upstream.api_url, database_url=database_url) as service:
        key = api_key(service)
        outcome = asyncio.run(load_then_kill(service, key))
        assert not service.alive()

    assert outcome.errors_before_kill == [], outcome.errors_before_kill[:5]
    delivered = outcome.delivered
    assert len(delivered) >= MIN_DELIVERED, (
        f"only {len(delivered)} replies were delivered in {outcome.seconds_before_kill:.1f} s: "
        "the kill did not happen under load"
    )
    assert outcome.in_flight_at_kill >= CLIENTS // 2, "the kill should land while streams are open"
    wrong_on_client = {i: r for i, r in delivered.items() if r != REPLY}
    assert wrong_on_client == {}, "the client saw a reply other than the upstream's"

    problems = stored_problems(database_url, delivered)
    assert problems == [], f"{len(problems)} of {len(delivered)} delivered turns: {problems[:5]}"

    if make_url(database_url).get_backend_name() == "sqlite":
        engine = make_engine(database_url)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        finally:
            engine.dispose()


# -- SIGTERM: in-flight streams finish ------------------------------------------------------------


@dataclass
class RawStream:
    payloads: list[str] = field(default_factory=list)  # the `data:` of every event, in order
    started: asyncio.Event = field(default_factory=asyncio.Event)

    def chunks(self) -> list[dict[str, Any]]:
        return [json.loads(p) for p in self.payloads if p != "[DONE]"]

    def text(self) -> str:
        return "".join(c["choices"][0]["delta"].get("content") or "" for c in self.chunks() if c["choices"])


async def slow_streams_then_sigterm(
    service: ServiceProcess, key: str, count: int
) -> tuple[list[RawStream], float]:
    """`count` streams on loopback-slow (≈5 s each); SIGTERM once each has sent a few chunks."""
    streams = [RawStream() for _ in range(count)]
    headers = {"Authorization": f"Bearer {key}"}
    body = {"model": "loopback-slow", "stream": True, "messages": [{"role": "user", "content": "slowly"}]}

    async def read(client: httpx.AsyncClient, stream: RawStream) -> None:
        async with client.stream(
            "POST", service.api_url + "/chat/completions", json=body, headers=headers
        ) as r:
            assert r.status_code == 200
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    stream.payloads.append(line.removeprefix("data: "))
                    if len(stream.payloads) >= 3:  # role chunk and two pieces of the reply
                        stream.started.set()

    async with httpx.AsyncClient(timeout=30) as client:
        tasks = [asyncio.create_task(read(client, s)) for s in streams]
        await asyncio.wait_for(asyncio.gather(*(s.started.wait() for s in streams)), timeout=10)
        assert not any(t.done() for t in tasks)
        sigterm_at = time.time()
        service.signal_group(signal.SIGTERM)
        await asyncio.sleep(0.5)
        # Shutting down: no new connections, while the open streams carry on.
        with pytest.raises(httpx.ConnectError):
            await client.get(service.url + "/healthz")
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=20)
    return streams, sigterm_at


def test_sigterm_lets_running_streams_finish(upstream: UpstreamProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_service(data_dir, upstream.api_url) as service:
        key = api_key(service)
        streams, sigterm_at = asyncio.run(slow_streams_then_sigterm(service, key, count=4))
        code = service.wait(timeout=20)
        events = [e.get("event") for e in service.log_events()]

    # Exited on its own after the graceful shutdown (a kill would read -9); see the test below
    # for the exact status.
    assert code in (0, -signal.SIGTERM), code
    assert "Application shutdown complete." in events and "service stopped" in events

    ids = []
    for stream in streams:
        assert stream.payloads[-1] == "[DONE]"
        chunks = stream.chunks()
        assert chunks[0]["choices"][0]["delta"].get("role") == "assistant"
        pieces = [c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content")]
        assert len(pieces) == len(CHUNKS)  # every piece of the reply, as the upstream sent it
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
        assert stream.text() == REPLY
        assert len({c["id"] for c in chunks}) == 1
        ids.append(turn_id_of(chunks[0]["id"]))

    turns = read_turns(f"sqlite:///{data_dir / 'wildchat.db'}", ids)
    for turn_id, turn in turns.items():
        assert turn is not None, f"turn {turn_id} is not in the store"
        assert turn.status is TurnStatus.COMPLETE and turn.response == REPLY
        assert turn.completed_at is not None
        assert turn.completed_at > datetime.fromtimestamp(sigterm_at, UTC), "finished after SIGTERM"


def test_sigterm_exit_status_is_zero(upstream: UpstreamProcess, tmp_path: Path) -> None:
    with running_service(tmp_path / "data", upstream.api_url) as service:
        service.signal_group(signal.SIGTERM)
        assert service.wait(timeout=20) == 0


# -- several workers on PostgreSQL ----------------------------------------------------------------


async def many_turns(service: ServiceProcess, keys: list[str], total: int, concurrency: int) -> list[str]:
    """`total` turns, alternately streamed and not; returns the completion ids."""
    clients = [sdk_client(service, key) for key in keys]
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> str:
        client = clients[index % len(clients)]
        messages: Any = [{"role": "user", "content": f"turn {index}"}]
        async with gate:
            if index % 2:
                done = await client.chat.completions.create(model="loopback", messages=messages)
                assert done.choices[0].message.content == REPLY
                return done.id
            stream = await client.chat.completions.create(model="loopback", messages=messages, stream=True)
            reply, finish, completion_id = "", None, ""
            async for chunk in stream:
                completion_id = chunk.id
                for choice in chunk.choices:
                    reply += choice.delta.content or ""
                    finish = choice.finish_reason or finish
            assert (reply, finish) == (REPLY, "stop")
            return completion_id

    try:
        return await asyncio.gather(*(one(i) for i in range(total)))
    finally:
        for client in clients:
            await client.close()


def wait_for_workers(service: ServiceProcess, count: int, timeout_s: float = 20) -> set[int]:
    deadline = time.monotonic() + timeout_s
    while True:
        pids = {e["pid"] for e in service.log_events() if e.get("event") == "service started"}
        if len(pids) >= count or time.monotonic() > deadline:
            return pids
        time.sleep(0.1)


@pytest.mark.pg
def test_two_workers_share_postgresql(upstream: UpstreamProcess, pg_url: str, tmp_path: Path) -> None:
    total = 64
    with running_service(tmp_path / "data", upstream.api_url, database_url=pg_url, workers=2) as service:
        pids = wait_for_workers(service, 2)
        assert len(pids) == 2, f"expected two worker processes, saw {pids}"
        keys = [api_key(service) for _ in range(4)]
        completion_ids = asyncio.run(many_turns(service, keys, total, concurrency=16))
        assert service.stop() in (0, -signal.SIGTERM)
        errors = [e for e in service.log_events() if e.get("level") in ("error", "critical")]

    assert errors == []
    ids = [turn_id_of(c) for c in completion_ids]
    assert len(set(ids)) == total
    assert stored_problems(pg_url, dict.fromkeys(ids, REPLY)) == []
    store = Store(make_engine(pg_url))
    try:
        assert store.count_turns() == total
    finally:
        store.engine.dispose()
