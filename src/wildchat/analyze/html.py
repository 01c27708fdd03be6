"""The report as one self-contained HTML page: tables, and plots embedded as SVG data URIs.

Every string from a dataset goes through Jinja's autoescaping; the page's Content-Security-Policy
allows no script and no request, only inline styles and `data:` images, so it renders the same
offline and cannot be turned against its reader by what the datasets contain.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from wildchat.analyze.figures import Figure
from wildchat.analyze.tables import Table

# (section id, title, figure keys, table keys or key prefixes ending in "-")
SECTIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("overview", "Overview", (), ("table1",)),
    ("turns", "Turns", ("turns",), ("turns",)),
    ("languages", "Languages", ("languages",), ("languages",)),
    ("geography", "Countries and states", ("countries",), ("countries", "states")),
    ("models", "Models", ("models",), ("models",)),
    ("lengths", "Prompt lengths", ("prompt-lengths",), ("prompt-lengths",)),
    ("activity", "Activity over time", ("activity",), ("activity",)),
    (
        "toxicity",
        "Toxicity",
        ("toxicity", "toxicity-monthly"),
        ("toxicity", "categories-", "toxicity-monthly"),
    ),
    ("repeated", "Repeated prompts and jailbreak templates", (), ("repeated-",)),
    ("map", "Map of first-turn prompts", ("map",), ()),
)


@dataclass
class SourceRow:
    name: str
    path: str
    format: str
    conversations: str


@dataclass
class _Section:
    id: str
    title: str
    figures: list[dict[str, str]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    empty: str = ""


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _matches(key: str, wanted: Sequence[str]) -> bool:
    return any(key == w or (w.endswith("-") and key.startswith(w)) for w in wanted)


def render(
    *,
    title: str,
    summary: str,
    sources: Sequence[SourceRow],
    tables: Sequence[Table],
    figures: Sequence[Figure],
    map_note: str = "",
) -> str:
    environment = Environment(
        loader=PackageLoader("wildchat.analyze", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    sections = []
    for section_id, section_title, figure_keys, table_keys in SECTIONS:
        section = _Section(section_id, section_title)
        for figure in figures:
            if figure.key in figure_keys:
                section.figures.append(
                    {"key": figure.key, "title": figure.title, "uri": data_uri(figure.svg)}
                )
        for table in tables:
            if _matches(table.key, table_keys):
                text_column = 0 if table.key.startswith("repeated-") else -1
                section.tables.append(
                    {
                        "key": table.key,
                        "title": table.title,
                        "columns": table.columns,
                        "rows": table.rows,
                        "note": table.note,
                        "text_column": text_column,
                    }
                )
        if section_id == "map" and not section.figures:
            section.empty = map_note or "No map: embeddings were not computed."
        if section_id == "repeated" and not section.tables:
            section.empty = "No search for repeated prompts (--no-duplicates)."
        sections.append(section)
    return environment.get_template("report.html.j2").render(
        title=title, summary=summary, sources=sources, sections=sections
    )
