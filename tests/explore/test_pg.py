"""The PostgreSQL index, built and queried for real (marker pg: runs when CI=true)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.explore.test_search import assert_pages_end_where_the_results_do
from wildchat.explore import (
    IndexBuildError,
    IndexOptions,
    IndexSource,
    QueryError,
    SearchParams,
    build_index,
    limits,
)
from wildchat.explore.app import create_app
from wildchat.explore.backend import IndexNotFound, conversation_detail
from wildchat.explore.pg_schema import url_for_psycopg
from wildchat.explore.search_pg import PostgresExplorer

pytestmark = pytest.mark.pg


def wid(number: int) -> int:
    return number + 2


@pytest.fixture
def pg_explorer(pg_url: str, dataset_files: tuple[Path, Path]) -> PostgresExplorer:
    sources = [IndexSource(path) for path in dataset_files]
    build_index(sources, pg_url, IndexOptions(embeddings=False))
    build_index(sources, pg_url, IndexOptions(embeddings=False))  # a rebuild swaps the tables in
    return PostgresExplorer(pg_url)


def ids(explorer: PostgresExplorer, **params: Any) -> list[int]:
    return [hit.id for hit in explorer.search(SearchParams(per_page=100, **params)).results]


def test_postgres_index_answers_like_sqlite(pg_explorer: PostgresExplorer) -> None:
    assert pg_explorer.conversations == 14
    assert ids(pg_explorer) == [wid(n) for n in range(12, 0, -1)] + [2, 1]
    result = pg_explorer.search(SearchParams(q="python", sort="newest"))
    assert [hit.id for hit in result.results] == [wid(12), wid(10), wid(1), 2]
    assert (result.total, result.total_exact) == (4, True)
    assert "<mark>" in result.results[0].snippet
    assert set(ids(pg_explorer, q="sorted", scope="assistant")) == {wid(1), wid(12)}
    assert ids(pg_explorer, q="sorted", scope="user") == []
    assert ids(pg_explorer, q='"new york pizza"') == [wid(8)]
    assert set(ids(pg_explorer, q="hamlet OR haiku")) == {wid(11), wid(2)}
    assert set(ids(pg_explorer, q="python -dictionary")) == {wid(1), wid(10), 2}
    assert ids(pg_explorer, q="你好") == [wid(4)]
    assert ids(pg_explorer, q="cafe") == [wid(5)]
    assert ids(pg_explorer, q="script") == [wid(3)]


def test_postgres_filters_facets_and_pages(pg_explorer: PostgresExplorer) -> None:
    assert set(ids(pg_explorer, hashed_ip=["ip-beta"])) == {wid(2), wid(3), wid(8), wid(11)}
    assert ids(pg_explorer, toxic=True) == [wid(3)]
    assert ids(pg_explorer, turn_id=801) == [wid(8)]
    assert ids(pg_explorer, model=["(none)"]) == [2, 1]
    facets = pg_explorer.search(SearchParams(q="python")).facets
    assert {f.value: f.count for f in facets["model"]} == {
        "gpt-4-0314": 2,
        "gpt-3.5-turbo-0613": 1,
        "(none)": 1,
    }
    first = pg_explorer.search(SearchParams(per_page=5))
    second = pg_explorer.search(SearchParams(per_page=5, cursor=first.next_cursor))
    assert [h.id for h in first.results + second.results] == ids(pg_explorer)[:10]
    with pytest.raises(QueryError):
        pg_explorer.search(SearchParams(q="cat OR"))


def test_postgres_app_pages_and_read_only(pg_explorer: PostgresExplorer, pg_url: str) -> None:
    client = TestClient(create_app(pg_url))
    assert client.get("/api/search", params={"q": "python"}).json()["total"] == 4
    page = client.get(f"/conversation/{wid(3)}").text
    assert "&lt;script&gt;window.__pwned" in page and "<script>window" not in page
    detail = conversation_detail(pg_explorer, wid(8))
    assert detail is not None and len(detail.messages) == 4
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        pg_explorer.connection().execute("DELETE FROM explore_conversations")


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_postgres_has_more_only_before_the_last_page(pg_explorer: PostgresExplorer, sort: str) -> None:
    for q in ("", "python", "python OR pizza"):
        assert_pages_end_where_the_results_do(pg_explorer, q, sort)


def test_postgres_has_more_past_the_counted_matches(
    pg_explorer: PostgresExplorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "SUMMARY_MATCHES", 2)  # "python" matches 4: the total is a bound
    result = pg_explorer.search(SearchParams(q="python", per_page=1, page=3))
    assert not result.total_exact and result.has_more
    assert not pg_explorer.search(SearchParams(q="python", per_page=1, page=4)).has_more


def test_postgres_user_ids_turn_identifiers_and_dates(pg_explorer: PostgresExplorer) -> None:
    assert set(ids(pg_explorer, user_id=["ip-beta"])) == {wid(2), wid(3), wid(8), wid(11)}
    sharegpt = conversation_detail(pg_explorer, 1)
    assert sharegpt is not None and [m.turn_identifier for m in sharegpt.messages] == [None, None]
    assert ids(pg_explorer, turn_id=1) == []
    assert len(ids(pg_explorer, date_to=date(9999, 12, 31))) == 12
    hit = pg_explorer.search(SearchParams(q="猫")).results[0]
    assert "<mark>猫</mark>" in hit.snippet and "<mark>猫很" not in hit.snippet


def test_postgres_build_of_nothing_keeps_the_old_index(
    pg_explorer: PostgresExplorer, pg_url: str, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(IndexBuildError, match="no conversations were read"):
        build_index([IndexSource(empty, "wildchat")], pg_url, IndexOptions(embeddings=False))
    assert PostgresExplorer(pg_url).conversations == 14


def test_postgres_index_of_another_format_version_is_refused(
    pg_explorer: PostgresExplorer, pg_url: str
) -> None:
    with psycopg.connect(url_for_psycopg(pg_url), autocommit=True) as conn:
        conn.execute("UPDATE explore_meta SET value = '1' WHERE key = 'format_version'")
    with pytest.raises(IndexNotFound, match="rebuild it"):
        PostgresExplorer(pg_url)
