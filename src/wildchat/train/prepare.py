"""Turn a dataset file into training sequences: read → filter → messages on disk → tokens and labels.

The importers (wildchat.formats) stream conversations; the filtered message lists are written to
``OUT/prepared/messages.parquet`` as they come, so that memory stays flat on a million
conversations and the tokenization can run on every core through ``datasets.map``. Each
conversation becomes one or more sequences (split at turn boundaries past the maximum length),
with its row number, so the statistics in ``OUT/prepared/stats.json`` can be counted afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from wildchat.records import Conversation
from wildchat.train.data import ConversationFilter, FilterOptions, FilterStats, Message
from wildchat.train.masking import ChatTokenizer, Encoded, encode_conversation
from wildchat.train.split import split_conversation

if TYPE_CHECKING:
    from datasets import Dataset

MESSAGES_SCHEMA = pa.schema(
    [pa.field("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())])))]
)
_BATCH = 1_000


class NoTrainingDataError(ValueError):
    """Nothing was left to train on after the filters."""


@dataclass(frozen=True, slots=True)
class PreparedData:
    dataset: Dataset  # columns input_ids, labels
    stats: dict[str, Any]


def read_dataset(path: Path, fmt: str = "auto") -> Iterator[Conversation]:
    """Conversations from any file or folder the importers read (WildChat, ShareGPT, our export …)."""
    from wildchat.formats import read_conversations

    yield from read_conversations(path, fmt)


def write_messages(conversations: Iterable[list[Message]], path: Path) -> int:
    """Stream message lists into one Parquet file; returns how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    batch: list[dict[str, Any]] = []
    with pq.ParquetWriter(path, MESSAGES_SCHEMA, compression="zstd") as writer:
        for messages in conversations:
            batch.append({"messages": messages})
            if len(batch) >= _BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=MESSAGES_SCHEMA))
                written += len(batch)
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=MESSAGES_SCHEMA))
            written += len(batch)
    return written


def _encode_batch(
    batch: dict[str, list[Any]],
    indices: list[int],
    tokenizer: ChatTokenizer,
    template: str,
    max_length: int,
) -> dict[str, list[Any]]:
    """datasets.map body: each conversation → its pieces (input_ids, labels, source row, truncated)."""
    out: dict[str, list[Any]] = {"input_ids": [], "labels": [], "conversation": [], "truncated": []}

    def encode(messages: Any) -> Encoded:
        return encode_conversation(tokenizer, template, messages)

    for row, messages in zip(indices, batch["messages"], strict=True):
        for piece in split_conversation(messages, encode, max_length):
            out["input_ids"].append(piece.input_ids)
            out["labels"].append(piece.labels)
            out["conversation"].append(row)
            out["truncated"].append(piece.truncated)
    return out


def tokenize_messages(
    messages_path: Path,
    tokenizer: ChatTokenizer,
    template: str,
    max_length: int,
    *,
    cache_dir: Path,
    num_proc: int | None = None,
) -> tuple[Dataset, dict[str, int]]:
    """Tokenized pieces of every conversation in messages_path, and how the splitting went."""
    from datasets import Dataset

    source = Dataset.from_parquet(str(messages_path), cache_dir=str(cache_dir))
    conversations = len(source)
    pieces = source.map(
        _encode_batch,
        batched=True,
        with_indices=True,
        remove_columns=["messages"],
        fn_kwargs={"tokenizer": tokenizer, "template": template, "max_length": max_length},
        num_proc=num_proc if num_proc and num_proc > 1 and conversations >= 4 * num_proc else None,
        desc="Tokenizing",
    )
    rows = pieces["conversation"]
    per_conversation: dict[int, int] = {}
    for row in rows:
        per_conversation[row] = per_conversation.get(row, 0) + 1
    stats = {
        "conversations": conversations,
        "sequences": len(pieces),
        "split_conversations": sum(1 for count in per_conversation.values() if count > 1),
        "conversations_without_reply_tokens": conversations - len(per_conversation),
        "truncated_sequences": int(sum(pieces["truncated"])),
        "tokens": int(sum(len(ids) for ids in pieces["input_ids"])),
        "loss_tokens": int(sum(sum(label != -100 for label in labels) for labels in pieces["labels"])),
    }
    return pieces.remove_columns(["conversation", "truncated"]), stats


def prepare(
    conversations: Iterable[Conversation] | None,
    tokenizer: ChatTokenizer,
    template: str,
    *,
    max_length: int,
    filters: FilterOptions,
    work_dir: Path,
    num_proc: int | None = None,
) -> PreparedData:
    """Filter, store and tokenize conversations for training; writes work_dir/stats.json.

    With ``conversations=None`` the messages another process of the same job wrote to work_dir
    are used (under ``accelerate launch`` only the main process reads the dataset).
    """
    messages_path = work_dir / "messages.parquet"
    stats_path = work_dir / "stats.json"
    if conversations is None:
        filter_stats = json.loads(stats_path.read_text(encoding="utf-8"))["filter"]
    else:
        keep = ConversationFilter(filters)
        kept = write_messages(keep(conversations), messages_path)
        filter_stats = keep.stats.to_dict()
        if kept == 0:
            raise NoTrainingDataError(f"no conversation left to train on: {_describe(keep.stats)}")
    dataset, split_stats = tokenize_messages(
        messages_path, tokenizer, template, max_length, cache_dir=work_dir / "cache", num_proc=num_proc
    )
    if len(dataset) == 0:
        raise NoTrainingDataError("no training sequence has a reply token left within the maximum length")
    stats = {"filter": filter_stats, "sequences": split_stats}
    if conversations is not None:
        stats_path.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return PreparedData(dataset, stats)


def _describe(stats: FilterStats) -> str:
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(stats.dropped.items()))
    return f"{stats.read} read, dropped: {reasons or 'none'}"
