"""Which format a path holds, from the field names of its first record (or its Parquet schema).

Detection reads the Parquet footer, or decodes the first record of a JSON / JSON Lines file, of
the first data file only: it never reads a whole file. The rules, first match wins:

  oasst     message_tree_id and message_id (a message a record) or prompt (a tree a record)
  sharegpt  conversations
  wildchat  conversation, and conversation_hash, toxic, detoxify_moderation or hashed_ip
  lmsys     conversation and conversation_id (and none of the WildChat-only fields)
  dolly     instruction and response
  alpaca    instruction and output
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from wildchat.formats.errors import FormatError
from wildchat.formats.fields import describe
from wildchat.formats.sources import PARQUET_SUFFIXES, data_files, data_suffix, first_record

FORMATS: tuple[str, ...] = ("wildchat", "lmsys", "sharegpt", "oasst", "alpaca", "dolly")
_WILDCHAT_ONLY = frozenset({"conversation_hash", "toxic", "detoxify_moderation", "hashed_ip"})
# Hub shard names say nothing about the dataset: train-00000-of-00014.parquet, 0000.parquet.
_SHARD_NAME = re.compile(r"^((train|test|validation|valid|dev|eval)([-_.].*)?|\d+)$", re.IGNORECASE)
_RELEASE_FOLDERS = ("public", "full")


def format_of_fields(keys: Collection[str]) -> str | None:
    """The format whose fields these are, or None."""
    names = set(keys)
    if "message_tree_id" in names and ("message_id" in names or "prompt" in names):
        return "oasst"
    if "conversations" in names:
        return "sharegpt"
    if "conversation" in names:
        if names & _WILDCHAT_ONLY:
            return "wildchat"
        if "conversation_id" in names:
            return "lmsys"
    if "instruction" in names and "response" in names:
        return "dolly"
    if "instruction" in names and "output" in names:
        return "alpaca"
    return None


def _first_fields(file: Path) -> list[str]:
    if data_suffix(file) in PARQUET_SUFFIXES:
        try:
            return list(pq.read_schema(file).names)
        except (OSError, pa.ArrowException) as exc:
            raise FormatError(file, f"not a readable Parquet file ({exc})") from exc
    record = first_record(file)
    if record is None:
        raise FormatError(file, "holds no records to tell the format from")
    if not isinstance(record.data, dict):
        raise FormatError(
            file, f"expected an object per record, found {describe(record.data)}", position=record.position
        )
    return list(record.data)


def detect_format(path: str | Path) -> str:
    """One of FORMATS for a file or a folder of shards; FormatError when no rule matches."""
    first = data_files(path)[0]
    fields = _first_fields(first)
    found = format_of_fields(fields)
    if found is None:
        shown = ", ".join(fields[:20]) + (", ..." if len(fields) > 20 else "")
        raise FormatError(
            first,
            f"cannot tell the format from the fields of the first record ({shown or 'none'}); "
            f"name it with --format ({', '.join(FORMATS)})",
        )
    return found


_SUFFIXES = frozenset({"gz", "zst", "zstd", "bz2", "lz4", "parquet", "jsonl", "ndjson", "json"})


def _stem(file: Path) -> str:
    name = file.name
    for _ in range(2):  # data.jsonl.gz -> data
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and suffix.lower() in _SUFFIXES:
            name = stem
    return name


def _folder_name(folder: Path) -> str:
    if folder.name == "data":
        folder = folder.parent
    if folder.name in _RELEASE_FOLDERS and folder.parent.name:  # our export: DIR/public, DIR/full
        return f"{folder.parent.name}-{folder.name}"
    return folder.name or "dataset"


def dataset_name(path: str | Path) -> str:
    """A label for the dataset at a path: the file's stem, or the folder's name for shards.

    WildChat-1M/data/train-00000-of-00014.parquet -> "WildChat-1M"; sharegpt.json.gz ->
    "sharegpt"; a `wildchat build --out rel` folder rel/public -> "rel-public".
    """
    path = Path(path).resolve()
    if path.is_dir():
        return _folder_name(path)
    stem = _stem(path)
    if _SHARD_NAME.match(stem):
        return _folder_name(path.parent)
    return stem
