"""The WildChat-Parquet fast path (Arrow columns) gives the same report as the record path."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.analyze.builders import assert_same_numbers, conversation, detoxify, message, moderation, scored
from wildchat.analyze import DatasetInput, ReportOptions, build_report
from wildchat.analyze.sources import wildchat_parquet
from wildchat.curate.export import conversations_to_table, read_conversations
from wildchat.curate.toxicity.schema import MODERATION_CATEGORIES
from wildchat.records import Conversation

OPTIONS = ReportOptions(
    identify_languages=False, embeddings=False, progress=False, min_repeats=2, chunk_size=7
)


def awkward(count: int, seed: int = 3) -> list[Conversation]:
    """Random conversations with the cases that break alignment: empty messages with `{}` scores,
    moderation lists shorter than the conversation, no scores at all, missing countries and times."""
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    records = []
    for index in range(count):
        turns = rng.choice([1, 1, 1, 2, 3, 12])
        messages, moderations, detoxifies = [], [], []
        for _ in range(turns):
            for role in ("user", "assistant"):
                text = "" if rng.random() < 0.1 else " ".join(rng.choices(words, k=rng.randint(1, 30)))
                messages.append(message(role, text, rng.choice(["English", "French", "Nolang"])))
                if not text:
                    moderations.append({})
                    detoxifies.append({})
                else:
                    moderations.append(moderation(rng.random() < 0.2, *rng.sample(MODERATION_CATEGORIES, 2)))
                    detoxifies.append(detoxify(rng.random() * 0.3))
        kind = rng.random()
        if kind < 0.1:
            moderations, detoxifies = [], []
        elif kind < 0.2:
            moderations = moderations[:1]
        records.append(
            conversation(
                f"r{index}",
                messages,
                model=rng.choice(["gpt-4-0314", "gpt-3.5-turbo-0613", ""]),
                timestamp=None
                if rng.random() < 0.1
                else datetime(2023, 4, 9, tzinfo=UTC) + timedelta(days=index),
                ip=rng.choice([None, "u1", "u2", "u3"]),
                country=rng.choice([None, "France", "Peru"]),
                state=rng.choice([None, "Lima"]),
                moderations=moderations,
                detoxifies=detoxifies,
            )
        )
        if index % 5 == 0:  # LMSYS-like: a language for the conversation and none per message
            for item in messages:
                item.language = "Nolang"
            records[-1].language = "German"
    return records


def _comparable(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k not in ("source", "format", "read")}


@pytest.mark.parametrize("records", [scored(), awkward(120)], ids=["hand", "awkward"])
def test_fast_path_matches_record_path(records: list[Conversation], tmp_path: Path) -> None:
    shard = tmp_path / "data" / "train-00000-of-00001.parquet"
    shard.parent.mkdir()
    pq.write_table(conversations_to_table(records, validate=False), shard, row_group_size=16)
    assert wildchat_parquet(tmp_path) == [shard]

    fast = build_report([DatasetInput(path=tmp_path, name="d")], tmp_path / "fast", OPTIONS).stats["d"]
    slow = build_report(
        [DatasetInput(records=read_conversations(shard), name="d")], tmp_path / "slow", OPTIONS
    ).stats["d"]
    assert fast["read"] == "parquet-columns" and slow["read"] == "records"
    assert_same_numbers(_comparable(fast), _comparable(slow))
    assert fast["conversations"] == len(records)


def test_other_parquet_is_not_taken_for_wildchat(tmp_path: Path) -> None:
    import pyarrow as pa

    pq.write_table(pa.table({"conversation": [[{"role": "user", "content": "hi"}]]}), tmp_path / "x.parquet")
    assert wildchat_parquet(tmp_path) == []
    assert wildchat_parquet(tmp_path / "x.parquet") == []


def test_offline_scores_of_our_builds_are_marked(tmp_path: Path) -> None:
    # `wildchat build --toxicity offline` fills openai_moderation with its heuristic; the
    # release's manifest.json says so, and the report must not pass it off as OpenAI's.
    import json

    for name, scorers in (("ours", ["offline"]), ("api", ["openai"])):
        shard = tmp_path / name / "public" / "data" / "train-00000-of-00001.parquet"
        shard.parent.mkdir(parents=True)
        pq.write_table(conversations_to_table(scored(), validate=False), shard)
        manifest = {"build": {"options": {"toxicity_scorers": scorers}}}
        (shard.parents[1] / "manifest.json").write_text(json.dumps(manifest))
    external = tmp_path / "external" / "data" / "train-00000-of-00001.parquet"
    external.parent.mkdir(parents=True)
    pq.write_table(conversations_to_table(scored(), validate=False), external)
    inputs = [
        DatasetInput(path=tmp_path / "ours" / "public", name="ours"),
        DatasetInput(path=tmp_path / "api" / "public" / "data", name="api"),
        DatasetInput(path=external, name="external"),
    ]
    result = build_report(inputs, tmp_path / "report", OPTIONS)
    assert result.stats["ours"]["toxicity_scorers"] == ["offline"]
    assert result.stats["api"]["toxicity_scorers"] == ["openai"]
    assert result.stats["external"]["toxicity_scorers"] is None
    text = (tmp_path / "report" / "tables.md").read_text()
    # user turns flagged by OpenAI Moderation: 1 of 4 in each copy; only ours is the heuristic's
    assert "| User turns · OpenAI Moderation | 25.00% † | 25.00% | 25.00% |" in text
    # scored() has Detoxify scores too: with only the offline scorer run, they are its stand-in's
    assert "† ours (Detoxify and OpenAI Moderation): scored by wildchat build's offline" in text
    assert "† api" not in text and "† external" not in text
