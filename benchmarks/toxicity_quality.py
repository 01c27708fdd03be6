"""How much better the offline toxicity scorer is than alt-profanity-check alone, and how fast.

Two labelled sets, each text labelled with OpenAI Moderation's families (harassment, hate,
violence, self-harm, sexual) or none, as Moderation would label it (casual swearing is not toxic):

eval.jsonl (7 languages), written by the lexicons' author, in three parts in the order written:
  dev   the texts lexicon 1.0 was written and tuned against: numbers measure fit, not generalisation.
  dev2  written after 1.0 was frozen and scored once as its held-out set (1.0: F1 0.434, P 0.889,
        R 0.287; profanity-check at 0.5: F1 0.168). Lexicon 1.1 was then tuned on it: now dev.
  test  written after 1.1 was frozen, in another style, and scored once: 1.1 got F1 0.483 (P 0.905,
        R 0.329, FPR 0.041) against profanity-check's 0.143. Lexicons 1.2 and 1.3 were not tuned
        on it (1.2 fixed four false positives seen there, so its numbers are slightly optimistic).

independent.jsonl, 645 chatbot prompts written from scratch for lexicon 1.3 by an author who had
not read the lexicons (see benchmarks/data/toxicity/README.md), half toxic, half hard benign:
  dev       lexicon 1.3 and the profanity-check weighting were tuned on it: fit.
  held-out  scored once, after 1.3 was frozen: the number to trust (still one author's style).

Systems: the offline scorer (lexicons + alt-profanity-check), the same without profanity-check
(lexicons alone), and alt-profanity-check alone at its 0.5 default, at the threshold that maximises
F1 on the dev parts (eval dev + dev2 + independent dev), and at the lowest threshold whose
false-positive rate on the dev parts is at most 5% (an operating point comparable with ours).
For scale: profanity-check's F1 against OpenAI Moderation labels elsewhere is about 0.66.

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

DATA_DIR = Path(__file__).resolve().parent / "data" / "toxicity"
EVAL = DATA_DIR / "eval.jsonl"
INDEPENDENT = DATA_DIR / "independent.jsonl"
# (name printed, file, split in the file); the tuning parts come first
PARTS = (
    ("eval dev", EVAL, "dev"),
    ("eval dev2", EVAL, "dev2"),
    ("independent dev", INDEPENDENT, "dev"),
    ("eval test", EVAL, "test"),
    ("independent held-out", INDEPENDENT, "test"),
)
TUNING = ("eval dev", "eval dev2", "independent dev")
OURS = "offline default"
BASELINE = "profanity-check (p >= 0.5)"


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
    examples: list[Example],
    scorer: OfflineScorer,
    lexicons_only: OfflineScorer,
    threshold: float,
    fpr_threshold: float,
) -> dict[str, Any]:
    texts = [e.text for e in examples]
    probabilities = profanity_probabilities(texts)
    results = scorer.analyze(texts)
    systems: dict[str, list[bool]] = {
        OURS: [r.flagged for r in results],
        "offline, lexicons only": [r.flagged for r in lexicons_only.analyze(texts)],
        BASELINE: [p >= 0.5 for p in probabilities],
        f"profanity-check (p >= {threshold}, best F1 on dev parts)": [p >= threshold for p in probabilities],
        f"profanity-check (p >= {fpr_threshold}, FPR <= 5% on dev parts)": [
            p >= fpr_threshold for p in probabilities
        ],
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


def summary_table(report: dict[str, Any]) -> Table:
    table = Table(title="F1 per part: offline default vs profanity-check alone (p >= 0.5)")
    for column in ("part", "texts", "toxic", "offline P", "offline R", "offline F1", "p-c P", "p-c R",
                   "p-c F1", "margin"):  # fmt: skip
        table.add_column(column, justify="left" if column == "part" else "right")
    for name, _, _ in PARTS:
        result = report[name]
        ours, baseline = result["systems"][OURS], result["systems"][BASELINE]
        table.add_row(
            name + (" (tuned on)" if name in TUNING else ""),
            str(result["n"]),
            str(result["toxic"]),
            *(f"{ours[k]:.3f}" for k in ("precision", "recall", "f1")),
            *(f"{baseline[k]:.3f}" for k in ("precision", "recall", "f1")),
            f"{ours['f1'] - baseline['f1']:+.3f}",
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--texts", type=int, default=6000, help="texts per throughput run (0: skip)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    console = Console(width=150)  # wide tables stay readable when the output is piped
    scorer = OfflineScorer()
    scorer.setup()
    lexicons_only = OfflineScorer(use_profanity_check=False)
    lexicons_only.setup()
    parts = {name: load_examples(path, split) for name, path, split in PARTS}
    tuning = [e for name in TUNING for e in parts[name]]
    tuning_probabilities = profanity_probabilities([e.text for e in tuning])
    threshold = best_threshold(tuning, tuning_probabilities)
    fpr_threshold = threshold_for_fpr(tuning, tuning_probabilities, 0.05)
    report: dict[str, Any] = {
        "offline_version": scorer.version,
        "profanity_check_best_f1_threshold": threshold,
        "profanity_check_fpr5_threshold": fpr_threshold,
    }
    for name, examples in parts.items():
        result = evaluate(examples, scorer, lexicons_only, threshold, fpr_threshold)
        report[name] = result
        console.print(metrics_table(name, result))
        console.print(family_table(name, result))
        console.print(language_table(name, result))
    console.print(summary_table(report))
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
