"""`wildchat build`: the turn log in, a WildChat-1M-format dataset out.

    read turns → link → assemble → [language → PII detect] → corpus PII counts → [names in
    deferred messages] → [PII apply → toxicity] → export

The bracketed phases run per shard on an engine (local processes or Ray); everything else is
fast and runs here. Work is kept in `<out>/.work` (see workdir.py): a build that dies is resumed
by running it again, and a later build only processes conversations it has not seen.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from wildchat.curate.engines import (
    SHARD_SIZE_KEY,
    EngineName,
    LocalEngine,
    Phase,
    RayEngine,
    ShardProcessor,
    open_engine,
)
from wildchat.curate.workdir import (
    ShardData,
    WorkDir,
    conversation_key,
    dump_atomic,
    shard_id,
    write_atomic,
)
from wildchat.records import Conversation
from wildchat.store import Store

log = logging.getLogger("wildchat.curate")


@dataclass(slots=True)
class BuildOptions:
    out: Path
    since: datetime | None = None
    engine: EngineName = "local"
    workers: int = 1
    shard_size: int = 2000
    pii_policy: str = "wildchat-1m"
    toxicity_scorers: tuple[str, ...] = ("offline",)
    toxicity_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # per scorer name
    toxicity_threshold: float = 0.1
    language_accuracy: str = "high"
    jsonl: bool = False
    license: str = "odc-by"
    contact: str | None = None
    progress: bool = True


@dataclass(slots=True)
class BuildReport:
    counts: Counter[str] = field(default_factory=Counter)
    timings_s: dict[str, float] = field(default_factory=dict)
    drops: Counter[str] = field(default_factory=Counter)


class _Timer:
    def __init__(self, report: BuildReport, name: str) -> None:
        self.report, self.name = report, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *_exc: object) -> None:
        self.report.timings_s[self.name] = round(time.perf_counter() - self.started, 3)


def make_processor(options: BuildOptions, workdir: Path) -> ShardProcessor:
    from wildchat.curate.language import LanguageStage
    from wildchat.curate.pii import PiiStage
    from wildchat.curate.toxicity import ToxicityStage

    return ShardProcessor(
        workdir,
        LanguageStage(options.language_accuracy),  # type: ignore[arg-type]
        PiiStage(policy=options.pii_policy),
        ToxicityStage.from_names(
            options.toxicity_scorers, options.toxicity_options, options.toxicity_threshold
        ),
    )


def read_conversations(store: Store, options: BuildOptions, report: BuildReport) -> list[Conversation]:
    from wildchat.curate.assemble import to_conversations
    from wildchat.curate.link import link_turns

    skipped: Counter[str] = Counter()
    assembled: Counter[str] = Counter()
    with _Timer(report, "read_and_link"):
        turns = store.iter_turns(since=options.since, skipped=skipped)
        result = link_turns(turns, keep_history=False)
        conversations = to_conversations(result.conversations, assembled)
    report.drops.update(skipped)
    report.drops.update(Counter(f"turn:{reason.value}" for reason in result.dropped.values()))
    report.counts.update({f"link:{k}": v for k, v in result.stats.items()})
    report.counts.update(assembled)
    report.counts["conversations"] = len(conversations)
    return conversations


def plan_shards(work: WorkDir, todo: list[Conversation], shard_size: int, workers: int) -> list[str]:
    """Write the conversations still to process as pending shards; returns their ids.

    Small builds get smaller shards so that every worker has something to do (four shards a
    worker evens out uneven shards); large builds use `shard_size`.
    """
    todo = sorted(todo, key=lambda c: (c.timestamp, conversation_key(c)))
    shard_size = max(1, min(shard_size, -(-len(todo) // (4 * max(1, workers)))))
    shards = []
    for start in range(0, len(todo), shard_size):
        batch = todo[start : start + shard_size]
        data = ShardData(batch)
        shard = shard_id(data.keys())
        write_atomic(work.path("pending", shard), data)
        shards.append(shard)
    return shards


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>10} conv/s"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )


def run_with_progress(
    options: BuildOptions,
    engine: LocalEngine | RayEngine,
    phase: Phase,
    shards: list[str],
    report: BuildReport,
) -> None:
    work = WorkDir(engine.processor.workdir)
    paths = [work.path("pending", s) if phase == "detect" else work.locate(s) for s in shards]
    total = sum(len(work.keys_at(path)) for path in paths)
    label = {"detect": "language+PII", "count": "PII names", "finish": "PII+toxicity"}[phase]
    started = time.perf_counter()
    with _progress(options.progress) as progress:
        task = progress.add_task(label, total=total, rate="-")
        for _shard, counts in engine.run(phase, shards):
            report.counts.update({k: v for k, v in counts.items() if not k.startswith(("ms:", "_"))})
            for key, value in counts.items():
                if key.startswith("ms:"):
                    report.timings_s[f"cpu:{key[3:]}"] = round(
                        report.timings_s.get(f"cpu:{key[3:]}", 0.0) + value / 1000, 3
                    )
            progress.advance(task, counts.get(SHARD_SIZE_KEY, 0))
            done = progress.tasks[0].completed
            progress.update(task, rate=f"{done / max(time.perf_counter() - started, 1e-9):,.0f}")


@dataclass(slots=True)
class CorpusSpans:
    """Pass 1's PII findings over the current conversations, read from the work folder."""

    doc_freq: Counter[str] = field(default_factory=Counter)
    candidates: set[str] = field(default_factory=set)  # names some conversation could replace
    deferred_messages: int = 0  # messages whose NER was deferred
    shards: list[str] = field(default_factory=list)


def corpus_spans(work: WorkDir, current: set[str]) -> CorpusSpans:
    """How many current conversations contain each PII span (the paper's document frequency)."""
    spans = CorpusSpans()
    for phase in ("detected", "done"):
        for shard, data in work.iter_shards(phase):
            spans.shards.append(shard)
            for key, keys, later in zip(data.keys(), data.span_keys, data.deferred, strict=True):
                if key in current:
                    spans.doc_freq.update(set(keys))
                    spans.candidates.update(later.candidates)
                    spans.deferred_messages += len(later.texts)
    return spans


def add_deferred_names(
    work: WorkDir, current: set[str], needed: frozenset[str], counts: Counter[str]
) -> None:
    """Add what the count phase found (conversations already counting a name were skipped there)."""
    for key, names in work.counted_names():
        if key in current:
            counts.update(names & needed)


def count_names(
    options: BuildOptions,
    engine: LocalEngine | RayEngine,
    work: WorkDir,
    current: set[str],
    report: BuildReport,
) -> Counter[str]:
    """Exact corpus counts for every span a rule could replace, even where NER was deferred."""
    spans = corpus_spans(work, current)
    pii = engine.processor.pii
    needed = pii.countable(spans.candidates, spans.doc_freq) if spans.deferred_messages else frozenset()
    report.counts["pii.names_to_count"] = len(needed)
    report.counts["pii.deferred_messages"] = spans.deferred_messages
    if needed:
        dump_atomic(engine.processor.needed_path(), needed)
        run_with_progress(options, engine, "count", spans.shards, report)
        add_deferred_names(work, current, needed, spans.doc_freq)
    return spans.doc_freq


def final_conversations(work: WorkDir, current: set[str]) -> Iterator[Conversation]:
    """The finished version of every current conversation, in time order within each shard."""
    seen: set[str] = set()
    for _shard, data in work.iter_shards("done"):
        for key, conversation in zip(data.keys(), data.conversations, strict=True):
            if key in current and key not in seen:
                seen.add(key)
                yield conversation


def build(store: Store, options: BuildOptions) -> BuildReport:
    report = BuildReport()
    work = WorkDir(options.out / ".work")
    work.clear_pending()
    conversations = read_conversations(store, options, report)
    current = {conversation_key(c) for c in conversations}
    finished = work.keys_in("done") | work.keys_in("detected")
    todo = [c for c in conversations if conversation_key(c) not in finished]
    report.counts["conversations_reused"] = len(conversations) - len(todo)
    report.counts["conversations_processed"] = len(todo)
    processor = make_processor(options, work.root)
    engine = open_engine(options.engine, processor, options.workers)
    try:
        with _Timer(report, "language+pii_detect"):
            shards = plan_shards(work, todo, options.shard_size, options.workers)
            run_with_progress(options, engine, "detect", shards, report)
        with _Timer(report, "pii_doc_freq"):
            # Atomically: a worker of a resumed build must never read a half-written file.
            counts = count_names(options, engine, work, current, report)
            dump_atomic(processor.doc_freq_path(), dict(counts))
        with _Timer(report, "pii_apply+toxicity"):
            run_with_progress(options, engine, "finish", work.shards("detected"), report)
    finally:
        engine.close()
    with _Timer(report, "export"):
        export(options, processor, final_conversations(work, current), report)
    return report


def export(
    options: BuildOptions,
    processor: ShardProcessor,
    conversations: Iterator[Conversation],
    report: BuildReport,
) -> None:
    """Parquet (and JSONL) for public/ and full/, each with its dataset card and manifest."""
    from wildchat.curate.card import CardInfo, ScorerInfo, document_release
    from wildchat.curate.export import export_release

    result = export_release(conversations, options.out, jsonl=options.jsonl)
    report.counts["exported_full"] = result.full.stats.rows
    report.counts["exported_public"] = result.public.stats.rows
    scorers = [
        ScorerInfo(s.name, s.describe(), heuristic=(s.name == "offline")) for s in processor.toxicity.active
    ]
    info = CardInfo(
        license=options.license,
        stages=["link", "assemble", "language", "pii", "toxicity", "export"],
        toxicity_scorers=scorers,
        pii_policy=options.pii_policy,
        drops=dict(report.drops),
        contact=options.contact,
    )
    document_release(result, info, manifest(options, report))


def manifest(options: BuildOptions, report: BuildReport) -> dict[str, Any]:
    return {
        "counts": dict(report.counts),
        "dropped": dict(report.drops),
        "timings_s": report.timings_s,
        "options": {
            "since": options.since.isoformat() if options.since else None,
            "engine": options.engine,
            "workers": options.workers,
            "pii_policy": options.pii_policy,
            "toxicity_scorers": list(options.toxicity_scorers),
            "toxicity_threshold": options.toxicity_threshold,
            "language_accuracy": options.language_accuracy,
        },
    }


def run_build(database_url: str, options: BuildOptions) -> BuildReport:
    """`wildchat build`: run the build against the store at `database_url` and print a summary."""
    from rich.table import Table

    from wildchat.store import make_engine

    engine = make_engine(database_url)
    try:
        report = build(Store(engine), options)
    finally:
        engine.dispose()
    console = Console(stderr=True)
    table = Table(title=f"wildchat build → {options.out}", show_header=True)
    table.add_column("count")
    table.add_column("value", justify="right")
    for key in (
        "conversations",
        "conversations_processed",
        "conversations_reused",
        "exported_full",
        "exported_public",
    ):
        table.add_row(key, f"{report.counts.get(key, 0):,}")
    for key, value in sorted(report.drops.items()):
        table.add_row(f"dropped: {key}", f"{value:,}")
    for key, seconds in report.timings_s.items():
        table.add_row(f"time: {key}", f"{seconds:.1f} s")
    console.print(table)
    return report
