"""PII detection quality and speed: our policies beside vanilla Presidio, measured in one run.

    python benchmarks/pii_quality.py                 # quality tables on the three sets
    python benchmarks/pii_quality.py generate        # rebuild eval.jsonl from our templates
    python benchmarks/pii_quality.py generate-faker  # rebuild faker.jsonl (Faker, fresh templates)
    python benchmarks/pii_quality.py throughput      # messages/s vs one analyze() per message

Quality is measured at token level over every labelled type (`score_tokens` in
`wildchat.curate.pii.evaluation`): a token is found when a predicted span of the same group
covers it (any of LOCATION, STREET_ADDRESS, ZIP… for a labelled place; DATE_TIME for a date
of birth or an age). The sets:
  - eval: `benchmarks/data/pii/eval.jsonl`, from our own templates (`pii.synthetic`); its decoys
    (public figures, cities, ordinary dates, placeholders, versions) are unlabelled;
  - faker dev / faker held-out: `benchmarks/data/pii/faker.jsonl`, Faker values in 14 locales
    and templates written for it alone (`make_faker_set.py`); every name, place, date, age,
    employer, number in it is labelled. The dev half was read while tuning `strict`; the
    held-out half's templates were not.
The rows:
  - vanilla Presidio: AnalyzerEngine with Presidio's default configuration (conf/default.yaml)
    and the small English spaCy model, all entities, its default threshold, every sentence as
    English;
  - wildchat-1m and strict: `wildchat.curate.pii.mask`, what `wildchat tag --stages pii` writes
    (single pass: no document frequencies, so wildchat-1m's frequency limits never apply).
Then each veto of `strict` against all the others, on the whole Faker set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wildchat.curate.pii.evaluation import (
    Report,
    Span,
    gold_spans,
    load_examples,
    predict_vanilla,
    predict_with_policy,
    score_tokens,
    texts_of,
    vanilla_analyzer,
    veto_effects,
)

DATA = Path(__file__).parent / "data" / "pii"
SYSTEMS = ("vanilla Presidio", "wildchat-1m", "strict")


def generate(path: Path) -> None:
    from wildchat.curate.pii.synthetic import evaluation_examples

    path.parent.mkdir(parents=True, exist_ok=True)
    examples = list(evaluation_examples())
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
    spans = sum(len(e.spans) for e in examples)
    print(f"wrote {len(examples)} sentences, {spans} gold spans to {path}")


def load_sets(data: Path) -> dict[str, list[dict[str, Any]]]:
    faker = load_examples(data / "faker.jsonl")
    return {
        "eval": load_examples(data / "eval.jsonl"),
        "faker dev": [e for e in faker if e["split"] == "dev"],
        "faker held-out": [e for e in faker if e["split"] == "heldout"],
    }


def _systems() -> dict[str, Callable[[Sequence[dict[str, Any]]], list[list[Span]]]]:
    analyzer = vanilla_analyzer()
    return {
        "vanilla Presidio": lambda ex: predict_vanilla(ex, analyzer),
        "wildchat-1m": lambda ex: predict_with_policy(ex, "wildchat-1m"),
        "strict": lambda ex: predict_with_policy(ex, "strict"),
    }


def _overall_table(reports: dict[str, dict[str, Report]]) -> list[str]:
    sets = list(reports)
    titles = [f"{name} ({reports[name]['strict'].overall.gold} tok)" for name in sets]
    head = f"{'':<18}" + "".join(f"{title:>27}" for title in titles)
    lines = [head, f"{'':<18}" + f"{'P      R     F2':>27}" * len(sets)]
    for system in SYSTEMS:
        cells = []
        for name in sets:
            m = reports[name][system].overall
            cells.append(f"{m.precision:>13.3f}{m.recall:>7.3f}{m.f2:>7.3f}")
        lines.append(f"{system:<18}" + "".join(cells))
    cells = []
    for name in sets:
        s, v = reports[name]["strict"].overall, reports[name]["vanilla Presidio"].overall
        cells.append(f"{s.precision - v.precision:>+13.3f}{s.recall - v.recall:>+7.3f}{s.f2 - v.f2:>+7.3f}")
    lines.append(f"{'strict - vanilla':<18}" + "".join(cells))
    return lines


def _recall_table(reports: dict[str, dict[str, Report]]) -> list[str]:
    sets = list(reports)
    kinds = sorted({k for name in sets for k in reports[name]["strict"].by_category})
    lines = [
        f"{'gold type':<16}" + "".join(f"{name:>40}" for name in sets),
        f"{'':<16}" + f"{'tokens  strict vanilla  w1m    s/v':>40}" * len(sets),
    ]
    for kind in kinds:
        cells = []
        for name in sets:
            strict = reports[name]["strict"].by_category.get(kind)
            if strict is None:
                cells.append(f"{'-':>40}")
                continue
            vanilla = reports[name]["vanilla Presidio"].by_category[kind]
            w1m = reports[name]["wildchat-1m"].by_category[kind]
            ratio = f"{strict.recall / vanilla.recall:.2f}" if vanilla.recall else "-"
            cells.append(
                f"{strict.gold:>10}{strict.recall:>8.2f}{vanilla.recall:>8.2f}{w1m.recall:>6.2f}{ratio:>8}"
            )
        lines.append(f"{kind:<16}" + "".join(cells))
    return lines


def quality(data: Path) -> dict[str, dict[str, Report]]:
    sets = load_sets(data)
    systems = _systems()
    reports: dict[str, dict[str, Report]] = {}
    started = time.perf_counter()
    for name, examples in sets.items():
        texts, gold = texts_of(examples), gold_spans(examples)
        reports[name] = {
            system: score_tokens(texts, gold, predict(examples)) for system, predict in systems.items()
        }
    sizes = ", ".join(f"{name} {len(ex)}" for name, ex in sets.items())
    elapsed = time.perf_counter() - started
    print(f"PII quality, token level, every labelled type ({sizes} sentences; {elapsed:.0f} s)\n")
    print("\n".join(_overall_table(reports)))
    print("\nRecall by gold type (s/v = strict / vanilla):\n")
    print("\n".join(_recall_table(reports)))
    faker = sets["faker dev"] + sets["faker held-out"]
    print(
        f"\nstrict's vetoes, each against all the others, on the whole Faker set ({len(faker)} sentences):\n"
    )
    print(f"{'veto':<32}{'false-positive tokens removed':>32}{'gold tokens lost':>20}")
    for effect in veto_effects(faker, _strict_vetoes()):
        print(f"{effect.name:<32}{effect.false_positive_tokens_removed:>32}{effect.gold_tokens_lost:>20}")
    return reports


def _strict_vetoes() -> tuple[Any, ...]:
    from wildchat.curate.pii.vetoes import STRICT_VETOES

    return STRICT_VETOES


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
        ("strict (NER on every message)", "strict", True),
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
        "command",
        nargs="?",
        default="quality",
        choices=("quality", "generate", "generate-faker", "throughput"),
    )
    parser.add_argument(
        "--data", type=Path, default=DATA, help="the folder holding eval.jsonl and faker.jsonl"
    )
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args(argv)
    if args.command == "generate":
        generate(args.data / "eval.jsonl")
    elif args.command == "generate-faker":
        subprocess.run([sys.executable, str(DATA / "make_faker_set.py")], check=True)
    elif args.command == "throughput":
        throughput(args.messages)
    else:
        quality(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
