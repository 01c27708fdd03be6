"""Per-dataset spill files: message and conversation rows with token counts, languages and prompt
signatures, written chunk by chunk to Parquet so that memory follows the chunk size.

The text itself is not kept: only the first `prefix_chars` characters of each user prompt (the
example shown for a cluster of repeated prompts) and a bounded random sample of first-turn
prompts (for the embedding map).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wildchat.analyze.duplicates import MinHashParams, band_columns, band_keys, signatures
from wildchat.analyze.rows import RAW_CONVERSATION_SCHEMA, RawChunk
from wildchat.analyze.tokens import TokenCounter

NO_LANGUAGE = "Nolang"


class LanguageIdentifier(Protocol):
    def detect(self, texts: list[str]) -> list[str]: ...


def message_schema(params: MinHashParams | None) -> pa.Schema:
    return pa.schema(
        [
            pa.field("conv", pa.int64()),
            pa.field("pos", pa.int32()),
            pa.field("role", pa.string()),
            pa.field("language", pa.string()),
            pa.field("tokens", pa.int32()),
            pa.field("moderation", pa.bool_()),
            pa.field("categories", pa.int32()),
            pa.field("detoxify", pa.float64()),
            # user prompts with at least one word: an id, the word count, the opening, band keys
            pa.field("pid", pa.int64()),
            pa.field("words", pa.int32()),
            pa.field("prefix", pa.string()),
            *(pa.field(name, pa.uint64()) for name in (band_columns(params) if params else [])),
        ]
    )


CONVERSATION_SCHEMA = RAW_CONVERSATION_SCHEMA.append(pa.field("turns", pa.int32()))


@dataclass
class Reservoir:
    """A uniform random sample of at most `size` texts from a stream (seeded: same input, same sample)."""

    size: int
    seed: int = 0
    keys: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    def offer(self, texts: list[str]) -> None:
        if self.size <= 0 or not texts:
            return
        keys = np.concatenate([self.keys, self._rng.random(len(texts))])
        pool = self.texts + texts
        keep = np.sort(np.argsort(keys, kind="stable")[: self.size])  # keep reading order
        self.keys = keys[keep]
        self.texts = [pool[i] for i in keep]


@dataclass
class ChunkOptions:
    tokenizer: TokenCounter
    minhash: MinHashParams | None = field(default_factory=MinHashParams)  # None: no duplicate search
    languages: LanguageIdentifier | None = None  # identifies user prompts the source left without one
    prefix_chars: int = 300
    sample_size: int = 2_000
    seed: int = 0


def _at(size: int, where: npt.NDArray[np.int64], values: npt.NDArray[Any], dtype: pa.DataType) -> pa.Array:
    """`size` nulls with `values` at the indices `where`."""
    data = np.zeros(size, dtype=values.dtype)
    data[where] = values
    mask = np.ones(size, dtype=bool)
    mask[where] = False
    return pa.array(data, type=dtype, mask=mask)


class DatasetSpill:
    """Writes one dataset's rows to `folder/messages.parquet` and `folder/conversations.parquet`."""

    def __init__(self, folder: Path, options: ChunkOptions) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.options = options
        self.messages_path = folder / "messages.parquet"
        self.conversations_path = folder / "conversations.parquet"
        self.schema = message_schema(options.minhash)
        self._messages = pq.ParquetWriter(self.messages_path, self.schema)
        self._conversations = pq.ParquetWriter(self.conversations_path, CONVERSATION_SCHEMA)
        self.sample = Reservoir(options.sample_size, options.seed)
        self.next_pid = 0
        self.conversations = 0

    def add(self, chunk: RawChunk) -> None:
        messages, conversations = chunk.messages, chunk.conversations
        if conversations.num_rows == 0:
            return
        texts: list[str] = messages.column("content").to_pylist()
        is_user = pc.fill_null(pc.equal(messages.column("role"), "user"), False).to_numpy(
            zero_copy_only=False
        )
        columns = {
            "conv": messages.column("conv"),
            "pos": messages.column("pos"),
            "role": messages.column("role"),
            "language": pa.array(
                self._languages(messages.column("language").to_pylist(), texts, is_user), pa.string()
            ),
            "tokens": pa.array(self.options.tokenizer.count(texts), type=pa.int32()),
            "moderation": messages.column("moderation"),
            "categories": messages.column("categories"),
            "detoxify": messages.column("detoxify"),
            **self._prompt_columns(texts, is_user),
        }
        self._messages.write_table(pa.table(columns, schema=self.schema))

        conv = messages.column("conv").to_numpy(zero_copy_only=False)
        first = conversations.column("conv")[0].as_py()
        turns = np.bincount(conv[is_user] - first, minlength=conversations.num_rows).astype(np.int32)
        self._conversations.write_table(
            conversations.append_column("turns", pa.array(turns, type=pa.int32())).cast(CONVERSATION_SCHEMA)
        )
        self.conversations += conversations.num_rows
        self._sample_first_prompts(conv, is_user, texts)

    def _prompt_columns(self, texts: list[str], is_user: npt.NDArray[np.bool_]) -> dict[str, pa.Array]:
        """pid, words, prefix and band keys: set on user prompts with at least one word, else null."""
        size = len(texts)
        params = self.options.minhash
        if params is None:
            return {name: pa.nulls(size, self.schema.field(name).type) for name in ("pid", "words", "prefix")}
        candidates = np.flatnonzero(is_user & np.fromiter((bool(t.strip()) for t in texts), bool, size))
        signature, words = signatures([texts[i] for i in candidates], params)
        has_words = words > 0
        prompts, words, keys = (
            candidates[has_words],
            words[has_words],
            band_keys(signature[has_words], params),
        )
        pids = np.arange(self.next_pid, self.next_pid + len(prompts), dtype=np.int64)
        self.next_pid += len(prompts)
        prefixes: list[str | None] = [None] * size
        for index in prompts:
            prefixes[index] = texts[index][: self.options.prefix_chars]
        columns = {
            "pid": _at(size, prompts, pids, pa.int64()),
            "words": _at(size, prompts, words.astype(np.int32), pa.int32()),
            "prefix": pa.array(prefixes, type=pa.string()),
        }
        for band, name in enumerate(band_columns(params)):
            columns[name] = _at(size, prompts, keys[:, band], pa.uint64())
        return columns

    def _languages(
        self, languages: list[str | None], texts: list[str], is_user: npt.NDArray[np.bool_]
    ) -> list[str]:
        resolved = [language or NO_LANGUAGE for language in languages]
        if self.options.languages is None:
            return resolved
        missing = [i for i in np.flatnonzero(is_user) if resolved[i] == NO_LANGUAGE and texts[i].strip()]
        if missing:
            found = self.options.languages.detect([texts[i] for i in missing])
            for index, language in zip(missing, found, strict=True):
                resolved[index] = language
        return resolved

    def _sample_first_prompts(
        self, conv: npt.NDArray[np.int64], is_user: npt.NDArray[np.bool_], texts: list[str]
    ) -> None:
        user_rows = np.flatnonzero(is_user)
        _, first_rows = np.unique(conv[user_rows], return_index=True)
        candidates = [texts[user_rows[i]] for i in first_rows]
        self.sample.offer([text for text in candidates if text.strip()])

    def close(self) -> None:
        self._messages.close()
        self._conversations.close()
