"""`wildchat import`: count what a dataset holds and, optionally, write it as WildChat-1M Parquet.

Writing goes through `curate.export.ShardWriter`, the writer `wildchat build` uses, so every later
tool (report, explorer, training) reads one format. Two things the build never has are allowed
here: conversations without a timestamp and system messages. The WildChat schema has no user-id
column: a source's own user id (OpenAssistant's user_id) is written as `hashed_ip` where the
source has no hashed IP, so the users can still be counted; the wildchat reader gives it back as
`user_id`. `extra` (Dolly's category, OpenAssistant message ids) has no column and is not written.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from wildchat.curate.export import (
    ExportError,
    ShardWriter,
    conversations_to_table,
    validate_conversation,
)
from wildchat.formats import read_conversations, resolve_format
from wildchat.formats.detect import dataset_name
from wildchat.formats.errors import FormatError
from wildchat.formats.messages import ROLES
from wildchat.formats.sources import data_files, parquet_rows
from wildchat.records import Conversation

MANIFEST_NAME = "import.json"
PROBLEMS_KEPT = 10  # the first bad records are quoted in full; the rest are counted
BATCH_SIZE = 1_000


@dataclass(slots=True)
class ImportResult:
    """What one path held: the numbers `wildchat import` prints (and writes to import.json)."""

    path: str
    format: str
    dataset: str
    conversations: int = 0
    messages: int = 0
    user_turns: int = 0
    users: int | None = None  # distinct user ids; None when the source has none
    invalid: int = 0  # records skipped with --skip-invalid
    problems: list[str] = field(default_factory=list)
    out: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(slots=True)
class _Tally:
    result: ImportResult
    users: set[str] = field(default_factory=set)

    def invalid(self, error: FormatError) -> None:
        self.result.invalid += 1
        if len(self.result.problems) < PROBLEMS_KEPT:
            self.result.problems.append(str(error))

    def add(self, conversation: Conversation) -> None:
        result = self.result
        result.conversations += 1
        result.messages += len(conversation.conversation)
        result.user_turns += conversation.turn
        if conversation.user_id is not None:
            self.users.add(conversation.user_id)

    def finish(self) -> None:
        self.result.users = len(self.users) if self.users else None


def expected_rows(path: str | Path, format: str) -> int | None:
    """How many conversations a progress bar can expect: Parquet rows, for one-row formats."""
    if format == "oasst":
        return None  # messages, not conversations
    return parquet_rows(data_files(path))


def _batches(conversations: Iterable[Conversation], size: int) -> Iterator[list[Conversation]]:
    batch: list[Conversation] = []
    for conversation in conversations:
        batch.append(conversation)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _writable(
    batch: list[Conversation], path: Path, report: Callable[[FormatError], None] | None
) -> list[Conversation]:
    """The conversations the WildChat-1M schema can hold; the others are errors (or skipped)."""
    kept: list[Conversation] = []
    for conversation in batch:
        try:
            validate_conversation(conversation, roles=ROLES, require_timestamp=False)
        except ExportError as exc:
            error = FormatError(path, f"cannot be written in the WildChat-1M schema: {exc}")
            if report is None:
                raise error from exc
            report(error)
            continue
        if conversation.hashed_ip is None and conversation.user_id is not None:
            conversation.hashed_ip = conversation.user_id  # the schema's only user column
        kept.append(conversation)
    return kept


def safe_name(name: str) -> str:
    """A dataset label as a folder name."""
    cleaned = re.sub(r"[^\w.\-]+", "_", name).strip("._")
    return cleaned or "dataset"


def import_path(
    path: str | Path,
    format: str = "auto",
    *,
    out: Path | None = None,
    dataset: str | None = None,
    skip_invalid: bool = False,
    advance: Callable[[int], None] | None = None,
) -> ImportResult:
    """Read one path through; with `out`, write it to `out/data/*.parquet` and `out/import.json`.

    Raises FormatError at the first bad record unless `skip_invalid`. With `out`, nothing is
    published unless the whole path was read (the shards appear at the end, all at once).
    """
    path = Path(path)
    started = time.perf_counter()
    name = resolve_format(path, format)
    label = dataset or dataset_name(path)
    tally = _Tally(ImportResult(path=str(path), format=name, dataset=label))
    report = tally.invalid if skip_invalid else None
    conversations = read_conversations(path, name, dataset=label, on_invalid=report)
    if out is None:
        for batch in _batches(conversations, BATCH_SIZE):
            for conversation in batch:
                tally.add(conversation)
            if advance is not None:
                advance(len(batch))
    else:
        with ShardWriter(out, validate=False) as writer:
            for batch in _batches(conversations, BATCH_SIZE):
                kept = _writable(batch, path, report)
                if kept:
                    writer.write_table(conversations_to_table(kept, validate=False), kept)
                for conversation in kept:
                    tally.add(conversation)
                if advance is not None:
                    advance(len(batch))
        tally.result.out = str(out)
    tally.finish()
    tally.result.seconds = round(time.perf_counter() - started, 3)
    if out is not None:
        manifest = tally.result.as_dict()
        (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return tally.result
