"""Toxicity shares per scorer (the paper's Tables 6 and 7), by category and by month.

A message is flagged by OpenAI Moderation when its entry says `flagged`, and by Detoxify when its
`toxicity` score is above the threshold (the paper's 0.1). "Either" and "both" combine the two.
Shares are over all messages of the role; a scorer the dataset has no result for at all gives
null ("–"), and "both" needs results from both scorers.
"""

from __future__ import annotations

from typing import Any

import duckdb

from wildchat.curate.toxicity.schema import MODERATION_CATEGORIES

ROLES = ("user", "assistant")
SCORERS = ("detoxify", "openai_moderation", "either", "both")
DEFAULT_DETOXIFY_THRESHOLD = 0.1


def _flags(threshold: float) -> tuple[str, str]:
    detoxify = f"(detoxify > {float(threshold)!r})"
    return detoxify, "moderation"


def toxicity(con: duckdb.DuckDBPyConnection, threshold: float = DEFAULT_DETOXIFY_THRESHOLD) -> dict[str, Any]:
    detoxify, moderation = _flags(threshold)
    # Per category: turns with the category, and flagged turns with it (a source may mark a
    # category on a turn it does not flag; the share of flagged turns counts flagged ones only).
    category_counts = ", ".join(
        f"count(*) FILTER (WHERE (categories >> {bit}) & 1 = 1), "
        f"count(*) FILTER (WHERE moderation AND (categories >> {bit}) & 1 = 1)"
        for bit in range(len(MODERATION_CATEGORIES))
    )
    rows = con.execute(
        f"""SELECT role, count(*), count(detoxify), count(moderation),
               count(*) FILTER (WHERE {detoxify}), count(*) FILTER (WHERE {moderation}),
               count(*) FILTER (WHERE {detoxify} OR {moderation}),
               count(*) FILTER (WHERE {detoxify} AND {moderation}), {category_counts}
            FROM m WHERE role IN ('user', 'assistant') GROUP BY role"""
    ).fetchall()
    by_role = {row[0]: row[1:] for row in rows}
    scored_detoxify = sum(values[1] for values in by_role.values())
    scored_moderation = sum(values[2] for values in by_role.values())
    shares: dict[str, dict[str, float | None]] = {}
    counts: dict[str, dict[str, int]] = {}
    categories: dict[str, dict[str, dict[str, float | None]]] = {c: {} for c in MODERATION_CATEGORIES}
    for role in ROLES:
        n, _, _, flagged_detoxify, flagged_moderation, either, both, *per_category = by_role.get(
            role, (0,) * (7 + 2 * len(MODERATION_CATEGORIES))
        )
        counts[role] = {
            "turns": n,
            "detoxify": flagged_detoxify,
            "openai_moderation": flagged_moderation,
            "either": either,
            "both": both,
        }
        available = {
            "detoxify": scored_detoxify > 0,
            "openai_moderation": scored_moderation > 0,
            "either": scored_detoxify > 0 or scored_moderation > 0,
            "both": scored_detoxify > 0 and scored_moderation > 0,
        }
        shares[role] = {
            scorer: (counts[role][scorer] / n if n and available[scorer] else None) for scorer in SCORERS
        }
        for index, category in enumerate(MODERATION_CATEGORIES):
            marked, marked_and_flagged = per_category[2 * index], per_category[2 * index + 1]
            categories[category][role] = {
                "share_of_turns": marked / n if n and scored_moderation else None,
                "share_of_flagged": marked_and_flagged / flagged_moderation if flagged_moderation else None,
            }
    return {
        "threshold": threshold,
        "scored": {"detoxify": scored_detoxify, "openai_moderation": scored_moderation},
        "shares": shares,
        "counts": counts,
        "categories": categories if scored_moderation else None,
        "monthly": _monthly(con, threshold) if scored_detoxify or scored_moderation else None,
    }


def _monthly(con: duckdb.DuckDBPyConnection, threshold: float) -> dict[str, dict[str, float]] | None:
    """Share of user and assistant turns flagged by either scorer, by the conversation's month."""
    detoxify, moderation = _flags(threshold)
    rows = con.execute(
        f"""SELECT strftime(c.timestamp, '%Y-%m') AS month, m.role, count(*),
               count(*) FILTER (WHERE {detoxify} OR {moderation})
            FROM m JOIN c ON m.conv = c.conv
            WHERE c.timestamp IS NOT NULL AND m.role IN ('user', 'assistant')
            GROUP BY month, m.role ORDER BY month"""
    ).fetchall()
    if not rows:
        return None
    monthly: dict[str, dict[str, float]] = {}
    for month, role, n, flagged in rows:
        monthly.setdefault(month, {})[role] = flagged / n
    return monthly
