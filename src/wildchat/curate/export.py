"""Write conversations as a release in the WildChat-1M format, and read them back.

A release is two folders, each loadable on its own and each with its own card and manifest:

    <out>/public/data/train-00000-of-00003.parquet …   non-toxic conversations (the open release)
    <out>/full/data/train-00000-of-00004.parquet …     every conversation (the gated release)
    <out>/{public,full}/conversations.jsonl            optional, one conversation per line

Decisions, and why:

* Shard names. The Hub's `train-00000-of-000NN.parquet` needs the shard count, which is known only
  at the end. Shards are therefore written into a hidden staging folder `<folder>/.data-staging-*`
  as `.part-00000.parquet.tmp`, fsync'd and renamed to `part-00000.parquet` when complete, and at
  `close()` renamed to their final names and the staging folder swapped in as `data/` (the previous
  build, if any, is renamed aside and deleted). So:
    - a crash never leaves a half-written shard that looks finished: unfinished work sits in a hidden
      folder, under names no reader globs (`datasets`, pyarrow/pandas, polars and DuckDB skip hidden
      paths or do not match `*.parquet.tmp`);
    - a reader sees the previous build or the new one, never a mix (except for the instant between
      the two renames of the swap, when `data/` is missing, never wrong);
    - the next writer on the same folder deletes leftover staging folders, and puts back a previous
      `data/` that a crash between the two renames left aside.
  One writer per folder at a time: a second one would delete the first one's staging folder.

* Empty moderation entries. WildChat stores `{}` in `openai_moderation`/`detoxify_moderation` for
  an empty message. Those columns are lists of structs, and both `datasets` and pyarrow encode `{}`
  as a *present* struct whose every member is null (not as a null struct); `load_dataset` then shows
  it as `{"categories": None, "category_scores": None, "flagged": None}`. We write exactly that, so
  our files match the public ones (inferred from how `datasets` encodes `{}` — the Hub, and so the
  public files' bytes, could not be checked from here). Reading back, `read_conversations` drops
  null members of moderation dicts, which turns such an entry back into `{}`: in these columns an
  absent key and a null value are the same thing, so records whose moderation dicts hold no
  explicit `None` round-trip exactly.

* Keys the schema has no place for (an unknown moderation category, a third header) would be
  dropped silently by pyarrow; `validate_conversation` rejects them instead, with the conversation
  hash, as it does a moderation list whose length is neither 0 nor the number of messages.

* Timestamps are `timestamp[us, tz=UTC]`. Aware datetimes are converted to UTC; naive ones are taken
  to be UTC already. Read back, they are aware, in `datetime.timezone.utc`.

* Speed. Records go to Arrow through `Table.from_pylist` with the schema (the nested conversion
  runs in C++; the Python part is one dict per record and message). Measured on the 2-core
  development machine under load, best of 5, 10k WildChat-sized conversations (3 rounds, full
  moderation dicts, 8.9 kB of Arrow each): conversion ≈21k rows/s, `ShardWriter` ≈18k rows/s
  (≈160 MB/s of Arrow data, 1.4 kB/row of zstd Parquet), `ReleaseWriter` (both folders) ≈13k
  rows/s; with JSONL ≈2.6k rows/s, as `json.dumps` of ~260 floats per record dominates; reading
  back ≈6.7k rows/s.

* A `conversations.jsonl` left by an earlier build is deleted when a build runs without JSONL, so a
  folder never holds a copy that disagrees with its `data/`.

* Public means neither the conversation nor any of its messages is flagged toxic: if a stage left
  the two flags inconsistent, the conversation stays out of the open release.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import pyarrow as pa
import pyarrow.parquet as pq

from wildchat.curate.schema import (
    DETOXIFY_KEYS,
    HEADER_KEYS,
    OPENAI_MODERATION_CATEGORIES,
    OPENAI_MODERATION_KEYS,
    WILDCHAT_SCHEMA,
)
from wildchat.records import Conversation, ConversationMessage

DATA_DIR = "data"
JSONL_NAME = "conversations.jsonl"
PUBLIC_DIR = "public"
FULL_DIR = "full"
_STAGING_PREFIX = ".data-staging-"
_OLD_PREFIX = ".data-old-"
DEFAULT_MAX_SHARD_BYTES = 500 * 1024 * 1024  # the Hub's own default shard size for push_to_hub
DEFAULT_ROW_GROUP_ROWS = 1_000  # ~10 MB of WildChat conversations: small enough for the Hub viewer

_ROLES = frozenset({"user", "assistant"})
_MODERATION_KEYS = frozenset(OPENAI_MODERATION_KEYS)
_CATEGORY_KEYS = frozenset(OPENAI_MODERATION_CATEGORIES)
_DETOXIFY_KEYS = frozenset(DETOXIFY_KEYS)
_HEADER_KEYS = frozenset(HEADER_KEYS)


class ExportError(ValueError):
    """A conversation that cannot be written in the WildChat-1M schema without losing data."""


# ----------------------------------------------------------------------------------------------
# Conversation <-> row


def validate_conversation(
    conversation: Conversation, *, roles: frozenset[str] = _ROLES, require_timestamp: bool = True
) -> None:
    """Raise ExportError for anything the Parquet schema would silently drop or could not hold.

    A build requires a timestamp and user/assistant roles; `wildchat import` (wildchat.formats)
    also writes sources without times and with system messages.
    """
    problems: list[str] = []
    messages = conversation.conversation
    if require_timestamp and conversation.timestamp is None:
        problems.append("timestamp is missing")
    for index, message in enumerate(messages):
        if message.role not in roles:
            problems.append(f"message {index}: role {message.role!r} is not {'/'.join(sorted(roles))}")
        if message.header is not None and not message.header.keys() <= _HEADER_KEYS:
            problems.append(
                f"message {index}: unknown header keys {sorted(message.header.keys() - _HEADER_KEYS)}"
            )
    if conversation.header is not None and not conversation.header.keys() <= _HEADER_KEYS:
        problems.append(f"header: unknown keys {sorted(conversation.header.keys() - _HEADER_KEYS)}")
    for name, entries in (
        ("openai_moderation", conversation.openai_moderation),
        ("detoxify_moderation", conversation.detoxify_moderation),
    ):
        if entries and len(entries) != len(messages):
            problems.append(f"{name}: {len(entries)} entries for {len(messages)} messages")
    for index, entry in enumerate(conversation.openai_moderation):
        if not entry.keys() <= _MODERATION_KEYS:
            problems.append(
                f"openai_moderation[{index}]: unknown keys {sorted(entry.keys() - _MODERATION_KEYS)}"
            )
        for part in ("categories", "category_scores"):
            values = entry.get(part)
            if values is not None and not values.keys() <= _CATEGORY_KEYS:
                unknown = sorted(values.keys() - _CATEGORY_KEYS)
                problems.append(f"openai_moderation[{index}].{part}: unknown categories {unknown}")
    for index, entry in enumerate(conversation.detoxify_moderation):
        if not entry.keys() <= _DETOXIFY_KEYS:
            problems.append(
                f"detoxify_moderation[{index}]: unknown keys {sorted(entry.keys() - _DETOXIFY_KEYS)}"
            )
    if problems:
        raise ExportError(f"conversation {conversation.conversation_hash}: " + "; ".join(problems))


def _message_row(message: ConversationMessage) -> dict[str, Any]:
    return {
        "content": message.content,
        "country": message.country,
        "hashed_ip": message.hashed_ip,
        "header": message.header,
        "language": message.language,
        "redacted": message.redacted,
        "role": message.role,
        "state": message.state,
        "timestamp": message.timestamp,
        "toxic": message.toxic,
        "turn_identifier": message.turn_identifier,
    }


def conversation_to_row(conversation: Conversation) -> dict[str, Any]:
    """The record as a plain dict in schema order (datetimes left as datetimes)."""
    return {
        "conversation_hash": conversation.conversation_hash,
        "model": conversation.model,
        "timestamp": conversation.timestamp,
        "conversation": [_message_row(m) for m in conversation.conversation],
        "turn": conversation.turn,
        "language": conversation.language,
        "openai_moderation": conversation.openai_moderation,
        "detoxify_moderation": conversation.detoxify_moderation,
        "toxic": conversation.toxic,
        "redacted": conversation.redacted,
        "state": conversation.state,
        "country": conversation.country,
        "hashed_ip": conversation.hashed_ip,
        "header": conversation.header,
    }


def conversations_to_table(conversations: Sequence[Conversation], *, validate: bool = True) -> pa.Table:
    """Convert records to an Arrow table in the WildChat-1M schema.

    Plain dicts through `Table.from_pylist` with the schema: the nested conversion runs in C++,
    and building the dicts from slotted dataclasses is the only Python work per field.
    """
    if validate:
        for conversation in conversations:
            validate_conversation(conversation)
    return pa.Table.from_pylist([conversation_to_row(c) for c in conversations], schema=WILDCHAT_SCHEMA)


def _utc(value: datetime | None) -> datetime | None:
    # pyarrow hands back zoneinfo "UTC"; records elsewhere use datetime.UTC.
    return None if value is None else value.replace(tzinfo=UTC)


def _without_nulls(entry: dict[str, Any] | None) -> dict[str, Any]:
    """A moderation dict as the pipeline wrote it: null members were absent keys."""
    if entry is None:
        return {}
    return {
        key: ({k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value)
        for key, value in entry.items()
        if value is not None
    }


def row_to_conversation(row: dict[str, Any]) -> Conversation:
    """The inverse of `conversation_to_row`, for rows read from Parquet (`to_pylist`)."""
    return Conversation(
        conversation_hash=row["conversation_hash"],
        model=row["model"],
        timestamp=_utc(row["timestamp"]),
        conversation=[
            ConversationMessage(
                role=m["role"],
                content=m["content"],
                turn_identifier=m["turn_identifier"],
                language=m["language"],
                toxic=m["toxic"],
                redacted=m["redacted"],
                timestamp=_utc(m["timestamp"]),
                hashed_ip=m["hashed_ip"],
                state=m["state"],
                country=m["country"],
                header=m["header"],
            )
            for m in row["conversation"] or ()
        ],
        turn=row["turn"],
        language=row["language"],
        openai_moderation=[_without_nulls(e) for e in row["openai_moderation"] or ()],
        detoxify_moderation=[_without_nulls(e) for e in row["detoxify_moderation"] or ()],
        toxic=row["toxic"],
        redacted=row["redacted"],
        state=row["state"],
        country=row["country"],
        hashed_ip=row["hashed_ip"],
        header=row["header"],
    )


# ----------------------------------------------------------------------------------------------
# JSONL


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def conversation_to_json(conversation: Conversation) -> str:
    """One JSONL line: the WildChat-1M record, timestamps in ISO 8601 with their UTC offset."""
    row = conversation_to_row(conversation)
    row["timestamp"] = _iso(conversation.timestamp)
    for message_row, message in zip(row["conversation"], conversation.conversation, strict=True):
        message_row["timestamp"] = _iso(message.timestamp)
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _parse_iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def json_to_conversation(line: str) -> Conversation:
    row = json.loads(line)
    row["timestamp"] = _parse_iso(row["timestamp"])
    for message in row["conversation"]:
        message["timestamp"] = _parse_iso(message["timestamp"])
    conversation = row_to_conversation(row)
    # JSON keeps `{}` and explicit keys as written: no null-pruning needed, restore them verbatim.
    conversation.openai_moderation = row["openai_moderation"]
    conversation.detoxify_moderation = row["detoxify_moderation"]
    return conversation


def _open_text(path: Path, mode: str, *, gz: bool | None = None) -> IO[str]:
    if path.name.endswith(".gz") if gz is None else gz:
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8")  # the caller closes it


def _fsync_path(path: Path) -> None:
    """fsync a file or a directory by path (a rename is durable only once its folder is synced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class JsonlWriter:
    """Conversations as JSON Lines (gzip if the name ends in .gz), appearing atomically at close()."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self._handle: IO[str] | None = _open_text(self._temporary, "w", gz=self.path.name.endswith(".gz"))
        self.rows = 0

    def write(self, batch: Iterable[Conversation]) -> None:
        self.write_lines(conversation_to_json(conversation) for conversation in batch)

    def write_lines(self, lines: Iterable[str]) -> None:
        """Already-encoded lines (from `conversation_to_json`), so one encoding can feed two files."""
        if self._handle is None:
            raise RuntimeError("JsonlWriter is closed")
        for line in lines:
            self._handle.write(line)
            self._handle.write("\n")
            self.rows += 1

    def close(self) -> Path:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            _fsync_path(self._temporary)
            os.replace(self._temporary, self.path)
            _fsync_path(self.path.parent)
        return self.path

    def abort(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._temporary.unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------------
# Parquet shards


@dataclass(slots=True)
class ShardInfo:
    path: Path
    rows: int
    bytes: int


@dataclass(slots=True)
class ExportStats:
    """What was written to one folder: the numbers the dataset card and manifest report."""

    rows: int = 0
    messages: int = 0
    user_messages: int = 0
    turns: int = 0
    toxic: int = 0
    redacted: int = 0
    num_bytes: int = 0  # Arrow (in-memory) size: the Hub's `num_bytes` / `dataset_size`
    download_size: int = 0  # bytes of Parquet on disk: the Hub's `download_size`
    languages: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)  # "" for no country
    models: Counter[str] = field(default_factory=Counter)
    first_timestamp: datetime | None = None
    last_timestamp: datetime | None = None
    shards: list[ShardInfo] = field(default_factory=list)

    def add(self, batch: Sequence[Conversation], num_bytes: int) -> None:
        self.num_bytes += num_bytes
        for conversation in batch:
            self.rows += 1
            self.messages += len(conversation.conversation)
            self.user_messages += sum(1 for m in conversation.conversation if m.role == "user")
            self.turns += conversation.turn
            self.toxic += conversation.toxic
            self.redacted += conversation.redacted
            self.languages[conversation.language] += 1
            self.countries[conversation.country or ""] += 1
            self.models[conversation.model] += 1
            moment = conversation.timestamp
            if moment is None:  # imported sources without times (wildchat.formats)
                continue
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            if self.first_timestamp is None or moment < self.first_timestamp:
                self.first_timestamp = moment
            if self.last_timestamp is None or moment > self.last_timestamp:
                self.last_timestamp = moment

    def to_dict(self, relative_to: Path | None = None) -> dict[str, Any]:
        """JSON-ready, counters sorted by count (largest first)."""

        def shard_path(path: Path) -> str:
            return str(path.relative_to(relative_to)) if relative_to is not None else str(path)

        return {
            "rows": self.rows,
            "messages": self.messages,
            "user_messages": self.user_messages,
            "turns": self.turns,
            "toxic": self.toxic,
            "redacted": self.redacted,
            "num_bytes": self.num_bytes,
            "download_size": self.download_size,
            "first_timestamp": _iso(self.first_timestamp),
            "last_timestamp": _iso(self.last_timestamp),
            "languages": dict(self.languages.most_common()),
            "countries": dict(self.countries.most_common()),
            "models": dict(self.models.most_common()),
            "shards": [{"path": shard_path(s.path), "rows": s.rows, "bytes": s.bytes} for s in self.shards],
        }


def _recover(folder: Path) -> None:
    """Clean up after a writer that crashed in this folder (see the module docstring)."""
    olds = sorted(folder.glob(_OLD_PREFIX + "*"), key=lambda p: p.stat().st_mtime)
    data = folder / DATA_DIR
    if olds and not data.exists():
        os.replace(olds.pop(), data)  # crashed between the two renames of a swap: put it back
    for leftover in [*olds, *folder.glob(_STAGING_PREFIX + "*")]:
        shutil.rmtree(leftover, ignore_errors=True)


class ShardWriter:
    """Append batches of conversations; `close()` publishes them as `data/<split>-i-of-N.parquet`.

    Shards are zstd-compressed Parquet in the WildChat-1M schema, cut at `max_shard_bytes` of
    Parquet (or `max_shard_rows` rows) on row-group boundaries of `row_group_rows` rows. Use it as
    a context manager: leaving on an exception calls `abort()`, which leaves the previous `data/`
    untouched.
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        split: str = "train",
        max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
        max_shard_rows: int | None = None,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
        compression: str = "zstd",
        compression_level: int | None = None,
        validate: bool = True,
    ) -> None:
        if row_group_rows < 1 or (max_shard_rows is not None and max_shard_rows < 1):
            raise ValueError("row_group_rows and max_shard_rows must be positive")
        self.folder = Path(folder)
        self.split = split
        self.max_shard_bytes = max_shard_bytes
        self.max_shard_rows = max_shard_rows
        self.row_group_rows = row_group_rows
        self.compression = compression
        self.compression_level = compression_level
        self.validate = validate
        self.stats = ExportStats()
        self.seconds = 0.0  # time spent converting and writing, for rows/s in the manifest
        self.folder.mkdir(parents=True, exist_ok=True)
        _recover(self.folder)
        self._staging = self.folder / f"{_STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        self._staging.mkdir()
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._parts: list[tuple[Path, int]] = []  # finished parts in staging, with their rows
        self._sink: pa.NativeFile | None = None
        self._writer: pq.ParquetWriter | None = None
        self._shard_rows = 0
        self._closed = False

    # -- public API -----------------------------------------------------------------------------

    def write(self, batch: Sequence[Conversation]) -> None:
        if self._closed:
            raise RuntimeError("ShardWriter is closed")
        if not batch:
            return
        started = time.perf_counter()
        self.write_table(conversations_to_table(batch, validate=self.validate), batch)
        self.seconds += time.perf_counter() - started

    def write_table(self, table: pa.Table, batch: Sequence[Conversation]) -> None:
        """Append rows already converted by `conversations_to_table`; `batch` are the same records
        (for the statistics). Lets `ReleaseWriter` convert once and filter for `public/`."""
        if self._closed:
            raise RuntimeError("ShardWriter is closed")
        if table.num_rows != len(batch):
            raise ValueError(f"{table.num_rows} rows for {len(batch)} conversations")
        if not table.num_rows:
            return
        self.stats.add(batch, table.nbytes)
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= self.row_group_rows:
            self._flush(final=False)

    def close(self) -> list[Path]:
        """Finish the last shard, give every shard its final name and swap them in as `data/`."""
        if self._closed:
            return [s.path for s in self.stats.shards]
        started = time.perf_counter()
        self._flush(final=True)
        self._finish_shard()
        if not self._parts:  # no rows: one empty shard still carries the schema for loaders
            self._open_shard()
            self._finish_shard()
        count = len(self._parts)
        final: list[ShardInfo] = []
        for index, (part, rows) in enumerate(self._parts):
            name = f"{self.split}-{index:05d}-of-{count:05d}.parquet"
            os.replace(part, self._staging / name)
            final.append(
                ShardInfo(self.folder / DATA_DIR / name, rows, (self._staging / name).stat().st_size)
            )
        _fsync_path(self._staging)
        data = self.folder / DATA_DIR
        old = self.folder / f"{_OLD_PREFIX}{secrets.token_hex(4)}"
        if data.exists():
            os.replace(data, old)
        os.replace(self._staging, data)
        _fsync_path(self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self.stats.shards = final
        self.stats.download_size = sum(s.bytes for s in final)
        self._closed = True
        self.seconds += time.perf_counter() - started
        return [s.path for s in final]

    def abort(self) -> None:
        """Drop everything written by this writer; `data/` stays as it was."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        shutil.rmtree(self._staging, ignore_errors=True)
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    # -- shards ---------------------------------------------------------------------------------

    def _temporary(self, index: int) -> Path:
        return self._staging / f".part-{index:05d}.parquet.tmp"

    def _open_shard(self) -> None:
        self._sink = pa.OSFile(str(self._temporary(len(self._parts))), "wb")
        self._writer = pq.ParquetWriter(
            self._sink,
            WILDCHAT_SCHEMA,
            compression=self.compression,
            compression_level=self.compression_level,
        )
        self._shard_rows = 0

    def _finish_shard(self) -> None:
        if self._writer is None or self._sink is None:
            return
        self._writer.close()
        self._sink.close()
        self._writer = self._sink = None
        index = len(self._parts)
        temporary = self._temporary(index)
        _fsync_path(temporary)  # the bytes are on disk before the name says "complete"
        part = self._staging / f"part-{index:05d}.parquet"
        os.replace(temporary, part)
        self._parts.append((part, self._shard_rows))

    def _flush(self, *, final: bool) -> None:
        """Write whole row groups from the pending tables (on `final`, the remainder too)."""
        if not self._pending_rows:
            return
        table = pa.concat_tables(self._pending) if len(self._pending) > 1 else self._pending[0]
        size = self.row_group_rows
        if self.max_shard_rows is not None:
            size = min(size, self.max_shard_rows)
        writable = table.num_rows if final else table.num_rows // size * size
        offset = 0
        while offset < writable:
            if self._writer is None:
                self._open_shard()
            assert self._writer is not None and self._sink is not None
            length = min(size, writable - offset)
            if self.max_shard_rows is not None:
                length = min(length, self.max_shard_rows - self._shard_rows)
            self._writer.write_table(table.slice(offset, length), row_group_size=length)
            self._shard_rows += length
            offset += length
            if self._sink.tell() >= self.max_shard_bytes or (
                self.max_shard_rows is not None and self._shard_rows >= self.max_shard_rows
            ):
                self._finish_shard()
        rest = table.slice(writable)
        self._pending = [rest] if rest.num_rows else []
        self._pending_rows = rest.num_rows


# ----------------------------------------------------------------------------------------------
# The release: public/ and full/


def is_public(conversation: Conversation) -> bool:
    """Non-toxic by both the conversation flag and every message flag."""
    return not conversation.toxic and not any(m.toxic for m in conversation.conversation)


@dataclass(slots=True)
class FolderResult:
    path: Path
    shards: list[Path]
    stats: ExportStats
    jsonl: Path | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class ReleaseResult:
    public: FolderResult
    full: FolderResult

    def folders(self) -> dict[str, FolderResult]:
        return {PUBLIC_DIR: self.public, FULL_DIR: self.full}


class ReleaseWriter:
    """Writes `public/` (non-toxic) and `full/` (all) side by side, optionally with JSONL copies."""

    def __init__(
        self, out_dir: str | Path, *, jsonl: bool = False, validate: bool = True, **shard_options: Any
    ) -> None:
        self.out_dir = Path(out_dir)
        self.validate = validate
        self._shards = {
            PUBLIC_DIR: ShardWriter(self.out_dir / PUBLIC_DIR, **shard_options),
            FULL_DIR: ShardWriter(self.out_dir / FULL_DIR, **shard_options),
        }
        self._jsonl = (
            {name: JsonlWriter(self.out_dir / name / JSONL_NAME) for name in self._shards} if jsonl else {}
        )
        self._result: ReleaseResult | None = None

    def write(self, batch: Sequence[Conversation]) -> None:
        if not batch:
            return
        started = time.perf_counter()
        # Convert (and validate) once; public/ gets a filtered view of the same Arrow data.
        table = conversations_to_table(batch, validate=self.validate)
        mask = [is_public(c) for c in batch]
        public = [c for c, keep in zip(batch, mask, strict=True) if keep]
        full_writer, public_writer = self._shards[FULL_DIR], self._shards[PUBLIC_DIR]
        full_writer.write_table(table, batch)
        public_writer.write_table(table.filter(pa.array(mask, type=pa.bool_())), public)
        spent = time.perf_counter() - started
        full_writer.seconds += spent  # each folder reports the time of the shared conversion
        public_writer.seconds += spent
        if self._jsonl:
            lines = [conversation_to_json(c) for c in batch]  # JSON encoding is the slow part: once
            self._jsonl[FULL_DIR].write_lines(lines)
            self._jsonl[PUBLIC_DIR].write_lines(line for line, keep in zip(lines, mask, strict=True) if keep)

    def close(self) -> ReleaseResult:
        if self._result is not None:  # closed already (e.g. explicitly, then by __exit__)
            return self._result
        results: dict[str, FolderResult] = {}
        for name, writer in self._shards.items():
            shards = writer.close()
            if name in self._jsonl:
                jsonl: Path | None = self._jsonl[name].close()
            else:
                jsonl = None
                # A copy left by an earlier build would no longer match data/: remove it.
                (writer.folder / JSONL_NAME).unlink(missing_ok=True)
            results[name] = FolderResult(writer.folder, shards, writer.stats, jsonl, writer.seconds)
        self._result = ReleaseResult(public=results[PUBLIC_DIR], full=results[FULL_DIR])
        return self._result

    def abort(self) -> None:
        for writer in self._shards.values():
            writer.abort()
        for jsonl in self._jsonl.values():
            jsonl.abort()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def export_release(
    conversations: Iterable[Conversation],
    out_dir: str | Path,
    *,
    jsonl: bool = False,
    batch_size: int = 1_000,
    **shard_options: Any,
) -> ReleaseResult:
    """Stream conversations into `<out_dir>/public` and `<out_dir>/full` in batches of `batch_size`."""
    batch: list[Conversation] = []
    with ReleaseWriter(out_dir, jsonl=jsonl, **shard_options) as writer:
        for conversation in conversations:
            batch.append(conversation)
            if len(batch) >= batch_size:
                writer.write(batch)
                batch = []
        if batch:
            writer.write(batch)
        return writer.close()


# ----------------------------------------------------------------------------------------------
# Reading


def parquet_files(path: str | Path) -> list[Path]:
    """The shards a path names: a .parquet file, a `data/` folder, or a folder holding `data/`."""
    path = Path(path)
    if path.is_file():
        return [path]
    folder = path / DATA_DIR if (path / DATA_DIR).is_dir() else path
    # Only visible, finished shards: hidden names are staging or temporary files.
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith((".", "_")))


def read_conversations(path: str | Path, *, batch_size: int = 1_000) -> Iterator[Conversation]:
    """Every conversation of a release folder, a `data/` folder, a Parquet shard or a JSONL file."""
    path = Path(path)
    if path.is_file() and (path.name.endswith(".jsonl") or path.name.endswith(".jsonl.gz")):
        with _open_text(path, "r") as handle:
            for line in handle:
                if line.strip():
                    yield json_to_conversation(line)
        return
    files = parquet_files(path)
    if not files:
        raise FileNotFoundError(f"no Parquet shards under {path}")
    for file in files:
        for record_batch in pq.ParquetFile(file).iter_batches(batch_size=batch_size):
            for row in record_batch.to_pylist():
                yield row_to_conversation(row)
