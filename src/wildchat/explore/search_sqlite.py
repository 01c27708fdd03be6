"""Search over the SQLite index, read-only, with bounded work per request.

How a request is answered (docs/explore.md has the reasoning and the measured costs):

* Filters become a boolean mask over conversation ids from the in-memory columns (columns.py);
  the few high-cardinality ones (hashed_ip, user_id, conversation_hash, turn_id) are looked up
  through their SQL indexes first. Filter-only requests are exact, whatever their size: the
  total, every facet count and any page come from the mask.
* With words, the FTS5 table yields matching ids newest first (descending rowid, its natural
  order) in growing chunks; the mask keeps the filtered ones. A page stops reading as soon as it
  has its rows, so the time does not grow with the number of matches.
* The total and the facet counts read at most SUMMARY_MATCHES matches: exact when the query
  matches fewer, otherwise extrapolated from the newest ones and flagged (`total_exact`).
* When the filters leave at most PROBE_LIMIT conversations (one user's, one hash), each is
  probed instead: exact and quick even for a word in every conversation.
* Relevance is FTS5's BM25, computed over windows of RANK_WINDOW matches, newest window first:
  BM25 over every match of a common word costs a pass over its whole posting list per query.
  Words in more than RANK_SHARE of conversations carry almost no weight in BM25 and are left
  out of the ranking expression (they still filter).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import numpy.typing as npt

from wildchat.explore import limits, schema
from wildchat.explore.backend import IndexNotFound
from wildchat.explore.columns import NO_TIME, ColumnStore, from_label, load_column_store, to_label
from wildchat.explore.hits import load_hits
from wildchat.explore.models import FACETS, FacetCount, MapData, SearchParams, SearchResult, Sort
from wildchat.explore.query import ParsedQuery, Scope, parse_query, to_fts5
from wildchat.explore.rows import day_end, day_start
from wildchat.explore.scan import BoolArray, HitSource, IdArray, Lru, MatchStream, ids_from_text, run_fts
from wildchat.explore.snippets import normalise_term
from wildchat.explore.text import WORD_CHARACTER


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    exact: bool
    facets: dict[str, list[FacetCount]]


class SQLiteExplorer:
    """One read-only index file; safe to share between threads (a connection per thread)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise IndexNotFound(
                f"no explorer index at {self.path}: "
                f"build one with `wildchat explore index PATH… --db {self.path}`"
            )
        self.uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        self._local = threading.local()
        try:
            conn = self.connection()
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise IndexNotFound(f"{self.path} is not an explorer index ({exc})") from exc
        if meta.get("format_version") != schema.FORMAT_VERSION:
            raise IndexNotFound(
                f"{self.path} was built by another version of wildchat explore: "
                "rebuild it with `wildchat explore index`"
            )
        self.meta = meta
        self.columns: ColumnStore = load_column_store(conn)
        self.size = self.columns.size
        self.conversations = self.size - 1
        self.datasets = [
            {"name": name, "format": fmt, "conversations": n, "messages": m}
            for name, fmt, n, m in conn.execute(
                "SELECT name, format, conversations, messages FROM datasets ORDER BY name"
            )
        ]
        self.term_docs: dict[str, int] = dict(conn.execute("SELECT term, docs FROM term_stats").fetchall())
        self._map = self._load_map(conn)
        self._masks: Lru[tuple[Any, ...], tuple[BoolArray | None, int]] = Lru(64)
        self._summaries: Lru[tuple[Any, ...], Summary] = Lru(256)

    # -- connections ---------------------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA cache_size = -16384")  # per thread; the file is memory-mapped too
            conn.execute("PRAGMA mmap_size = 1073741824")
            self._local.conn = conn
        return conn

    # -- filters -------------------------------------------------------------------------------

    def _lookup_ids(self, column: str, values: Sequence[str]) -> IdArray:
        marks = ", ".join("?" * len(values))
        rows = self.connection().execute(f"SELECT id FROM conversations WHERE {column} IN ({marks})", values)
        return np.fromiter((row[0] for row in rows), dtype=np.int64)

    def _turn_ids(self, turn_identifier: int) -> IdArray:
        rows = self.connection().execute(
            "SELECT DISTINCT c.id FROM messages m JOIN conversations c ON c.source_row = m.source_row "
            "WHERE m.turn_identifier = ?",
            (turn_identifier,),
        )
        return np.fromiter((row[0] for row in rows), dtype=np.int64)

    def _build_mask(self, params: SearchParams) -> tuple[BoolArray | None, int]:
        if not params.has_filters():
            return None, self.conversations
        columns = self.columns
        mask = np.ones(self.size, dtype=np.bool_)
        mask[0] = False
        for facet in ("dataset", "model", "language", "country", "state"):
            values: list[str] = getattr(params, facet)
            if values:
                codes = [
                    code
                    for value in values
                    if (code := columns.code_of(facet, from_label(value))) is not None
                ]
                mask &= np.isin(columns.codes[facet], codes)
        for facet in ("toxic", "redacted"):
            flag: bool | None = getattr(params, facet)
            if flag is not None:
                code = columns.code_of(facet, "true" if flag else "false")
                mask &= columns.codes[facet] == (-1 if code is None else code)
        if params.min_turns is not None:
            mask &= columns.turn >= params.min_turns
        if params.max_turns is not None:
            mask &= columns.turn <= params.max_turns
        self._date_range(mask, params)
        for column in ("hashed_ip", "user_id", "conversation_hash"):
            values = getattr(params, column)
            if values:
                mask &= self._id_mask(self._lookup_ids(column, values))
        if params.turn_id is not None:
            mask &= self._id_mask(self._turn_ids(params.turn_id))
        return mask, int(mask.sum())

    def _id_mask(self, ids: IdArray) -> BoolArray:
        mask = np.zeros(self.size, dtype=np.bool_)
        mask[ids] = True
        return mask

    def _date_range(self, mask: BoolArray, params: SearchParams) -> None:
        # ids are in time order, so a date range is an id range: two binary searches.
        if params.date_from is None and params.date_to is None:
            return
        stamps = self.columns.timestamp
        # Conversations without a time come first (NO_TIME) and are on no day: a date bound,
        # even date_to alone, leaves them out (as PostgreSQL's `timestamp < …` does with NULL).
        first = int(np.searchsorted(stamps, NO_TIME, side="right"))
        if params.date_from is not None:
            first = max(first, int(np.searchsorted(stamps, day_start(params.date_from), side="left")))
        mask[:first] = False
        if params.date_to is not None:
            end = day_end(params.date_to)
            mask[int(np.searchsorted(stamps, end, side="left")) :] = False

    def mask(self, params: SearchParams) -> tuple[BoolArray | None, int]:
        return self._masks.get(params.filter_key(), lambda: self._build_mask(params))

    # -- facets --------------------------------------------------------------------------------

    def _facets(self, ids: IdArray | None, scale: float = 1.0) -> dict[str, list[FacetCount]]:
        facets: dict[str, list[FacetCount]] = {}
        for facet in FACETS:
            values = self.columns.values[facet]
            if ids is None:
                counts = self.columns.counts[facet]
            else:
                counts = np.bincount(self.columns.codes[facet][ids], minlength=len(values))
            order = np.argsort(-counts, kind="stable")[: limits.FACET_VALUES]
            facets[facet] = [
                FacetCount(value=to_label(values[code]), count=round(float(counts[code]) * scale))
                for code in order
                if counts[code] > 0
            ]
        return facets

    def _filter_hits(self, params: SearchParams) -> IdArray:
        mask, _ = self.mask(params)
        if mask is None:
            return np.arange(1, self.size, dtype=np.int64)
        return np.flatnonzero(mask).astype(np.int64)

    def _filter_summary(self, params: SearchParams, hits: IdArray) -> Summary:
        def make() -> Summary:
            mask, _ = self.mask(params)
            return Summary(len(hits), True, self._facets(None if mask is None else hits))

        return self._summaries.get(("filters", params.filter_key()), make)

    # -- keyword search ------------------------------------------------------------------------

    def _probe(self, expression: str, candidates: IdArray) -> IdArray:
        if not len(candidates):
            return candidates
        rows = run_fts(
            self.connection(),
            "SELECT j.value FROM json_each(?) j WHERE EXISTS "
            "(SELECT 1 FROM search WHERE search MATCH ? AND rowid = j.value)",
            ("[" + ",".join(map(str, candidates.tolist())) + "]", expression),
        )
        return np.sort(np.fromiter((row[0] for row in rows), dtype=np.int64))

    def _keyword_summary(
        self,
        key: tuple[Any, ...],
        query: ParsedQuery,
        mask: BoolArray | None,
        exact: IdArray | None,
        stream: MatchStream | None,
    ) -> Summary:
        def make() -> Summary:
            if exact is not None or stream is None:
                hits = exact if exact is not None else np.zeros(0, dtype=np.int64)
                return Summary(len(hits), True, self._facets(hits))
            floor = self.conversations - limits.SUMMARY_SPAN + 1 if query.has_phrases else None
            ids = stream.seed = stream.fetch(limits.SUMMARY_MATCHES, floor)
            hits = ids if mask is None else ids[mask[ids]]
            if stream.exhausted:
                return Summary(len(hits), True, self._facets(hits))
            # What was read covers the newest ids down to the last match read (or to the floor):
            # extrapolate over all conversations.
            oldest = int(stream.last) if stream.last is not None else self.conversations
            covered = self.conversations - oldest + 1
            scale = self.conversations / max(1, covered)
            return Summary(max(len(hits), round(len(hits) * scale)), False, self._facets(hits, scale))

        return self._summaries.get(key, make)

    def _settle(
        self, key: tuple[Any, ...], summary: Summary, source: HitSource, cursor: int | None
    ) -> Summary:
        """An estimated summary made exact when the page read every match anyway."""
        if summary.exact or cursor is not None or source.stream is None or not source.stream.exhausted:
            return summary
        exact = Summary(len(source.hits), True, self._facets(np.sort(source.hits)))
        self._summaries.put(key, exact)
        return exact

    def rank_expression(self, query: ParsedQuery, scope: Scope) -> str | None:
        """BM25 over the informative required words (at most RANK_TERMS, the rarest), or None.

        A word is too common to rank by when it is in more than RANK_SHARE of the conversations
        (and more than RANK_MIN_DOCS): its BM25 weight is near zero, and computing it reads its
        whole posting list on every query."""
        limit = max(limits.RANK_SHARE * self.conversations, limits.RANK_MIN_DOCS)
        candidates: dict[str, int] = {}
        for clause in query.clauses:
            if len(clause) != 1 or clause[0].prefix:
                continue
            for word in _words(clause[0].text):
                term = normalise_term(word)
                docs = self.term_docs.get(term, 0)
                if docs <= limit:
                    candidates[word] = docs
        if not candidates:
            return None
        rarest = sorted(candidates, key=lambda word: candidates[word])[: limits.RANK_TERMS]
        parsed = parse_query(" ".join(f'"{word}"' for word in rarest))
        return to_fts5(parsed, scope)

    def _rank(self, expression: str, window: IdArray) -> IdArray:
        """The window's ids, best BM25 first (ties: newest first).

        BM25 is computed by FTS5 for the rows of the window's id range (at most RANK_ROWS, newest
        first; filtered-out rows in the range count too) and sorted here. The scores travel as
        two strings: a row at a time, Python would cost more than BM25 itself. Ids left without a
        score (past RANK_ROWS) follow, newest first.
        """
        if len(window) <= 1:
            return window
        row = run_fts(
            self.connection(),
            "SELECT group_concat(r), group_concat(s) FROM (SELECT rowid AS r, bm25(search) AS s FROM search "
            "WHERE search MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?)",
            (expression, int(window.min()), int(window.max()), limits.RANK_ROWS),
        ).fetchone()
        ids = ids_from_text(row[0])
        scores = np.array(row[1].split(","), dtype=np.float64) if row[1] else np.zeros(0)
        keep = np.isin(ids, window)
        ids, scores = ids[keep], scores[keep]
        ranked = ids[np.lexsort((-ids, scores))]
        if len(ranked) == len(window):
            return ranked
        rest = window[~np.isin(window, ranked)]
        return np.concatenate([ranked, np.sort(rest)[::-1]])

    # -- the search ----------------------------------------------------------------------------

    def search(self, params: SearchParams) -> SearchResult:
        query = parse_query(params.q)
        sort = params.effective_sort
        offset = (params.page - 1) * params.per_page
        notice = None
        if not query:
            hits = self._filter_hits(params)
            summary = self._filter_summary(params, hits)
            source = HitSource(hits if sort == "oldest" else hits[::-1], None, None)
            page_ids, has_more = self._page(source, params, sort, offset)
        else:
            expression = to_fts5(query, params.scope)
            mask, selected = self.mask(params)
            exact = None
            if mask is not None and selected <= limits.PROBE_LIMIT:
                exact = self._probe(expression, np.flatnonzero(mask).astype(np.int64))
            newest = None if exact is not None else MatchStream(self.connection(), expression, True, None)
            key = ("words", expression, params.filter_key())
            summary = self._keyword_summary(key, query, mask, exact, newest)
            if sort == "oldest":
                if exact is not None:
                    source = HitSource(exact, None, None)
                else:
                    source = HitSource(None, MatchStream(self.connection(), expression, False, None), mask)
            else:
                source = self._newest_first(exact, newest, mask)
            if sort == "relevance":
                page_ids, notice, has_more = self._relevance_page(params, query, source, summary, offset)
            else:
                page_ids, has_more = self._page(source, params, sort, offset)
            summary = self._settle(key, summary, source, params.cursor)
        # Keyset paging follows the time order only: a page ranked by relevance has no cursor.
        by_time = not (query and sort == "relevance")
        next_cursor = int(page_ids[-1]) if has_more and by_time else None
        results = load_hits(self.connection(), [int(cid) for cid in page_ids], query, params.scope)
        return SearchResult(
            total=summary.total,
            total_exact=summary.exact,
            page=params.page,
            per_page=params.per_page,
            sort=sort,
            results=results,
            facets=summary.facets,
            facets_exact=summary.exact,
            has_more=has_more,
            next_cursor=next_cursor,
            notice=notice,
        )

    def _page(self, source: HitSource, params: SearchParams, sort: Sort, offset: int) -> tuple[IdArray, bool]:
        """The page's ids in time order, and whether another page follows."""
        if params.cursor is not None:
            # Keyset: restart the order just past the cursor, so deep pages cost one page.
            cursor = params.cursor
            descending = sort != "oldest"
            hits = source.hits
            source.hits = hits[hits < cursor] if descending else hits[hits > cursor]
            stream = source.stream
            if stream is not None and not stream.exhausted:
                last = stream.last
                if last is None:
                    stream.last = cursor
                else:
                    stream.last = min(last, cursor) if descending else max(last, cursor)
            offset = 0
        ids = source.take(offset, params.per_page + 1)
        return ids[: params.per_page], len(ids) > params.per_page

    @staticmethod
    def _newest_first(exact: IdArray | None, stream: MatchStream | None, mask: BoolArray | None) -> HitSource:
        """Hits newest first, starting with what the summary already read from `stream`."""
        if exact is not None or stream is None:
            return HitSource(exact[::-1] if exact is not None else None, None, None)
        seed = stream.seed
        if seed is None:
            return HitSource(None, stream, mask)
        return HitSource(seed if mask is None else seed[mask[seed]], stream, mask)

    def _relevance_page(
        self, params: SearchParams, query: ParsedQuery, source: HitSource, summary: Summary, offset: int
    ) -> tuple[IdArray, str | None, bool]:
        """The page's ids by relevance, a notice on how they were ranked, and whether another
        page follows (ranking reorders the matches inside windows, so there is one exactly when
        a match follows the page's last position)."""
        rank_expression = self.rank_expression(query, params.scope)
        if rank_expression is None:
            ids = source.take(offset, params.per_page + 1)
            return (
                ids[: params.per_page],
                "no word to rank by (OR groups, prefixes and very common words are not ranked): newest first",
                len(ids) > params.per_page,
            )
        page: list[int] = []
        position = offset
        while len(page) < params.per_page:
            window_index = position // limits.RANK_WINDOW
            window = source.take(window_index * limits.RANK_WINDOW, limits.RANK_WINDOW)
            if not len(window):
                break
            ranked = self._rank(rank_expression, window)
            start = position - window_index * limits.RANK_WINDOW
            chosen = ranked[start : start + params.per_page - len(page)].tolist()
            if not chosen:
                break
            page.extend(chosen)
            position += len(chosen)
        notice = None
        if summary.total > limits.RANK_WINDOW:
            notice = (
                f"ranked by relevance in windows of the {limits.RANK_WINDOW:,} most recent matches "
                "(sort by newest to page through all by time)"
            )
        has_more = bool(page) and len(source.take(position, 1)) > 0
        return np.asarray(page, dtype=np.int64), notice, has_more

    # -- result rows ---------------------------------------------------------------------------

    # -- conversation and map -------------------------------------------------------------------

    def conversation_row(self, cid: int) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = (
            self.connection()
            .execute(
                "SELECT id, source_row, conversation_hash, dataset, model, timestamp, turn, language, "
                "country, "
                "state, hashed_ip, user_id, toxic, redacted, header FROM conversations WHERE id = ?",
                (cid,),
            )
            .fetchone()
        )
        return row

    def message_rows(self, source_row: int) -> list[tuple[Any, ...]]:
        return (
            self.connection()
            .execute(
                "SELECT role, content, turn_identifier, language, toxic, redacted, timestamp, hashed_ip, "
                "country, "
                "state, moderation FROM messages WHERE source_row = ? ORDER BY position",
                (source_row,),
            )
            .fetchall()
        )

    def _load_map(self, conn: sqlite3.Connection) -> dict[str, npt.NDArray[Any]]:
        rows = conn.execute(
            "SELECT conversation_id, x, y FROM map_points ORDER BY conversation_id"
        ).fetchall()
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        return {
            "ids": ids,
            "x": np.array([row[1] for row in rows], dtype=np.float64),
            "y": np.array([row[2] for row in rows], dtype=np.float64),
            "dataset": self.columns.codes["dataset"][ids].astype(np.int64) if len(ids) else ids,
        }

    def map_data(self, params: SearchParams) -> MapData:
        points = self._map
        ids = points["ids"]
        query = parse_query(params.q)
        mask, _ = self.mask(params)
        matched = np.ones(len(ids), dtype=np.bool_) if mask is None else mask[ids]
        note = None if len(ids) else (self.meta.get("map_note") or "this index has no map")
        if query and len(ids):
            stream = MatchStream(self.connection(), to_fts5(query, params.scope), True, None)
            found = stream.fetch(limits.MAP_MATCHES)
            matched &= np.isin(ids, found)
            if not stream.exhausted:
                note = (
                    f"the words match more than {limits.MAP_MATCHES:,} conversations: "
                    "the newest of them are shown"
                )
        return MapData(
            ids=ids.tolist(),
            x=[round(value, 5) for value in points["x"].tolist()],
            y=[round(value, 5) for value in points["y"].tolist()],
            dataset=points["dataset"].tolist(),
            datasets=[value or "" for value in self.columns.values["dataset"]],
            matched=matched.tolist(),
            total_matched=int(matched.sum()),
            note=note,
        )

    def facet_choices(self) -> dict[str, list[FacetCount]]:
        """Every value of every facet with its count over the whole index (the filter menus)."""
        choices: dict[str, list[FacetCount]] = {}
        for facet in FACETS:
            counts = self.columns.counts[facet]
            values = self.columns.values[facet]
            order = np.argsort(-counts, kind="stable")
            choices[facet] = [FacetCount(value=to_label(values[c]), count=int(counts[c])) for c in order]
        return choices


def _words(text: str) -> Iterator[str]:
    """The words of a term as unicode61 splits them."""
    current: list[str] = []
    for char in text:
        if WORD_CHARACTER.match(char):
            current.append(char)
        elif current:
            yield "".join(current)
            current = []
    if current:
        yield "".join(current)
