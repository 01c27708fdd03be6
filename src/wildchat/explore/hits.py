"""A page of results from the SQLite index: the conversations' rows and their highlighted snippets."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from wildchat.explore import limits, schema
from wildchat.explore.models import Hit
from wildchat.explore.query import ParsedQuery, Scope, to_fts5
from wildchat.explore.rows import from_microseconds
from wildchat.explore.scan import run_fts
from wildchat.explore.snippets import find_snippet, has_mark, render_snippet
from wildchat.explore.text import MARK_CLOSE, MARK_OPEN

Snippet = tuple[str, str | None]  # (HTML, side)


def load_hits(conn: sqlite3.Connection, ids: list[int], query: ParsedQuery, scope: Scope) -> list[Hit]:
    """The conversations `ids`, in that order, with snippets when there are words."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = {
        row[0]: row
        for row in conn.execute(
            "SELECT id, conversation_hash, dataset, model, timestamp, turn, language, country, state, "
            f"hashed_ip, toxic, redacted, first_prompt FROM conversations WHERE id IN ({marks})",
            ids,
        )
    }
    found = snippets(conn, ids, query, scope) if query else {}
    hits = []
    for cid in ids:
        row = rows[cid]
        snippet, side = found.get(cid, ("", None))
        hits.append(hit_from_row(cid, row, snippet, side))
    return hits


def hit_from_row(cid: int, row: Sequence[Any], snippet: str, side: str | None) -> Hit:
    """A result from a row of the conversations table's listed columns (either backend's)."""
    stamp = from_microseconds(row[4])
    return Hit(
        id=cid,
        conversation_hash=row[1],
        dataset=row[2],
        model=row[3],
        timestamp=stamp.isoformat() if stamp else None,
        turn=row[5],
        language=row[6],
        country=row[7],
        state=row[8],
        hashed_ip=row[9],
        toxic=bool(row[10]),
        redacted=bool(row[11]),
        first_prompt=row[12] or "",
        snippet=snippet,
        snippet_side=side,  # type: ignore[arg-type]
    )


def snippets(
    conn: sqlite3.Connection, ids: list[int], query: ParsedQuery, scope: Scope
) -> dict[int, Snippet]:
    """FTS5's snippet() of each side in scope; the first side with a match wins (the user's first)."""
    expression = to_fts5(query, scope)
    sides = [side for side in ("user", "assistant") if scope in ("both", side)]
    columns = ", ".join(
        f"snippet(search, {schema.SNIPPET_COLUMNS[side]}, ?, ?, '…', {limits.SNIPPET_TOKENS})"
        for side in sides
    )
    markers: list[Any] = [MARK_OPEN, MARK_CLOSE] * len(sides)
    found: dict[int, Snippet] = {}
    for cid in ids:
        row = run_fts(
            conn,
            f"SELECT {columns} FROM search WHERE search MATCH ? AND rowid = ?",
            [*markers, expression, cid],
        ).fetchone()
        pieces = list(row) if row else []
        marked = [(side, text) for side, text in zip(sides, pieces, strict=False) if has_mark(text)]
        if marked:
            found[cid] = (render_snippet(marked[0][1]), marked[0][0])
            continue
        found[cid] = fallback_snippet(conn, cid, query, sides) or (
            render_snippet(pieces[0] if pieces else ""),
            None,
        )
    return found


def fallback_snippet(
    conn: sqlite3.Connection, cid: int, query: ParsedQuery, sides: list[str]
) -> Snippet | None:
    """For matches in bigram-indexed scripts, which FTS5's snippet() cannot mark."""
    row = conn.execute("SELECT user_text, assistant_text FROM search_source WHERE id = ?", (cid,)).fetchone()
    if row is None:
        return None
    texts = {"user": row[0] or "", "assistant": row[1] or ""}
    for side in sides:
        snippet = find_snippet(texts[side], query.words)
        if snippet:
            return snippet, side
    return None
