"""Build the SQLite index (schema.py) in one pass over the datasets, then in SQL.

Speed: rows go in with executemany in transactions of ~100,000 conversations, journalling and
fsync off (the file is new and only renamed into place when complete, so a crash leaves the
old index untouched), a 256 MB page cache, and the secondary indexes created after the load.
The FTS5 table is filled in id order from SQL (the text never goes back through Python) and
merged into one b-tree with 'optimize' at the end, which makes queries read one segment.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from wildchat.explore import schema
from wildchat.explore.build import (
    BuildSummary,
    IndexBuildError,
    IndexOptions,
    IndexSource,
    SourceReader,
    Timer,
    compute_map,
)
from wildchat.explore.columns import build_column_store
from wildchat.explore.progress import BuildProgress

COMMIT_EVERY = 100_000  # conversations per transaction
FTS_CHUNK = 20_000
FTS_HASH_BYTES = 128 << 20  # conversations per INSERT … SELECT into the FTS table (progress granularity)
# Terms in at least this share of conversations get their document count stored (term_stats),
# so a query can tell a rare word from a near-stopword without reading its posting list.
TERM_STATS_SHARE = 1 / 2_000

_BUILD_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA locking_mode = EXCLUSIVE",
    "PRAGMA cache_size = -262144",
    "PRAGMA temp_store = FILE",
)


def _remove(path: Path) -> None:
    for candidate in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        candidate.unlink(missing_ok=True)


def _connect(path: Path, staging: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in _BUILD_PRAGMAS:
        conn.execute(pragma)
    conn.execute("ATTACH DATABASE ? AS staging", (str(staging),))
    for pragma in ("journal_mode = OFF", "synchronous = OFF"):
        conn.execute(f"PRAGMA staging.{pragma}")
    conn.executescript(schema.TABLES + schema.MESSAGE_INDEX + schema.STAGING)
    conn.execute(
        "CREATE TABLE staging.bigrams (source_row INTEGER PRIMARY KEY, user_cjk TEXT, assistant_cjk TEXT)"
    )
    return conn


def _load(conn: sqlite3.Connection, reader: SourceReader) -> None:
    conversation_sql = (
        f"INSERT INTO staging.conversations ({', '.join(schema.CONVERSATION_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(schema.CONVERSATION_COLUMNS))})"
    )
    message_sql = (
        f"INSERT INTO messages ({', '.join(schema.MESSAGE_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(schema.MESSAGE_COLUMNS))})"
    )
    pending = 0
    conn.execute("BEGIN")
    for batch in reader.batches():
        conn.executemany(conversation_sql, batch.conversations)
        conn.executemany(message_sql, batch.messages)
        conn.executemany("INSERT INTO staging.bigrams VALUES (?, ?, ?)", batch.bigrams)
        pending += len(batch.conversations)
        if pending >= COMMIT_EVERY:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            pending = 0
    conn.execute("COMMIT")


def _order_by_time(conn: sqlite3.Connection) -> None:
    columns = ", ".join(schema.CONVERSATION_COLUMNS)
    conn.execute("BEGIN")
    conn.execute(
        f"INSERT INTO conversations ({columns}) SELECT {columns} FROM staging.conversations "
        "ORDER BY timestamp, source_row"
    )
    conn.execute("DROP TABLE staging.conversations")
    conn.execute("COMMIT")
    conn.executescript(schema.LATE_INDEXES)


def _fill_search(conn: sqlite3.Connection, total: int, progress: BuildProgress) -> None:
    conn.executescript(schema.SEARCH)
    # FTS5 flushes its in-memory term hash to a new segment every 1 MB by default; a larger hash
    # writes fewer, larger segments and leaves less to merge.
    conn.execute("INSERT INTO search (search, rank) VALUES ('hashsize', ?)", (FTS_HASH_BYTES,))
    progress.phase("indexing text", total)
    for start in range(1, total + 1, FTS_CHUNK):
        end = min(start + FTS_CHUNK - 1, total)
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO search (rowid, user_text, assistant_text, user_cjk, assistant_cjk) "
            "SELECT s.id, s.user_text, s.assistant_text, b.user_cjk, b.assistant_cjk "
            "FROM search_source s JOIN conversations c ON c.id = s.id "
            "LEFT JOIN staging.bigrams b ON b.source_row = c.source_row "
            "WHERE s.id BETWEEN ? AND ?",
            (start, end),
        )
        conn.execute("COMMIT")
        progress.advance(end - start + 1)


def _optimize(conn: sqlite3.Connection, total: int, progress: BuildProgress) -> None:
    progress.phase("merging the text index")
    conn.execute("INSERT INTO search (search) VALUES ('optimize')")
    conn.execute("CREATE VIRTUAL TABLE temp.search_vocab USING fts5vocab(main, search, 'row')")
    conn.execute("CREATE TABLE term_stats (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID")
    conn.execute(
        # A token that folds to nothing (a lone combining mark) is listed with a NULL term.
        "INSERT INTO term_stats SELECT term, doc FROM temp.search_vocab WHERE doc >= ? AND term IS NOT NULL",
        (max(2, int(total * TERM_STATS_SHARE)),),
    )


def _store_map(conn: sqlite3.Connection, points: list[tuple[int, float, float]]) -> None:
    conn.executemany(
        "INSERT INTO map_points (conversation_id, x, y) "
        "SELECT id, ?, ? FROM conversations WHERE source_row = ?",
        [(x, y, source_row) for source_row, x, y in points],
    )


def _write_meta(conn: sqlite3.Connection, summary: BuildSummary, options: IndexOptions, total: int) -> None:
    meta = {
        "format_version": schema.FORMAT_VERSION,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "conversations": str(total),
        "tokenizer": schema.TOKENIZER,
        "embeddings": json.dumps(options.embeddings),
        "projection": options.projection,
        "map_sample": str(options.map_sample),
        "map_note": summary.map_note or "",
    }
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
    conn.executemany(
        "INSERT INTO datasets (name, path, format, conversations, messages) VALUES (?, ?, ?, ?, ?)",
        [(d.name, d.path, d.format, d.conversations, d.messages) for d in summary.datasets],
    )


def build_sqlite(
    sources: Sequence[IndexSource], target: Path, options: IndexOptions, progress: BuildProgress
) -> BuildSummary:
    if target.exists() and not target.is_file():
        raise IndexBuildError(f"{target} exists and is not a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f"{target.name}.building")
    staging = target.with_name(f"{target.name}.staging")
    _remove(building)
    _remove(staging)
    summary = BuildSummary(target=str(target))
    timer = Timer(summary.seconds)
    reader = SourceReader(sources, options, progress)
    conn = _connect(building, staging)
    try:
        timer.run("read", lambda: _load(conn, reader))
        summary.datasets = reader.counts
        total = summary.conversations
        progress.phase("ordering by time")
        timer.run("order", lambda: _order_by_time(conn))
        timer.run("text index", lambda: _fill_search(conn, total, progress))
        conn.execute("DETACH DATABASE staging")
        _remove(staging)
        timer.run("optimize", lambda: _optimize(conn, total, progress))
        progress.phase("facet columns")
        timer.run("columns", lambda: build_column_store(conn))
        started = time.perf_counter()
        points, summary.map_note = compute_map(reader, options, progress)
        _store_map(conn, points)
        summary.map_points = len(points)
        summary.seconds["map"] = round(time.perf_counter() - started, 2)
        _write_meta(conn, summary, options, total)
        progress.phase("analyzing")
        timer.run("analyze", lambda: conn.execute("ANALYZE"))
        conn.close()
    except BaseException:
        conn.close()
        _remove(building)
        _remove(staging)
        raise
    os.replace(building, target)
    summary.size_bytes = target.stat().st_size
    return summary
