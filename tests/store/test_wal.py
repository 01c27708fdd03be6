"""SQLite's write-ahead log: checkpointed while the service writes, emptied after a withdrawal."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.test_repository import make_turn
from wildchat.records import Message
from wildchat.store import Store, make_engine, migrate, repository, wal
from wildchat.store.wal import WalCheckpointer

SECRET = "Quokka-Lantern-55102"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "wildchat.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    engine = make_engine(f"sqlite:///{db_path}")
    migrate(engine)
    store = Store(engine)
    yield store
    store.close()


def store_bytes(db_path: Path) -> dict[str, bytes]:
    """Every file of the store, by suffix."""
    files = {"db": db_path, "wal": Path(f"{db_path}-wal"), "shm": Path(f"{db_path}-shm")}
    return {name: path.read_bytes() if path.exists() else b"" for name, path in files.items()}


def holding(db_path: Path, secret: str) -> list[str]:
    return [name for name, data in store_bytes(db_path).items() if secret.encode() in data]


def test_every_connection_deletes_securely_and_bounds_the_log(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar_one() > 0
    assert store._nowait is not None
    assert store._nowait._connection().execute("PRAGMA secure_delete").fetchone() == (1,)


def test_nowait_appends_are_checkpointed(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The nowait connection never checkpoints itself (the fsync would stall the event loop): every
    NOWAIT_CHECKPOINT_EVERY turns a thread copies the log into the file and starts it over."""
    monkeypatch.setattr(repository, "NOWAIT_CHECKPOINT_EVERY", 5)
    runs: list[tuple[str, bool]] = []
    ran = threading.Event()
    checkpoint = WalCheckpointer.checkpoint

    def spy(self: WalCheckpointer, mode: str, busy_timeout_s: float) -> bool:
        done = checkpoint(self, mode, busy_timeout_s)
        runs.append((mode, done))
        ran.set()
        return done

    monkeypatch.setattr(WalCheckpointer, "checkpoint", spy)
    participant, _ = store.create_participant("v1")
    for _ in range(4):
        assert store.append_turn_nowait(make_turn(participant.id)) is True
    assert not ran.wait(0.2)
    assert store.append_turn_nowait(make_turn(participant.id)) is True
    assert ran.wait(5)
    assert runs == [("RESTART", True)]  # everything copied, and the log starts over
    writer = store._nowait
    assert writer is not None
    assert writer._connection().execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    assert writer._connection().execute("PRAGMA busy_timeout").fetchone() == (0,)


def log_frames(db_path: Path) -> int:
    """Frames in the log (counting them checkpoints it too)."""
    with sqlite3.connect(db_path) as conn:
        _busy, frames, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(frames)


def test_the_log_starts_over_although_a_writer_overlaps_the_checkpoint(store: Store, db_path: Path) -> None:
    """What kept the log growing under load (312 MB after 12,000 turns): a PASSIVE checkpoint
    copies the frames it finds while a writer appends more, so the log is never wholly copied
    when the next write starts, and it never starts over. The periodic checkpoint waits for the
    writer instead, and the next write starts the log from its beginning."""
    participant, _ = store.create_participant("v1")
    for _ in range(50):  # 5 to 6 frames each
        store.append_turn(make_turn(participant.id))
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a write under way when the checkpoint starts
    writer.execute(
        "INSERT INTO participants (id, created_at, terms_version, agreed_terms_at, agreed_publication_at)"
        " VALUES ('late', '2026-01-01', 'v1', '2026-01-01', '2026-01-01')"
    )
    checkpointer = store._wal
    assert checkpointer is not None and checkpointer.checkpoint_in_background()
    threading.Event().wait(0.05)
    writer.execute("COMMIT")
    writer.close()
    for _ in range(250):
        if not checkpointer._running.locked():
            break
        threading.Event().wait(0.02)
    store.append_turn(make_turn(participant.id))
    assert log_frames(db_path) <= 12  # only the last turn's frames: the log started over


def test_withdrawal_leaves_the_text_in_no_file(store: Store, db_path: Path) -> None:
    leaving, _ = store.create_participant("v1")
    staying, _ = store.create_participant("v1")
    for number in range(40):  # interleaved, on both write paths, so pages hold both
        for participant, words in ((leaving, SECRET), (staying, "Staying-Words")):
            turn = make_turn(participant.id, messages=[Message("user", f"{words} {number} " + "x" * 300)])
            assert (store.append_turn_nowait(turn) if number % 2 else store.append_turn(turn)) is True
    assert "wal" in holding(db_path, SECRET)  # the test can see the text where it is
    assert store.withdraw(leaving.id) == 40
    assert holding(db_path, SECRET) == []
    assert "db" in holding(db_path, "Staying-Words")  # what stays is still there to find


def test_an_erase_held_back_by_a_reader_is_finished_by_a_later_checkpoint(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal, "ERASE_BUSY_TIMEOUT_S", 0.1)
    monkeypatch.setattr(repository, "NOWAIT_CHECKPOINT_EVERY", 1)
    leaving, _ = store.create_participant("v1")
    staying, _ = store.create_participant("v1")
    store.append_turn(make_turn(leaving.id, messages=[Message("user", SECRET)]))
    reader = sqlite3.connect(db_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM turns").fetchone()  # a snapshot from before the delete
    assert store.withdraw(leaving.id) == 1
    assert holding(db_path, SECRET) != []  # the reader may still read it
    reader.execute("COMMIT")
    reader.close()
    assert store._wal is not None
    ran = threading.Event()
    checkpoint = WalCheckpointer.checkpoint

    def spy(self: WalCheckpointer, mode: str, busy_timeout_s: float) -> bool:
        done = checkpoint(self, mode, busy_timeout_s)
        ran.set()
        return done

    monkeypatch.setattr(WalCheckpointer, "checkpoint", spy)
    assert store.append_turn_nowait(make_turn(staying.id)) is True  # the next periodic checkpoint
    assert ran.wait(5)
    for _ in range(50):  # the thread clears its flag just after the checkpoint returns
        if not store._wal._erase_pending:
            break
        threading.Event().wait(0.02)
    assert holding(db_path, SECRET) == []
    assert not store._wal._erase_pending
