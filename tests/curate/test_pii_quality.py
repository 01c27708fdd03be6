"""Quality of `strict` on two labelled sets, beside vanilla Presidio measured in the same run.

The metric is the token-level one of `wildchat.curate.pii.evaluation.score_tokens` (every
labelled type, types compared by group). The sets: `eval.jsonl` (our templates) and
`faker.jsonl` (Faker values in fresh templates, `benchmarks/data/pii/make_faker_set.py`),
whose `dev` half was read while tuning and whose `heldout` half was not. These tests run on a
slice of each (a few hundred sentences); `benchmarks/pii_quality.py` runs the full sets.

Measured on the full sets when this was written: strict F2 0.92 (eval), 0.96 (Faker dev),
0.95 (Faker held-out); vanilla Presidio 0.68, 0.63, 0.63.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wildchat.curate.pii.evaluation import (
    Report,
    gold_spans,
    group,
    load_examples,
    predict_vanilla,
    predict_with_policy,
    score_tokens,
    texts_of,
    tokens,
    unvetoed_detections,
    vanilla_analyzer,
    veto_effects,
)
from wildchat.curate.pii.vetoes import STRICT_VETOES

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "pii"
TARGET_F2 = 0.75

pytestmark = pytest.mark.slow


def _slice(examples: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Every k-th example, so that each template of the set is represented."""
    step = max(1, len(examples) // count)
    return examples[::step][:count]


@pytest.fixture(scope="module")
def faker_set() -> list[dict[str, Any]]:
    return load_examples(DATA / "faker.jsonl")


@pytest.fixture(scope="module")
def slices(faker_set: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "eval": _slice(load_examples(DATA / "eval.jsonl"), 160),
        "faker-dev": _slice([e for e in faker_set if e["split"] == "dev"], 160),
        "faker-heldout": _slice([e for e in faker_set if e["split"] == "heldout"], 160),
    }


@pytest.fixture(scope="module")
def reports(slices: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Report]]:
    analyzer = vanilla_analyzer()
    out: dict[str, dict[str, Report]] = {}
    for name, examples in slices.items():
        texts, gold = texts_of(examples), gold_spans(examples)
        out[name] = {
            "strict": score_tokens(texts, gold, predict_with_policy(examples, "strict")),
            "vanilla": score_tokens(texts, gold, predict_vanilla(examples, analyzer)),
        }
    return out


@pytest.mark.parametrize("name", ["eval", "faker-dev", "faker-heldout"])
def test_strict_reaches_the_target_f2_on_every_set(reports: dict[str, dict[str, Report]], name: str) -> None:
    strict, vanilla = reports[name]["strict"].overall, reports[name]["vanilla"].overall
    assert strict.f2 >= TARGET_F2, (name, strict)
    assert strict.f2 > vanilla.f2 and strict.recall > vanilla.recall, (name, strict, vanilla)


@pytest.mark.parametrize("name", ["faker-dev", "faker-heldout"])
def test_strict_finds_every_type_at_least_as_well_as_vanilla(
    reports: dict[str, dict[str, Report]], name: str
) -> None:
    strict, vanilla = reports[name]["strict"], reports[name]["vanilla"]
    assert len(vanilla.by_category) >= 12  # people, places, streets, zips, dates, ages, ids, …
    worse = {
        kind: (round(strict.recall_of(kind), 3), round(m.recall, 3))
        for kind, m in vanilla.by_category.items()
        if strict.recall_of(kind) < m.recall
    }
    assert not worse, worse


def test_strict_without_vetoes_covers_every_token_vanilla_finds(
    slices: dict[str, list[dict[str, Any]]],
) -> None:
    """Before its vetoes, `strict` holds vanilla Presidio's findings: same group, every token."""
    examples = slices["faker-dev"] + slices["faker-heldout"]
    raw = unvetoed_detections(examples)
    vanilla = predict_vanilla(examples)
    missing = []
    for example, ours, theirs in zip(examples, raw, vanilla, strict=True):
        text = str(example["text"])
        for kind, start, end in theirs:
            for token_start, token_end in tokens(text):
                if token_start < end and start < token_end:
                    covered = any(
                        group(e.type) == group(kind) and e.start < token_end and token_start < e.end
                        for e in ours
                    )
                    if not covered:
                        missing.append((kind, text[token_start:token_end], text))
    assert not missing, missing[:10]


def test_every_strict_veto_removes_false_positives_and_costs_no_recall(
    faker_set: list[dict[str, Any]],
) -> None:
    """On the whole Faker set (data we did not write), each veto against all the others."""
    effects = veto_effects(faker_set, STRICT_VETOES)
    assert [e.name for e in effects] == [v.name for v in STRICT_VETOES]
    useless = [e for e in effects if e.false_positive_tokens_removed <= 0]
    harmful = [e for e in effects if e.gold_tokens_lost > 0]
    assert not useless and not harmful, (useless, harmful)
