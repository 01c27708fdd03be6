"""The search box's syntax: what parses, what is refused with a message, and that nothing a user
types can reach FTS5 as syntax."""

from __future__ import annotations

import sqlite3

import pytest

from wildchat.explore.query import QueryError, Term, parse_query, to_fts5, to_tsquery_sql
from wildchat.explore.schema import TOKENIZER


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    """An FTS5 table with the index's columns and tokenizer, to run rendered expressions on."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE search USING fts5(user_text, assistant_text, user_cjk, assistant_cjk, "
        f'tokenize="{TOKENIZER}")'
    )
    conn.execute("INSERT INTO search VALUES ('near the col: ^start and OR text', 'alpha beta', NULL, NULL)")
    return conn


def test_plain_words_are_and_ed_terms() -> None:
    query = parse_query("sort  list python")
    assert query.clauses == ((Term("sort"),), (Term("list"),), (Term("python"),))
    assert to_fts5(query) == '"sort" AND "list" AND "python"'


def test_phrases_exclusions_or_and_prefixes() -> None:
    query = parse_query('"new york" pizza OR pasta -chicago -"deep dish" entangle*')
    assert query.clauses == (
        (Term("new york", phrase=True),),
        (Term("pizza"), Term("pasta")),
        (Term("entangle", prefix=True),),
    )
    assert query.excluded == (Term("chicago"), Term("deep dish", phrase=True))
    assert to_fts5(query) == (
        '(("new york" AND ("pizza" OR "pasta") AND "entangle"*) NOT "chicago") NOT "deep dish"'
    )


def test_scope_wraps_the_expression_in_a_column_filter() -> None:
    assert to_fts5(parse_query("cat"), "user") == '{user_text user_cjk} : ("cat")'
    assert to_fts5(parse_query("cat"), "assistant") == '{assistant_text assistant_cjk} : ("cat")'


def test_unspaced_scripts_become_bigram_phrases_in_the_bigram_columns() -> None:
    assert to_fts5(parse_query("你好世界")) == '{user_cjk assistant_cjk} : "你好 好世 世界"'
    assert to_fts5(parse_query("猫")) == '{user_cjk assistant_cjk} : "猫"*'
    assert to_fts5(parse_query("iPhone价格")) == '("iPhone" AND {user_cjk assistant_cjk} : "价格")'


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('"unclosed phrase', "unbalanced quotes"),
        ("cat OR", "OR must stand between"),
        ("OR cat", "OR must stand between"),
        ("cat OR OR dog", "OR must stand between"),
        ("-", "a lone -"),
        ("-cat -dog", "not only -exclusions"),
        ("ab*", "at least 3 letters"),
        ('""', "no words"),
        ("!!! ???", "no words"),
        ("x" * 1_001, "too long"),
        (" ".join(["w"] * 40), "too many terms"),
    ],
)
def test_malformed_queries_say_what_is_wrong(typed: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "NEAR(alpha beta)",
        "col: ^start",
        "{user_text} : alpha",
        "alpha AND NOT beta",
        "a*b*c",
        "text)) OR ((1=1",
        "'; DROP TABLE search; --",
        '"alpha" "beta"',
        "\ue001 marker \ue002 \ue000",
        "-- alpha",
        "alpha -- beta",
        "**",
        "near the",
        "猫 OR python -你好世界",
        'iPhone价格 -"猫 狗" 喜*',
    ],
)
def test_hostile_input_runs_as_plain_words(typed: str, fts: sqlite3.Connection) -> None:
    """Either a clear QueryError or an expression FTS5 accepts: never an FTS5 syntax error."""
    try:
        query = parse_query(typed)
    except QueryError:
        return
    for scope in ("both", "user", "assistant"):
        fts.execute("SELECT rowid FROM search WHERE search MATCH ?", (to_fts5(query, scope),)).fetchall()


def test_fts_operators_typed_as_words_match_as_words(fts: sqlite3.Connection) -> None:
    rows = fts.execute(
        "SELECT rowid FROM search WHERE search MATCH ?", (to_fts5(parse_query("col: ^start")),)
    )
    assert rows.fetchall() == [(1,)]
    rows = fts.execute("SELECT rowid FROM search WHERE search MATCH ?", (to_fts5(parse_query("NEAR text")),))
    assert rows.fetchall() == [(1,)]


def test_postgres_tsquery_keeps_user_text_in_parameters() -> None:
    sql, params = to_tsquery_sql(parse_query('zqxj OR wvut kmpf -"yyzz qqrr"'), "explore_text")
    assert not any(word in sql for word in ("zqxj", "wvut", "kmpf", "yyzz", "qqrr"))
    assert params == ['"zqxj"', '"wvut"', '"kmpf"', '"yyzz qqrr"']
    assert sql.count("websearch_to_tsquery") == 4
    assert " || " in sql and "!!" in sql
