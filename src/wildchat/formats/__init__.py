"""Readers of public chat datasets, streaming `wildchat.records.Conversation` records.

    from wildchat.formats import read_conversations
    for conversation in read_conversations("WildChat-1M/"):   # format detected
        ...

Formats (FORMATS): "wildchat" (WildChat-1M as on the Hub, and `wildchat build` output), "lmsys"
(LMSYS-Chat-1M), "sharegpt" (ShareGPT / FastChat), "oasst" (OpenAssistant message trees: one
conversation per root-to-leaf path), "alpaca", "dolly". Any of them may come as Parquet (a file or
a folder of shards), JSON Lines or a JSON array, plain or compressed (.gz, .zst). docs/formats.md
says what each source's fields become.

Bad input raises `FormatError` naming the file, the position and the field, unless `on_invalid`
is given: then each bad record is handed to it and skipped (see sources.py for what a damaged
file loses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from wildchat.formats import alpaca, dolly, lmsys, oasst, sharegpt, wildchat
from wildchat.formats.detect import FORMATS, dataset_name, detect_format
from wildchat.formats.errors import FormatError
from wildchat.formats.sources import OnInvalid, data_files
from wildchat.records import Conversation

Reader = Callable[[Sequence[Path], OnInvalid | None], Iterator[Conversation]]
READERS: dict[str, Reader] = {
    wildchat.NAME: wildchat.read,
    lmsys.NAME: lmsys.read,
    sharegpt.NAME: sharegpt.read,
    oasst.NAME: oasst.read,
    alpaca.NAME: alpaca.read,
    dolly.NAME: dolly.read,
}
assert tuple(READERS) == FORMATS

__all__ = [
    "FORMATS",
    "READERS",
    "FormatError",
    "OnInvalid",
    "dataset_name",
    "detect_format",
    "read_conversations",
    "resolve_format",
]


def resolve_format(path: str | Path, format: str = "auto") -> str:
    """The format to read a path as: the one named, or the detected one for "auto"."""
    if format == "auto":
        return detect_format(path)
    if format not in READERS:
        raise ValueError(f"unknown format {format!r}: expected auto or one of {', '.join(FORMATS)}")
    return format


def read_conversations(
    path: str | Path,
    format: str = "auto",
    *,
    dataset: str | None = None,
    on_invalid: OnInvalid | None = None,
) -> Iterator[Conversation]:
    """Stream the conversations of a file or a folder of shards.

    The path is checked and the format detected now (FormatError on failure); the records are read
    as the iterator is consumed. Each conversation's `dataset` is `dataset` or `dataset_name(path)`.
    """
    files = data_files(path)
    reader = READERS[resolve_format(path, format)]
    label = dataset or dataset_name(path)
    return _labelled(reader(files, on_invalid), label)


def _labelled(conversations: Iterator[Conversation], label: str) -> Iterator[Conversation]:
    for conversation in conversations:
        conversation.dataset = label
        yield conversation
