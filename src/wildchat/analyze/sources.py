"""Where the report's rows come from: any format `wildchat.formats` reads, and a fast path for
Parquet in the WildChat-1M schema (a file, a folder of shards, or a folder holding `data/`).

The fast path reads only the columns the report needs and flattens them with Arrow
(`rows.raw_from_wildchat`); everything else goes through `read_conversations` and
`rows.raw_from_conversations`. Both give the same rows (tests/analyze/test_fast_path.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from wildchat.analyze.rows import WILDCHAT_COLUMNS, RawChunk, raw_from_conversations, raw_from_wildchat
from wildchat.records import Conversation

_MESSAGE_FIELDS = {"content", "role", "language"}


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    name: str
    format: str  # a name from wildchat.formats.FORMATS (detected for "auto"), or "records"
    parquet_files: tuple[Path, ...] = ()  # set when the fast path applies
    records: Iterable[Conversation] | None = None  # records given directly instead of a path

    @property
    def fast(self) -> bool:
        return bool(self.parquet_files)

    def total(self) -> int | None:
        """How many conversations, when the files say so without being read (Parquet metadata)."""
        if not self.fast:
            return None
        return sum(int(pq.ParquetFile(path).metadata.num_rows) for path in self.parquet_files)


def _shards(path: Path) -> list[Path]:
    if path.is_file():
        return [path] if path.suffix == ".parquet" else []
    for folder in (path, path / "data"):
        files = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith((".", "_")))
        if files:
            return files
    return []


def _is_wildchat_schema(schema: pa.Schema) -> bool:
    if not set(WILDCHAT_COLUMNS) <= set(schema.names):
        return False
    conversation = schema.field("conversation").type
    if not (pa.types.is_list(conversation) and pa.types.is_struct(conversation.value_type)):
        return False
    fields = {field.name for field in conversation.value_type}
    moderation = schema.field("openai_moderation").type
    detoxify = schema.field("detoxify_moderation").type
    return (
        fields >= _MESSAGE_FIELDS
        and pa.types.is_list(moderation)
        and pa.types.is_struct(moderation.value_type)
        and {"categories", "flagged"} <= {f.name for f in moderation.value_type}
        and pa.types.is_list(detoxify)
        and pa.types.is_struct(detoxify.value_type)
        and "toxicity" in {f.name for f in detoxify.value_type}
    )


def wildchat_parquet(path: Path) -> list[Path]:
    """The shards to read on the fast path, or [] when `path` is not WildChat-schema Parquet."""
    files = _shards(path)
    if files and all(_is_wildchat_schema(pq.read_schema(file)) for file in files):
        return files
    return []


def from_records(records: Iterable[Conversation], name: str) -> Source:
    """A dataset given as records (any iterable; read once, in chunks)."""
    return Source(Path(name), name, "records", records=records)


# The leaves the report reads inside the nested columns (category scores, headers and the rest
# stay on disk: with 36 moderation fields per message, that is most of a WildChat shard).
_LEAVES = {
    "conversation": ("content", "role", "language"),
    "openai_moderation": ("flagged", "categories"),
    "detoxify_moderation": ("toxicity",),
}


def needed_columns(parquet: pq.ParquetFile) -> list[str]:
    """Column paths (as Parquet names them, e.g. "conversation.list.element.content") to read."""
    paths = [column.path for column in parquet.schema]
    wanted = [name for name in WILDCHAT_COLUMNS if name not in _LEAVES]
    if "language" in paths:  # the conversation's language, for messages that name none
        wanted.append("language")
    for top, leaves in _LEAVES.items():
        for path in paths:
            parts = path.split(".")
            if parts[0] == top and len(parts) >= 4 and parts[3] in leaves:
                wanted.append(".".join(parts[:4]))
    return list(dict.fromkeys(wanted))


MANIFEST_NAME = "manifest.json"  # what `wildchat build` writes beside a release folder's data


def build_scorers(path: Path) -> list[str] | None:
    """The toxicity scorers a `wildchat build` release was scored with, from its manifest.json.

    Looked for in the dataset's folder and up to two folders above (`rel/public/data/x.parquet`
    → `rel/public`); None where there is none (an external dataset) or it does not say.
    """
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *list(folder.parents)[:2]):
        manifest = candidate / MANIFEST_NAME
        if not manifest.is_file():
            continue
        try:
            document = json.loads(manifest.read_text(encoding="utf-8"))
            scorers = document["build"]["options"]["toxicity_scorers"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # not a build's manifest: nothing is known about the scorers
        return [str(s) for s in scorers] if isinstance(scorers, list) else None
    return None


def resolve(path: Path, format: str = "auto", name: str | None = None, *, fast: bool = True) -> Source:
    """A dataset to report on; `name` defaults to wildchat.formats' label for the path."""
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    from wildchat.formats import dataset_name, resolve_format

    detected = resolve_format(path, format)  # FormatError (a ValueError) naming the file if unreadable
    files = wildchat_parquet(path) if fast and detected == "wildchat" else []
    return Source(path, name or dataset_name(path), detected, tuple(files))


def read_chunks(source: Source, chunk_size: int) -> Iterator[RawChunk]:
    """The dataset as flattened chunks of at most `chunk_size` conversations."""
    first = 0
    if source.fast:
        for path in source.parquet_files:
            parquet = pq.ParquetFile(path)
            for batch in parquet.iter_batches(batch_size=chunk_size, columns=needed_columns(parquet)):
                yield raw_from_wildchat(batch, first)
                first += batch.num_rows
        return
    if source.records is not None:
        records = iter(source.records)
    else:
        from wildchat.formats import read_conversations

        records = read_conversations(source.path, source.format, dataset=source.name)
    while chunk := list(islice(records, chunk_size)):
        yield raw_from_conversations(chunk, first)
        first += len(chunk)
