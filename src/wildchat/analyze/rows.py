"""Conversations flattened into Arrow tables: one row per message and one row per conversation.

Two builders give the same tables: `raw_from_conversations` for `Conversation` records from any
reader, and `raw_from_wildchat` for record batches in the WildChat-1M Parquet schema, which
flattens the nested columns with Arrow compute instead of creating a Python object per message
(the fast path; a test checks both give the same report).

Toxicity columns keep what the sources say: `moderation` (OpenAI Moderation `flagged`),
`categories` (a bitmask over `MODERATION_CATEGORIES`, either spelling of a category counts) and
`detoxify` (the Detoxify `toxicity` score). All three are null where a message has no result
(WildChat stores `{}` for empty messages; most other datasets have no scores at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from wildchat.curate.toxicity.schema import MODERATION_CATEGORIES, sdk_spelling
from wildchat.records import Conversation

TIMESTAMP = pa.timestamp("us", tz="UTC")
NO_LANGUAGE = "Nolang"  # WildChat's spelling: the source names no language

RAW_MESSAGE_SCHEMA = pa.schema(
    [
        pa.field("conv", pa.int64()),  # the conversation's index in its dataset, in reading order
        pa.field("pos", pa.int32()),  # the message's index in its conversation
        pa.field("role", pa.string()),
        pa.field("language", pa.string()),
        pa.field("content", pa.string()),
        pa.field("moderation", pa.bool_()),
        pa.field("categories", pa.int32()),
        pa.field("detoxify", pa.float64()),
    ]
)
RAW_CONVERSATION_SCHEMA = pa.schema(
    [
        pa.field("conv", pa.int64()),
        pa.field("timestamp", TIMESTAMP),
        pa.field("model", pa.string()),
        pa.field("country", pa.string()),
        pa.field("state", pa.string()),
        # a source's own user id where it has one, else the hashed IP (the paper's #Users)
        pa.field("user", pa.string()),
    ]
)

# The WildChat-1M columns the fast path reads (the rest, headers and category scores included,
# stay on disk).
WILDCHAT_COLUMNS: tuple[str, ...] = (
    "conversation",
    "model",
    "timestamp",
    "openai_moderation",
    "detoxify_moderation",
    "state",
    "country",
    "hashed_ip",
)


@dataclass(frozen=True, slots=True)
class RawChunk:
    """A chunk of conversations before token counts, languages and prompt signatures."""

    messages: pa.Table
    conversations: pa.Table


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def moderation_flags(entry: dict[str, Any] | None) -> tuple[bool | None, int | None]:
    """(flagged, category bitmask) of one `openai_moderation` entry; (None, None) without a result."""
    if not entry or entry.get("flagged") is None:
        return None, None
    categories = entry.get("categories") or {}
    mask = 0
    for bit, category in enumerate(MODERATION_CATEGORIES):
        if categories.get(category) or categories.get(sdk_spelling(category)):
            mask |= 1 << bit
    return bool(entry["flagged"]), mask


def detoxify_score(entry: dict[str, Any] | None) -> float | None:
    if not entry or entry.get("toxicity") is None:
        return None
    return float(entry["toxicity"])


def _known(language: str | None) -> str | None:
    return None if not language or language == NO_LANGUAGE else language


def raw_from_conversations(conversations: Sequence[Conversation], first: int) -> RawChunk:
    """Flatten records; `first` is the index of the first one in its dataset."""
    messages: dict[str, list[Any]] = {name: [] for name in RAW_MESSAGE_SCHEMA.names}
    rows: dict[str, list[Any]] = {name: [] for name in RAW_CONVERSATION_SCHEMA.names}
    for offset, conversation in enumerate(conversations):
        index = first + offset
        moderation = conversation.openai_moderation or []
        detoxify = conversation.detoxify_moderation or []
        # LMSYS-Chat-1M names one language per conversation and none per message: its messages
        # take it, except empty ones ("Nolang", as WildChat has them). Where messages name theirs
        # (WildChat), a message without one stays "Nolang" as the source has it.
        fallback = None
        if not any(_known(m.language) for m in conversation.conversation):
            fallback = _known(conversation.language)
        for pos, message in enumerate(conversation.conversation):
            flagged, mask = moderation_flags(moderation[pos] if pos < len(moderation) else None)
            messages["conv"].append(index)
            messages["pos"].append(pos)
            messages["role"].append(message.role)
            content = message.content or ""
            messages["language"].append(_known(message.language) or (fallback if content.strip() else None))
            messages["content"].append(content)
            messages["moderation"].append(flagged)
            messages["categories"].append(mask)
            messages["detoxify"].append(detoxify_score(detoxify[pos] if pos < len(detoxify) else None))
        rows["conv"].append(index)
        rows["timestamp"].append(_utc(conversation.timestamp))
        rows["model"].append(conversation.model or None)
        rows["country"].append(conversation.country or None)
        rows["state"].append(conversation.state or None)
        rows["user"].append(conversation.user_id or conversation.hashed_ip or None)
    return RawChunk(
        pa.table(messages, schema=RAW_MESSAGE_SCHEMA), pa.table(rows, schema=RAW_CONVERSATION_SCHEMA)
    )


# ----------------------------------------------------------------------------------------------
# The fast path: WildChat-1M Parquet columns


def _starts(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def _flatten(lists: pa.Array) -> tuple[pa.Array, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """A list column's values, each value's row, and each value's position in its row."""
    values = lists.flatten()
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    positions = np.arange(len(values), dtype=np.int64) - _starts(lengths)[parents]
    return values, parents, positions


def _empty_to_null(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _no_language_to_null(array: pa.Array) -> pa.Array:
    known = pc.and_(pc.not_equal(array, ""), pc.not_equal(array, NO_LANGUAGE))
    return pc.if_else(known, array, pa.scalar(None, pa.string()))


def _scatter(size: int, where: npt.NDArray[np.int64], values: pa.Array, dtype: pa.DataType) -> pa.Array:
    """An array of `size` nulls with `values` placed at the indices `where`."""
    present = pc.is_valid(values).to_numpy(zero_copy_only=False)
    data = values.fill_null(False if pa.types.is_boolean(dtype) else 0).to_numpy(zero_copy_only=False)
    full = np.zeros(size, dtype=data.dtype)
    mask = np.ones(size, dtype=bool)
    full[where] = data
    mask[where] = ~present
    return pa.array(full, type=dtype, mask=mask)


def _category_mask(categories: pa.Array) -> pa.Array:
    """The bitmask of flagged categories (both spellings) from the released `categories` struct."""
    names = {field.name for field in categories.type}
    mask = np.zeros(len(categories), dtype=np.int32)
    for bit, category in enumerate(MODERATION_CATEGORIES):
        for key in {category, sdk_spelling(category)} & names:
            flagged = pc.fill_null(pc.struct_field(categories, key), False)
            mask |= flagged.to_numpy(zero_copy_only=False).astype(np.int32) << bit
    return pa.array(mask, type=pa.int32())


def raw_from_wildchat(batch: pa.RecordBatch | pa.Table, first: int) -> RawChunk:
    """Flatten a batch of WildChat-1M rows (at least `WILDCHAT_COLUMNS`) without Python loops."""
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    rows = table.num_rows
    if rows == 0:
        return RawChunk(RAW_MESSAGE_SCHEMA.empty_table(), RAW_CONVERSATION_SCHEMA.empty_table())
    table = table.combine_chunks()
    values, parents, positions = _flatten(table.column("conversation").chunk(0))
    total = len(values)
    message_lengths = np.bincount(parents, minlength=rows).astype(np.int64)
    message_starts = _starts(message_lengths)

    def aligned(column: str) -> tuple[pa.Array, npt.NDArray[np.int64]]:
        # Entry p of a moderation list belongs to message p of the same row (when it exists).
        entries, entry_rows, entry_positions = _flatten(table.column(column).chunk(0))
        keep = entry_positions < message_lengths[entry_rows]
        where = message_starts[entry_rows[keep]] + entry_positions[keep]
        return entries.filter(pa.array(keep)), where

    moderation, moderation_at = aligned("openai_moderation")
    flagged = pc.struct_field(moderation, "flagged")
    mask = pc.if_else(
        pc.is_null(flagged),
        pa.scalar(None, pa.int32()),
        _category_mask(pc.struct_field(moderation, "categories")),
    )
    detoxify, detoxify_at = aligned("detoxify_moderation")
    content = pc.fill_null(pc.struct_field(values, "content"), "")
    language = _no_language_to_null(pc.struct_field(values, "language"))
    if "language" in table.column_names:
        # The conversation's language for conversations none of whose messages names one.
        named = pc.is_valid(language).to_numpy(zero_copy_only=False)
        unnamed = np.bincount(parents, weights=named, minlength=rows)[parents] == 0
        blank = pc.equal(pc.utf8_trim_whitespace(content), "").to_numpy(zero_copy_only=False)
        unnamed &= ~blank
        conversation_language = pc.take(_no_language_to_null(table.column("language").chunk(0)), parents)
        language = pc.if_else(pa.array(unnamed), conversation_language, language)
    messages = pa.table(
        {
            "conv": pa.array(parents + first, type=pa.int64()),
            "pos": pa.array(positions, type=pa.int32()),
            "role": pc.struct_field(values, "role"),
            "language": language,
            "content": content,
            "moderation": _scatter(total, moderation_at, flagged, pa.bool_()),
            "categories": _scatter(total, moderation_at, mask, pa.int32()),
            "detoxify": _scatter(total, detoxify_at, pc.struct_field(detoxify, "toxicity"), pa.float64()),
        },
        schema=RAW_MESSAGE_SCHEMA,
    )
    conversations = pa.table(
        {
            "conv": pa.array(np.arange(first, first + rows, dtype=np.int64)),
            "timestamp": pc.cast(table.column("timestamp").chunk(0), TIMESTAMP),
            "model": _empty_to_null(table.column("model").chunk(0)),
            "country": _empty_to_null(table.column("country").chunk(0)),
            "state": _empty_to_null(table.column("state").chunk(0)),
            "user": _empty_to_null(table.column("hashed_ip").chunk(0)),
        },
        schema=RAW_CONVERSATION_SCHEMA,
    )
    return RawChunk(messages, conversations)
