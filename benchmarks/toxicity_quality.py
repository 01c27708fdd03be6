"""How much better the offline toxicity scorer is than alt-profanity-check alone, and how fast.

Data: benchmarks/data/toxicity/eval.jsonl, short texts we wrote (7 languages; harassment, hate,
violence, self-harm, sexual; benign texts; hard negatives like "kill the process"; casual swearing,
labelled non-toxic as OpenAI Moderation would). Three parts, in the order they were written:

  dev   the texts lexicon 1.0 was written and tuned against: numbers measure fit, not generalisation.
  dev2  written after 1.0 was frozen and scored once as its held-out set (1.0: F1 0.434, P 0.889,
        R 0.287; profanity-check at 0.5: F1 0.168). Lexicon 1.1 was then tuned on it: now dev.
  test  written after 1.1 was frozen, in another style, and scored once: 1.1 got F1 0.483 (P 0.905,
        R 0.329, FPR 0.041) against profanity-check's 0.143. Lexicon 1.2 then fixed four false
        positives seen there, so the current numbers on "test" are slightly optimistic. All parts
        were written by the rules' author: expect lower recall on real traffic.

Baselines: alt-profanity-check at its 0.5 default, at the threshold that maximises F1 on
dev + dev2, and at the lowest threshold whose dev + dev2 false-positive rate is at most 5% (a
usable operating point, comparable with the offline scorer's). For scale: profanity-check's
published F1 against OpenAI Moderation labels is 0.66 (different data).

Throughput: the offline scorer on short texts (the eval texts, repeated) and on long ones (about
1,000 characters, like assistant replies), in one process and in --workers processes.

Run: python benchmarks/toxicity_quality.py [--json out.json] [--workers 2] [--texts 6000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from wildchat.curate.toxicity.evaluation import (
    FAMILIES,
    Example,
    binary_metrics,
    families_of,
    family_recall,
    load_examples,
)
from wildchat.curate.toxicity.offline import OfflineScorer

DATA = Path(__file__).resolve().parent / "data" / "toxicity" / "eval.jsonl"
PUBLISHED_PROFANITY_CHECK_F1 = 0.66


def profanity_probabilities(texts: list[str]) -> list[float]:
    from profanity_check import predict_prob

    return [float(p) for p in predict_prob(texts)]


CANDIDATE_THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]


def best_threshold(examples: list[Example], probabilities: list[float]) -> float:
    return max(
        CANDIDATE_THRESHOLDS, key=lambda t: binary_metrics(examples, [p >= t for p in probabilities]).f1
    )


def threshold_for_fpr(examples: list[Example], probabilities: list[float], budget: float) -> float:
    return min(
        t
        for t in CANDIDATE_THRESHOLDS
        if binary_metrics(examples, [p >= t for p in probabilities]).false_positive_rate <= budget
    )


def evaluate(
    examples: list[Example], scorer: OfflineScorer, threshold: float, fpr_threshold: float
) -> dict[str, Any]:
    texts = [e.text for e in examples]
    probabilities = profanity_probabilities(texts)
    results = scorer.analyze(texts)
    offline_flags = [r.flagged for r in results]
    systems: dict[str, list[bool]] = {
        "profanity-check (p >= 0.5)": [p >= 0.5 for p in probabilities],
        f"profanity-check (p >= {threshold}, best F1 on dev+dev2)": [p >= threshold for p in probabilities],
        f"profanity-check (p >= {fpr_threshold}, FPR <= 5% on dev+dev2)": [
            p >= fpr_threshold for p in probabilities
        ],
        "offline default": offline_flags,
    }
    hard = [i for i, e in enumerate(examples) if e.kind == "hard_negative"]
    out: dict[str, Any] = {"n": len(examples), "toxic": sum(e.toxic for e in examples), "systems": {}}
    for name, flags in systems.items():
        metrics = binary_metrics(examples, flags)
        out["systems"][name] = {
            **metrics.as_dict(),
            "hard_negative_flag_rate": sum(flags[i] for i in hard) / len(hard) if hard else 0.0,
            "family_recall": family_recall(examples, flags),
        }
    out["offline_right_family_recall"] = family_recall(examples, [families_of(r.categories) for r in results])
    languages = sorted({e.language for e in examples})
    out["f1_by_language"] = {
        name: {
            lang: binary_metrics(
                [e for e in examples if e.language == lang],
                [f for e, f in zip(examples, flags, strict=True) if e.language == lang],
            ).f1
            for lang in languages
        }
        for name, flags in systems.items()
    }
    return out


_worker_scorer: OfflineScorer | None = None


def _init_worker() -> None:
    global _worker_scorer
    _worker_scorer = OfflineScorer()
    _worker_scorer.setup()


def _score_chunk(texts: list[str]) -> int:
    assert _worker_scorer is not None
    return len(_worker_scorer.score(texts))


def throughput(texts: list[str], workers: int, chunk: int = 256) -> dict[str, float]:
    scorer = OfflineScorer()
    scorer.setup()
    scorer.score(texts[:chunk])  # warm-up: first-call costs are not throughput
    started = time.perf_counter()
    for i in range(0, len(texts), chunk):
        scorer.score(texts[i : i + chunk])
    single = len(texts) / (time.perf_counter() - started)
    chunks = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_init_worker) as pool:
        pool.map(_score_chunk, chunks[:workers])  # warm-up: setup happens in each worker
        started = time.perf_counter()
        done = sum(pool.map(_score_chunk, chunks))
        parallel = done / (time.perf_counter() - started)
    return {"one_process": single, f"{workers}_processes": parallel}


def metrics_table(title: str, result: dict[str, Any]) -> Table:
    table = Table(title=f"{title}: {result['n']} texts, {result['toxic']} toxic")
    for column in ("system", "precision", "recall", "F1", "FPR", "hard-neg flagged"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for name, m in result["systems"].items():
        table.add_row(
            name,
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{m['f1']:.3f}",
            f"{m['false_positive_rate']:.3f}",
            f"{m['hard_negative_flag_rate']:.3f}",
        )
    return table


def family_table(title: str, result: dict[str, Any]) -> Table:
    table = Table(title=f"{title}: recall per category")
    table.add_column("system")
    for family in FAMILIES:
        table.add_column(family, justify="right")
    for name, m in result["systems"].items():
        table.add_row(name + " (any flag)", *(f"{m['family_recall'][f]:.2f}" for f in FAMILIES))
    right = result["offline_right_family_recall"]
    table.add_row("offline default (right category)", *(f"{right[f]:.2f}" for f in FAMILIES))
    return table


def language_table(title: str, result: dict[str, Any]) -> Table:
    by_language = result["f1_by_language"]
    languages = sorted(next(iter(by_language.values())))
    table = Table(title=f"{title}: F1 per language")
    table.add_column("system")
    for lang in languages:
        table.add_column(lang, justify="right")
    for name, values in by_language.items():
        table.add_row(name, *(f"{values[lang]:.2f}" for lang in languages))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--texts", type=int, default=6000, help="texts per throughput run (0: skip)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    console = Console()
    scorer = OfflineScorer()
    scorer.setup()
    parts = {split: load_examples(args.data, split) for split in ("dev", "dev2", "test")}
    tuning = parts["dev"] + parts["dev2"]
    tuning_probabilities = profanity_probabilities([e.text for e in tuning])
    threshold = best_threshold(tuning, tuning_probabilities)
    fpr_threshold = threshold_for_fpr(tuning, tuning_probabilities, 0.05)
    report: dict[str, Any] = {
        "offline_version": scorer.version,
        "profanity_check_best_f1_threshold": threshold,
        "profanity_check_fpr5_threshold": fpr_threshold,
    }
    for split, examples in parts.items():
        result = evaluate(examples, scorer, threshold, fpr_threshold)
        report[split] = result
        console.print(metrics_table(split, result))
        console.print(family_table(split, result))
        console.print(language_table(split, result))
    ours = report["test"]["systems"]["offline default"]
    baseline = report["test"]["systems"]["profanity-check (p >= 0.5)"]
    console.print(
        f"test F1: offline {ours['f1']:.3f} vs profanity-check {baseline['f1']:.3f} (margin "
        f"{ours['f1'] - baseline['f1']:+.3f}); recall {ours['recall']:.3f} vs {baseline['recall']:.3f} at "
        f"false-positive rates {ours['false_positive_rate']:.3f} vs {baseline['false_positive_rate']:.3f}. "
        f"profanity-check's published F1 against OpenAI Moderation labels: {PUBLISHED_PROFANITY_CHECK_F1}"
    )
    if args.texts:
        short = [e.text for examples in parts.values() for e in examples]
        short = (short * (args.texts // len(short) + 1))[: args.texts]
        long_texts = [" ".join(short[i : i + 20]) for i in range(0, len(short), 20)]
        report["throughput_short"] = throughput(short, args.workers)
        report["throughput_long"] = throughput(long_texts, args.workers, chunk=32)
        table = Table(title=f"offline scorer throughput (texts/s, {os.cpu_count()} CPUs visible)")
        for column in ("texts", "mean chars", *report["throughput_short"]):
            table.add_column(column, justify="right")
        for name, texts, numbers in (
            ("short", short, report["throughput_short"]),
            ("long", long_texts, report["throughput_long"]),
        ):
            mean = sum(map(len, texts)) / len(texts)
            table.add_row(f"{name} ({len(texts)})", f"{mean:.0f}", *(f"{v:,.0f}" for v in numbers.values()))
        console.print(table)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
