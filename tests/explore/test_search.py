"""The SQLite index and its search, on the datasets of tests/explore/data.py (12 WildChat
conversations, a day apart, and 2 ShareGPT ones without times: ids 1-2 are ShareGPT, then
WildChat conversation n has id n + 2)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.explore.data import wildchat_records, write_jsonl
from wildchat.explore import (
    IndexBuildError,
    IndexOptions,
    IndexSource,
    QueryError,
    SearchParams,
    build_index,
    limits,
)
from wildchat.explore.backend import Explorer, IndexNotFound
from wildchat.explore.query import parse_query
from wildchat.explore.rows import has_turn_identifiers, message_rows
from wildchat.explore.search_sqlite import SQLiteExplorer
from wildchat.records import Conversation, ConversationMessage


def wid(number: int) -> int:
    """The index id of WildChat conversation `number` (data.py)."""
    return number + 2


def ids(explorer: SQLiteExplorer, **params: Any) -> list[int]:
    return [hit.id for hit in explorer.search(SearchParams(per_page=100, **params)).results]


def assert_pages_end_where_the_results_do(explorer: Explorer, q: str, sort: str) -> None:
    """Walking the pages by has_more gives every result once, and has_more is false on the last
    page only, whatever the page size (also where the results end exactly at a page's end)."""
    everything = [hit.id for hit in explorer.search(SearchParams(q=q, sort=sort, per_page=100)).results]
    assert everything
    for per_page in range(1, len(everything) + 2):
        seen: list[int] = []
        page = 1
        while True:
            result = explorer.search(SearchParams(q=q, sort=sort, page=page, per_page=per_page))
            assert result.results, (per_page, page)  # has_more promised this page
            seen += [hit.id for hit in result.results]
            if not result.has_more:
                break
            page += 1
        assert sorted(seen) == sorted(everything) and len(seen) == len(everything), per_page
        assert page == -(-len(everything) // per_page), per_page


def test_the_build_labels_datasets_and_orders_by_time(explorer: SQLiteExplorer) -> None:
    assert explorer.conversations == 14
    assert {d["name"]: d["conversations"] for d in explorer.datasets} == {
        "wildchat-sample": 12,
        "sharegpt-sample": 2,
    }
    assert ids(explorer) == [wid(n) for n in range(12, 0, -1)] + [2, 1]
    assert ids(explorer, sort="oldest")[:3] == [1, 2, wid(1)]


def test_words_match_whole_conversations_with_exact_totals(explorer: SQLiteExplorer) -> None:
    result = explorer.search(SearchParams(q="python", sort="newest"))
    assert [hit.id for hit in result.results] == [wid(12), wid(10), wid(1), 2]
    assert (result.total, result.total_exact) == (4, True)
    assert ids(explorer, q="sort python") == ids(explorer, q="python sort")
    assert set(ids(explorer, q="sort python")) == {wid(1), wid(12)}


def test_scope_limits_the_side(explorer: SQLiteExplorer) -> None:
    assert set(ids(explorer, q="sorted", scope="assistant")) == {wid(1), wid(12)}
    assert ids(explorer, q="sorted", scope="user") == []
    assert set(ids(explorer, q="sort", scope="user")) == {wid(1), wid(12)}


def test_a_phrase_never_spans_two_messages(explorer: SQLiteExplorer) -> None:
    assert ids(explorer, q='"new york pizza"') == [wid(8)]
    # "…New York pizza" then the next user message "and Chicago?": adjacent only across messages.
    assert ids(explorer, q='"pizza and chicago"') == []
    assert ids(explorer, q="pizza chicago") == [wid(8)]


def test_or_exclusion_and_prefix(explorer: SQLiteExplorer) -> None:
    assert set(ids(explorer, q="hamlet OR borщ OR haiku")) == {wid(11), wid(2)}
    assert set(ids(explorer, q="python -dictionary")) == {wid(1), wid(10), 2}
    assert ids(explorer, q="entangl*") == [wid(7)]


def test_unspaced_scripts_are_found_by_word(explorer: SQLiteExplorer) -> None:
    for word in ("猫", "你好", "喜欢", "世界", "可爱"):
        assert ids(explorer, q=word) == [wid(4)], word
    assert ids(explorer, q="界你") == []  # not adjacent in the text
    hit = explorer.search(SearchParams(q="你好")).results[0]
    assert "<mark>你好</mark>" in hit.snippet


def test_diacritics_case_and_other_scripts(explorer: SQLiteExplorer) -> None:
    assert ids(explorer, q="cafe") == ids(explorer, q="CAFÉ") == [wid(5)]
    assert ids(explorer, q="борщ") == [wid(9)]


def test_hostile_text_is_found_and_escaped_in_snippets(explorer: SQLiteExplorer) -> None:
    hit = explorer.search(SearchParams(q="script")).results[0]
    assert hit.id == wid(3)
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet
    assert "<script" not in hit.snippet and "<img" not in hit.snippet
    assert ids(explorer, q='"DROP TABLE conversations"') == [wid(3)]
    assert ids(explorer, q="NEAR(alpha beta)") == [wid(6)]
    # The private-use highlight markers inside dataset text come out as text, not as <mark>.
    snippet = explorer.search(SearchParams(q="fake")).results[0].snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") == 1


def test_filters(explorer: SQLiteExplorer) -> None:
    assert set(ids(explorer, hashed_ip=["ip-beta"])) == {wid(2), wid(3), wid(8), wid(11)}
    assert ids(explorer, toxic=True) == [wid(3)]
    assert ids(explorer, redacted=True) == [wid(5)]
    assert set(ids(explorer, min_turns=2)) == {wid(5), wid(8)}
    assert set(ids(explorer, model=["gpt-3.5-turbo-0613"])) == {wid(2), wid(7), wid(12)}
    assert set(ids(explorer, language=["Chinese", "Russian"])) == {wid(4), wid(9)}
    assert ids(explorer, dataset=["sharegpt-sample"]) == [2, 1]
    assert set(ids(explorer, country=["(none)"])) == {1, 2}
    assert ids(explorer, model=["(none)"]) == [2, 1]  # ShareGPT names no model
    assert ids(explorer, turn_id=801) == [wid(8)]
    assert ids(explorer, conversation_hash=[f"{7:032x}"]) == [wid(7)]
    # EPOCH is 2023-04-09; conversation n is n days later.
    assert ids(explorer, date_from=date(2023, 4, 12), date_to=date(2023, 4, 13)) == [wid(4), wid(3)]
    assert ids(explorer, q="python", model=["gpt-4-0314"]) == [wid(10), wid(1)]
    assert ids(explorer, language=["Klingon"]) == []


def test_facet_counts_follow_the_results(explorer: SQLiteExplorer) -> None:
    everything = explorer.search(SearchParams()).facets
    assert {f.value: f.count for f in everything["dataset"]} == {"wildchat-sample": 12, "sharegpt-sample": 2}
    assert {f.value: f.count for f in everything["toxic"]} == {"false": 13, "true": 1}
    result = explorer.search(SearchParams(q="python"))
    assert result.facets_exact
    assert {f.value: f.count for f in result.facets["model"]} == {
        "gpt-4-0314": 2,
        "gpt-3.5-turbo-0613": 1,
        "(none)": 1,
    }
    beta = explorer.search(SearchParams(hashed_ip=["ip-beta"])).facets
    assert {f.value: f.count for f in beta["toxic"]} == {"false": 3, "true": 1}


@pytest.mark.parametrize("sort", ["newest", "oldest", "relevance"])
@pytest.mark.parametrize("q", ["", "python OR the OR a OR de OR sort"])
def test_pages_cover_every_result_once(explorer: SQLiteExplorer, sort: str, q: str) -> None:
    everything = ids(explorer, q=q, sort=sort)
    pages: list[int] = []
    page = 1
    while True:
        result = explorer.search(SearchParams(q=q, sort=sort, page=page, per_page=3))
        if not result.results:
            break
        pages += [hit.id for hit in result.results]
        page += 1
    assert pages == everything
    if sort != "relevance":  # keyset paging reaches the same rows
        cursor: int | None = None
        keyset: list[int] = []
        while True:
            result = explorer.search(SearchParams(q=q, sort=sort, per_page=3, cursor=cursor))
            keyset += [hit.id for hit in result.results]
            if result.next_cursor is None:
                break
            cursor = result.next_cursor
        assert keyset == everything


def test_bounded_work_gives_the_same_pages_and_flags_estimates(
    index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With tiny windows every code path of the large-index case runs on the small index."""
    exact = SQLiteExplorer(index_path)
    expected = {sort: ids(exact, q="python OR sort OR the", sort=sort) for sort in ("newest", "oldest")}
    expected_relevance = set(ids(exact, q="python OR sort OR the"))
    monkeypatch.setattr(limits, "SUMMARY_MATCHES", 2)
    monkeypatch.setattr(limits, "FIRST_CHUNK", 1)
    monkeypatch.setattr(limits, "RANK_WINDOW", 2)
    small = SQLiteExplorer(index_path)
    first = small.search(SearchParams(q="python OR sort OR the", sort="newest", per_page=1))
    assert not first.total_exact and first.total >= 2  # extrapolated from the newest 2 matches
    result = SQLiteExplorer(index_path).search(
        SearchParams(q="python OR sort OR the", sort="newest", per_page=100)
    )
    assert [hit.id for hit in result.results] == expected["newest"]
    assert (result.total, result.total_exact) == (len(expected["newest"]), True)  # the page read them all
    assert ids(small, q="python OR sort OR the", sort="oldest") == expected["oldest"]
    relevance = ids(small, q="python OR sort OR the")
    assert set(relevance) == expected_relevance and len(relevance) == len(expected_relevance)


def test_phrase_totals_read_a_bounded_span(index_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SUMMARY_SPAN", 2)
    monkeypatch.setattr(limits, "FIRST_CHUNK", 1)
    monkeypatch.setattr(limits, "MAX_CHUNK", 1)
    explorer = SQLiteExplorer(index_path)
    # Only the newest two conversations are read for the total, but the page had to read every
    # conversation to fill itself: the total is then exact.
    one = explorer.search(SearchParams(q='"new york pizza"'))
    assert [hit.id for hit in one.results] == [wid(8)] and (one.total, one.total_exact) == (1, True)
    # Here the page stops early: the total stays an estimate from the newest two (1 match in 2 → 7).
    two = explorer.search(SearchParams(q='"sort a"', per_page=1, sort="newest"))
    assert [hit.id for hit in two.results] == [wid(12)]
    assert (two.total, two.total_exact) == (7, False)
    following = explorer.search(SearchParams(q='"sort a"', per_page=1, sort="newest", cursor=two.next_cursor))
    assert [hit.id for hit in following.results] == [wid(1)]


def test_small_filtered_sets_are_probed_exactly(index_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SUMMARY_MATCHES", 1)
    probed = SQLiteExplorer(index_path)
    result = probed.search(SearchParams(q="python OR pizza OR hamlet", hashed_ip=["ip-beta"], sort="newest"))
    assert [hit.id for hit in result.results] == [wid(11), wid(8)]
    assert result.total_exact and result.total == 2


def test_relevance_skips_words_too_common_to_rank(
    explorer: SQLiteExplorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "RANK_MIN_DOCS", 0)
    query = parse_query("python pizza")
    assert explorer.rank_expression(query, "both") is not None
    common = dict(explorer.term_docs)
    explorer.term_docs.update({"python": 14, "pizza": 14})
    try:
        assert explorer.rank_expression(query, "both") is None
        assert "no word to rank by" in (explorer.search(SearchParams(q="python pizza")).notice or "")
    finally:
        explorer.term_docs.clear()
        explorer.term_docs.update(common)


def test_bad_queries_raise_query_errors(explorer: SQLiteExplorer) -> None:
    with pytest.raises(QueryError):
        explorer.search(SearchParams(q='"open'))


def test_the_index_is_opened_read_only(explorer: SQLiteExplorer, index_path: Path) -> None:
    before = index_path.read_bytes()
    with pytest.raises(sqlite3.OperationalError):
        explorer.connection().execute("DELETE FROM conversations")
    with pytest.raises(sqlite3.OperationalError):
        explorer.connection().execute("CREATE TABLE sneaky (a)")
    assert index_path.read_bytes() == before


def test_a_failed_rebuild_leaves_the_old_index(index_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "explore.db"
    target.write_bytes(index_path.read_bytes())
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"conversation_hash": "x", "conversation": [{"role": "user"}]}\n', encoding="utf-8")
    with pytest.raises(ValueError):
        build_index([IndexSource(broken, "wildchat")], target, IndexOptions(embeddings=False))
    assert target.read_bytes() == index_path.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.jsonl", "explore.db"]


def test_same_named_datasets_get_distinct_labels(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a" / "chats.jsonl", wildchat_records()[:2])
    second = write_jsonl(tmp_path / "b" / "chats.jsonl", wildchat_records()[2:3])
    target = tmp_path / "two.db"
    summary = build_index([IndexSource(first), IndexSource(second)], target, IndexOptions(embeddings=False))
    assert [d.name for d in summary.datasets] == ["chats", "chats-2"]
    assert ids(SQLiteExplorer(target), dataset=["chats-2"]) == [3]


def test_a_missing_index_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="wildchat explore index"):
        SQLiteExplorer(tmp_path / "none.db")
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(IndexNotFound, match="not an explorer index"):
        SQLiteExplorer(tmp_path / "junk.db")


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("q", ["", "python", "python OR pizza", "猫 OR python"])
def test_has_more_is_true_only_before_the_last_page(explorer: SQLiteExplorer, q: str, sort: str) -> None:
    assert_pages_end_where_the_results_do(explorer, q, sort)


def test_ranked_relevance_pages_end_at_window_edges(
    index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "RANK_WINDOW", 2)
    monkeypatch.setattr(limits, "FIRST_CHUNK", 1)
    explorer = SQLiteExplorer(index_path)
    assert explorer.rank_expression(parse_query("python"), "both") is not None
    assert_pages_end_where_the_results_do(explorer, "python", "relevance")


def test_a_one_character_unspaced_word_is_highlighted_alone(explorer: SQLiteExplorer) -> None:
    # 猫 begins the run 猫很可爱 (one unicode61 token): only the character itself is marked.
    for scope in ("both", "assistant"):
        hit = explorer.search(SearchParams(q="猫", scope=scope)).results[0]
        assert hit.id == wid(4)
        assert "<mark>猫</mark>" in hit.snippet and "<mark>猫很" not in hit.snippet, hit.snippet
    hit = explorer.search(SearchParams(q="可爱")).results[0]
    assert "<mark>可爱</mark>" in hit.snippet and hit.snippet.count("<mark>") == 1
    assert ids(explorer, q="猫", scope="user") == [wid(4)]  # 我喜欢猫: the run's last character


def test_user_id_is_stored_for_wildchat_too(explorer: SQLiteExplorer) -> None:
    assert set(ids(explorer, user_id=["ip-beta"])) == {wid(2), wid(3), wid(8), wid(11)}
    assert set(ids(explorer, user_id=["ip-beta ip-gamma"])) == {wid(2), wid(3), wid(4), wid(8), wid(11)}
    assert ids(explorer, user_id=["ip-beta"], dataset=["sharegpt-sample"]) == []


def test_round_numbers_are_not_stored_as_turn_identifiers(explorer: SQLiteExplorer) -> None:
    rows = explorer.connection().execute(
        "SELECT c.dataset, m.turn_identifier FROM messages m JOIN conversations c USING (source_row)"
    )
    by_dataset: dict[str, set[int | None]] = {}
    for dataset, turn_identifier in rows:
        by_dataset.setdefault(dataset, set()).add(turn_identifier)
    assert by_dataset["sharegpt-sample"] == {None}
    assert None not in by_dataset["wildchat-sample"] and 801 in by_dataset["wildchat-sample"]
    assert ids(explorer, turn_id=1) == [] and ids(explorer, turn_id=0) == []


def test_a_build_that_reads_no_conversation_fails_and_keeps_the_old_index(
    index_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "explore.db"
    target.write_bytes(index_path.read_bytes())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"conversation_hash": "x", "conversation": [{"role": "user"}]}\n', encoding="utf-8")
    with pytest.raises(IndexBuildError, match=r"no conversations were read from .*bad\.jsonl.*1 invalid"):
        build_index([IndexSource(bad, "wildchat")], target, IndexOptions(embeddings=False, skip_invalid=True))
    empty = write_jsonl(tmp_path / "empty.jsonl", [])
    with pytest.raises(IndexBuildError, match="no conversations were read"):
        build_index([IndexSource(empty, "wildchat")], target, IndexOptions(embeddings=False))
    assert target.read_bytes() == index_path.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "empty.jsonl", "explore.db"]


def test_an_index_of_another_format_version_is_refused(index_path: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    old.write_bytes(index_path.read_bytes())
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'format_version'")
    with pytest.raises(IndexNotFound, match="rebuild it"):
        SQLiteExplorer(old)


def test_turn_identifiers_are_kept_unless_they_are_round_numbers() -> None:
    def conversation(*messages: tuple[str, int]) -> Conversation:
        return Conversation(
            conversation_hash="h",
            model="",
            timestamp=None,
            conversation=[ConversationMessage(role, "text", turn) for role, turn in messages],
            turn=1,
        )

    # What the importers give sources without identifiers: a system prompt is round 0.
    assert not has_turn_identifiers(conversation(("system", 0), ("user", 1), ("assistant", 1), ("user", 2)))
    assert has_turn_identifiers(conversation(("user", 7_000_123), ("assistant", 7_000_123)))
    assert has_turn_identifiers(conversation(("user", 1), ("assistant", 1), ("user", 5)))
    rows = message_rows(conversation(("user", 1), ("assistant", 1)), source_row=3)
    assert [row[4] for row in rows] == [None, None]  # schema.MESSAGE_COLUMNS: turn_identifier
