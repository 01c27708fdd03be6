"""Reading FTS5 matches: in rowid order, in chunks, as numpy arrays; and a small answer cache.

The ids travel from SQLite as one comma-separated string per chunk (group_concat): fetched a row
at a time, Python would cost more than FTS5's own work.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from wildchat.explore import limits
from wildchat.explore.query import QueryError

IdArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
K = TypeVar("K")
V = TypeVar("V")


def ids_from_text(text: str | None) -> IdArray:
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.array(text.split(","), dtype=np.int64)


class MatchStream:
    """The ids matching an FTS5 expression, in rowid order, read in chunks."""

    def __init__(
        self, conn: sqlite3.Connection, expression: str, descending: bool, after: int | None
    ) -> None:
        self.conn = conn
        self.expression = expression
        self.descending = descending
        self.last = after
        self.exhausted = False
        self.read = 0
        self.seed: IdArray | None = None  # what the summary read first, for the page to reuse

    def fetch(self, count: int, floor: int | None = None) -> IdArray:
        """The next `count` matches at most; a descending stream stops at id `floor` if given
        (and goes on below it at the next call)."""
        if self.exhausted:
            return np.zeros(0, dtype=np.int64)
        order = "DESC" if self.descending else "ASC"
        bound = ""
        args: list[Any] = [self.expression]
        if self.last is not None:
            bound = "AND rowid < ?" if self.descending else "AND rowid > ?"
            args.append(self.last)
        floored = floor is not None and self.descending and floor > 1
        if floored:
            bound += " AND rowid >= ?"
            args.append(floor)
        args.append(count)
        sql = (
            "SELECT group_concat(rowid) FROM (SELECT rowid FROM search WHERE search MATCH ? "
            f"{bound} ORDER BY rowid {order} LIMIT ?)"
        )
        ids = ids_from_text(run_fts(self.conn, sql, args).fetchone()[0])
        self.read += len(ids)
        if len(ids):
            self.last = int(ids[-1])
        if len(ids) < count:
            if floored:
                self.last = floor  # everything from `floor` up is read; carry on below it
            else:
                self.exhausted = True
        return ids


def run_fts(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> sqlite3.Cursor:
    """Execute, turning FTS5's complaints about a query into a QueryError (a 400, not a 500)."""
    try:
        return conn.execute(sql, args)
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "fts5" in message or "MATCH" in message or "no such column" in message:
            raise QueryError(f"the search engine could not read this query ({message})") from exc
        raise


class HitSource:
    """Filtered matches in one order, extended on demand: an exact array or a stream."""

    def __init__(self, exact: IdArray | None, stream: MatchStream | None, mask: BoolArray | None) -> None:
        self.hits: IdArray = exact if exact is not None else np.zeros(0, dtype=np.int64)
        self.stream = stream
        self.mask = mask
        self.chunk = limits.FIRST_CHUNK

    @property
    def complete(self) -> bool:
        return self.stream is None or self.stream.exhausted

    def ensure(self, count: int) -> None:
        parts = [self.hits]
        have = len(self.hits)
        while have < count and self.stream is not None and not self.stream.exhausted:
            ids = self.stream.fetch(max(self.chunk, min(limits.MAX_CHUNK, 2 * (count - have))))
            self.chunk = min(limits.MAX_CHUNK, self.chunk * 2)
            if self.mask is not None and len(ids):
                ids = ids[self.mask[ids]]
            parts.append(ids)
            have += len(ids)
        if len(parts) > 1:
            self.hits = np.concatenate(parts)

    def take(self, start: int, count: int) -> IdArray:
        self.ensure(start + count)
        return self.hits[start : start + count]


class Lru(Generic[K, V]):
    """A small thread-safe least-recently-used cache (answers of a read-only index stay true)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[K, V] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
