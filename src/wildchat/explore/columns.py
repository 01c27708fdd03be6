"""The filter columns as numpy arrays indexed by conversation id, stored in the index file.

Filtering and facet counting over a million conversations in SQL costs a scan per facet; the
same over a few small integer arrays costs milliseconds, and exactly. So the build encodes each
facet (dataset, model, language, country, state, toxic, redacted) as small integer codes, keeps
`turn` and `timestamp` as they are, and stores the arrays as blobs (`column_store`); the server
loads them once (about 20 MB per million conversations) and filters in memory. Element 0 is
unused: ids start at 1.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from wildchat.explore.models import FACETS

NO_TIME = np.iinfo(np.int64).min  # sorts before every real time, as NULL does in SQLite
_BOOLEAN_FACETS = ("toxic", "redacted")
_CHUNK = 50_000

IntArray = npt.NDArray[np.integer[Any]]
BoolArray = npt.NDArray[np.bool_]


def facet_text(facet: str, value: Any) -> str | None:
    """A stored value as the facet shows it (toxic/redacted: "true"/"false")."""
    if facet in _BOOLEAN_FACETS:
        return "true" if value else "false"
    return None if value is None or value == "" else str(value)  # no model: "" in the schema


NONE_LABEL = "(none)"


def to_label(value: str | None) -> str:
    """A facet value as shown and as given back in a filter: a missing value is "(none)"."""
    return NONE_LABEL if value is None else value


def from_label(label: str) -> str | None:
    return None if label == NONE_LABEL else label


def _smallest(count: int) -> type[np.unsignedinteger[Any]]:
    if count < 1 << 8:
        return np.uint8
    if count < 1 << 16:
        return np.uint16
    return np.uint32


@dataclass(slots=True)
class ColumnStore:
    size: int  # conversations + 1
    codes: dict[str, IntArray]
    values: dict[str, list[str | None]]  # facet -> value by code
    counts: dict[str, IntArray]  # facet -> conversations by code
    turn: IntArray
    timestamp: IntArray  # microseconds, NO_TIME when unknown; ascending by id

    def code_of(self, facet: str, value: str | None) -> int | None:
        try:
            return self.values[facet].index(value)
        except ValueError:
            return None


def build_column_store(conn: sqlite3.Connection) -> None:
    """Encode the conversations table into `column_store` and `facet_values`."""
    size = int(conn.execute("SELECT coalesce(max(id), 0) FROM conversations").fetchone()[0]) + 1
    lookup: dict[str, dict[str | None, int]] = {facet: {} for facet in FACETS}
    raw = {facet: np.zeros(size, dtype=np.uint32) for facet in FACETS}
    turn = np.zeros(size, dtype=np.int32)
    timestamp = np.full(size, NO_TIME, dtype=np.int64)
    cursor = conn.execute(f"SELECT id, turn, timestamp, {', '.join(FACETS)} FROM conversations ORDER BY id")
    while rows := cursor.fetchmany(_CHUNK):
        for row in rows:
            index = row[0]
            turn[index] = row[1]
            if row[2] is not None:
                timestamp[index] = row[2]
            for facet, value in zip(FACETS, row[3:], strict=True):
                codes = lookup[facet]
                text = facet_text(facet, value)
                code = codes.get(text)
                if code is None:
                    code = codes[text] = len(codes)
                raw[facet][index] = code
    blobs: list[tuple[str, str, bytes]] = [
        ("turn", turn.dtype.str, turn.tobytes()),
        ("timestamp", timestamp.dtype.str, timestamp.tobytes()),
    ]
    facet_rows: list[tuple[str, int, str | None, int]] = []
    for facet in FACETS:
        column = raw[facet].astype(_smallest(len(lookup[facet])))
        blobs.append((f"facet:{facet}", column.dtype.str, column.tobytes()))
        counts = np.bincount(column[1:], minlength=len(lookup[facet]))
        facet_rows.extend((facet, code, value, int(counts[code])) for value, code in lookup[facet].items())
    conn.executemany("INSERT INTO column_store (name, dtype, data) VALUES (?, ?, ?)", blobs)
    conn.executemany(
        "INSERT INTO facet_values (facet, code, value, conversations) VALUES (?, ?, ?, ?)", facet_rows
    )


def load_column_store(conn: sqlite3.Connection) -> ColumnStore:
    arrays = {
        name: np.frombuffer(data, dtype=np.dtype(dtype))
        for name, dtype, data in conn.execute("SELECT name, dtype, data FROM column_store")
    }
    values: dict[str, list[str | None]] = {facet: [] for facet in FACETS}
    counts: dict[str, list[int]] = {facet: [] for facet in FACETS}
    for facet, _code, value, conversations in conn.execute(
        "SELECT facet, code, value, conversations FROM facet_values ORDER BY facet, code"
    ):
        values[facet].append(value)
        counts[facet].append(conversations)
    turn = arrays["turn"]
    return ColumnStore(
        size=len(turn),
        codes={facet: arrays[f"facet:{facet}"] for facet in FACETS},
        values=values,
        counts={facet: np.asarray(counts[facet], dtype=np.int64) for facet in FACETS},
        turn=turn,
        timestamp=arrays["timestamp"],
    )
