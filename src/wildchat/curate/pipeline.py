"""`wildchat build`: the turn log in, a WildChat-1M-format dataset out.

    read turns → link → assemble → [language → PII detect] → corpus PII counts → [names in
    deferred messages] → [PII apply → toxicity] → export

The bracketed phases run per shard on an engine (local processes or Ray); everything else is
fast and runs here. Work is kept in `<out>/.work` (see workdir.py): a build that dies is resumed
by running it again, and a later build only processes conversations it has not seen — as long as
the options that shape the output are those the work was done under (`work_fingerprint`);
otherwise every conversation is done again, with a notice.

`since` selects the conversations that have a turn received at or after it, each whole: the
turns since then are read, then the earlier turns they continue (those of the same conversation
id, and for turns linked by hash every earlier turn of the same participant, since the linker
only links turns of one participant), so a conversation that straddles the cutoff links exactly
as in a build without `since`.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
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
from wildchat.records import Conversation, Turn
from wildchat.store import Store
from wildchat.store.repository import as_utc

log = logging.getLogger("wildchat.curate")

# Bumped whenever a change of this code changes what a finished shard holds, so that work done by
# an older version is not mixed into a release (2: the conversation hash over the released text,
# participants kept for withdrawals).
WORK_FORMAT = 2


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
    notices: list[str] = field(default_factory=list)  # printed, and kept in the manifest


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


def read_turns(
    store: Store, since: datetime | None, skipped: Counter[str]
) -> tuple[Iterable[Turn], set[int] | None]:
    """The turns to link, in order of arrival: all of them, or those of the conversations with a
    turn at or after `since` (plus, harmlessly, other earlier turns of the same participants);
    and with `since`, the ids of the turns received since then."""
    from wildchat.curate.link import history_rounds

    if since is None:
        return store.iter_turns(skipped=skipped), None
    recent = list(store.iter_turns(since=since, skipped=skipped))
    participants: set[str] = set()
    conversations: set[tuple[str, str]] = set()
    for turn in recent:
        if not history_rounds(turn.messages):
            continue  # starts a conversation (or is dropped): nothing earlier to find
        if turn.conversation_id is None:
            participants.add(turn.participant_id)
        else:
            conversations.add((turn.participant_id, turn.conversation_id))
    # A corrupt earlier row is not counted: the turn it breaks is (as broken_chain).
    earlier = store.turns_before(since, participants, conversations)
    merged = heapq.merge(earlier, recent, key=lambda t: (t.received_at, t.id))
    return merged, {t.id for t in recent}


def read_conversations(
    store: Store, options: BuildOptions, report: BuildReport
) -> tuple[list[Conversation], dict[str, str]]:
    """The assembled conversations, and the participant of each (by conversation key)."""
    from wildchat.curate.assemble import to_conversations
    from wildchat.curate.link import link_turns

    skipped: Counter[str] = Counter()
    assembled: Counter[str] = Counter()
    since = as_utc(options.since) if options.since is not None else None
    with _Timer(report, "read_and_link"):
        turns, recent = read_turns(store, since, skipped)
        result = link_turns(turns, keep_history=False)
        linked = result.conversations
        dropped = result.dropped
        if since is not None and recent is not None:
            linked = [c for c in linked if c.turns[-1].received_at >= since]
            # Drops are those of the turns the build was asked for, not of the earlier ones.
            dropped = {i: r for i, r in dropped.items() if i in recent}
        conversations = to_conversations(linked, assembled)
    owners = {
        conversation_key(c): lc.turns[0].participant_id for c, lc in zip(conversations, linked, strict=True)
    }
    report.drops.update(skipped)
    report.drops.update(Counter(f"turn:{reason.value}" for reason in dropped.values()))
    report.counts.update({f"link:{k}": v for k, v in result.stats.items()})
    report.counts.update(assembled)
    report.counts["conversations"] = len(conversations)
    return conversations, owners


def plan_shards(
    work: WorkDir, todo: list[Conversation], owners: dict[str, str], shard_size: int, workers: int
) -> list[str]:
    """Write the conversations still to process as pending shards; returns their ids.

    Small builds get smaller shards so that every worker has something to do (four shards a
    worker evens out uneven shards); large builds use `shard_size`.
    """
    todo = sorted(todo, key=lambda c: (c.timestamp, conversation_key(c)))
    shard_size = max(1, min(shard_size, -(-len(todo) // (4 * max(1, workers)))))
    shards = []
    for start in range(0, len(todo), shard_size):
        batch = todo[start : start + shard_size]
        data = ShardData(batch, participants=[owners[conversation_key(c)] for c in batch])
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
    # The names are PII spans, some perhaps of participants who withdraw later: kept no longer.
    engine.processor.needed_path().unlink(missing_ok=True)
    return spans.doc_freq


def final_conversations(work: WorkDir, current: set[str]) -> Iterator[Conversation]:
    """The finished version of every current conversation, in time order within each shard."""
    seen: set[str] = set()
    for _shard, data in work.iter_shards("done"):
        for key, conversation in zip(data.keys(), data.conversations, strict=True):
            if key in current and key not in seen:
                seen.add(key)
                yield conversation


def work_fingerprint(options: BuildOptions, processor: ShardProcessor) -> dict[str, Any]:
    """What shapes a finished conversation: work done under anything else must not be reused.

    Scorers are named with their versions (the offline lexicon, a checkpoint's name) and their
    options; secrets (an API key) are left out, paths are made absolute.
    """

    def option(name: str, value: Any) -> Any:
        if isinstance(value, Path) or (name in ("path", "config_dir") and value is not None):
            return str(Path(value).resolve())
        return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)

    scorers = [
        {
            "name": scorer.name,
            "version": scorer.version,
            "fields": list(scorer.fields),
            "options": {
                k: option(k, v)
                for k, v in sorted(options.toxicity_options.get(scorer.name, {}).items())
                if "key" not in k  # an API key is no part of the output, and must not be written
            },
        }
        for scorer in processor.toxicity.active
    ]
    return {
        "work_format": WORK_FORMAT,
        "pii_policy": options.pii_policy,
        "pii_models": dict(sorted(processor.pii.languages.items())),
        "language_accuracy": options.language_accuracy,
        "toxicity_scorers": scorers,
        "toxicity_threshold": options.toxicity_threshold,
    }


def notice(report: BuildReport, message: str) -> None:
    """Tell the user now (a long build follows) and keep it for the manifest."""
    from rich.markup import escape

    report.notices.append(message)
    Console(stderr=True, soft_wrap=True).print(f"[yellow]notice:[/yellow] {escape(message)}", highlight=False)


def check_work(work: WorkDir, fingerprint: dict[str, Any], report: BuildReport) -> None:
    """Start over when the work folder was made under other options (or by an older version)."""
    recorded = work.recorded_options()
    if recorded != fingerprint and not work.is_empty():
        if recorded is None:
            why = "it was made by an older version of wildchat"
        else:
            changed = sorted(
                k for k in fingerprint.keys() | recorded.keys() if fingerprint.get(k) != recorded.get(k)
            )
            why = f"it was made with other options ({', '.join(changed)})"
        notice(report, f"the work in {work.root} is not reused, {why}: every conversation is processed again")
        work.reset()
        report.counts["work_reset"] = 1
    work.record_options(fingerprint)


def build(store: Store, options: BuildOptions) -> BuildReport:
    report = BuildReport()
    if options.out.exists() and not options.out.is_dir():
        raise NotADirectoryError(
            f"{options.out} is a file: the release needs a folder (public/, full/, .work/)"
        )
    work = WorkDir(options.out / ".work")
    work.clear_pending()
    processor = make_processor(options, work.root)
    check_work(work, work_fingerprint(options, processor), report)
    # Before anything else: a withdrawn participant's text must not outlive this build.
    report.counts["work_purged_withdrawn"] = work.purge_participants(store.withdrawn_participant_ids())
    conversations, owners = read_conversations(store, options, report)
    current = set(owners)
    finished = work.keys_in("done") | work.keys_in("detected")
    todo = [c for c in conversations if conversation_key(c) not in finished]
    report.counts["conversations_reused"] = len(conversations) - len(todo)
    report.counts["conversations_processed"] = len(todo)
    engine = open_engine(options.engine, processor, options.workers)
    try:
        with _Timer(report, "language+pii_detect"):
            shards = plan_shards(work, todo, owners, options.shard_size, options.workers)
            run_with_progress(options, engine, "detect", shards, report)
        with _Timer(report, "pii_doc_freq"):
            # Atomically: a worker of a resumed build must never read a half-written file.
            counts = count_names(options, engine, work, current, report)
            dump_atomic(processor.doc_freq_path(), dict(counts))
        with _Timer(report, "pii_apply+toxicity"):
            run_with_progress(options, engine, "finish", work.shards("detected"), report)
    except BaseException:
        engine.close(abort=True)  # Ctrl-C or an error: stop the workers now, not after their shard
        raise
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
    from wildchat.curate.card import CardInfo, ScorerInfo, document_release, pii_policy_text
    from wildchat.curate.export import export_release

    result = export_release(conversations, options.out, jsonl=options.jsonl)
    report.counts["exported_full"] = result.full.stats.rows
    report.counts["exported_public"] = result.public.stats.rows
    scorers = [
        ScorerInfo(s.name, s.describe(), heuristic=(s.name == "offline"), fields=tuple(s.fields))
        for s in processor.toxicity.active
    ]
    policy = processor.pii.policy
    info = CardInfo(
        license=options.license,
        stages=["link", "assemble", "language", "pii", "toxicity", "export"],
        toxicity_scorers=scorers,
        pii_policy=pii_policy_text(policy.name, sorted(policy.ner_entities | policy.pattern_entities)),
        drops=dict(report.drops),
        contact=options.contact,
    )
    document_release(result, info, manifest(options, report))


def manifest(options: BuildOptions, report: BuildReport) -> dict[str, Any]:
    return {
        "counts": dict(report.counts),
        "dropped": dict(report.drops),
        "notices": list(report.notices),
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
        "work_purged_withdrawn",
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
