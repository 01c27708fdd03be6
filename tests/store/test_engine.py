"""How durable a commit is, per `durable_commits`, and that withdrawals are always flushed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text

from wildchat.store import Store, make_engine, migrate


def _setting(url: str, durable: bool) -> str:
    engine = make_engine(url, durable_commits=durable)
    try:
        with engine.connect() as conn:
            query = "PRAGMA synchronous" if engine.dialect.name == "sqlite" else "SHOW synchronous_commit"
            return str(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize(("durable", "sqlite", "postgresql"), [(False, "1", "off"), (True, "2", "on")])
def test_durable_commits_choose_the_flush_policy(
    database_url: str, durable: bool, sqlite: str, postgresql: str
) -> None:
    expected = sqlite if database_url.startswith("sqlite") else postgresql
    assert _setting(database_url, durable) == expected


@pytest.mark.pg
def test_postgresql_options_in_the_url_are_kept(pg_url: str) -> None:
    url = f"{pg_url}{'&' if '?' in pg_url else '?'}options=-c%20statement_timeout%3D12345"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "12345ms"
            assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
    finally:
        engine.dispose()


def test_withdrawal_is_flushed_even_when_turns_are_not(database_url: str) -> None:
    engine = make_engine(database_url, durable_commits=False)
    migrate(engine)
    store = Store(engine)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(str(args[2])))
    try:
        participant, _key = store.create_participant("v1")
        store.withdraw(participant.id)
        flush = (
            "PRAGMA synchronous=FULL"
            if engine.dialect.name == "sqlite"
            else "SET LOCAL synchronous_commit TO on"
        )
        assert flush in seen
        if engine.dialect.name == "sqlite":  # the connection goes back to the pool as it was
            assert seen[-1] == "PRAGMA synchronous=1"
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1
    finally:
        store.close()


def test_store_folder_is_created(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'er' / 'log.db'}")
    try:
        migrate(engine)
        assert (tmp_path / "deep" / "er" / "log.db").is_file()
    finally:
        engine.dispose()
