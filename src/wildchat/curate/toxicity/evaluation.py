"""Scoring a toxicity detector against a labelled set (benchmarks/data/toxicity/eval.jsonl).

Each row: {"text", "language", "toxic": bool, "categories": [...], "kind", "split"}. Categories
are the five top-level moderation families; a row is toxic iff it has at least one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAMILIES: tuple[str, ...] = ("harassment", "hate", "violence", "self-harm", "sexual")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    language: str
    toxic: bool
    categories: tuple[str, ...]
    kind: str
    split: str


@dataclass(frozen=True, slots=True)
class BinaryMetrics:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "false_positive_rate": self.false_positive_rate,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


def load_examples(path: str | Path, split: str | None = None) -> list[Example]:
    examples = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        example = Example(
            text=row["text"],
            language=row["language"],
            toxic=bool(row["toxic"]),
            categories=tuple(row["categories"]),
            kind=row.get("kind", "toxic" if row["toxic"] else "benign"),
            split=row.get("split", "dev"),
        )
        if split is None or example.split == split:
            examples.append(example)
    return examples


def binary_metrics(examples: Sequence[Example], predicted: Sequence[bool]) -> BinaryMetrics:
    tp = fp = fn = tn = 0
    for example, flagged in zip(examples, predicted, strict=True):
        if flagged and example.toxic:
            tp += 1
        elif flagged:
            fp += 1
        elif example.toxic:
            fn += 1
        else:
            tn += 1
    return BinaryMetrics(tp, fp, fn, tn)


def family_recall(examples: Sequence[Example], predicted: Sequence[bool | set[str]]) -> dict[str, float]:
    """Per family: share of its examples caught. Each prediction is either a flag (any flag
    counts) or the set of families predicted (the right family must be among them)."""
    recall: dict[str, float] = {}
    for family in FAMILIES:
        hits = total = 0
        for example, prediction in zip(examples, predicted, strict=True):
            if family not in example.categories:
                continue
            total += 1
            hits += int(prediction if isinstance(prediction, bool) else family in prediction)
        recall[family] = hits / total if total else float("nan")
    return recall


def families_of(categories: Iterable[str]) -> set[str]:
    """'harassment/threatening' -> 'harassment'."""
    return {c.split("/", 1)[0] for c in categories}
