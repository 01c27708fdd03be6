"""The report's tables, one column per dataset, as text cells shared by `tables.md` and the page.

Cells are formatted once here (thousands separators, two decimals, percentages) so the Markdown
and the HTML show the same figures; `stats.json` keeps the unrounded numbers.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from wildchat.analyze.stats import LENGTH_BINS
from wildchat.curate.toxicity.schema import MODERATION_CATEGORIES

DASH = "–"
TOP = 15  # rows of a long distribution before "Other"
LONG_TURNS = 10  # turn counts above this share one row, as in the paper's Fig. 2a

Stats = Mapping[str, Mapping[str, Any]]  # dataset name -> that dataset's numbers


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # anchor in the page, stable across runs
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


def integer(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def decimal(value: float | None, digits: int = 2) -> str:
    return DASH if value is None else f"{value:,.{digits}f}"


def percent(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.2f}%"


def mean_std(values: Mapping[str, float | None]) -> str:
    if values.get("mean") is None:
        return DASH
    return f"{decimal(values['mean'])} ± {decimal(values.get('std'))}"


def table1(stats: Stats, tokenizer: str) -> Table:
    names = list(stats)
    rows = [
        ["Conversations", *(integer(stats[n]["conversations"]) for n in names)],
        ["Users", *(integer(stats[n]["users"]) for n in names)],
        ["Turns per conversation (mean)", *(decimal(stats[n]["mean_turns"]) for n in names)],
        ["User tokens per turn (mean ± std)", *(mean_std(stats[n]["user_tokens"]) for n in names)],
        ["Assistant tokens per turn (mean ± std)", *(mean_std(stats[n]["assistant_tokens"]) for n in names)],
        ["Languages", *(integer(stats[n]["languages"]) for n in names)],
    ]
    return Table(
        "table1",
        f"Table 1. Dataset statistics (tokenizer: {tokenizer})",
        ["", *names],
        rows,
        note="Users: distinct user ids or hashed IPs where the source has them. Turns: user messages. "
        "Tokens: per message of the role, mean ± sample standard deviation. "
        "Languages: languages of user turns (identified where the source gives none).",
    )


def ranked_keys(stats: Stats, share: Callable[[Mapping[str, Any]], Mapping[str, float] | None]) -> list[str]:
    """Keys ordered by their share summed over datasets (each dataset weighs the same)."""
    totals: dict[str, float] = {}
    for values in stats.values():
        for key, value in (share(values) or {}).items():
            totals[key] = totals.get(key, 0.0) + value
    return sorted(totals, key=lambda key: (-totals[key], key))


def distribution(
    key: str,
    title: str,
    stats: Stats,
    share: Callable[[Mapping[str, Any]], Mapping[str, float] | None],
    *,
    label: str,
    top: int = TOP,
    note: str = "",
) -> Table:
    """Top keys as rows, then "Other"; a dataset without the field shows "–" throughout."""
    names = list(stats)
    ranked = ranked_keys(stats, share)
    shown = ranked[:top]
    rows = []
    for item in shown:
        rows.append([item, *(_cell(share(stats[n]), item) for n in names)])
    if len(ranked) > top:
        rows.append(
            [
                "Other",
                *(
                    DASH
                    if share(stats[n]) is None
                    else percent(sum(v for k, v in (share(stats[n]) or {}).items() if k not in shown))
                    for n in names
                ),
            ]
        )
    return Table(key, title, [label, *names], rows, note=note)


def _cell(shares: Mapping[str, float] | None, key: str) -> str:
    if shares is None:
        return DASH
    return percent(shares.get(key, 0.0))


def turn_shares(values: Mapping[str, Any]) -> dict[str, float]:
    """Share of conversations by turn count, counts above LONG_TURNS pooled."""
    total = values["conversations"] or 1
    shares: dict[str, float] = {}
    for turns, count in values["turn_counts"].items():
        key = turns if int(turns) <= LONG_TURNS else f">{LONG_TURNS}"
        shares[key] = shares.get(key, 0.0) + count / total
    return shares


def turn_keys(stats: Stats) -> list[str]:
    """ "0", "1", … "10", ">10": in numeric order, the pooled row last."""
    keys = {k for v in stats.values() for k in turn_shares(v)}
    return sorted(keys, key=lambda k: (k.startswith(">"), int(k.lstrip(">"))))


def turn_table(stats: Stats) -> Table:
    names = list(stats)
    keys = turn_keys(stats)
    rows = [[k, *(percent(turn_shares(stats[n]).get(k, 0.0)) for n in names)] for k in keys]
    return Table(
        "turns",
        "Turns per conversation (share of conversations; the paper's Fig. 2a)",
        ["Turns", *names],
        rows,
    )


def length_table(stats: Stats) -> Table:
    names = list(stats)
    rows = []
    for label, _, _ in LENGTH_BINS:
        cells = []
        for n in names:
            counts = stats[n]["prompt_length_counts"]
            total = sum(counts.values())
            cells.append(percent(counts[label] / total) if total else DASH)
        rows.append([label, *cells])
    return Table(
        "prompt-lengths", "User prompt length in tokens (share of user turns)", ["Tokens", *names], rows
    )


def activity_table(stats: Stats) -> Table:
    names = list(stats)
    months = sorted({m for v in stats.values() for m in (v["activity"] or {})})
    rows = [
        [
            month,
            *(
                DASH
                if stats[n]["activity"] is None
                else integer(stats[n]["activity"].get(month, {}).get("conversations", 0))
                for n in names
            ),
        ]
        for month in months
    ]
    return Table("activity", "Conversations per month", ["Month", *names], rows)


SCORER_LABELS = {
    "detoxify": "Detoxify",
    "openai_moderation": "OpenAI Moderation",
    "either": "Either",
    "both": "Both",
}


STAND_IN = "†"  # marks numbers of `wildchat build`'s offline heuristic, not of the named scorer
_REAL_SCORER = {"openai_moderation": "openai", "detoxify": "detoxify"}  # build's scorer names


def stand_ins(values: Mapping[str, Any]) -> frozenset[str]:
    """The scorer columns ("openai_moderation", "detoxify") that the offline heuristic filled.

    A `wildchat build` release's manifest names its scorers; a released field whose own scorer
    did not run and that holds results was filled by the offline scorer, a declared stand-in.
    """
    scorers = values.get("toxicity_scorers") or ()
    if "offline" not in scorers:
        return frozenset()
    shares = values["toxicity"]["shares"]
    return frozenset(
        field
        for field, real in _REAL_SCORER.items()
        if real not in scorers and any(shares[role][field] is not None for role in shares)
    )


def stand_in_note(stats: Stats, fields: Iterable[str] = _REAL_SCORER) -> str:
    """What † means, naming the datasets it marks; "" where none is marked."""
    marked = {n: stand_ins(stats[n]) & set(fields) for n in stats}
    parts = [f"{n} ({' and '.join(SCORER_LABELS[f] for f in sorted(fs))})" for n, fs in marked.items() if fs]
    if not parts:
        return ""
    return (
        f"{STAND_IN} {'; '.join(parts)}: scored by wildchat build's offline rule-based scorer "
        "(its manifest.json), a stand-in filling the field, not the OpenAI Moderation API or Detoxify: "
        "compare with other datasets' figures with care."
    )


def _marked(cell: str, mark: bool) -> str:
    return f"{cell} {STAND_IN}" if mark and cell != DASH else cell


def toxicity_table(stats: Stats) -> Table:
    names = list(stats)
    marked = {n: stand_ins(stats[n]) for n in names}
    rows = []
    for role, role_label in (("user", "User"), ("assistant", "Assistant")):
        for scorer, label in SCORER_LABELS.items():
            rows.append(
                [
                    f"{role_label} turns · {label}",
                    *(
                        # "either" and "both" hold the stand-in's flags too
                        _marked(
                            percent(stats[n]["toxicity"]["shares"][role][scorer]),
                            scorer in marked[n] or (scorer in ("either", "both") and bool(marked[n])),
                        )
                        for n in names
                    ),
                ]
            )
    threshold = next(iter(stats.values()))["toxicity"]["threshold"] if stats else 0.1
    note = (
        f"Detoxify flags toxicity > {threshold}; OpenAI Moderation its own flagged field. "
        "“–”: the dataset carries no result from that scorer."
    )
    return Table(
        "toxicity",
        "Toxic turns by scorer (the paper's Tables 6 and 7)",
        ["", *names],
        rows,
        note=" ".join(filter(None, [note, stand_in_note(stats)])),
    )


def category_table(stats: Stats, role: str) -> Table:
    names = list(stats)
    rows = []
    for category in MODERATION_CATEGORIES:
        cells = []
        for n in names:
            categories = stats[n]["toxicity"]["categories"]
            if categories is None:
                cells.append(DASH)
                continue
            values = categories[category][role]
            cell = f"{percent(values['share_of_turns'])} ({percent(values['share_of_flagged'])})"
            cells.append(_marked(cell, "openai_moderation" in stand_ins(stats[n])))
        rows.append([category, *cells])
    who = "user" if role == "user" else "assistant"
    return Table(
        f"categories-{role}",
        f"OpenAI Moderation categories, {who} turns: share of turns (share of flagged turns)",
        ["Category", *names],
        rows,
        note=stand_in_note(stats, ["openai_moderation"]),
    )


def monthly_toxicity_table(stats: Stats) -> Table:
    names = list(stats)
    months = sorted({m for v in stats.values() for m in (v["toxicity"]["monthly"] or {})})
    rows = []
    for month in months:
        cells = []
        for n in names:
            monthly = stats[n]["toxicity"]["monthly"]
            if monthly is None or month not in monthly:
                cells.append(DASH)
                continue
            cells.append(
                f"{percent(monthly[month].get('user'))} / {percent(monthly[month].get('assistant'))}"
            )
        rows.append([month, *cells])
    return Table(
        "toxicity-monthly", "Toxic turns by month, either scorer (user / assistant)", ["Month", *names], rows
    )


EXAMPLE_CHARS = 160


def example(text: str | None) -> str:
    """One line, truncated: prompts are shown, not reproduced."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= EXAMPLE_CHARS else flat[: EXAMPLE_CHARS - 1] + "…"


def cluster_tables(stats: Stats) -> list[Table]:
    tables: list[Table] = []
    for name, values in stats.items():
        repeated = values.get("repeated_prompts")
        if repeated is None:  # duplicate search turned off
            continue
        for kind, title in (
            ("top", "most repeated prompts"),
            (
                "templates",
                f"repeated long prompts (≥ {repeated['template_words']} words: templates, jailbreaks)",
            ),
        ):
            rows = [
                [
                    example(cluster["example"]),
                    integer(cluster["occurrences"]),
                    integer(cluster["users"]),
                    percent(cluster["success_rate"]),
                ]
                for cluster in repeated[kind]
            ]
            tables.append(
                Table(
                    f"repeated-{kind}-{len(tables)}",
                    f"{name}: {title}",
                    ["Example (truncated)", "Occurrences", "Users", "Success rate"],
                    rows,
                    note=(
                        f"{integer(repeated['clusters'])} clusters of ≥ {repeated['min_occurrences']} "
                        f"near-duplicates (MinHash, Jaccard ≈ {repeated['jaccard_threshold']}) hold "
                        f"{integer(repeated['clustered_prompts'])} of {integer(repeated['prompts'])} "
                        "prompts. Success rate: share of replies flagged by either scorer."
                    ),
                )
            )
    return tables


def all_tables(stats: Stats, tokenizer: str) -> list[Table]:
    return [
        table1(stats, tokenizer),
        turn_table(stats),
        distribution(
            "languages",
            "Languages of user turns (the paper's Table 5)",
            stats,
            lambda v: v["language_share"],
            label="Language",
        ),
        distribution(
            "countries",
            "Countries (share of conversations with a known country)",
            stats,
            lambda v: v["countries"]["share"] if v["countries"] else None,
            label="Country",
        ),
        distribution(
            "states",
            "States and regions (share of conversations with a known state)",
            stats,
            lambda v: v["states"]["share"] if v["states"] else None,
            label="Country / state",
        ),
        distribution(
            "models",
            "Model versions (share of conversations)",
            stats,
            lambda v: v["models"]["share"] if v["models"] else None,
            label="Model",
        ),
        length_table(stats),
        activity_table(stats),
        toxicity_table(stats),
        category_table(stats, "user"),
        category_table(stats, "assistant"),
        monthly_toxicity_table(stats),
        *cluster_tables(stats),
    ]


# Characters that make Markdown out of plain text inside a line: emphasis (`*`, `_`, `~`),
# code (`` ` ``), links and images (`[`, `]`), math on GitHub (`$`), table cells (`|`) and the
# escape itself. `<`, `>` and `&` are HTML-escaped instead (raw HTML, autolinks, entities).
_MARKDOWN_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]~$|"})


def _markdown_cell(text: str) -> str:
    # Dataset text is hostile: no raw HTML, no formatting or links, no table breaks, one line;
    # a backslash before each special character makes renderers show it as written.
    return html.escape(" ".join(text.split()).translate(_MARKDOWN_SPECIAL), quote=False)


def markdown(tables: Iterable[Table], title: str = "", summary: str = "") -> str:
    parts = [f"# {_markdown_cell(title)}"] if title else []
    if summary:
        parts.append(_markdown_cell(summary))
    for table in tables:
        lines = [f"## {_markdown_cell(table.title)}", ""]
        lines.append("| " + " | ".join(_markdown_cell(c) for c in table.columns) + " |")
        lines.append("|" + "|".join(" --- " if i == 0 else " ---: " for i in range(len(table.columns))) + "|")
        if not table.rows:
            lines.append("| " + " | ".join(["(none)", *([""] * (len(table.columns) - 1))]) + " |")
        lines.extend("| " + " | ".join(_markdown_cell(c) for c in row) + " |" for row in table.rows)
        if table.note:
            lines += ["", _markdown_cell(table.note)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
