"""PII detection quality and speed: our policies against vanilla Presidio, measured in one run.

    python benchmarks/pii_quality.py                 # quality table on benchmarks/data/pii/eval.jsonl
    python benchmarks/pii_quality.py generate        # rebuild eval.jsonl from the templates
    python benchmarks/pii_quality.py throughput      # messages/s vs one analyze() per message

Quality: span-level precision, recall and F2, overall and per category. A predicted span
matches a gold span when they overlap by at least one character and their types fall in
the same category (see `wildchat.curate.pii.evaluation`). The rows:
  - vanilla Presidio: AnalyzerEngine with Presidio's default configuration (conf/default.yaml)
    and the small English spaCy model, all entities, score >= 0.35, every sentence as English;
  - wildchat-1m and strict: `wildchat.curate.pii.mask` (single pass: no document frequencies,
    so wildchat-1m's frequency thresholds never trigger here).
The evaluation set is synthetic, built from our own templates (`wildchat.curate.pii.synthetic`)
— its decoys (public figures, placeholder e-mails, versions, private IPs, public URLs,
ordinary dates, test card numbers) are unlabelled on purpose.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wildchat.curate.pii.evaluation import (
    CATEGORIES,
    Report,
    gold_spans,
    load_examples,
    predict_vanilla,
    predict_with_policy,
    score,
    vanilla_analyzer,
)

DATA = Path(__file__).parent / "data" / "pii" / "eval.jsonl"


def generate(path: Path) -> None:
    from wildchat.curate.pii.synthetic import evaluation_examples

    path.parent.mkdir(parents=True, exist_ok=True)
    examples = list(evaluation_examples())
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
    spans = sum(len(e.spans) for e in examples)
    print(f"wrote {len(examples)} sentences, {spans} gold spans to {path}")


def _row(name: str, report: Report) -> str:
    m = report.overall
    return (
        f"{name:<22} {m.precision:>6.3f} {m.recall:>6.3f} {m.f2:>6.3f}   "
        f"{m.matched_predictions:>4}/{m.predictions:<4} {m.matched_gold:>4}/{m.gold:<4}"
    )


def _category_table(reports: dict[str, Report]) -> list[str]:
    names = list(reports)
    header = f"{'category':<12} {'gold':>5}  " + "  ".join(f"{n[:18]:>18}" for n in names)
    lines = [header, f"{'':<12} {'':>5}  " + "  ".join(f"{'P    R    F2':>18}" for _ in names)]
    for cat in CATEGORIES:
        cells = []
        gold = 0
        present = False
        for name in names:
            m = reports[name].by_category.get(cat)
            if m is None:
                cells.append(f"{'-':>18}")
                continue
            present = True
            gold = max(gold, m.gold)
            p = f"{m.precision:.2f}" if m.predictions else "  - "
            r = f"{m.recall:.2f}" if m.gold else "  - "
            f = f"{m.f2:.2f}" if m.gold and m.predictions else "  - "
            cells.append(f"{p:>6}{r:>6}{f:>6}")
        if present:
            lines.append(f"{cat:<12} {gold:>5}  " + "  ".join(cells))
    return lines


def quality(path: Path) -> dict[str, Report]:
    examples = load_examples(path)
    gold = gold_spans(examples)
    systems: dict[str, Callable[[Sequence[dict[str, Any]]], list[list[tuple[str, int, int]]]]] = {
        "vanilla Presidio": lambda ex: predict_vanilla(ex, vanilla_analyzer()),
        "wildchat-1m": lambda ex: predict_with_policy(ex, "wildchat-1m"),
        "strict": lambda ex: predict_with_policy(ex, "strict"),
    }
    reports: dict[str, Report] = {}
    held_out: dict[str, Report] = {}
    # Sentences of the "holdout-*" groups were written after the recognisers were frozen.
    held = [i for i, ex in enumerate(examples) if str(ex.get("group", "")).startswith("holdout")]
    for name, predict in systems.items():
        predicted = predict(examples)
        reports[name] = score(gold, predicted)
        held_out[name] = score([gold[i] for i in held], [predicted[i] for i in held])
    print(f"{len(examples)} sentences, {sum(len(g) for g in gold)} gold spans ({path})\n")
    print(f"{'system':<22} {'P':>6} {'R':>6} {'F2':>6}   {'TP/pred':>9} {'TP/gold':>9}")
    for name, report in reports.items():
        print(_row(name, report))
    print(f"\nheld-out groups only ({len(held)} sentences, {sum(len(gold[i]) for i in held)} gold spans):")
    for name, report in held_out.items():
        print(_row(name, report))
    print()
    print("\n".join(_category_table(reports)))
    print(
        "\n('other' = predicted types with no gold category, e.g. NRP, ORGANIZATION, CRYPTO:"
        " all false positives)"
    )
    return reports


def throughput(count: int) -> None:
    from presidio_anonymizer import AnonymizerEngine

    from wildchat.curate.pii import PiiStage
    from wildchat.curate.pii.synthetic import chat_messages
    from wildchat.curate.pii.synthetic.conversations import conversations_from_messages
    from wildchat.curate.stage import StageStats

    messages = chat_messages(count)
    chars = sum(len(t) for t, _ in messages)
    print(f"{count} synthetic chat messages, {chars / count:.0f} characters on average\n")

    analyzer = vanilla_analyzer()
    anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]
    baseline_n = min(count, 1000)
    t0 = time.perf_counter()
    for text, _ in messages[:baseline_n]:
        found = analyzer.analyze(text, language="en")
        anonymizer.anonymize(text, found)
    baseline = baseline_n / (time.perf_counter() - t0)
    print(f"{'naive: analyze+anonymize per message':<44} {baseline:8.1f} msg/s  (first {baseline_n})")

    setups: list[tuple[str, str, bool]] = [
        ("wildchat-1m, NER on every message", "wildchat-1m", False),
        ("wildchat-1m, deferred NER (as the build)", "wildchat-1m", True),
        ("strict", "strict", False),
    ]
    for label, policy, defer in setups:
        stage = PiiStage(policy=policy)
        stage.setup()
        batch = conversations_from_messages(messages)
        t0 = time.perf_counter()
        detections = stage.detect(batch, defer_ner=defer)
        stage.apply(batch, detections, stage.doc_freq(detections), StageStats())
        rate = count / (time.perf_counter() - t0)
        print(f"{'detect+apply ' + label:<44} {rate:8.1f} msg/s  ({rate / baseline:.1f}x)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "command", nargs="?", default="quality", choices=("quality", "generate", "throughput")
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args(argv)
    if args.command == "generate":
        generate(args.data)
    elif args.command == "throughput":
        throughput(args.messages)
    else:
        quality(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
