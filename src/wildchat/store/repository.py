"""All reads and writes of the store, as plain methods over SQLAlchemy Core.

Methods are synchronous: the service calls them from a worker thread (see collect.turns) so that a
slow disk never blocks the event loop, and batch jobs call them directly. The one exception is
`append_turn_nowait`, which the service calls on the event loop: it never waits (see there).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError

from wildchat.records import Channel, Message, Turn, TurnStatus, Usage
from wildchat.store import nul
from wildchat.store.engine import sqlite_pragmas
from wildchat.store.tables import participants, turns
from wildchat.store.wal import WalCheckpointer

log = logging.getLogger("wildchat.store")

API_KEY_PREFIX = "wc-"
# Turns appended without waiting (see Store.append_turn_nowait) between two WAL checkpoints,
# which then run in a background thread: about SQLite's own default of 1,000 pages (a turn
# writes 5 to 6), so the log stays near 4 MB.
NOWAIT_CHECKPOINT_EVERY = 200
# Async PostgreSQL connections per process for turn writes (see Store.append_turn_async).
ASYNC_POSTGRES_CONNECTIONS = 8


def _consenting_insert() -> Any:
    """INSERT one turn only while its participant exists and has not withdrawn.

    This is what keeps a withdrawal final however the turn got here (a key cached by another
    worker process, a stream that was already running): the check and the write are one
    statement. On PostgreSQL the participant row is locked FOR SHARE, so a concurrent withdrawal
    (which updates that row before deleting the turns, see Store.withdraw) either waits for this
    INSERT to commit and then deletes the turn, or commits first and this INSERT adds nothing.
    SQLite serialises writers, so the same holds there without a lock.
    """
    consenting = (
        select(participants.c.id)
        .where(participants.c.id == bindparam("participant_id"), participants.c.withdrawn_at.is_(None))
        .with_for_update(read=True)
    )
    row = select(*[bindparam(c.name, type_=c.type).label(c.name) for c in turns.c]).where(consenting.exists())
    # rowcount (1 or 0) says whether the turn was stored; SQLAlchemy keeps it only when asked.
    return insert(turns).from_select([c.name for c in turns.c], row).execution_options(preserve_rowcount=True)


CONSENTING_INSERT = _consenting_insert()


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def as_utc(value: datetime) -> datetime:
    """A time to compare with the stored ones: in UTC, a naive time taken to be UTC already.

    SQLite keeps times as text without their offset, so a time in another zone would be
    compared as if it were UTC; PostgreSQL would read a naive one in the session's zone.
    """
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _consenting_turns() -> Any:
    """SELECT every turn of participants who have not withdrawn (JSON columns read as text)."""
    columns = [type_coerce(c, Text) if c.name in ("messages", "params") else c for c in turns.c]
    return (
        select(*columns)
        .join(participants, participants.c.id == turns.c.participant_id)
        .where(participants.c.withdrawn_at.is_(None))
    )


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we write is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    terms_version: str
    created_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """The latest state of one conversation of a participant, as the chat page shows it."""

    conversation_id: str
    model: str
    updated_at: datetime
    messages: list[Message]
    status: str


# The columns that hold what a client or an upstream sent: escaped when any of them holds a NUL.
ESCAPED_COLUMNS = (
    "messages",
    "params",
    "response",
    "error",
    "finish_reason",
    "user_agent",
    "accept_language",
)
_COLUMN_LENGTHS = {name: getattr(turns.c[name].type, "length", None) for name in ESCAPED_COLUMNS}


def _escape_row(row: dict[str, Any]) -> None:
    for name in ESCAPED_COLUMNS:
        value = nul.escape(row[name])
        if isinstance(value, str) and (limit := _COLUMN_LENGTHS[name]) is not None:
            value = nul.cut_escaped(value, limit)
        row[name] = value
    row["nul_escaped"] = True


def turn_to_row(turn: Turn) -> dict[str, Any]:
    """The turn as a row; its text escaped (`nul_escaped`) when it holds a NUL, see store.nul."""
    row = _plain_row(turn)
    if any(nul.holds_nul(row[name]) for name in ESCAPED_COLUMNS):
        _escape_row(row)
    return row


def _plain_row(turn: Turn) -> dict[str, Any]:
    usage = turn.usage
    return {
        "id": turn.id,
        "received_at": turn.received_at,
        "completed_at": turn.completed_at,
        "model": turn.model,
        "messages": [m.as_dict() for m in turn.messages],
        "params": turn.params,
        "response": turn.response,
        "finish_reason": turn.finish_reason,
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "status": turn.status.value,
        "error": turn.error,
        "channel": turn.channel.value,
        "conversation_id": turn.conversation_id,
        "participant_id": turn.participant_id,
        "consent_version": turn.consent_version,
        "hashed_ip": turn.hashed_ip,
        "country": turn.country,
        "state": turn.state,
        "user_agent": turn.user_agent,
        "accept_language": turn.accept_language,
        "nul_escaped": False,
    }


def _json_value(value: Any) -> Any:
    # The build reads JSON columns as text so that one corrupt row can be skipped, not fatal.
    return json.loads(value) if isinstance(value, str | bytes) else value


def _messages(value: Any, escaped: bool) -> list[Message]:
    items = _json_value(value)
    if not isinstance(items, list):
        raise ValueError("messages is not a list")
    if escaped:
        items = nul.restore(items)
    return [Message(str(x["role"]), str(x["content"] or "")) for x in items]


def row_to_turn(row: Any) -> Turn:
    m = row._mapping
    escaped = bool(m["nul_escaped"])

    def text(value: Any) -> Any:
        return nul.restore(value) if escaped else value

    usage = (
        Usage(m["prompt_tokens"] or 0, m["completion_tokens"] or 0)
        if m["prompt_tokens"] is not None or m["completion_tokens"] is not None
        else None
    )
    return Turn(
        id=m["id"],
        received_at=_aware(m["received_at"]) or m["received_at"],
        completed_at=_aware(m["completed_at"]),
        model=m["model"],
        messages=_messages(m["messages"], escaped),
        params=text(_json_value(m["params"])),
        response=text(m["response"]),
        finish_reason=text(m["finish_reason"]),
        usage=usage,
        status=TurnStatus(m["status"]),
        error=text(m["error"]),
        channel=Channel(m["channel"]),
        conversation_id=m["conversation_id"],
        participant_id=m["participant_id"],
        consent_version=m["consent_version"],
        hashed_ip=m["hashed_ip"],
        country=m["country"],
        state=m["state"],
        user_agent=text(m["user_agent"]),
        accept_language=text(m["accept_language"]),
    )


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._wal = WalCheckpointer.for_engine(engine)
        self._nowait = _NowaitSqliteWriter.for_engine(engine, self._wal)
        self._async = _AsyncPostgresWriter.for_engine(engine)

    def close(self) -> None:
        if self._nowait is not None:
            self._nowait.close()
        self.engine.dispose()

    async def aclose(self) -> None:
        """Close what `append_turn_async` opened (call from the event loop that used it)."""
        if self._async is not None:
            await self._async.close()

    # -- participants and consent -------------------------------------------------------------

    def create_participant(self, terms_version: str) -> tuple[Participant, str]:
        """Record a participant who agreed to the terms and to publication; returns their new key.

        Both agreements are required by the caller; this is the only place keys are minted.
        """
        now = datetime.now(UTC)
        participant = Participant(id=secrets.token_hex(16), terms_version=terms_version, created_at=now)
        api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(participants).values(
                    id=participant.id,
                    created_at=now,
                    terms_version=terms_version,
                    agreed_terms_at=now,
                    agreed_publication_at=now,
                    api_key_hash=hash_api_key(api_key),
                )
            )
        return participant, api_key

    def renew_consent(self, participant_id: str, terms_version: str) -> bool:
        """Record that a participant agreed again, to `terms_version`, to the terms and to
        publication; their key and their turns stay theirs. False if they withdrew meanwhile.

        Each turn keeps the version it was collected under (`consent_version`).
        """
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            renewed = conn.execute(
                update(participants)
                .where(participants.c.id == participant_id, participants.c.withdrawn_at.is_(None))
                .values(terms_version=terms_version, agreed_terms_at=now, agreed_publication_at=now)
            ).rowcount
        return bool(renewed)

    def add_participants(self, rows: list[tuple[str, str, datetime]]) -> None:
        """Record consenting participants without keys: imports and synthetic logs.

        Each row is (id, terms version, when both agreements were given).
        """
        if rows:
            values = [
                {
                    "id": pid,
                    "created_at": agreed,
                    "terms_version": version,
                    "agreed_terms_at": agreed,
                    "agreed_publication_at": agreed,
                }
                for pid, version, agreed in rows
            ]
            with self.engine.begin() as conn:
                conn.execute(insert(participants), values)

    def participant_by_key(self, api_key: str) -> Participant | None:
        """The consenting participant who holds `api_key`; None for unknown or withdrawn keys."""
        return self.participant_by_key_hash(hash_api_key(api_key))

    def participant_by_key_hash(self, key_hash: str) -> Participant | None:
        query = select(participants.c.id, participants.c.terms_version, participants.c.created_at).where(
            participants.c.api_key_hash == key_hash, participants.c.withdrawn_at.is_(None)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return Participant(row.id, row.terms_version, _aware(row.created_at) or row.created_at)

    def withdraw(self, participant_id: str) -> int:
        """Delete every turn of the participant, revoke their key, remember the withdrawal.

        The participant row stays (without key) so that builds can exclude them even from an
        older copy of the log. Returns the number of turns deleted. On SQLite the deleted text is
        then gone from every file of the store: zeroed in the database (`secure_delete`) and the
        write-ahead log emptied (WalCheckpointer.erase).
        """
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.connect() as conn:
            # A withdrawal is flushed to disk before it is confirmed, whatever `durable_commits`
            # says for turns: a power cut must not bring deleted conversations back.
            if sqlite:
                previous = int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
                conn.exec_driver_sql("PRAGMA synchronous=FULL")
                conn.commit()  # ends SQLAlchemy's autobegun transaction (no write happened)
            try:
                with conn.begin():
                    if not sqlite:
                        conn.exec_driver_sql("SET LOCAL synchronous_commit TO on")
                    # The participant row first: on PostgreSQL this waits for any turn INSERT that
                    # holds the row FOR SHARE, so the DELETE below (a new snapshot under READ
                    # COMMITTED) sees and removes that turn; INSERTs after this point find the
                    # withdrawal and add nothing.
                    conn.execute(
                        update(participants)
                        .where(participants.c.id == participant_id)
                        .values(withdrawn_at=datetime.now(UTC), api_key_hash=None)
                    )
                    deleted = conn.execute(
                        delete(turns).where(turns.c.participant_id == participant_id)
                    ).rowcount
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA synchronous={previous}")
                    conn.commit()
        if self._wal is not None:
            self._wal.erase()
        return int(deleted or 0)

    def withdrawn_participant_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(participants.c.id).where(participants.c.withdrawn_at.is_not(None)))
            return {r.id for r in rows}

    # -- the turn log --------------------------------------------------------------------------

    def append_turn(self, turn: Turn) -> bool:
        """Append the turn; False (nothing written) when its participant withdrew or is unknown."""
        # One statement is its own transaction: in autocommit mode it takes one round trip to
        # PostgreSQL instead of three (BEGIN, INSERT, COMMIT). A parameter dict (not .values())
        # lets SQLAlchemy reuse one compiled INSERT.
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            return bool(conn.execute(CONSENTING_INSERT, turn_to_row(turn)).rowcount == 1)

    def append_turn_again(self, turn: Turn) -> bool:
        """`append_turn` after an attempt whose outcome is unknown (its connection died after
        the INSERT was sent): a row that already has this turn's id, participant and time is it."""
        try:
            return self.append_turn(turn)
        except IntegrityError:
            found = self.get_turn(turn.id)
            if found is None or (found.participant_id, found.received_at) != (
                turn.participant_id,
                turn.received_at,
            ):
                raise
            return True

    def prepare_turn(self, turn: Turn) -> PreparedTurn | None:
        """Convert the turn's request columns for `append_turn_nowait`/`append_turn_async` now,
        while its reply streams, so that less is left to do between the reply's end and the
        commit the client waits for. Only the outcome columns may change afterwards."""
        writer = self._nowait or self._async
        return writer.prepare(turn) if writer is not None else None

    async def append_turn_async(self, turn: Turn, prepared: PreparedTurn | None = None) -> bool | None:
        """`append_turn` on the event loop, for PostgreSQL (psycopg); None where it cannot.

        A worker thread and SQLAlchemy's pooled connection (pre-ping included) cost 0.5 ms of
        wall time and 0.3 ms of CPU per turn; psycopg's own async connection in autocommit mode
        takes one round trip and a third of the CPU. None (the caller then uses
        `append_turn_again` in a thread) for other databases, when all of this process's async
        connections are busy, and when the connection fails, e.g. after a server restart.
        """
        _check_prepared(turn, prepared)
        return await self._async.append(turn, prepared) if self._async is not None else None

    def append_turn_nowait(self, turn: Turn, prepared: PreparedTurn | None = None) -> bool | None:
        """`append_turn` where it cannot wait, for the event loop; None where it would have to.

        Only for an SQLite file: a write there takes well under a millisecond, less than the hop
        to a worker thread and back, which at low load is most of what the service adds to a
        turn. None at once when another writer (another worker process, a withdrawal) holds the
        lock: the caller then uses `append_turn` in a thread.
        """
        _check_prepared(turn, prepared)
        return self._nowait.append(turn, prepared) if self._nowait is not None else None

    def append_turns(self, batch: list[Turn]) -> None:
        """Append many turns in one transaction (imports, synthetic logs)."""
        if batch:
            with self.engine.begin() as conn:
                conn.execute(insert(turns), [turn_to_row(t) for t in batch])

    def get_turn(self, turn_id: int) -> Turn | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(turns).where(turns.c.id == turn_id)).first()
        return row_to_turn(row) if row is not None else None

    def count_turns(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(turns)).scalar_one())

    def iter_turns(
        self,
        since: datetime | None = None,
        batch_size: int = 5000,
        skipped: Counter[str] | None = None,
    ) -> Iterator[Turn]:
        """Every turn of consenting participants in order of arrival, streamed in batches.

        `since`: only turns received at or after it; a naive time is taken to be UTC.
        With `skipped`, rows that cannot be read are counted there by reason instead of raising.
        """
        query = _consenting_turns().order_by(turns.c.received_at, turns.c.id)
        if since is not None:
            query = query.where(turns.c.received_at >= as_utc(since))
        yield from self._read_turns(query, batch_size, skipped)

    def turns_before(
        self,
        before: datetime,
        participant_ids: Collection[str] = (),
        conversations: Collection[tuple[str, str]] = (),
        chunk: int = 500,
    ) -> list[Turn]:
        """Turns of consenting participants received before `before` (naive: UTC), in order of
        arrival: every turn of `participant_ids`, and the turns of each (participant id,
        conversation id) in `conversations`. Unreadable rows are left out."""
        found: dict[int, Turn] = {}
        limit = turns.c.received_at < as_utc(before)
        people = sorted(participant_ids)
        for start in range(0, len(people), chunk):
            query = _consenting_turns().where(
                limit, turns.c.participant_id.in_(people[start : start + chunk])
            )
            found.update((t.id, t) for t in self._read_turns(query, 5000, Counter()))
        pairs = sorted(set(conversations))
        for start in range(0, len(pairs), chunk):
            part = pairs[start : start + chunk]
            query = _consenting_turns().where(
                limit,
                turns.c.conversation_id.in_({c for _p, c in part}),
                turns.c.participant_id.in_({p for p, _c in part}),
            )
            wanted = set(part)
            found.update(
                (t.id, t)
                for t in self._read_turns(query, 5000, Counter())
                if (t.participant_id, t.conversation_id) in wanted
            )
        return sorted(found.values(), key=lambda t: (t.received_at, t.id))

    def _read_turns(self, query: Any, batch_size: int, skipped: Counter[str] | None) -> Iterator[Turn]:
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(query)
            for row in result:
                try:
                    turn = row_to_turn(row)
                except (ValueError, KeyError, TypeError) as exc:
                    if skipped is None:
                        raise
                    skipped[f"corrupt_row:{type(exc).__name__}"] += 1
                    continue
                yield turn

    def conversations(self, participant_id: str, limit: int = 100) -> list[ConversationSummary]:
        """The participant's conversations, newest first, each rebuilt from its latest turn.

        Every turn carries the whole history it was asked with, so the latest turn plus its reply
        is the conversation as the participant last saw it.
        """
        latest = (
            select(turns.c.conversation_id, func.max(turns.c.received_at).label("last"))
            .where(turns.c.participant_id == participant_id, turns.c.conversation_id.is_not(None))
            .group_by(turns.c.conversation_id)
            .order_by(func.max(turns.c.received_at).desc())
            .limit(limit)
            .subquery()
        )
        query = (
            select(turns)
            .join(
                latest,
                (turns.c.conversation_id == latest.c.conversation_id)
                & (turns.c.received_at == latest.c.last),
            )
            .where(turns.c.participant_id == participant_id)
            .order_by(turns.c.received_at.desc())
        )
        summaries: dict[str, ConversationSummary] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                turn = row_to_turn(row)
                assert turn.conversation_id is not None
                if turn.conversation_id in summaries:
                    continue
                messages = [*turn.messages]
                if turn.response or turn.status is TurnStatus.COMPLETE:
                    messages.append(Message("assistant", turn.response))
                summaries[turn.conversation_id] = ConversationSummary(
                    conversation_id=turn.conversation_id,
                    model=turn.model,
                    updated_at=turn.completed_at or turn.received_at,
                    messages=messages,
                    status=turn.status.value,
                )
        return list(summaries.values())


BindProcessors = dict[str, Callable[[Any], Any] | None]


def _bind_processors(dialect: Dialect) -> BindProcessors:
    """SQLAlchemy's own value conversions for the turn columns, for the writers that go around
    its execution layer: their rows are then the ones `append_turn` writes."""
    return {c.name: c.type.dialect_impl(dialect).bind_processor(dialect) for c in turns.c}


# The columns a turn's outcome fills in; the others are known when its request arrives.
OUTCOME_COLUMNS = (
    "completed_at",
    "response",
    "finish_reason",
    "prompt_tokens",
    "completion_tokens",
    "status",
    "error",
)


def _bound_row(
    turn: Turn, processors: BindProcessors, prepared: PreparedTurn | None = None
) -> dict[str, Any]:
    """The turn's row with SQLAlchemy's conversions applied; with `prepared` (this turn's row
    bound earlier), only its outcome columns are converted now."""
    row = turn_to_row(turn)
    if prepared is not None and prepared.row["nul_escaped"] != _bound_flag(row, processors):
        prepared = None  # a NUL in the outcome: the request columns are escaped too
    bound = {} if prepared is None else dict(prepared.row)
    for name in row if prepared is None else OUTCOME_COLUMNS:
        value = row[name]
        bound[name] = process(value) if (process := processors[name]) is not None else value
    return bound


def _bound_flag(row: dict[str, Any], processors: BindProcessors) -> Any:
    """The row's `nul_escaped` as the database receives it (SQLite takes 0 and 1)."""
    process = processors["nul_escaped"]
    return process(row["nul_escaped"]) if process is not None else row["nul_escaped"]


@dataclass(frozen=True, slots=True)
class PreparedTurn:
    """A turn's row converted for the database while its reply streams (Store.prepare_turn)."""

    turn_id: int
    row: dict[str, Any]


def _check_prepared(turn: Turn, prepared: PreparedTurn | None) -> None:
    if prepared is not None and prepared.turn_id != turn.id:
        raise ValueError("the prepared row belongs to another turn")


class _TurnWriter:
    """What the event-loop writers share: SQLAlchemy's conversions for the engine's dialect."""

    def __init__(self, engine: Engine) -> None:
        self._processors = _bind_processors(engine.dialect)

    def prepare(self, turn: Turn) -> PreparedTurn:
        return PreparedTurn(turn.id, _bound_row(turn, self._processors))


class _NowaitSqliteWriter(_TurnWriter):
    """The consenting INSERT on plain sqlite3 connections (one per thread) that never wait.

    No busy timeout: a locked database fails at once instead of stalling the caller. No automatic
    checkpoint: its fsync would stall the caller too; checkpoints run in a background thread
    every NOWAIT_CHECKPOINT_EVERY turns instead (see store.wal). The statement and the parameter
    conversions are SQLAlchemy's own (compiled once), so rows are identical to those `append_turn`
    writes; going around SQLAlchemy's execution layer makes the write 3x cheaper (0.2 ms instead
    of 0.7 ms on an idle service, where caches are cold).
    """

    def __init__(self, engine: Engine, database: str, checkpointer: WalCheckpointer) -> None:
        super().__init__(engine)
        self._database = database
        self._checkpointer = checkpointer
        compiled = CONSENTING_INSERT.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        if compiled.positiontup is None:
            raise ValueError("the SQLite dialect is expected to use positional parameters")
        self._names = list(compiled.positiontup)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._commits = 0
        with engine.connect() as conn:  # the engine's durability (see make_engine), copied below
            self._synchronous = int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())

    @classmethod
    def for_engine(cls, engine: Engine, checkpointer: WalCheckpointer | None) -> _NowaitSqliteWriter | None:
        url = engine.url
        plain_file = url.database not in (None, "", ":memory:") and not url.query
        if url.get_backend_name() != "sqlite" or url.get_driver_name() != "pysqlite" or not plain_file:
            return None
        assert url.database is not None and checkpointer is not None
        return cls(engine, url.database, checkpointer)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if conn is None:
            # Autocommit mode (isolation_level=None); one connection per thread through _local;
            # timeout=0 so that not even setting it up waits for a lock.
            conn = sqlite3.connect(self._database, timeout=0, isolation_level=None, check_same_thread=False)
            try:
                sqlite_pragmas(conn, None)
                conn.execute(f"PRAGMA synchronous={self._synchronous}")
                conn.execute("PRAGMA busy_timeout=0")  # sqlite_pragmas sets 10 s
                conn.execute("PRAGMA wal_autocheckpoint=0")
            except sqlite3.Error:
                conn.close()
                raise
            self._local.connection = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def append(self, turn: Turn, prepared: PreparedTurn | None = None) -> bool | None:
        row = _bound_row(turn, self._processors, prepared)
        parameters = [row[name] for name in self._names]
        try:
            # One statement in autocommit mode is its own transaction: no BEGIN/COMMIT calls.
            stored = self._connection().execute(self._sql, parameters).rowcount == 1
        except sqlite3.OperationalError:  # "database is locked"; anything real fails again later
            return None
        self._commits += 1
        if self._commits >= NOWAIT_CHECKPOINT_EVERY and self._checkpointer.checkpoint_in_background():
            self._commits = 0
        return stored

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


class _AsyncPostgresWriter(_TurnWriter):
    """The consenting INSERT over a few psycopg async connections in autocommit mode.

    Statement and parameter conversions are SQLAlchemy's (compiled once for the engine's
    dialect), and the connections are made with the engine's own connect arguments, so rows are
    the ones `append_turn` writes. Never waits for a connection: with all of them busy the
    caller takes the thread path instead.
    """

    def __init__(self, engine: Engine) -> None:
        import psycopg

        super().__init__(engine)
        self._psycopg = psycopg
        self._sql = str(CONSENTING_INSERT.compile(dialect=engine.dialect))
        self._connect_args = engine.dialect.create_connect_args(engine.url)
        self._idle: list[tuple[Any, Any]] = []  # (connection, its cursor)
        self._open = 0

    @classmethod
    def for_engine(cls, engine: Engine) -> _AsyncPostgresWriter | None:
        url = engine.url
        if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg":
            return None
        return cls(engine)

    async def append(self, turn: Turn, prepared: PreparedTurn | None = None) -> bool | None:
        parameters = _bound_row(turn, self._processors, prepared)
        if self._idle:
            conn, cursor = self._idle.pop()
        elif self._open < ASYNC_POSTGRES_CONNECTIONS:
            self._open += 1
            try:
                args, kwargs = self._connect_args
                conn = await self._psycopg.AsyncConnection.connect(*args, **kwargs, autocommit=True)
            except self._psycopg.Error:
                self._open -= 1
                log.warning("could not open an async PostgreSQL connection", exc_info=True)
                return None
            # One cursor per connection, reused: making one copies the adapters map (0.2 ms).
            cursor = conn.cursor()
        else:
            return None
        try:
            await cursor.execute(self._sql, parameters)
            stored: bool = cursor.rowcount == 1
        except BaseException as exc:
            # Broken or cancelled mid-statement: this connection's state is unknown; drop it.
            self._open -= 1
            await _close_quietly(conn)
            if isinstance(exc, self._psycopg.OperationalError):
                log.warning("async PostgreSQL write failed; retrying in a thread", exc_info=True)
                return None
            raise
        self._idle.append((conn, cursor))
        return stored

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _cursor in idle:
            self._open -= 1
            await _close_quietly(conn)


async def _close_quietly(conn: Any) -> None:
    try:
        await conn.close()
    except Exception:  # already broken: nothing left to release
        log.debug("closing a broken PostgreSQL connection failed", exc_info=True)
