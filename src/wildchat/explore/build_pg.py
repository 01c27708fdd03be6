"""Build the PostgreSQL index (pg_schema.py): COPY into new tables, then swap them in at once.

Everything happens in one transaction: the new tables are built beside the live ones (suffix
_building), and the last statements drop the old tables and rename the new ones, so readers see
the old index until the commit and the new one after it, never a half-built one.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from wildchat.explore import pg_schema
from wildchat.explore.build import (
    Batch,
    BuildSummary,
    IndexBuildError,
    IndexOptions,
    IndexSource,
    SourceReader,
    compute_map,
)
from wildchat.explore.progress import BuildProgress
from wildchat.explore.schema import CONVERSATION_COLUMNS, FORMAT_VERSION, MESSAGE_COLUMNS

SUFFIX = "_building"
_STAGING_COLUMNS = (*CONVERSATION_COLUMNS, "user_text", "assistant_text", "user_cjk", "assistant_cjk")
_BOOLEAN_COLUMNS = {"toxic", "redacted"}


def _pg_value(value: Any, column: str) -> Any:
    if column in _BOOLEAN_COLUMNS:
        return bool(value)
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL
    return value


def _rows(rows: Sequence[tuple[Any, ...]], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    return [
        tuple(_pg_value(value, column) for value, column in zip(row, columns, strict=True)) for row in rows
    ]


def _text_config(cursor: Any) -> None:
    """explore_text: `simple`, with unaccent in front when the extension can be had."""
    cursor.execute(
        "SELECT 1 FROM pg_ts_config WHERE cfgname = %s AND pg_ts_config_is_visible(oid)",
        (pg_schema.TEXT_CONFIG,),
    )
    if cursor.fetchone():
        return
    cursor.execute("SAVEPOINT unaccent")
    try:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
        cursor.execute("RELEASE SAVEPOINT unaccent")
    except Exception:  # no permission or not installed: accents then matter in PostgreSQL
        cursor.execute("ROLLBACK TO SAVEPOINT unaccent")
    cursor.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'unaccent'"
    )
    found = cursor.fetchone()
    cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {pg_schema.TEXT_CONFIG} (COPY = pg_catalog.simple)")
    if found:
        schema = '"' + str(found[0]).replace('"', '""') + '"'
        cursor.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {pg_schema.TEXT_CONFIG} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH {schema}.unaccent, simple"
        )


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _load(cursor: Any, batch: Batch) -> None:
    bigrams = {row[0]: row[1:] for row in batch.bigrams}
    staging = []
    for row, (user, assistant) in zip(batch.conversations, batch.texts, strict=True):
        user_cjk, assistant_cjk = bigrams.get(row[0], (None, None))
        staging.append((*row, user, assistant, user_cjk, assistant_cjk))
    _copy(cursor, "explore_staging", _STAGING_COLUMNS, _rows(staging, _STAGING_COLUMNS))
    _copy(cursor, f"explore_messages{SUFFIX}", MESSAGE_COLUMNS, _rows(batch.messages, MESSAGE_COLUMNS))


def build_postgres(
    sources: Sequence[IndexSource], url: str, options: IndexOptions, progress: BuildProgress
) -> BuildSummary:
    import psycopg

    summary = BuildSummary(target="PostgreSQL")
    started = time.perf_counter()
    try:
        conn = psycopg.connect(pg_schema.url_for_psycopg(url))
    except psycopg.Error as exc:
        raise IndexBuildError(f"cannot connect to PostgreSQL: {exc}") from exc
    reader = SourceReader(sources, options, progress)
    with conn, conn.cursor() as cursor:
        _text_config(cursor)
        for name in pg_schema.TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {pg_schema.PREFIX}{name}{SUFFIX}")
        for statement in pg_schema.create_statements(SUFFIX):
            cursor.execute(statement)
        cursor.execute(pg_schema.STAGING)
        for batch in reader.batches():
            _load(cursor, batch)
        summary.datasets = reader.counts
        summary.seconds["read"] = round(time.perf_counter() - started, 2)
        progress.phase("indexing text")
        step = time.perf_counter()
        columns = ", ".join(_STAGING_COLUMNS)
        cursor.execute(
            f"INSERT INTO explore_conversations{SUFFIX} (id, {columns}) "
            f"SELECT row_number() OVER (ORDER BY timestamp NULLS FIRST, source_row), {columns} "
            "FROM explore_staging"
        )
        for statement in pg_schema.index_statements(SUFFIX, secrets.token_hex(4)):
            cursor.execute(statement)
        summary.seconds["text index"] = round(time.perf_counter() - step, 2)
        step = time.perf_counter()
        points, summary.map_note = compute_map(reader, options, progress)
        if points:
            cursor.execute(f"SELECT source_row, id FROM explore_conversations{SUFFIX}")
            ids: dict[int, int] = dict(cursor.fetchall())
            _copy(
                cursor,
                f"explore_map_points{SUFFIX}",
                ("conversation_id", "x", "y"),
                [(ids[source_row], x, y) for source_row, x, y in points],
            )
        summary.map_points = len(points)
        summary.seconds["map"] = round(time.perf_counter() - step, 2)
        meta = {
            "format_version": FORMAT_VERSION,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "conversations": str(summary.conversations),
            "map_note": summary.map_note or "",
            "embeddings": json.dumps(options.embeddings),
        }
        cursor.executemany(f"INSERT INTO explore_meta{SUFFIX} VALUES (%s, %s)", sorted(meta.items()))
        cursor.executemany(
            f"INSERT INTO explore_datasets{SUFFIX} VALUES (%s, %s, %s, %s, %s)",
            [(d.name, d.path, d.format, d.conversations, d.messages) for d in summary.datasets],
        )
        cursor.execute(f"ANALYZE explore_conversations{SUFFIX}")
        progress.phase("swapping in the new index")
        for name in pg_schema.TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {pg_schema.PREFIX}{name}")
            cursor.execute(f"ALTER TABLE {pg_schema.PREFIX}{name}{SUFFIX} RENAME TO {pg_schema.PREFIX}{name}")
    conn.close()
    return summary
