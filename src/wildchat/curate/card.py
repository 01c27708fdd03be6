"""Dataset cards (`README.md` with the Hub's YAML front matter) and `manifest.json` for a release.

The card is what a reader of the Hub page sees and what `load_dataset(<folder>)` parses: its
`configs` point at `data/*.parquet` and its `dataset_info.features` are the WildChat-1M features,
identical to what the Parquet files hold, so loading casts nothing. Every number in the card is
computed from what the writer actually wrote (`ExportStats`); everything about *how* the data was
made (stages, toxicity scorers, PII policy) is passed in by the pipeline through `CardInfo`, so the
card can say honestly when, for example, toxicity came from an offline heuristic.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import yaml

import wildchat
from wildchat.curate.export import DATA_DIR, FULL_DIR, PUBLIC_DIR, ExportStats, ReleaseResult
from wildchat.curate.schema import features_yaml

Variant = Literal["public", "full"]
CARD_NAME = "README.md"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1

DEFAULT_PII_POLICY = (
    "Raw IP addresses never reach storage: the collection service keeps a keyed hash (HMAC-SHA256) "
    "of the address and the country/state looked up offline at request time, and keeps only the "
    "`user-agent` and `accept-language` request headers. Message text was de-identified following "
    "the WildChat paper's rules (Presidio with spaCy named-entity recognition plus hand-written "
    "rules): names, phone numbers, e-mail addresses, credit-card numbers and LinkedIn URLs that "
    "pass frequency and context filters were replaced by `<PRESIDIO_ANONYMIZED_{TYPE}>` markers; "
    "other detected entity types were left as they are."
)

_IP_AND_HEADERS = (
    "Raw IP addresses never reach storage: the collection service keeps a keyed hash (HMAC-SHA256) "
    "of the address and the country/state looked up offline at request time, and keeps only the "
    "`user-agent` and `accept-language` request headers."
)


def pii_policy_text(policy: str, types: Sequence[str]) -> str:
    """The card's "Personal information" section for a build under `policy`, which can replace
    the entity `types` (named as in the markers)."""
    listed = ", ".join(f"`{t}`" for t in sorted(types))
    if policy == "wildchat-1m":
        return (
            f"{_IP_AND_HEADERS} Message text was de-identified with policy `wildchat-1m`, the WildChat "
            "paper's rules (Presidio with spaCy named-entity recognition plus hand-written rules). "
            f"Types that can be replaced by `<PRESIDIO_ANONYMIZED_{{TYPE}}>`: {listed} — names only "
            'right after a cue such as "my name is" and only in English, card numbers only near '
            'the word "card", URLs only of LinkedIn profiles, and each only when the same span '
            "occurs in fewer than 50 (names) or 10 (others) conversations. Everything else, "
            "including street addresses, national ID numbers and bank accounts, is left as it is. "
            "A name replaced in a user message stays as it is where the assistant's reply repeats "
            "it (no cue precedes it there)."
        )
    return (
        f"{_IP_AND_HEADERS} Message text was de-identified with policy `{policy}` (Presidio with "
        "spaCy named-entity recognition plus hand-written recognisers), in every message and "
        f"language and with no frequency exception. Types replaced by "
        f"`<PRESIDIO_ANONYMIZED_{{TYPE}}>`: {listed}."
    )


# Packages whose versions decide what a build produces; the ones not installed are left out.
_VERSIONED_PACKAGES = (
    "pyarrow",
    "datasets",
    "pandas",
    "polars",
    "duckdb",
    "lingua-language-detector",
    "presidio-analyzer",
    "presidio-anonymizer",
    "spacy",
    "alt-profanity-check",
    "scikit-learn",
    "detoxify",
    "openai",
    "ray",
    "torch",
    "transformers",
    "sqlalchemy",
)

# The Hub's size_categories buckets, by upper bound.
_SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)


@dataclass(frozen=True, slots=True)
class ScorerInfo:
    """One toxicity scorer whose flags decided `toxic`."""

    name: str
    description: str = ""
    heuristic: bool = False  # an offline stand-in (e.g. a profanity classifier), not a toxicity model
    fields: Sequence[str] = ()  # the released fields it filled (openai_moderation, detoxify_moderation)


@dataclass(slots=True)
class CardInfo:
    """What the pipeline knows about a build and the card cannot compute from the data."""

    pretty_name: str = "WildChat-format conversations"
    variant: Variant = "public"
    license: str = "odc-by"
    task_categories: Sequence[str] = ("text-generation", "question-answering")
    tags: Sequence[str] = ("instruction-finetuning", "conversational")
    description: str = ""  # a paragraph on the service that collected the conversations
    stages: Sequence[str] = ()  # the curation stages that ran, in order
    toxicity_scorers: Sequence[ScorerInfo] = ()
    pii_policy: str = DEFAULT_PII_POLICY
    drops: Mapping[str, int] = field(default_factory=dict)  # reason -> turns dropped
    contact: str | None = None  # where participants and users send removal requests
    software_version: str = wildchat.__version__
    top_n: int = 20  # rows in the languages / countries / models tables
    limitations: Sequence[str] = ()  # added to the standard ones


# ----------------------------------------------------------------------------------------------
# helpers


def size_category(rows: int) -> str:
    for bound, name in _SIZE_CATEGORIES:
        if rows < bound:
            return name
    return "n>1B"


def language_codes(names: Sequence[str]) -> list[str]:
    """lingua names ("English", "Bokmal") → ISO 639-1 codes for the card's `language` list.

    Names lingua does not know ("Nolang", or another detector's) are left out: the Hub wants codes.
    """
    try:
        from lingua import Language
    except ImportError:  # pragma: no cover - lingua is a core dependency
        return []
    codes: list[str] = []
    for name in names:
        language = getattr(Language, name.upper().replace(" ", "_"), None)  # a Rust enum: no []
        if language is None:
            continue
        code = language.iso_code_639_1.name.lower()
        if code not in codes:
            codes.append(code)
    return codes


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.2f}%" if total else "0.00%"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(title: str, counts: Counter[str], total: int, top_n: int, unknown: str = "Unknown") -> str:
    lines = [f"| {title} | Conversations | Share |", "|---|---:|---:|"]
    shown = counts.most_common(top_n)
    for name, count in shown:
        lines.append(f"| {_cell(name or unknown)} | {count:,} | {_percent(count, total)} |")
    rest = total - sum(count for _, count in shown)
    if rest > 0:
        others = len(counts) - len(shown)
        lines.append(f"| *{others} others* | {rest:,} | {_percent(rest, total)} |")
    return "\n".join(lines)


def _date(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "n/a"


def _size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size} bytes"


# ----------------------------------------------------------------------------------------------
# the card


def card_metadata(stats: ExportStats, info: CardInfo) -> dict[str, Any]:
    """The YAML front matter, as a dict (keys in the order the Hub shows them)."""
    tags = list(info.tags)
    if info.variant == FULL_DIR and "not-for-all-audiences" not in tags:
        tags.append("not-for-all-audiences")  # full/ keeps toxic text (the Hub's own advice)
    front: dict[str, Any] = {
        "pretty_name": info.pretty_name if info.variant == PUBLIC_DIR else f"{info.pretty_name} (full)",
        "license": info.license,
        "language": language_codes([name for name, _ in stats.languages.most_common()]),
        "task_categories": list(info.task_categories),
        "size_categories": [size_category(stats.rows)],
        "tags": tags,
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": "train", "path": f"{DATA_DIR}/*.parquet"}],
            }
        ],
        "dataset_info": {
            "features": features_yaml(),
            "splits": [{"name": "train", "num_bytes": stats.num_bytes, "num_examples": stats.rows}],
            "download_size": stats.download_size,
            "dataset_size": stats.num_bytes,
        },
    }
    if info.variant == FULL_DIR:
        # The Hub shows this form once gating is switched on in the repository settings.
        front["extra_gated_prompt"] = (
            "This full version includes toxic conversations. Access is granted by hand, for work "
            "that needs toxic data: explain why yours does. Vague reasons are not accepted."
        )
        front["extra_gated_fields"] = {
            "Name": "text",
            "Affiliation": "text",
            "Why your work needs the toxic conversations": "text",
            "I will not redistribute the toxic conversations": "checkbox",
        }
    return front


def _toxicity_section(info: CardInfo) -> str:
    lines = ["### Toxicity", ""]
    if not info.toxicity_scorers:
        lines.append(
            "No toxicity scorer was recorded for this build, so the `toxic` flags should not be relied on."
        )
    else:
        lines += [
            "A message is `toxic` when any of these scorers flagged it, a conversation when any of its "
            "messages is:",
            "",
        ]
        for scorer in info.toxicity_scorers:
            text = f"- **{scorer.name}**" + (f": {scorer.description}" if scorer.description else "")
            if scorer.heuristic:
                text += " *(offline heuristic, not a validated toxicity model)*"
            lines.append(text)
        for scorer in info.toxicity_scorers:
            if scorer.heuristic and scorer.fields:
                filled = " and ".join(f"`{name}`" for name in scorer.fields)
                lines += [
                    "",
                    f"**{filled} {'were' if len(scorer.fields) > 1 else 'was'} filled by the offline "
                    f"heuristic `{scorer.name}`, not by the model the field is named after**: same "
                    "structure and categories, but its scores are rule evidence, not that model's "
                    "probabilities, and should not be compared with WildChat-1M's.",
                ]
        if any(s.heuristic for s in info.toxicity_scorers):
            lines += [
                "",
                "**Caution:** at least one flag came from an offline heuristic. Heuristics such as "
                "profanity classifiers miss toxicity phrased without swear words and text in other "
                "languages, and flag harmless profanity, so the public/full split is only as good as "
                "that heuristic. It is not the OpenAI Moderation + Detoxify rule of WildChat-1M.",
            ]
    lines += [
        "",
        "`openai_moderation` and `detoxify_moderation` hold one entry per message with those two "
        "models' scores when they ran; otherwise, and for empty messages, an entry has every member "
        "null (WildChat's `{}`).",
    ]
    return "\n".join(lines)


def render_card(stats: ExportStats, info: CardInfo) -> str:
    """The whole README.md: YAML front matter, then the card body in Markdown."""
    front_matter = card_metadata(stats, info)
    front = yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True, width=100)
    total = stats.rows
    mean_turns = stats.turns / total if total else 0.0
    public = info.variant == PUBLIC_DIR
    parts: list[str] = [f"---\n{front}---\n", f"# {front_matter['pretty_name']}\n"]

    if public:
        parts.append(
            "Conversations between consenting people and a chatbot, in the record format of "
            "[WildChat-1M](https://huggingface.co/datasets/allenai/WildChat-1M): code written for "
            "that dataset runs unchanged on this one. This is the **public** release: every "
            "conversation that a toxicity scorer flagged is left out (see `../full` for all of them).\n"
        )
    else:
        parts.append(
            "Conversations between consenting people and a chatbot, in the record format of "
            "[WildChat-1M](https://huggingface.co/datasets/allenai/WildChat-1M). This is the **full** "
            "release: it keeps the conversations flagged as toxic, and so contains offensive, sexual "
            "and otherwise harmful text.\n\n"
            "> **Gated.** Publish this folder only behind manual access approval (switch on gating "
            "with manual review in the repository settings); most users want the public release "
            "(`../public`), which has no toxic conversations.\n"
        )
    if info.description:
        parts.append(info.description.strip() + "\n")

    parts.append(
        "## Summary\n\n"
        f"| | |\n|---|---|\n"
        f"| Conversations | {total:,} |\n"
        f"| Turns (user–assistant rounds) | {stats.turns:,} (mean {mean_turns:.2f} per conversation) |\n"
        f"| Messages | {stats.messages:,} ({stats.user_messages:,} from users) |\n"
        f"| Dates covered | {_date(stats.first_timestamp)} → {_date(stats.last_timestamp)} |\n"
        f"| Languages | {len(stats.languages):,} |\n"
        f"| Countries | {len([c for c in stats.countries if c]):,} |\n"
        f"| Toxic conversations | {stats.toxic:,} ({_percent(stats.toxic, total)}) |\n"
        f"| Conversations with redacted PII | {stats.redacted:,} ({_percent(stats.redacted, total)}) |\n"
        f"| Files | {len(stats.shards)} Parquet shard(s), {_size(stats.download_size)} "
        f"(zstd); {_size(stats.num_bytes)} in memory |\n"
    )
    parts.append(
        f"## Languages\n\nThe language of a conversation is the most frequent language of its "
        f"messages (lingua; `Nolang` for empty ones).\n\n"
        f"{_table('Language', stats.languages, total, info.top_n)}\n"
    )
    parts.append(
        f"## Countries\n\nFrom the most common IP address of the conversation, geolocated offline when "
        f"the message arrived (the address itself is not kept).\n\n"
        f"{_table('Country', stats.countries, total, info.top_n)}\n"
    )
    parts.append(f"## Models\n\n{_table('Model', stats.models, total, info.top_n)}\n")

    parts.append(
        "## Data fields\n\n"
        "Exactly the fields and types of WildChat-1M: `conversation_hash` (not unique: identical "
        "conversations share it; `turn_identifier` is the unique key), `model`, `timestamp` (last "
        "turn, UTC), `conversation` (one struct per message: `content`, `role`, `language`, `toxic`, "
        "`redacted`, `turn_identifier`; user messages also `hashed_ip`, `country`, `state`, `header`; "
        "assistant messages also `timestamp`; fields that do not apply to a role are null), `turn`, "
        "`language`, `openai_moderation`, `detoxify_moderation`, `toxic`, `redacted`, `state`, "
        "`country`, `hashed_ip`, `header` (`accept-language`, `user-agent`).\n"
    )

    built = ["## How it was built\n"]
    if info.stages:
        built.append("Stages, in order: " + " → ".join(f"`{stage}`" for stage in info.stages) + ".\n")
    built.append(_toxicity_section(info) + "\n")
    built.append("### Personal information\n\n" + info.pii_policy.strip() + "\n")
    if info.drops:
        rows = "\n".join(f"| {_cell(reason)} | {count:,} |" for reason, count in info.drops.items())
        built.append(
            "### Dropped during curation\n\nTurns of the log (one user message and its reply each) "
            f"left out, by reason:\n\n| Reason | Turns |\n|---|---:|\n{rows}\n"
        )
    built.append(
        f"### Software\n\nBuilt with `wildchat` {info.software_version}; the exact library versions, "
        f"parameters, per-stage counts and timings are in `{MANIFEST_NAME}` next to this card.\n"
    )
    parts.append("\n".join(built))

    parts.append(
        "## How to load\n\n"
        "```python\n"
        "from datasets import load_dataset\n"
        'ds = load_dataset("parquet", data_dir="path/to/this/folder/data", split="train")\n'
        '# or, reading this card\'s configs: load_dataset("path/to/this/folder", split="train")\n'
        "```\n\n"
        "```python\n"
        "import pandas as pd\n"
        'df = pd.read_parquet("path/to/this/folder/data")\n'
        "```\n\n"
        "```python\n"
        "import polars as pl\n"
        'df = pl.read_parquet("path/to/this/folder/data/*.parquet")\n'
        "```\n\n"
        "```sql\n"
        "-- DuckDB\n"
        "SELECT language, count(*) FROM 'path/to/this/folder/data/*.parquet' GROUP BY language;\n"
        "```\n"
    )
    contact = info.contact or "**No contact was configured for this build — add one before publishing.**"
    parts.append(
        "## Removal requests\n\n"
        "Participants can withdraw through the chat service; their turns are deleted and left out of "
        "every later build. To have a conversation removed from a published copy, send its "
        f"`conversation_hash` or `turn_identifier` to: {contact}\n"
    )
    limitations = [
        "The people who used the service are not a sample of any population; topics, languages "
        "and countries reflect who found it.",
        "Toxicity and PII detection are automatic: both miss cases and flag harmless text. Redaction "
        "covers only the types listed above; other personal information can remain.",
        "Country and state come from IP geolocation, which is coarse and wrong for VPN and proxy users.",
        "`conversation_hash` is not a unique key.",
        *info.limitations,
    ]
    parts.append("## Limitations\n\n" + "\n".join(f"- {item}" for item in limitations) + "\n")
    parts.append(f"## License\n\n`{info.license}`.\n")
    return "\n".join(parts)


def _write_text_atomic(path: Path, text: str) -> Path:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def write_card(folder: str | Path, stats: ExportStats, info: CardInfo) -> Path:
    return _write_text_atomic(Path(folder) / CARD_NAME, render_card(stats, info))


# ----------------------------------------------------------------------------------------------
# the manifest


def software_versions() -> dict[str, Any]:
    versions: dict[str, str] = {}
    for package in _VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "wildchat": wildchat.__version__,
        "libraries": versions,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def build_manifest(
    stats: ExportStats,
    build: Mapping[str, Any] | None = None,
    *,
    folder: Path | None = None,
    variant: str | None = None,
    export_seconds: float | None = None,
) -> dict[str, Any]:
    """The manifest as a dict.

    `build` is the pipeline's own plain dict, kept as given under "build"; by convention it holds
    `parameters` (the build options), `stages` ({name: {"counts": {...}, "seconds": float}}),
    `drops` ({reason: conversations}) and anything else worth keeping. "export" holds what this
    module counted itself.
    """
    export = stats.to_dict(relative_to=folder)
    if export_seconds is not None:
        export["seconds"] = round(export_seconds, 3)
        export["rows_per_second"] = round(stats.rows / export_seconds, 1) if export_seconds else None
    return {
        "manifest_version": MANIFEST_VERSION,
        "variant": variant,
        "created_at": datetime.now(UTC).isoformat(),
        "versions": software_versions(),
        "export": export,
        "build": dict(build or {}),
    }


def write_manifest(
    folder: str | Path,
    stats: ExportStats,
    build: Mapping[str, Any] | None = None,
    *,
    variant: str | None = None,
    export_seconds: float | None = None,
) -> Path:
    folder = Path(folder)
    manifest = build_manifest(stats, build, folder=folder, variant=variant, export_seconds=export_seconds)
    text = json.dumps(manifest, indent=2, ensure_ascii=False, default=_json_default) + "\n"
    return _write_text_atomic(folder / MANIFEST_NAME, text)


def document_release(
    result: ReleaseResult, info: CardInfo, build: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Path]]:
    """Card and manifest for both folders of a release; `info.variant` is set per folder."""
    written: dict[str, dict[str, Path]] = {}
    for name, folder in result.folders().items():
        variant: Variant = "public" if name == PUBLIC_DIR else "full"
        written[name] = {
            "card": write_card(folder.path, folder.stats, replace(info, variant=variant)),
            "manifest": write_manifest(
                folder.path, folder.stats, build, variant=name, export_seconds=folder.seconds
            ),
        }
    return written
