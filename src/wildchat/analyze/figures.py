"""The report's plots, drawn with matplotlib as standalone SVG documents.

The page embeds each one as an `<img>` with a data URI: it works offline, and an SVG shown
through `<img>` can never run script, whatever text the datasets put in labels. Math text is off
(`$` in a model or country name is just a dollar sign); large scatters are rasterised inside the SVG.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from wildchat.analyze.stats import LENGTH_BINS
from wildchat.analyze.tables import (
    SCORER_LABELS,
    STAND_IN,
    Stats,
    ranked_keys,
    stand_ins,
    turn_keys,
    turn_shares,
)

TOP = 10


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    title: str
    svg: str


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    matplotlib.rcParams.update(
        {
            "text.parse_math": False,
            "text.usetex": False,
            "svg.fonttype": "none",
            "svg.hashsalt": "wildchat-report",  # stable element ids: the same numbers, the same file
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    import matplotlib.pyplot as plt

    return plt


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", dpi=150, metadata={"Date": None})
    _pyplot().close(figure)
    return buffer.getvalue()


def _log_ticks(axis: Any) -> None:
    """Ticks at 1, 2, 5 × each power of ten, labelled "0.2", "5", "10": with a decade or two of
    data, powers of ten alone leave one or two labels. (The default labels are math text,
    which is off here.)"""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def _from_zero(axes: Any, values: Sequence[float | None], horizontal: bool = False) -> None:
    """A value axis from 0 (counts and shares are never negative); 0..1 with a note when every
    value is 0 or missing, where matplotlib would centre a ±0.05 range on the zero line."""
    finite = [v for v in values if v is not None and np.isfinite(v)]
    top = max(finite, default=0.0)
    set_limits = axes.set_xlim if horizontal else axes.set_ylim
    if top > 0:
        set_limits(0, top * 1.08)
        return
    set_limits(0, 1)
    note = "all values are 0" if finite else "no values"
    axes.text(0.5, 0.5, note, transform=axes.transAxes, ha="center", va="center", color="0.4")


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def grouped_bars(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    ylabel: str,
    log: bool = False,
    horizontal: bool = False,
) -> str:
    plt = _pyplot()
    count = max(len(series), 1)
    width = 0.8 / count
    size = (7.5, max(2.5, 0.32 * len(categories) * (1 + count / 4))) if horizontal else (7.5, 3.2)
    figure, axes = plt.subplots(figsize=size)
    positions = np.arange(len(categories))
    for index, (name, values) in enumerate(series.items()):
        heights = [np.nan if v is None else v for v in values]
        offsets = positions + (index - (count - 1) / 2) * width
        if horizontal:
            axes.barh(offsets, heights, height=width, label=_short(name))
        else:
            axes.bar(offsets, heights, width=width, label=_short(name))
    labels = [_short(c) for c in categories]
    every = [v for values in series.values() for v in values]
    if horizontal:
        axes.set_yticks(positions, labels)
        axes.invert_yaxis()
        axes.set_xlabel(ylabel)
    else:
        axes.set_xticks(
            positions, labels, rotation=30 if max(map(len, labels), default=0) > 6 else 0, ha="right"
        )
        axes.set_ylabel(ylabel)
    if log and any(v is not None and v > 0 for v in every):
        (axes.set_xscale if horizontal else axes.set_yscale)("log")
        _log_ticks(axes.xaxis if horizontal else axes.yaxis)
    else:
        _from_zero(axes, every, horizontal)
    axes.legend(frameon=False, fontsize=8)
    return _svg(figure)


def lines(
    x: Sequence[str], series: Mapping[str, Sequence[float | None]], *, ylabel: str, percent: bool = False
) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    positions = np.arange(len(x))
    for name, values in series.items():
        ys = np.array([np.nan if v is None else v * (100 if percent else 1) for v in values], dtype=float)
        axes.plot(positions, ys, marker="o", markersize=3, label=_short(name))
    step = max(1, len(x) // 12)
    axes.set_xticks(positions[::step], list(x)[::step], rotation=30, ha="right")
    axes.set_xlim(-0.5, len(x) - 0.5)  # one month is a point in the middle, not at a ±0.05 range
    axes.set_ylabel(ylabel)
    _from_zero(axes, [v * (100 if percent else 1) for vs in series.values() for v in vs if v is not None])
    axes.legend(frameon=False, fontsize=8)
    return _svg(figure)


def scatter_map(points: npt.NDArray[np.float64], labels: Sequence[str]) -> str:
    """First-turn prompts in 2-D, one colour per dataset (points rasterised: thousands of them)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 6))
    names = list(dict.fromkeys(labels))
    label_array = np.asarray(labels, dtype=object)
    size = float(np.clip(8000 / max(len(labels), 1), 4, 30))  # small samples get visible dots
    for name in names:
        chosen = label_array == name
        axes.scatter(
            points[chosen, 0],
            points[chosen, 1],
            s=size,
            alpha=0.45,
            label=f"{_short(name)} ({int(chosen.sum()):,})",
            rasterized=True,
            linewidths=0,
        )
    axes.set_xticks([])
    axes.set_yticks([])
    axes.legend(frameon=False, fontsize=8, markerscale=float(np.clip(12 / size, 1, 3)))
    return _svg(figure)


def _shares(stats: Stats, keys: Sequence[str], pick: Any) -> dict[str, list[float | None]]:
    out: dict[str, list[float | None]] = {}
    for name, values in stats.items():
        shares = pick(values)
        out[name] = [None if shares is None else 100 * shares.get(k, 0.0) for k in keys]
    return out


def all_figures(stats: Stats) -> list[Figure]:
    figures: list[Figure] = []
    turns = turn_keys(stats)
    if turns:
        figures.append(
            Figure(
                "turns",
                "Turns per conversation",
                grouped_bars(
                    turns, _shares(stats, turns, turn_shares), ylabel="% of conversations", log=True
                ),
            )
        )
    for key, title, pick in (
        ("languages", "Languages of user turns (top 10)", lambda v: v["language_share"]),
        ("countries", "Countries (top 10)", lambda v: v["countries"]["share"] if v["countries"] else None),
        ("models", "Model versions (top 10)", lambda v: v["models"]["share"] if v["models"] else None),
    ):
        ranked = ranked_keys(stats, pick)[:TOP]
        if ranked:
            figures.append(
                Figure(
                    key,
                    title,
                    grouped_bars(ranked, _shares(stats, ranked, pick), ylabel="%", horizontal=True),
                )
            )
    labels = [label for label, _, _ in LENGTH_BINS]
    length_series: dict[str, list[float | None]] = {}
    for name, values in stats.items():
        counts = values["prompt_length_counts"]
        total = sum(counts.values())
        length_series[name] = [100 * counts[label] / total if total else None for label in labels]
    figures.append(
        Figure(
            "prompt-lengths",
            "User prompt length (tokens)",
            grouped_bars(labels, length_series, ylabel="% of user turns"),
        )
    )
    months = sorted({m for v in stats.values() for m in (v["activity"] or {})})
    if months:
        activity = {
            name: [
                None if v["activity"] is None else v["activity"].get(m, {}).get("conversations", 0)
                for m in months
            ]
            for name, v in stats.items()
        }
        figures.append(
            Figure("activity", "Conversations per month", lines(months, activity, ylabel="conversations"))
        )
    scorers = [(role, scorer) for role in ("user", "assistant") for scorer in SCORER_LABELS]
    toxic = {
        (f"{name} ({STAND_IN} offline scorer)" if stand_ins(v) else name): [
            None
            if v["toxicity"]["shares"][role][scorer] is None
            else 100 * v["toxicity"]["shares"][role][scorer]
            for role, scorer in scorers
        ]
        for name, v in stats.items()
    }
    if any(value is not None for values in toxic.values() for value in values):
        labels = [f"{role} · {SCORER_LABELS[scorer]}" for role, scorer in scorers]
        figures.append(
            Figure(
                "toxicity",
                "Toxic turns by scorer",
                grouped_bars(labels, toxic, ylabel="% of turns"),
            )
        )
    toxic_months = sorted({m for v in stats.values() for m in (v["toxicity"]["monthly"] or {})})
    if toxic_months:
        monthly = {
            name: [
                None if v["toxicity"]["monthly"] is None else v["toxicity"]["monthly"].get(m, {}).get("user")
                for m in toxic_months
            ]
            for name, v in stats.items()
        }
        figures.append(
            Figure(
                "toxicity-monthly",
                "User turns flagged by either scorer, by month",
                lines(toxic_months, monthly, ylabel="% of user turns", percent=True),
            )
        )
    return figures
