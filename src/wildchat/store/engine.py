"""Engines for SQLite and PostgreSQL, and schema migration with Alembic."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).parent / "migrations"
WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024


def sqlite_pragmas(
    dbapi_connection: Any, _record: Any, synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; synchronous=NORMAL keeps every committed turn
    # through a process crash (SIGKILL), losing at most the last commits on a power cut.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted text (a withdrawal) is overwritten with zeros, in the pages and on the free list,
    # instead of lingering in the file until its space is reused.
    cursor.execute("PRAGMA secure_delete=ON")
    # A log that grew past this (a long read held checkpoints back) shrinks to it when it next
    # starts over.
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
    cursor.close()


def make_engine(url: str, durable_commits: bool = False, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs; creates the SQLite file's folder.

    Without `durable_commits`, a commit survives the process being killed but not a power cut
    in the next fraction of a second: SQLite's WAL with synchronous=NORMAL, and the same on
    PostgreSQL with synchronous_commit=off (its fsync is most of a turn write's time there).
    `Store.withdraw` always flushes. With it: synchronous=FULL and synchronous_commit=on.
    """
    parsed = make_url(url)
    # A failed statement's parameters are the turn's text: never in an exception message (logs).
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # As many pooled connections as the service has store threads, so a busy service does
        # not reopen connections (and re-run the PRAGMAs) on every turn.
        if parsed.database not in (None, "", ":memory:"):
            kwargs.setdefault("pool_size", 20)
            kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
        synchronous: Literal["NORMAL", "FULL"] = "FULL" if durable_commits else "NORMAL"
        event.listen(engine, "connect", functools.partial(sqlite_pragmas, synchronous=synchronous))
        return engine
    if not durable_commits and parsed.get_backend_name() == "postgresql":
        # In the URL (not connect_args) so that every connection made from it gets it, the
        # store's own async ones included.
        given = parsed.query.get("options")
        given = " ".join(given) if isinstance(given, tuple) else given
        options = " ".join(filter(None, [given, "-c synchronous_commit=off"]))
        parsed = parsed.update_query_dict({"options": options})
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(parsed, **kwargs)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to call on every start."""
    command.upgrade(alembic_config(engine), revision)
