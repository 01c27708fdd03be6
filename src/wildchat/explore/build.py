"""`wildchat explore index`: read datasets with the importers and build a search index.

The target is a SQLite file (FTS5) or, when it is a postgresql:// URL, PostgreSQL full text.
Both builders share this module's reading loop: conversations stream from
`wildchat.formats.read_conversations` in batches, each dataset labelled, and a sample of first
prompts is kept per dataset for the embedding map.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wildchat.explore.embedmap import PromptReservoir, project_prompts
from wildchat.explore.progress import BuildProgress, NoProgress
from wildchat.explore.rows import ConversationRow, MessageRow, conversation_row, first_prompt, message_rows
from wildchat.explore.text import MESSAGE_SEPARATOR, bigram_text, clean_reserved
from wildchat.records import Conversation

BATCH_CONVERSATIONS = 2_000
DEFAULT_MAP_SAMPLE = 20_000


class IndexBuildError(RuntimeError):
    """The index cannot be built as asked (bad target, unreadable input); the message says why."""


@dataclass(frozen=True, slots=True)
class IndexSource:
    path: Path
    format: str = "auto"
    dataset: str | None = None  # label; default: the importers' dataset_name(path)


@dataclass(frozen=True, slots=True)
class IndexOptions:
    embeddings: bool = True
    map_sample: int = DEFAULT_MAP_SAMPLE  # prompts per dataset
    projection: str = "tsne"
    model_path: Path | None = None
    seed: int = 1234
    skip_invalid: bool = False


@dataclass(slots=True)
class DatasetCount:
    name: str
    path: str
    format: str
    conversations: int = 0
    messages: int = 0
    invalid: int = 0


@dataclass(slots=True)
class BuildSummary:
    target: str
    datasets: list[DatasetCount] = field(default_factory=list)
    map_points: int = 0
    map_note: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    size_bytes: int | None = None

    @property
    def conversations(self) -> int:
        return sum(item.conversations for item in self.datasets)

    @property
    def messages(self) -> int:
        return sum(item.messages for item in self.datasets)


@dataclass(slots=True)
class Batch:
    """Rows of up to BATCH_CONVERSATIONS conversations, ready for executemany."""

    conversations: list[ConversationRow] = field(default_factory=list)
    messages: list[MessageRow] = field(default_factory=list)
    # (source_row, user-side bigrams, assistant-side bigrams) for conversations in unspaced scripts
    bigrams: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    # (user side, assistant side) per conversation, in `conversations` order (PostgreSQL stores them)
    texts: list[tuple[str, str]] = field(default_factory=list)


def is_postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgresql+", "postgres://"))


def side_texts(conversation: Conversation) -> tuple[str, str]:
    """The text of each side as the index sees it (system messages count as the user's side),
    as schema.search_source builds it in SQL: reserved characters replaced, then joined."""
    messages = conversation.conversation
    user = MESSAGE_SEPARATOR.join(clean_reserved(m.content) for m in messages if m.role != "assistant")
    assistant = MESSAGE_SEPARATOR.join(clean_reserved(m.content) for m in messages if m.role == "assistant")
    return user, assistant


def unique_label(label: str, used: set[str]) -> str:
    name, suffix = label, 2
    while name in used:
        name, suffix = f"{label}-{suffix}", suffix + 1
    used.add(name)
    return name


class SourceReader:
    """Streams every source as row batches, counting per dataset and sampling map prompts."""

    def __init__(
        self, sources: Sequence[IndexSource], options: IndexOptions, progress: BuildProgress
    ) -> None:
        self.sources = sources
        self.options = options
        self.progress = progress
        self.counts: list[DatasetCount] = []
        self.reservoirs: dict[str, PromptReservoir] = {}
        self.problems: list[str] = []

    def batches(self) -> Iterator[Batch]:
        from wildchat.formats import read_conversations, resolve_format
        from wildchat.formats.detect import dataset_name
        from wildchat.formats.errors import FormatError
        from wildchat.formats.importer import expected_rows

        used: set[str] = set()
        source_row = 0
        rng = random.Random(self.options.seed)
        for source in self.sources:
            found = resolve_format(source.path, source.format)
            label = unique_label(source.dataset or dataset_name(source.path), used)
            count = DatasetCount(label, str(source.path), found)
            self.counts.append(count)
            reservoir = self.reservoirs[label] = PromptReservoir(self.options.map_sample, rng)
            self.progress.phase(f"reading {label}", expected_rows(source.path, found))

            def skip(error: FormatError, count: DatasetCount = count) -> None:
                count.invalid += 1
                if len(self.problems) < 10:
                    self.problems.append(str(error))

            batch = Batch()
            on_invalid = skip if self.options.skip_invalid else None
            for conversation in read_conversations(source.path, found, dataset=label, on_invalid=on_invalid):
                source_row += 1
                self._add(batch, conversation, source_row, label, reservoir)
                count.conversations += 1
                count.messages += len(conversation.conversation)
                if len(batch.conversations) >= BATCH_CONVERSATIONS:
                    yield batch
                    self.progress.advance(len(batch.conversations))
                    batch = Batch()
            if batch.conversations:
                yield batch
                self.progress.advance(len(batch.conversations))
        if source_row == 0:
            # Raised before the builders swap anything in: an index of nothing would replace a
            # good one, and a search page over no conversation helps no one.
            raise IndexBuildError(self._nothing_read())

    def _nothing_read(self) -> str:
        paths = ", ".join(count.path for count in self.counts)
        invalid = sum(count.invalid for count in self.counts)
        message = f"no conversations were read from {paths}: nothing to index (any old index is kept)"
        if invalid:
            message += f"; {invalid:,} invalid record(s) were skipped, the first: {self.problems[0]}"
        return message

    def _add(
        self,
        batch: Batch,
        conversation: Conversation,
        source_row: int,
        label: str,
        reservoir: PromptReservoir,
    ) -> None:
        batch.conversations.append(conversation_row(conversation, source_row, label))
        batch.messages.extend(message_rows(conversation, source_row))
        user, assistant = side_texts(conversation)
        batch.texts.append((user, assistant))
        user_bigrams, assistant_bigrams = bigram_text(user), bigram_text(assistant)
        if user_bigrams or assistant_bigrams:
            batch.bigrams.append((source_row, user_bigrams, assistant_bigrams))
        if self.options.embeddings:
            reservoir.offer(source_row, first_prompt(conversation))

    def map_samples(self) -> list[tuple[int, str]]:
        return [item for reservoir in self.reservoirs.values() for item in sorted(reservoir.items)]


def compute_map(
    reader: SourceReader, options: IndexOptions, progress: BuildProgress
) -> tuple[list[tuple[int, float, float]], str | None]:
    """(source_row, x, y) points, or none and a note saying why."""
    if not options.embeddings:
        return [], "built with --no-embeddings"
    from wildchat.analyze.embeddings import EmbeddingsUnavailable

    samples = reader.map_samples()
    progress.phase("embedding first prompts", len(samples))
    try:
        points = project_prompts(
            samples,
            projection=options.projection,
            model_path=options.model_path,
            seed=options.seed,
            advance=progress.advance,
        )
    except EmbeddingsUnavailable as exc:
        return [], f"no map: {exc}"
    return points, None


def build_index(
    sources: Sequence[IndexSource],
    target: str | Path,
    options: IndexOptions | None = None,
    progress: BuildProgress | None = None,
) -> BuildSummary:
    """Build the index at `target` (a file path or a PostgreSQL URL) from every source."""
    if not sources:
        raise IndexBuildError("give at least one dataset to index")
    options = options or IndexOptions()
    progress = progress or NoProgress()
    target_text = str(target)
    if is_postgres(target_text):
        from wildchat.explore.build_pg import build_postgres

        return build_postgres(sources, target_text, options, progress)
    from wildchat.explore.build_sqlite import build_sqlite

    return build_sqlite(sources, Path(target_text), options, progress)


class Timer:
    """Seconds per build phase, for the summary."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds

    def run(self, name: str, step: Callable[[], object]) -> None:
        started = time.perf_counter()
        step()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - started, 2)
