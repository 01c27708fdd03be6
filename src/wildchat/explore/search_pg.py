"""Search over the PostgreSQL index, in SQL (every value a parameter), read-only.

The same answers as the SQLite engine, computed by the server: filters are WHERE clauses on
indexed columns, words a tsquery against the GIN-indexed tsvector, facets one GROUPING SETS
pass. Work stays bounded the same way: with words, the total and the facets read at most
SUMMARY_MATCHES matches (beyond that the total is a lower bound, flagged not exact), and
relevance (ts_rank) orders windows of RANK_WINDOW matches, newest window first.
"""

from __future__ import annotations

import threading
from typing import Any

from wildchat.explore import limits, pg_schema, schema
from wildchat.explore.backend import IndexNotFound
from wildchat.explore.columns import from_label, to_label
from wildchat.explore.hits import hit_from_row
from wildchat.explore.models import FACETS, FacetCount, Hit, MapData, SearchParams, SearchResult
from wildchat.explore.query import ParsedQuery, parse_query, to_tsquery_sql
from wildchat.explore.rows import day_end, day_start
from wildchat.explore.snippets import find_snippet, has_mark, render_snippet
from wildchat.explore.text import MARK_CLOSE, MARK_OPEN

C = "explore_conversations"
_FACET_COLUMNS = {"dataset", "model", "language", "country", "state"}
_SIDE_WEIGHT = {"user": "a", "assistant": "b"}
_HEADLINE = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords=30, MinWords=12, MaxFragments=1"


class _Sql:
    """A WHERE clause and its parameters, built piece by piece."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, part: str, *params: Any) -> None:
        self.parts.append(part)
        self.params.extend(params)

    def where(self) -> str:
        return ("WHERE " + " AND ".join(self.parts)) if self.parts else ""


class PostgresExplorer:
    def __init__(self, url: str) -> None:
        import psycopg

        self.url = pg_schema.url_for_psycopg(url)
        self._local = threading.local()
        try:
            rows = self._fetch("SELECT key, value FROM explore_meta")
        except psycopg.errors.UndefinedTable as exc:
            raise IndexNotFound(
                "no explorer index in this PostgreSQL database: build one with "
                "`wildchat explore index PATH… --db postgresql://…`"
            ) from exc
        self.meta = dict(rows)
        if self.meta.get("format_version") != schema.FORMAT_VERSION:
            raise IndexNotFound(
                "the PostgreSQL index was built by another version of wildchat explore: "
                "rebuild it with `wildchat explore index PATH… --db postgresql://…`"
            )
        self.conversations = int(self.meta.get("conversations", "0"))
        self.datasets = [
            {"name": name, "format": fmt, "conversations": n, "messages": m}
            for name, fmt, n, m in self._fetch(
                "SELECT name, format, conversations, messages FROM explore_datasets ORDER BY name"
            )
        ]
        self._choices = self._facet_counts("", [], None)

    def connection(self) -> Any:
        import psycopg

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.url, autocommit=True)
            conn.execute("SET default_transaction_read_only = on")
            self._local.conn = conn
        return conn

    def _fetch(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        try:
            rows: list[tuple[Any, ...]] = self.connection().execute(sql, params).fetchall()
        except psycopg.OperationalError:
            self._local.conn = None  # a dropped connection: one retry on a new one
            rows = self.connection().execute(sql, params).fetchall()
        return rows

    # -- where clauses ---------------------------------------------------------------------------

    def _filters(self, params: SearchParams, sql: _Sql) -> None:
        for column in ("dataset", "model", "language", "country", "state"):
            values = [from_label(value) for value in getattr(params, column)]
            if values:
                present = [value for value in values if value is not None]
                if None in values:
                    sql.add(f"({column} = ANY(%s) OR coalesce({column}, '') = '')", present)
                else:
                    sql.add(f"{column} = ANY(%s)", present)
        for column in ("hashed_ip", "user_id", "conversation_hash"):
            if getattr(params, column):
                sql.add(f"{column} = ANY(%s)", list(getattr(params, column)))
        for column in ("toxic", "redacted"):
            if getattr(params, column) is not None:
                sql.add(f"{column} = %s", getattr(params, column))
        if params.min_turns is not None:
            sql.add("turn >= %s", params.min_turns)
        if params.max_turns is not None:
            sql.add("turn <= %s", params.max_turns)
        if params.date_from is not None:
            sql.add("timestamp >= %s", day_start(params.date_from))
        if params.date_to is not None:
            sql.add("timestamp < %s", day_end(params.date_to))
        if params.turn_id is not None:
            sql.add(
                "source_row IN (SELECT source_row FROM explore_messages WHERE turn_identifier = %s)",
                params.turn_id,
            )

    def _words(self, query: ParsedQuery, scope: str, sql: _Sql) -> tuple[str, list[str]]:
        expression, values = to_tsquery_sql(query, pg_schema.TEXT_CONFIG, pg_schema.SPLIT_CHARACTERS)
        sql.add(f"tsv @@ {expression}", *values)
        if scope in _SIDE_WEIGHT:
            sql.add(f"ts_filter(tsv, '{{{_SIDE_WEIGHT[scope]}}}') @@ {expression}", *values)
        return expression, values

    # -- facets ----------------------------------------------------------------------------------

    def _facet_counts(self, where: str, params: list[Any], limit: int | None) -> dict[str, list[FacetCount]]:
        source = f"SELECT {', '.join(FACETS)} FROM {C} {where}" + (f" LIMIT {int(limit)}" if limit else "")
        sets = ", ".join(f"({facet})" for facet in FACETS)
        rows = self._fetch(
            f"SELECT {', '.join(f'GROUPING({facet})' for facet in FACETS)}, {', '.join(FACETS)}, count(*) "
            f"FROM ({source}) s GROUP BY GROUPING SETS ({sets})",
            params,
        )
        counts: dict[str, list[FacetCount]] = {facet: [] for facet in FACETS}
        width = len(FACETS)
        for row in rows:
            for position, facet in enumerate(FACETS):
                if row[position] == 0:  # this row groups by `facet`
                    value = row[width + position]
                    if facet in ("toxic", "redacted"):
                        label = "true" if value else "false"
                    else:
                        label = to_label(value or None)
                    counts[facet].append(FacetCount(value=label, count=int(row[-1])))
        return {
            facet: sorted(items, key=lambda item: -item.count)[: limits.FACET_VALUES]
            for facet, items in counts.items()
        }

    def facet_choices(self) -> dict[str, list[FacetCount]]:
        return self._choices

    # -- search ----------------------------------------------------------------------------------

    def search(self, params: SearchParams) -> SearchResult:
        query = parse_query(params.q)
        sort = params.effective_sort
        sql = _Sql()
        self._filters(params, sql)
        expression, values = "", list[str]()
        if query:
            expression, values = self._words(query, params.scope, sql)
        where, args = sql.where(), sql.params
        limit = limits.SUMMARY_MATCHES if query else None
        if limit is None:
            total = int(self._fetch(f"SELECT count(*) FROM {C} {where}", args)[0][0])
            exact = True
        else:
            total = int(
                self._fetch(f"SELECT count(*) FROM (SELECT 1 FROM {C} {where} LIMIT {limit + 1}) s", args)[0][
                    0
                ]
            )
            exact = total <= limit
            total = min(total, limit)
        facets = self._facet_counts(where, args, limit)
        offset = (params.page - 1) * params.per_page
        notice = None
        next_cursor = None
        if sort == "relevance" and query:
            # The window query below reorders matches only inside one window, so a next page
            # exists exactly when a match follows the page's last position.
            following = offset + params.per_page
            if exact or following < total:
                has_more = following < total
            else:  # more than SUMMARY_MATCHES match: look past the page for one
                past = f"SELECT 1 FROM {C} {where} ORDER BY id DESC LIMIT 1 OFFSET %s"
                has_more = bool(self._fetch(past, [*args, following]))
            window = offset // limits.RANK_WINDOW
            rows = self._fetch(
                f"SELECT id FROM (SELECT id, tsv FROM {C} {where} ORDER BY id DESC LIMIT %s OFFSET %s) w "
                f"ORDER BY ts_rank(tsv, {expression}) DESC, id DESC LIMIT %s OFFSET %s",
                [
                    *args,
                    limits.RANK_WINDOW,
                    window * limits.RANK_WINDOW,
                    *values,
                    params.per_page,
                    offset - window * limits.RANK_WINDOW,
                ],
            )
            if not exact or total > limits.RANK_WINDOW:
                notice = f"ranked by relevance in windows of the {limits.RANK_WINDOW:,} most recent matches"
        else:
            descending = sort != "oldest"
            keyset = _Sql()
            keyset.parts, keyset.params = list(sql.parts), list(args)
            if params.cursor is not None:
                keyset.add("id < %s" if descending else "id > %s", params.cursor)
                offset = 0
            rows = self._fetch(
                f"SELECT id FROM {C} {keyset.where()} ORDER BY id {'DESC' if descending else 'ASC'} "
                "LIMIT %s OFFSET %s",
                [*keyset.params, params.per_page + 1, offset],
            )
            has_more = len(rows) > params.per_page
            if has_more:
                rows = rows[: params.per_page]
                next_cursor = int(rows[-1][0])
        ids = [int(row[0]) for row in rows]
        return SearchResult(
            total=total,
            total_exact=exact,
            page=params.page,
            per_page=params.per_page,
            sort=sort,
            results=self._hits(ids, query, params.scope, expression, values),
            facets=facets,
            facets_exact=exact,
            has_more=has_more,
            next_cursor=next_cursor,
            notice=notice,
        )

    def _hits(
        self, ids: list[int], query: ParsedQuery, scope: str, expression: str, values: list[str]
    ) -> list[Hit]:
        if not ids:
            return []
        snippet_sql = "NULL, NULL"
        snippet_args: list[Any] = []
        if query:
            snippet_sql = (
                f"ts_headline('{pg_schema.TEXT_CONFIG}', coalesce(user_text, ''), {expression}, %s), "
                f"ts_headline('{pg_schema.TEXT_CONFIG}', coalesce(assistant_text, ''), {expression}, %s)"
            )
            snippet_args = [*values, _HEADLINE, *values, _HEADLINE]
        rows = self._fetch(
            "SELECT id, conversation_hash, dataset, model, timestamp, turn, language, country, state, "
            f"hashed_ip, toxic, redacted, first_prompt, {snippet_sql}, user_text, assistant_text "
            f"FROM {C} WHERE id = ANY(%s)",
            [*snippet_args, ids],
        )
        by_id = {row[0]: row for row in rows}
        hits = []
        for cid in ids:
            row = by_id[cid]
            snippet, side = "", None
            if query:
                sides = [s for s in ("user", "assistant") if scope in ("both", s)]
                texts = {"user": (row[13], row[15]), "assistant": (row[14], row[16])}
                for candidate in sides:
                    if has_mark(texts[candidate][0]):
                        snippet, side = render_snippet(texts[candidate][0]), candidate
                        break
                else:
                    for candidate in sides:
                        found = find_snippet(texts[candidate][1] or "", query.words)
                        if found:
                            snippet, side = found, candidate
                            break
            hits.append(hit_from_row(cid, row, snippet, side))
        return hits

    # -- conversation and map --------------------------------------------------------------------

    def conversation_row(self, cid: int) -> tuple[Any, ...] | None:
        rows = self._fetch(
            "SELECT id, source_row, conversation_hash, dataset, model, timestamp, turn, language, country, "
            f"state, hashed_ip, user_id, toxic, redacted, header FROM {C} WHERE id = %s",
            [cid],
        )
        return rows[0] if rows else None

    def message_rows(self, source_row: int) -> list[tuple[Any, ...]]:
        return self._fetch(
            "SELECT role, content, turn_identifier, language, toxic, redacted, timestamp, hashed_ip, "
            "country, "
            "state, moderation FROM explore_messages WHERE source_row = %s ORDER BY position",
            [source_row],
        )

    def map_data(self, params: SearchParams) -> MapData:
        points = self._fetch(
            f"SELECT p.conversation_id, p.x, p.y, c.dataset FROM explore_map_points p JOIN {C} c "
            "ON c.id = p.conversation_id ORDER BY p.conversation_id"
        )
        sql = _Sql()
        self._filters(params, sql)
        query = parse_query(params.q)
        if query:
            self._words(query, params.scope, sql)
        sql.add("id IN (SELECT conversation_id FROM explore_map_points)")
        matched_ids = {row[0] for row in self._fetch(f"SELECT id FROM {C} {sql.where()}", sql.params)}
        names = sorted({row[3] for row in points})
        code = {name: number for number, name in enumerate(names)}
        matched = [row[0] in matched_ids for row in points]
        return MapData(
            ids=[row[0] for row in points],
            x=[round(row[1], 5) for row in points],
            y=[round(row[2], 5) for row in points],
            dataset=[code[row[3]] for row in points],
            datasets=names,
            matched=matched,
            total_matched=sum(matched),
            note=None if points else (self.meta.get("map_note") or "this index has no map"),
        )
