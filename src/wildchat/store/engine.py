"""Engines for SQLite and PostgreSQL, and schema migration with Alembic."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

MIGRATIONS = Path(__file__).parent / "migrations"
WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024
URL_FORMS = "sqlite:///PATH or postgresql+psycopg://USER@HOST:5432/DATABASE"


class StoreUnavailable(Exception):
    """The store cannot be used as configured. The message says which store (never with its
    password) and why, for the operator: commands print it instead of a traceback."""


def parse_url(url: str) -> URL:
    """`url` parsed; StoreUnavailable when it is not a database URL."""
    try:
        return make_url(url)
    except ArgumentError:
        # Not repeated in the message: a URL that does not parse may still hold a password.
        raise StoreUnavailable(f"database_url is not a database URL: use {URL_FORMS}") from None


def check_connection(engine: Engine) -> None:
    """Connect once; StoreUnavailable saying where and why when that fails."""
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        url = engine.url
        if url.get_backend_name() == "sqlite":
            where = f"the SQLite store {url.database}"
        else:
            where = f"the database at {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
        # The driver's first line says why (refused, no such database, authentication failed);
        # drivers do not quote passwords, and nothing of a participant's is involved yet.
        reason = str(exc.orig).strip().split("\n", 1)[0][:300] or type(exc.orig).__name__
        raise StoreUnavailable(f"could not connect to {where}: {reason}") from None


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
    StoreUnavailable for a URL that is not one, of a database or driver this service lacks.
    """
    parsed = parse_url(url)
    try:
        return _make_engine(parsed, durable_commits, **kwargs)
    except ImportError as exc:  # the dialect's driver, e.g. psycopg2 for a bare postgresql://
        shown = parsed.render_as_string(hide_password=True)
        raise StoreUnavailable(
            f"the database driver of {shown} is not installed ({exc.name}): use {URL_FORMS}"
        ) from None
    except OSError as exc:  # the SQLite file's folder cannot be made
        raise StoreUnavailable(
            f"cannot create the folder of the SQLite store {parsed.database}: {exc.strerror}"
        ) from None
    except NoSuchModuleError:
        raise StoreUnavailable(
            f"database_url names a database this service cannot use ({parsed.drivername}): use {URL_FORMS}"
        ) from None


def _make_engine(parsed: URL, durable_commits: bool, **kwargs: Any) -> Engine:
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
        engine = create_engine(parsed, **kwargs)
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
