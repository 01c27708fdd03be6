"""Show MT-bench results: tables like the paper's Tables 9 and 10, JSON, and a radar plot per category."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from wildchat.train.scores import ModelScores, PairRecord, model_totals

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def single_table(scores: dict[str, ModelScores]) -> list[Table]:
    overall = Table(title="MT-bench scores (1–10)")
    for column in ("Model", "First turn", "Second turn", "Average", "Judgments"):
        overall.add_column(column, justify="left" if column == "Model" else "right")
    for model, score in scores.items():
        overall.add_row(
            model, _number(score.turn1), _number(score.turn2), _number(score.average), str(score.judgments)
        )
    tables = [overall]
    categories = sorted({name for score in scores.values() for name in score.categories})
    if categories:
        per_category = Table(title="Per category (both turns)")
        per_category.add_column("Model")
        for name in categories:
            per_category.add_column(name, justify="right")
        for model, score in scores.items():
            per_category.add_row(model, *(_number(score.categories.get(name)) for name in categories))
        tables.append(per_category)
    return tables


def pair_table(records: Sequence[PairRecord]) -> list[Table]:
    pairs = Table(title="Pairwise (both orders; %)")
    for column in ("Model", "Opponent", "Win", "Tie", "Loss", "Questions x turns"):
        pairs.add_column(column, justify="left" if column in ("Model", "Opponent") else "right")
    for record in records:
        rates = record.rates()
        pairs.add_row(
            record.model,
            record.opponent,
            f"{rates['win']:.2f}",
            f"{rates['tie']:.2f}",
            f"{rates['loss']:.2f}",
            str(record.total),
        )
    totals = Table(title="Against all opponents (%)")
    for column in ("Model", "Win", "Tie", "Loss"):
        totals.add_column(column, justify="left" if column == "Model" else "right")
    for model, total in model_totals(records).items():
        rates = total.rates()
        totals.add_row(model, f"{rates['win']:.2f}", f"{rates['tie']:.2f}", f"{rates['loss']:.2f}")
    return [pairs, totals]


def print_tables(tables: Sequence[Table], console: Console) -> None:
    for table in tables:
        console.print(table)


def single_json(scores: dict[str, ModelScores]) -> str:
    return json.dumps(
        {model: score.to_dict() for model, score in scores.items()}, indent=2, ensure_ascii=False
    )


def pair_json(records: Sequence[PairRecord]) -> str:
    body = {
        "pairs": [{"model": r.model, "opponent": r.opponent, **r.rates(), "count": r.total} for r in records],
        "models": {model: {**t.rates(), "count": t.total} for model, t in model_totals(records).items()},
    }
    return json.dumps(body, indent=2, ensure_ascii=False)


def radar_plot(scores: dict[str, ModelScores], path: Path) -> Path:
    """One polygon per model over the categories (0–10); the file type follows path's suffix."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"--plot: {path.name}: use a .png, .svg or .pdf file name")
    categories = sorted({name for score in scores.values() for name in score.categories})
    if len(categories) < 3:
        raise ValueError("a radar plot needs scores in at least 3 categories (pass the question file)")
    angles = [2 * math.pi * index / len(categories) for index in range(len(categories))]
    figure, axes = plt.subplots(figsize=(7, 7), subplot_kw={"projection": "polar"})
    for model, score in scores.items():
        values = [score.categories.get(name, 0.0) for name in categories]
        axes.plot([*angles, angles[0]], [*values, values[0]], linewidth=1.5, label=model)
        axes.fill([*angles, angles[0]], [*values, values[0]], alpha=0.1)
    axes.set_xticks(angles)
    axes.set_xticklabels(categories)
    axes.set_ylim(0, 10)
    axes.set_title("MT-bench score per category")
    axes.legend(loc="upper right", bbox_to_anchor=(1.3, 1.1))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, bbox_inches="tight")
    plt.close(figure)
    return path
