"""Explorer latency at scale: index a generated WildChat-schema dataset, then time a fixed query mix
against a naive LIKE '%…%' scan of the same index in the same run.

    .venv/bin/python benchmarks/explore_latency.py                      # 1,000,000 conversations
    .venv/bin/python benchmarks/explore_latency.py --conversations 50000 --workdir /tmp/ex

The dataset (fixed seed) is written as WildChat-1M Parquet shards and indexed through
`wildchat explore index`'s code path (the importers, then the SQLite builder), with the map off
unless --embeddings. Text: words drawn from each language's real frequency list (`wordfreq`,
Zipf-distributed), 15% of them from a per-conversation topic so words co-occur as in real chats;
languages, turns and lengths shaped like WildChat's (docs/explore.md gives the numbers).

Kinds (each query distinct, so no result cache helps; each timed once, after one unmeasured pass
over other queries to warm the page cache):
  common word      a word in 20-60% of conversations, default order (relevance; such words are
                   too common to rank by at 1M, so newest first)
  common word, newest   other such words, sorted by time
  ranked word      a word in 0.5-5% of conversations, ranked by BM25
  rare word        a word in fewer than 0.1% of conversations
  phrase           two adjacent words taken from a generated message, in quotes
  filters only     1-3 filters (language, model, country, toxic, turns, dates, one user)
  filters + word   a common or rare word with 1-2 filters
  deep page        page 500 (results 9,981-10,000) of a common word (newest) or of a filter
Each answer includes the total, the facet counts and highlighted snippets, as /api/search returns.
The naive baseline answers the page and the exact total with LIKE over every message (what an
app without a text index does), --naive-queries per kind.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from wildchat.explore import IndexOptions, IndexSource, SearchParams, build_index
from wildchat.explore.search_sqlite import SQLiteExplorer

# Share of conversations per language (WildChat's turn shares, rounded; the rest spread out).
LANGUAGES = {
    "English": ("en", 0.53),
    "Chinese": ("zh", 0.13),
    "Russian": ("ru", 0.12),
    "French": ("fr", 0.04),
    "Spanish": ("es", 0.03),
    "Portuguese": ("pt", 0.03),
    "German": ("de", 0.02),
    "Arabic": ("ar", 0.02),
    "Japanese": ("ja", 0.02),
    "Korean": ("ko", 0.02),
    "Italian": ("it", 0.02),
    "Turkish": ("tr", 0.02),
}
UNSPACED = {"zh", "ja"}
COUNTRIES = {
    "English": [
        ("United States", ["California", "New York", "Texas"]),
        ("United Kingdom", ["England"]),
        ("India", ["Maharashtra", "Karnataka"]),
        ("Canada", ["Ontario"]),
    ],
    "Chinese": [
        ("China", ["Beijing", "Guangdong", "Shanghai"]),
        ("Hong Kong", [None]),
        ("Taiwan", ["Taipei"]),
    ],
    "Russian": [("Russia", ["Moscow", "Saint Petersburg"]), ("Ukraine", ["Kyiv City"])],
}
MODELS = {
    "gpt-3.5-turbo-0613": 0.45,
    "gpt-3.5-turbo-0301": 0.25,
    "gpt-4-0314": 0.2,
    "gpt-4-1106-preview": 0.1,
}
VOCABULARY = 40_000
TOPIC_SHARE = 0.15
TOPICS = 300
TOPIC_WORDS = 40
USERS = 200_000
START = datetime(2023, 4, 9, tzinfo=UTC)
SPAN_DAYS = 390
SHARD = 50_000


@dataclass
class Language:
    name: str
    code: str
    words: list[str]
    cdf: np.ndarray
    topic_words: np.ndarray  # (TOPICS, TOPIC_WORDS) word numbers
    array: np.ndarray  # the words, then each word followed by a full stop (object array)


def load_languages(rng: np.random.Generator) -> list[Language]:
    import wordfreq

    languages = []
    for name, (code, _) in LANGUAGES.items():
        frequencies = wordfreq.get_frequency_dict(code)  # no tokenizer needed, unlike word_frequency
        ranked = sorted(frequencies.items(), key=lambda item: -item[1])
        pairs = [(w, f) for w, f in ranked if w.isprintable() and " " not in w][:VOCABULARY]
        words = [w for w, _ in pairs]
        freqs = np.array([f for _, f in pairs], dtype=np.float64)
        cdf = np.cumsum(freqs / freqs.sum())
        # Topic words: mid-frequency ranks, as topical words are neither stopwords nor hapaxes.
        topic_words = rng.integers(200, len(words), size=(TOPICS, TOPIC_WORDS))
        array = np.array(words + [w + "。" for w in words], dtype=object)
        languages.append(Language(name, code, words, cdf, topic_words, array))
    return languages


def _messages_text(
    language: Language, lengths: np.ndarray, topics: np.ndarray, rng: np.random.Generator
) -> list[str]:
    """One text per message of this language: `lengths` words each, drawn at once (vectorised)."""
    total = int(lengths.sum())
    picks = np.minimum(np.searchsorted(language.cdf, rng.random(total)), len(language.words) - 1)
    topical = rng.random(total) < TOPIC_SHARE
    topic_rows = np.repeat(topics, lengths)[topical]
    picks[topical] = language.topic_words[topic_rows, rng.integers(0, TOPIC_WORDS, size=int(topical.sum()))]
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    if language.code in UNSPACED:
        # No spaces between words; a full stop after every 12th word, as sentences run.
        position = np.arange(total) - np.repeat(starts, lengths)
        picks = np.where(position % 12 == 11, picks + len(language.words), picks)
        words = language.array[picks]
        return ["".join(words[a : a + n].tolist()) for a, n in zip(starts, lengths, strict=True)]
    words = language.array[picks]
    return [" ".join(words[a : a + n].tolist()) for a, n in zip(starts, lengths, strict=True)]


def conversation_batches(n: int, seed: int, size: int = SHARD) -> Iterator[pa.Table]:
    """WildChat-1M-shaped tables of `size` conversations (the last one shorter)."""
    rng = np.random.default_rng(seed)
    languages = load_languages(rng)
    shares = np.array([share for _, share in LANGUAGES.values()])
    shares /= shares.sum()
    model_names, model_p = np.array(list(MODELS), dtype=object), np.array(list(MODELS.values()))
    # Users: a few very active (power law), most with a handful of conversations.
    user_weights = 1.0 / np.arange(1, USERS + 1) ** 0.8
    user_cdf = np.cumsum(user_weights / user_weights.sum())
    offsets = np.sort(rng.random(n) ** 0.7) * SPAN_DAYS * 86_400  # traffic grows over time
    rng.shuffle(offsets)  # files are not in time order: the index sorts
    next_turn = 1
    for first in range(0, n, size):
        count = min(size, n - first)
        language = rng.choice(len(languages), size=count, p=shares)
        turns = np.minimum(rng.geometric(0.45, size=count), 30)
        topic = rng.integers(0, TOPICS, size=count)
        messages = int(turns.sum()) * 2
        owner = np.repeat(np.arange(count), turns * 2)  # conversation of each message
        is_user = np.tile([True, False], messages // 2)
        lengths = np.where(
            is_user,
            np.clip(rng.lognormal(math.log(15), 1.0, messages), 1, 2_000),
            np.clip(rng.lognormal(math.log(120), 0.6, messages), 1, 1_500),
        ).astype(np.int64)
        texts = np.empty(messages, dtype=object)
        for code, lang in enumerate(languages):
            chosen = np.flatnonzero(language[owner] == code)
            if len(chosen):
                texts[chosen] = _messages_text(lang, lengths[chosen], topic[owner[chosen]], rng)
        names = np.array([lang.name for lang in languages], dtype=object)[language]
        country = np.empty(count, dtype=object)
        state = np.empty(count, dtype=object)
        for i, name in enumerate(names):
            options = COUNTRIES.get(name, [("Germany", ["Bavaria"])])
            country[i], states = options[int(rng.integers(0, len(options)))]
            state[i] = states[int(rng.integers(0, len(states)))]
        users = np.searchsorted(user_cdf, rng.random(count))
        hashed_ip = np.array([f"{u:016x}" for u in users], dtype=object)
        toxic = rng.random(count) < 0.1
        redacted = rng.random(count) < 0.03
        stamps = (START.timestamp() + offsets[first : first + count]) * 1e6
        turn_ids = next_turn + np.repeat(np.arange(int(turns.sum())), 2)
        next_turn += int(turns.sum())
        message_struct = pa.StructArray.from_arrays(
            [
                pa.array(np.where(is_user, "user", "assistant"), pa.string()),
                pa.array(texts, pa.string()),
                pa.array(turn_ids, pa.int64()),
                pa.array(names[owner], pa.string()),
                pa.array(toxic[owner]),
                pa.array(redacted[owner]),
                pa.array(np.where(is_user, hashed_ip[owner], None), pa.string()),
                pa.array(np.where(is_user, country[owner], None), pa.string()),
                pa.array(np.where(is_user, state[owner], None), pa.string()),
            ],
            fields=list(MESSAGE_TYPE),
        )
        offsets_array = pa.array(np.concatenate(([0], np.cumsum(turns * 2))), pa.int32())
        yield pa.Table.from_arrays(
            [
                pa.array([f"{first + i:032x}" for i in range(count)], pa.string()),
                pa.array(model_names[rng.choice(len(model_names), size=count, p=model_p)], pa.string()),
                pa.array(stamps.astype(np.int64), pa.timestamp("us", tz="UTC")),
                pa.ListArray.from_arrays(offsets_array, message_struct),
                pa.array(turns, pa.int64()),
                pa.array(names, pa.string()),
                pa.array(toxic),
                pa.array(redacted),
                pa.array(state, pa.string()),
                pa.array(country, pa.string()),
                pa.array(hashed_ip, pa.string()),
            ],
            schema=SCHEMA,
        )


MESSAGE_TYPE = pa.struct(
    [
        ("role", pa.string()),
        ("content", pa.string()),
        ("turn_identifier", pa.int64()),
        ("language", pa.string()),
        ("toxic", pa.bool_()),
        ("redacted", pa.bool_()),
        ("hashed_ip", pa.string()),
        ("country", pa.string()),
        ("state", pa.string()),
    ]
)
SCHEMA = pa.schema(
    [
        ("conversation_hash", pa.string()),
        ("model", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("conversation", pa.list_(MESSAGE_TYPE)),
        ("turn", pa.int64()),
        ("language", pa.string()),
        ("toxic", pa.bool_()),
        ("redacted", pa.bool_()),
        ("state", pa.string()),
        ("country", pa.string()),
        ("hashed_ip", pa.string()),
    ]
)


def write_dataset(target: Path, n: int, seed: int) -> float:
    """Parquet shards in `target` (written beside it, renamed when complete)."""
    folder = target.with_name(target.name + ".partial")
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    written = 0
    for shard, table in enumerate(conversation_batches(n, seed)):
        pq.write_table(table, folder / f"train-{shard:05d}.parquet")
        written += table.num_rows
        print(f"  generated {written:,} conversations", file=sys.stderr, flush=True)
    folder.rename(target)
    return time.perf_counter() - started


# ----------------------------------------------------------------------------------------------
# The query mix


@dataclass
class Kind:
    name: str
    queries: list[SearchParams] = field(default_factory=list)
    naive: list[SearchParams] = field(default_factory=list)


def _words_by_share(conn: sqlite3.Connection, low: float, high: float, total: int) -> list[str]:
    rows = conn.execute(
        "SELECT term FROM term_stats WHERE docs BETWEEN ? AND ? ORDER BY term", (low * total, high * total)
    ).fetchall()
    return [row[0] for row in rows if row[0].isalpha() and len(row[0]) > 2]


def query_mix(index: Path, count: int, seed: int) -> tuple[list[Kind], list[SearchParams]]:
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    total = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
    common = _words_by_share(conn, 0.2, 0.6, total)
    ranked = _words_by_share(conn, 0.005, 0.05, total)
    conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, search, 'row')")
    rare = [
        term
        for (term,) in conn.execute(
            "SELECT term FROM temp.v WHERE term BETWEEN 'ma' AND 'mz' AND doc BETWEEN 2 AND ?",
            (max(3, total // 1000),),
        )
        if term.isascii() and term.isalpha() and len(term) > 4
    ]
    phrases = []
    for (text,) in conn.execute(
        "SELECT content FROM messages WHERE role = 'assistant' "
        "AND language IN ('English', 'French', 'Russian') AND id % 997 = 0 LIMIT ?",
        (count * 6,),
    ):
        words = text.split()
        if len(words) > 3:
            at = rng.randrange(len(words) - 1)
            phrases.append(f'"{words[at]} {words[at + 1]}"')
    facets = {
        facet: [row[0] for row in conn.execute("SELECT value FROM facet_values WHERE facet = ?", (facet,))]
        for facet in ("language", "model", "country")
    }
    users = [
        row[0] for row in conn.execute("SELECT hashed_ip FROM conversations WHERE id % 101 = 0 LIMIT 500")
    ]
    conn.close()

    def filters() -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(["language", "model", "country", "toxic", "turns", "dates", "user"])
            if kind in facets:
                chosen[kind] = [rng.choice(facets[kind])]
            elif kind == "toxic":
                chosen["toxic"] = rng.random() < 0.3
            elif kind == "turns":
                chosen["min_turns"] = rng.randint(1, 4)
            elif kind == "dates":
                first = START.date() + timedelta(days=rng.randint(0, SPAN_DAYS - 60))
                chosen["date_from"], chosen["date_to"] = first, first + timedelta(days=rng.randint(1, 60))
            else:
                chosen["hashed_ip"] = [rng.choice(users)]
        return chosen

    def pick(words: list[str], k: int) -> list[str]:
        return rng.sample(words, min(k, len(words)))

    # Few words are in 20-60% of conversations: kinds may share words (each kind starts with a
    # fresh explorer, so no answer is cached across kinds).
    kinds = [
        Kind("common word", [SearchParams(q=w) for w in pick(common, count)]),
        Kind("common word, newest", [SearchParams(q=w, sort="newest") for w in pick(common, count)]),
        Kind("ranked word", [SearchParams(q=w) for w in pick(ranked, count)]),
        Kind("rare word", [SearchParams(q=w) for w in pick(rare, count)]),
        Kind("phrase", [SearchParams(q=p) for p in phrases[:count]]),
        Kind("filters only", [SearchParams(**filters()) for _ in range(count)]),
        Kind(
            "filters + word",
            [SearchParams(q=rng.choice(common + rare), **filters()) for _ in range(count)],
        ),
        Kind(
            "deep page",
            [
                SearchParams(q=w, sort="newest", page=500) if i % 2 else SearchParams(page=500, **filters())
                for i, w in enumerate(pick(common, count))
            ],
        ),
    ]
    warmup = [SearchParams(q=w) for w in pick(common + rare, count)]
    return kinds, warmup


# ----------------------------------------------------------------------------------------------
# Timing


def naive_search(conn: sqlite3.Connection, params: SearchParams) -> None:
    """Page and exact total with LIKE over every message, filters as plain SQL."""
    where, args = ["1 = 1"], []
    for column in ("language", "model", "country", "hashed_ip"):
        values = getattr(params, column)
        if values:
            where.append(f"c.{column} = ?")
            args.append(values[0])
    if params.toxic is not None:
        where.append("c.toxic = ?")
        args.append(int(params.toxic))
    if params.min_turns is not None:
        where.append("c.turn >= ?")
        args.append(params.min_turns)
    if params.date_from is not None and params.date_to is not None:
        where.append("c.timestamp BETWEEN ? AND ?")
        start = datetime.combine(params.date_from, datetime.min.time(), UTC)
        end = datetime.combine(params.date_to + timedelta(days=1), datetime.min.time(), UTC)
        args += [int(start.timestamp() * 1e6), int(end.timestamp() * 1e6)]
    if params.q:
        where.append(
            "EXISTS (SELECT 1 FROM messages m WHERE m.source_row = c.source_row AND m.content LIKE ?)"
        )
        args.append("%" + params.q.strip('"') + "%")
    clause = " AND ".join(where)
    offset = (params.page - 1) * params.per_page
    # One scan gives both the exact total and the page (newest first).
    ids = conn.execute(f"SELECT c.id FROM conversations c WHERE {clause} ORDER BY c.id DESC", args).fetchall()
    _ = len(ids), ids[offset : offset + params.per_page]


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    parser.add_argument("--naive-queries", type=int, default=3, help="naive LIKE queries per kind (slow)")
    parser.add_argument(
        "--workdir", type=Path, help="keeps the dataset and index for reuse (default: a temp dir)"
    )
    parser.add_argument(
        "--embeddings", action="store_true", help="also build the map (slow: embeds 20,000 prompts)"
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--build-only", action="store_true", help="stop once the index is built")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="explore-bench-"))
    data = workdir / f"data-{args.conversations}-{args.seed}"
    index = workdir / f"explore-{args.conversations}-{args.seed}.db"
    figures: dict[str, Any] = {"conversations": args.conversations, "cpus": os.cpu_count()}
    if not data.exists():
        print(f"generating {args.conversations:,} conversations into {data}", file=sys.stderr)
        figures["generate_s"] = round(write_dataset(data, args.conversations, args.seed), 1)
    if not index.exists():
        print(f"indexing into {index}", file=sys.stderr)
        started = time.perf_counter()
        summary = build_index(
            [IndexSource(data, "wildchat", "generated")], index, IndexOptions(embeddings=args.embeddings)
        )
        figures["index_s"] = round(time.perf_counter() - started, 1)
        figures["index_phases_s"] = summary.seconds
    figures["index_mb"] = round(index.stat().st_size / 1e6, 1)
    build_file = workdir / f"build-{args.conversations}-{args.seed}.json"
    if "index_s" in figures:
        build_file.write_text(json.dumps(figures, default=str), encoding="utf-8")
    elif build_file.exists():  # built by an earlier run (--build-only): report its figures
        figures = {**json.loads(build_file.read_text(encoding="utf-8")), **figures}
    if args.build_only:
        print(json.dumps(figures, default=str))
        return
    figures["data_mb"] = round(sum(p.stat().st_size for p in data.iterdir()) / 1e6, 1)

    started = time.perf_counter()
    explorer = SQLiteExplorer(index)
    figures["open_s"] = round(time.perf_counter() - started, 2)
    kinds, warmup = query_mix(index, args.queries, args.seed)
    for params in warmup:
        explorer.search(params)
    naive_conn = sqlite3.connect(f"file:{index}?mode=ro", uri=True)
    rows = []
    for kind in kinds:
        explorer = SQLiteExplorer(index)  # no answer cached from another kind's queries
        times = [timed(lambda p=params, e=explorer: e.search(p)) for params in kind.queries]  # type: ignore[misc]
        naive = [
            timed(lambda p=params: naive_search(naive_conn, p))
            for params in kind.queries[: args.naive_queries]
        ]  # type: ignore[misc]
        row = {
            "kind": kind.name,
            "queries": len(times),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
            "naive_queries": len(naive),
            "naive_p50_ms": round(statistics.median(naive), 1) if naive else None,
            "naive_max_ms": round(max(naive), 1) if naive else None,
        }
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    figures["kinds"] = rows
    print(
        f"\n{args.conversations:,} conversations · index {figures['index_mb']:,} MB "
        f"(Parquet input {figures['data_mb']:,} MB)"
        + (f" · built in {figures['index_s']:,} s" if "index_s" in figures else "")
        + f" · opened in {figures['open_s']} s · {os.cpu_count()} CPUs"
    )
    print(f"{'kind':<22}{'n':>4}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'LIKE p50 ms':>14}{'ratio':>9}")
    for row in rows:
        ratio = (row["naive_p50_ms"] / row["p50_ms"]) if row["naive_p50_ms"] and row["p50_ms"] else None
        print(
            f"{row['kind']:<22}{row['queries']:>4}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['max_ms']:>10}"
            f"{row['naive_p50_ms'] or '-':>14}{f'{ratio:,.0f}x' if ratio else '-':>9}"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
