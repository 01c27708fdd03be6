"""Repeated prompts and jailbreak templates: MinHash signatures, LSH bands, clusters.

A prompt is the set of its word 3-shingles (lower-cased `\\w+` words; each Han, kana or Hangul
character counts as a word, since those scripts do not separate words with spaces), over its
first `max_words` words: templates share their beginning and differ in the question appended.
Prompts of fewer than three words are one shingle.

Signatures are computed with NumPy over all shingles of a batch at once, one permutation at a
time (`h -> (a*h + b) >> 32` on 64-bit mixed shingle hashes, minimum per prompt): a
datasketch `MinHash` per prompt costs about 0.45 ms on this machine, 20 minutes for the 2.6M
prompts of WildChat-1M, where this takes about a minute. Two prompts share a band (`rows`
consecutive permutations) with probability J^rows; with 10 bands of 6 a pair with Jaccard
similarity 0.8 collides in some band 95% of the time, one at 0.5 15%, one at 0.3 under 1%.

Clusters are the connected components of "shares a band" (computed by DuckDB on the spilled
message rows, then `scipy.sparse.csgraph`): memory grows with the number of prompts that
collide with another one (16 bytes per edge), never with the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

WORD_PATTERN = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]|\w+"
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_SHINGLE_WEIGHTS = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
)
_BAND_PRIME = np.uint64(0x100000001B3)
BATCH = 10_000  # prompts whose shingles are hashed together (about 1M shingles, 8 MB per array)


@dataclass(frozen=True, slots=True)
class MinHashParams:
    bands: int = 10
    rows: int = 6
    max_words: int = 256
    seed: int = 1

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    @property
    def threshold(self) -> float:
        """The Jaccard similarity at which a pair collides in some band half of the time (approx.)."""
        return float((1 / self.bands) ** (1 / self.rows))


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: spreads structured hashes over all 64 bits."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _permutations(params: MinHashParams) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    rng = np.random.default_rng(params.seed)
    a = rng.integers(1, 2**63, size=params.num_perm, dtype=np.uint64) | np.uint64(1)  # odd multipliers
    b = rng.integers(0, 2**63, size=params.num_perm, dtype=np.uint64)
    return a, b


def word_hashes(
    texts: Sequence[str], params: MinHashParams
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Every prompt's word hashes, concatenated, and each prompt's word count (capped)."""
    words = (
        pl.Series("text", list(texts), dtype=pl.String)
        .str.to_lowercase()
        .str.extract_all(WORD_PATTERN)
        .list.head(params.max_words)
    )
    lengths = words.list.len().fill_null(0).to_numpy().astype(np.int64)
    present = words.filter(pl.Series(lengths > 0))
    if present.len() == 0:
        return np.zeros(0, dtype=np.uint64), lengths
    hashes = present.explode().hash(seed=params.seed).to_numpy().astype(np.uint64)
    return hashes, lengths


def shingle_hashes(
    hashes: npt.NDArray[np.uint64], lengths: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """3-word shingle hashes, contiguous per prompt, and each prompt's shingle count."""
    total = len(hashes)
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    owner_length = np.repeat(lengths, lengths)
    position = np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)
    padded = np.concatenate([hashes, np.zeros(2, dtype=np.uint64)])
    shingle = np.zeros(total, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset, weight in enumerate(_SHINGLE_WEIGHTS):
            inside = (position + offset < owner_length).astype(np.uint64)  # the word exists
            shingle += padded[offset : offset + total] * weight * inside
    first_of_each = position <= np.maximum(owner_length - 3, 0)
    counts = np.where(lengths > 0, np.maximum(lengths - 2, 1), 0)
    return _mix(shingle[first_of_each]), counts


def signatures(
    texts: Sequence[str], params: MinHashParams
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """MinHash signatures (one row per text; all 0xFFFFFFFF for a text without words) and word counts."""
    a, b = _permutations(params)
    result = np.full((len(texts), params.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    word_counts = np.zeros(len(texts), dtype=np.int64)
    for start in range(0, len(texts), BATCH):
        hashes, lengths = word_hashes(texts[start : start + BATCH], params)
        word_counts[start : start + len(lengths)] = lengths
        shingles, counts = shingle_hashes(hashes, lengths)
        present = np.flatnonzero(counts) + start
        if len(present) == 0:
            continue
        segment_starts = np.zeros(len(present), dtype=np.int64)
        np.cumsum(counts[counts > 0][:-1], out=segment_starts[1:])
        with np.errstate(over="ignore"):
            for k in range(params.num_perm):
                permuted = ((shingles * a[k] + b[k]) >> np.uint64(32)).astype(np.uint32)
                result[present, k] = np.minimum.reduceat(permuted, segment_starts)
    return result, word_counts


def band_keys(signature: npt.NDArray[np.uint32], params: MinHashParams) -> npt.NDArray[np.uint64]:
    """One 64-bit key per band: prompts that share a key agree on all of that band's rows."""
    keys = np.zeros((len(signature), params.bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(params.bands):
            accumulator = np.full(len(signature), np.uint64(band) + np.uint64(0xCBF29CE484222325))
            for row in range(params.rows):
                column = signature[:, band * params.rows + row].astype(np.uint64)
                accumulator = (accumulator ^ column) * _BAND_PRIME
            keys[:, band] = _mix(accumulator)
    return keys


def estimated_jaccard(first: npt.NDArray[np.uint32], second: npt.NDArray[np.uint32]) -> float:
    return float(np.mean(first == second))


def components(pids: npt.NDArray[np.int64], roots: npt.NDArray[np.int64]) -> pa.Table:
    """Connected components of the edges pid–root: (pid, cluster) where cluster = smallest pid."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(pids) == 0:
        return pa.table({"pid": pa.array([], pa.int64()), "cluster": pa.array([], pa.int64())})
    nodes, inverse = np.unique(np.concatenate([pids, roots]), return_inverse=True)
    u, v = inverse[: len(pids)], inverse[len(pids) :]
    graph = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(len(nodes), len(nodes)))
    count, labels = connected_components(graph, directed=False)
    smallest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, nodes)
    return pa.table({"pid": pa.array(nodes, pa.int64()), "cluster": pa.array(smallest[labels], pa.int64())})


def band_columns(params: MinHashParams) -> list[str]:
    return [f"b{band}" for band in range(params.bands)]


def edges_sql(params: MinHashParams, messages: str) -> str:
    """SQL for the distinct edges (pid, root): root = the smallest pid sharing a band key with pid."""
    parts = [
        f"SELECT m.pid, r.root FROM {messages} m JOIN ("
        f"SELECT {column} AS k, min(pid) AS root FROM {messages} WHERE {column} IS NOT NULL "
        f"GROUP BY {column} HAVING count(*) > 1) r ON m.{column} = r.k"
        for column in band_columns(params)
    ]
    return f"SELECT DISTINCT pid, root FROM ({' UNION ALL '.join(parts)}) WHERE pid <> root"


def find_clusters(con: duckdb.DuckDBPyConnection, params: MinHashParams) -> pa.Table:
    """(pid, cluster) for every prompt that shares a band with another prompt, from the view `m`."""
    edges = con.execute(edges_sql(params, "m")).fetchnumpy()
    return components(np.asarray(edges["pid"], dtype=np.int64), np.asarray(edges["root"], dtype=np.int64))


def repeated_prompts(
    con: duckdb.DuckDBPyConnection,
    params: MinHashParams,
    *,
    detoxify_threshold: float,
    min_occurrences: int = 5,
    template_words: int = 50,
    limit: int = 20,
) -> dict[str, Any]:
    """Clusters of near-duplicate user prompts with occurrences, distinct users and success rate.

    Success rate = share of the cluster's replies (the assistant message right after each prompt)
    flagged by either scorer, among replies that have a result; null when none has. "templates"
    are the clusters whose prompts have at least `template_words` words (median): jailbreak
    prompts and other long templates, the paper's Table 8.
    """
    clusters = find_clusters(con, params)
    con.register("cluster_of", clusters)
    try:
        threshold = float(detoxify_threshold)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE cluster_stats AS
            SELECT x.cluster,
                   count(*) AS occurrences,
                   count(DISTINCT c.user) AS users,
                   count(c.user) AS with_user,
                   count(*) FILTER (WHERE a.moderation IS NOT NULL OR a.detoxify IS NOT NULL) AS scored,
                   count(*) FILTER (WHERE a.moderation OR a.detoxify > {threshold!r}) AS toxic,
                   median(u.words) AS words,
                   arg_min(u.prefix, u.pid) AS example
            FROM cluster_of x
            JOIN m u ON u.pid = x.pid
            JOIN c ON c.conv = u.conv
            LEFT JOIN m a ON a.conv = u.conv AND a.pos = u.pos + 1 AND a.role = 'assistant'
            GROUP BY x.cluster HAVING count(*) >= {int(min_occurrences)}"""
        )
        summary = con.execute(
            "SELECT count(*), coalesce(sum(occurrences), 0) FROM cluster_stats"
        ).fetchone() or (0, 0)
        prompts = (con.execute("SELECT count(pid) FROM m").fetchone() or (0,))[0]

        def top(where: str) -> list[dict[str, Any]]:
            rows = con.execute(
                f"""SELECT example, occurrences, users, with_user, scored, toxic, words FROM cluster_stats
                    {where} ORDER BY occurrences DESC, cluster LIMIT {int(limit)}"""
            ).fetchall()
            return [
                {
                    "example": example,
                    "occurrences": occurrences,
                    "users": users if with_user else None,
                    "success_rate": toxic / scored if scored else None,
                    "words": float(words),
                }
                for example, occurrences, users, with_user, scored, toxic, words in rows
            ]

        return {
            "prompts": prompts,
            "clusters": summary[0],
            "clustered_prompts": int(summary[1]),
            "min_occurrences": min_occurrences,
            "jaccard_threshold": round(params.threshold, 3),
            "top": top(""),
            "templates": top(f"WHERE words >= {int(template_words)}"),
            "template_words": template_words,
        }
    finally:
        con.unregister("cluster_of")
        con.execute("DROP TABLE IF EXISTS cluster_stats")
