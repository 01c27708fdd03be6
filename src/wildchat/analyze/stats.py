"""Every number of the report for one dataset, computed by DuckDB over its spill files.

The queries read the views `m` (one row per message) and `c` (one row per conversation) that
`open_dataset` points at a dataset's Parquet files. DuckDB streams them and spills to disk past
its memory limit, so a dataset of any size is aggregated in bounded memory.

Conventions (docs/analysis.md): turns = user messages per conversation; token statistics are
per message of the role, standard deviations are sample ones (n − 1); the language distribution
counts user turns; countries, states, models and activity count conversations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from wildchat.analyze.spill import NO_LANGUAGE

# Prompt lengths in tokens: (label, lowest, highest) — inclusive bounds, None = open.
LENGTH_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1–10", 1, 10),
    ("11–50", 11, 50),
    ("51–100", 51, 100),
    ("101–500", 101, 500),
    ("501–1,000", 501, 1000),
    ("1,001–5,000", 1001, 5000),
    (">5,000", 5001, None),
)


def connect(
    memory_limit: str = "1GB", threads: int | None = None, temp_directory: Path | None = None
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{_setting(memory_limit)}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if temp_directory is not None:
        con.execute(f"SET temp_directory = '{_setting(str(temp_directory))}'")
    return con


def _setting(value: str) -> str:
    return value.replace("'", "''")


def open_dataset(con: duckdb.DuckDBPyConnection, messages: Path, conversations: Path) -> None:
    con.execute(f"CREATE OR REPLACE VIEW m AS SELECT * FROM read_parquet('{_setting(str(messages))}')")
    con.execute(f"CREATE OR REPLACE VIEW c AS SELECT * FROM read_parquet('{_setting(str(conversations))}')")


def _share(counts: list[tuple[Any, int]], total: int) -> dict[str, float]:
    return {str(key): (count / total if total else 0.0) for key, count in counts}


def table1(con: duckdb.DuckDBPyConnection, min_language_prompts: int = 1) -> dict[str, Any]:
    """Table 1's numbers plus the turn-level language share."""
    conversations, users_known, users, mean_turns = con.execute(
        "SELECT count(*), count(user), count(DISTINCT user), avg(turns) FROM c"
    ).fetchone() or (0, 0, 0, None)
    tokens = {
        role: {"messages": n, "mean": mean, "std": std}
        for role, n, mean, std in con.execute(
            "SELECT role, count(*), avg(tokens), stddev_samp(tokens) FROM m GROUP BY role"
        ).fetchall()
    }
    languages = con.execute(
        "SELECT language, count(*) AS n FROM m WHERE role = 'user' "
        "GROUP BY language ORDER BY n DESC, language"
    ).fetchall()
    user_turns = sum(n for _, n in languages)
    empty = {"messages": 0, "mean": None, "std": None}
    return {
        "conversations": conversations,
        "users": users if users_known else None,
        "mean_turns": mean_turns,
        "user_tokens": {k: v for k, v in tokens.get("user", empty).items() if k != "messages"},
        "assistant_tokens": {k: v for k, v in tokens.get("assistant", empty).items() if k != "messages"},
        "messages": {role: values["messages"] for role, values in sorted(tokens.items())},
        "languages": sum(1 for name, n in languages if name != NO_LANGUAGE and n >= min_language_prompts),
        "language_share": _share(languages, user_turns),
        "language_counts": {name: n for name, n in languages},
    }


def distributions(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Turn counts, countries, states, models, prompt lengths and activity by month."""
    conversations = (con.execute("SELECT count(*) FROM c").fetchone() or (0,))[0]
    turns = con.execute("SELECT turns, count(*) FROM c GROUP BY turns ORDER BY turns").fetchall()
    countries = con.execute(
        "SELECT country, count(*) AS n FROM c WHERE country IS NOT NULL "
        "GROUP BY country ORDER BY n DESC, country"
    ).fetchall()
    states = con.execute(
        "SELECT coalesce(country, '?') || ' / ' || state AS place, count(*) AS n FROM c "
        "WHERE state IS NOT NULL GROUP BY place ORDER BY n DESC, place"
    ).fetchall()
    models = con.execute(
        "SELECT model, count(*) AS n FROM c WHERE model IS NOT NULL GROUP BY model ORDER BY n DESC, model"
    ).fetchall()
    cases = " ".join(
        f"WHEN tokens <= {high} THEN {index}"
        for index, (_, _, high) in enumerate(LENGTH_BINS)
        if high is not None
    )
    lengths = dict(
        con.execute(
            f"SELECT CASE {cases} ELSE {len(LENGTH_BINS) - 1} END AS bin, count(*) FROM m "
            "WHERE role = 'user' GROUP BY bin"
        ).fetchall()
    )
    activity = con.execute(
        "SELECT strftime(timestamp, '%Y-%m') AS month, count(*), count(DISTINCT user) FROM c "
        "WHERE timestamp IS NOT NULL GROUP BY month ORDER BY month"
    ).fetchall()
    with_country = sum(n for _, n in countries)
    with_state = sum(n for _, n in states)
    with_model = sum(n for _, n in models)
    return {
        "turn_counts": {str(k): n for k, n in turns},
        "turn_share": _share(turns, conversations),
        "countries": {"known": with_country, "share": _share(countries, with_country)} if countries else None,
        "states": {"known": with_state, "share": _share(states, with_state)} if states else None,
        "models": {"known": with_model, "share": _share(models, with_model)} if models else None,
        "prompt_length_counts": {
            label: lengths.get(index, 0) for index, (label, _, _) in enumerate(LENGTH_BINS)
        },
        "activity": {month: {"conversations": n, "users": u} for month, n, u in activity}
        if activity
        else None,
    }
