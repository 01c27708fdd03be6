"""Quality on our labelled evaluation set: `strict` must beat vanilla Presidio clearly.

Measured when this test was written (805 sentences, 737 gold spans): vanilla Presidio F2
0.664, strict 0.953, wildchat-1m 0.343 (it replaces five types only, by design). The
assertion keeps a margin of 0.2 (the spec asks for 0.1), slack below the measured 0.29.
On the held-out templates (114 sentences): vanilla 0.643, strict 0.926 (margin 0.28).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wildchat.curate.pii.evaluation import (
    gold_spans,
    load_examples,
    predict_vanilla,
    predict_with_policy,
    score,
)

EVAL_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "pii" / "eval.jsonl"


@pytest.mark.slow
def test_strict_beats_vanilla_presidio_by_a_wide_margin() -> None:
    examples = load_examples(EVAL_FILE)
    gold = gold_spans(examples)
    vanilla = score(gold, predict_vanilla(examples)).overall
    strict = score(gold, predict_with_policy(examples, "strict")).overall
    wildchat = score(gold, predict_with_policy(examples, "wildchat-1m")).overall
    assert strict.f2 > vanilla.f2 + 0.2, (strict, vanilla)
    assert strict.precision > vanilla.precision and strict.recall > vanilla.recall
    # The paper's rules trade recall for precision: few replacements, nearly all right.
    assert wildchat.precision > 0.9


@pytest.mark.slow
def test_strict_holds_up_on_held_out_templates() -> None:
    examples = [e for e in load_examples(EVAL_FILE) if str(e["group"]).startswith("holdout")]
    gold = gold_spans(examples)
    vanilla = score(gold, predict_vanilla(examples)).overall
    strict = score(gold, predict_with_policy(examples, "strict")).overall
    assert len(examples) >= 100
    assert strict.f2 > vanilla.f2 + 0.15, (strict, vanilla)
