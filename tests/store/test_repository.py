"""The store on SQLite and PostgreSQL: migrations, participants, the append-only turn log, withdrawal."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from wildchat.records import Channel, Message, Turn, TurnStatus, Usage, new_turn_id
from wildchat.store import Store, make_engine, migrate
from wildchat.store.repository import CONSENTING_INSERT, turn_to_row


@pytest.fixture
def store(database_url: str) -> Store:
    engine = make_engine(database_url)
    migrate(engine)
    return Store(engine)


def make_turn(participant_id: str, conversation_id: str | None = "conv-1", **fields: object) -> Turn:
    values: dict[str, object] = {
        "id": new_turn_id(),
        "received_at": datetime.now(UTC),
        "completed_at": datetime.now(UTC),
        "model": "loopback",
        "messages": [Message("user", "Wie spät ist es? 🙂")],
        "params": {"temperature": 0.7, "stream": True},
        "channel": Channel.WEB,
        "participant_id": participant_id,
        "consent_version": "v1",
        "response": "Es ist **spät**.",
        "finish_reason": "stop",
        "usage": Usage(5, 4),
        "conversation_id": conversation_id,
        "hashed_ip": "a" * 64,
        "country": "Germany",
        "state": "Bavaria",
        "user_agent": "Mozilla/5.0",
        "accept_language": "de-DE,de;q=0.9",
    }
    values.update(fields)
    return Turn(**values)  # type: ignore[arg-type]


def test_migration_creates_tables_and_is_idempotent(store: Store) -> None:
    migrate(store.engine)
    tables = set(inspect(store.engine).get_table_names())
    assert {"participants", "turns", "alembic_version"} <= tables


def test_turn_round_trip_keeps_every_field(store: Store) -> None:
    participant, _key = store.create_participant("v1")
    turn = make_turn(participant.id)
    store.append_turn(turn)
    loaded = store.get_turn(turn.id)
    assert loaded is not None
    assert loaded == turn
    assert loaded.usage is not None and loaded.usage.total_tokens == 9


def test_turn_ids_are_unique_and_appends_never_overwrite(store: Store) -> None:
    participant, _ = store.create_participant("v1")
    turn = make_turn(participant.id)
    store.append_turn(turn)
    with pytest.raises(IntegrityError):
        store.append_turn(make_turn(participant.id, id=turn.id, response="overwritten?"))
    loaded = store.get_turn(turn.id)
    assert loaded is not None and loaded.response == "Es ist **spät**."
    assert len({new_turn_id() for _ in range(10_000)}) == 10_000


def test_keys_identify_participants_and_are_stored_hashed(store: Store) -> None:
    participant, key = store.create_participant("v1")
    assert key.startswith("wc-")
    found = store.participant_by_key(key)
    assert found is not None and found.id == participant.id and found.terms_version == "v1"
    assert store.participant_by_key(key + "x") is None
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT api_key_hash FROM participants").scalar_one()
    assert key not in stored and len(stored) == 64


def test_withdrawal_deletes_turns_revokes_key_and_is_remembered(store: Store) -> None:
    stays, stays_key = store.create_participant("v1")
    leaves, leaves_key = store.create_participant("v1")
    for _ in range(3):
        store.append_turn(make_turn(leaves.id))
    store.append_turn(make_turn(stays.id))
    assert store.withdraw(leaves.id) == 3
    assert store.participant_by_key(leaves_key) is None
    assert store.participant_by_key(stays_key) is not None
    assert store.withdrawn_participant_ids() == {leaves.id}
    assert [t.participant_id for t in store.iter_turns()] == [stays.id]
    assert store.count_turns() == 1


def test_iter_turns_in_arrival_order_and_since(store: Store) -> None:
    participant, _ = store.create_participant("v1")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for minutes in (30, 10, 20):
        store.append_turn(make_turn(participant.id, received_at=start + timedelta(minutes=minutes)))
    times = [t.received_at for t in store.iter_turns(batch_size=2)]
    assert times == sorted(times) and len(times) == 3
    assert len(list(store.iter_turns(since=start + timedelta(minutes=15)))) == 2


def test_conversations_rebuilt_from_latest_turn(store: Store) -> None:
    participant, _ = store.create_participant("v1")
    other, _ = store.create_participant("v1")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = make_turn(participant.id, "c1", received_at=t0, response="one")
    second = make_turn(
        participant.id,
        "c1",
        received_at=t0 + timedelta(seconds=5),
        messages=[Message("user", "q1"), Message("assistant", "one"), Message("user", "q2")],
        response="partial",
        status=TurnStatus.INTERRUPTED,
    )
    newer = make_turn(participant.id, "c2", received_at=t0 + timedelta(minutes=1), response="hello")
    for turn in (first, second, newer, make_turn(other.id, "c3")):
        store.append_turn(turn)
    found = store.conversations(participant.id)
    assert [c.conversation_id for c in found] == ["c2", "c1"]
    c1 = found[1]
    assert [m.content for m in c1.messages] == ["q1", "one", "q2", "partial"]
    assert c1.status == "interrupted"


def test_corrupt_rows_are_counted_and_skipped(store: Store) -> None:
    from collections import Counter

    from sqlalchemy import update

    from wildchat.store.tables import turns

    participant, _ = store.create_participant("v1")
    good, bad = make_turn(participant.id), make_turn(participant.id)
    store.append_turns([good, bad])
    with store.engine.begin() as conn:
        conn.execute(update(turns).where(turns.c.id == bad.id).values(messages={"not": "a list"}))
    skipped: Counter[str] = Counter()
    assert [t.id for t in store.iter_turns(skipped=skipped)] == [good.id]
    assert skipped == Counter({"corrupt_row:ValueError": 1})
    with pytest.raises(ValueError):
        list(store.iter_turns())


def test_turns_of_withdrawn_or_unknown_participants_are_not_stored(store: Store) -> None:
    participant, _ = store.create_participant("v1")
    assert store.append_turn(make_turn(participant.id)) is True
    store.withdraw(participant.id)
    assert store.append_turn(make_turn(participant.id)) is False
    assert store.append_turn(make_turn("no-such-participant")) is False
    assert store.append_turn_nowait(make_turn(participant.id)) in (False, None)
    assert store.count_turns() == 0


def test_a_turn_written_while_its_participant_withdraws_is_deleted(store: Store) -> None:
    """The INSERT is under way (uncommitted) when the withdrawal starts: the turn must not survive."""
    participant, _ = store.create_participant("v1")
    turn = make_turn(participant.id)
    withdrawn: list[int] = []
    with store.engine.connect() as conn:
        transaction = conn.begin()
        assert conn.execute(CONSENTING_INSERT, turn_to_row(turn)).rowcount == 1
        # The withdrawal waits for the writer (PostgreSQL: the participant row; SQLite: the lock).
        worker = threading.Thread(target=lambda: withdrawn.append(store.withdraw(participant.id)))
        worker.start()
        worker.join(timeout=0.5)
        assert worker.is_alive()
        transaction.commit()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert store.get_turn(turn.id) is None and store.count_turns() == 0
    assert store.withdrawn_participant_ids() == {participant.id}


def test_nowait_append_writes_the_same_row_and_never_waits(store: Store) -> None:
    participant, _ = store.create_participant("v1")
    turn = make_turn(participant.id)
    if store.engine.url.get_backend_name() != "sqlite":
        assert store.append_turn_nowait(turn) is None  # the caller uses append_turn in a thread
        return
    assert store.append_turn_nowait(turn) is True
    assert store.get_turn(turn.id) == turn
    with store.engine.connect() as conn:
        ours = conn.exec_driver_sql("SELECT * FROM turns WHERE id = ?", (turn.id,)).one()
    twin = make_turn(participant.id, received_at=turn.received_at, completed_at=turn.completed_at)
    store.append_turn(twin)
    with store.engine.connect() as conn:
        theirs = conn.exec_driver_sql("SELECT * FROM turns WHERE id = ?", (twin.id,)).one()
    assert ours[1:] == theirs[1:]  # byte for byte what SQLAlchemy writes, but for the id
    # Another writer holds the lock: None at once (no busy wait), and nothing written.
    with store.engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        started = time.monotonic()
        assert store.append_turn_nowait(make_turn(participant.id)) is None
        assert time.monotonic() - started < 0.5
        conn.exec_driver_sql("ROLLBACK")
    assert store.count_turns() == 2
    store.close()


def test_appending_again_after_an_unknown_outcome_does_not_duplicate(store: Store) -> None:
    participant, _ = store.create_participant("v1")
    turn = make_turn(participant.id)
    assert store.append_turn(turn) is True
    assert store.append_turn_again(turn) is True  # the first attempt had landed
    assert store.count_turns() == 1
    with pytest.raises(IntegrityError):  # a different turn under a used id is still an error
        store.append_turn_again(
            make_turn(participant.id, id=turn.id, received_at=datetime(2026, 1, 1, tzinfo=UTC))
        )


def test_async_append_on_postgresql(store: Store) -> None:
    participant, _ = store.create_participant("v1")
    turn = make_turn(participant.id)
    is_pg = store.engine.url.get_backend_name() == "postgresql"

    async def writes() -> None:
        try:
            if not is_pg:
                assert await store.append_turn_async(turn) is None  # SQLite: the other paths
                return
            assert await store.append_turn_async(turn) is True
            assert store.get_turn(turn.id) == turn
            # The server drops our connection (a restart): None, so the caller retries in a
            # thread; the next write opens a fresh connection.
            writer = store._async
            assert writer is not None and len(writer._idle) == 1
            with store.engine.connect() as conn:
                pid = writer._idle[0][0].info.backend_pid
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            lost = make_turn(participant.id)
            assert await store.append_turn_async(lost) is None
            assert store.append_turn_again(lost) is True
            assert await store.append_turn_async(make_turn(participant.id)) is True
            store.withdraw(participant.id)
            assert await store.append_turn_async(make_turn(participant.id)) is False
            assert store.count_turns() == 0
        finally:
            await store.aclose()

    asyncio.run(writes())


def test_a_turn_prepared_while_streaming_is_stored_as_written_at_once(store: Store) -> None:
    """Request columns converted early, outcome filled in later: the same row as converting
    everything at the end (SQLite's event-loop writer, PostgreSQL's async one)."""
    participant, _ = store.create_participant("v1")
    turn = make_turn(participant.id, response="", finish_reason=None, usage=None, completed_at=None)
    prepared = store.prepare_turn(turn)
    assert prepared is not None
    turn.response, turn.finish_reason, turn.usage = "Später als gedacht.", "length", Usage(5, 7)
    turn.status, turn.completed_at = TurnStatus.INTERRUPTED, datetime.now(UTC)
    with pytest.raises(ValueError, match="another turn"):
        store.append_turn_nowait(make_turn(participant.id), prepared)

    async def write() -> bool | None:
        try:
            return await store.append_turn_async(turn, prepared)
        finally:
            await store.aclose()

    if store.engine.url.get_backend_name() == "postgresql":
        assert asyncio.run(write()) is True
    else:
        assert store.append_turn_nowait(turn, prepared) is True
    assert store.get_turn(turn.id) == turn
