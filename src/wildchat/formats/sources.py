"""The files a path names and the records in them, streamed: Parquet, JSON Lines, JSON arrays.

Nothing here reads a whole file into memory:

* Parquet is read in record batches (`ParquetFile.iter_batches`) of only the columns a reader
  asks for, and each batch becomes Python dicts with `to_pylist`.
* JSON Lines is read a line at a time, as bytes (so a line that is not UTF-8 is one bad record,
  not the end of the file).
* A top-level JSON array is parsed item by item by ijson's C backend.
* `.gz`, `.zst`, `.bz2` and `.lz4` files are decompressed as they are read (pyarrow's codecs).

Bad input becomes a `FormatError` naming the file and the position ("line 7", "record 3",
"row 12"). A bad record is handed to `on_invalid` when one is given (the caller counts it and the
reading goes on), else raised. Damage that ends a file (a truncated JSON array or compressed
stream, an unreadable Parquet shard) is reported the same way, and the rest of that file is lost.
"""

from __future__ import annotations

import bz2
import gc
import gzip
import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from wildchat.formats.errors import FormatError

OnInvalid = Callable[[FormatError], None]
Columns = Sequence[str] | None

COMPRESSIONS = (".gz", ".zst", ".zstd", ".bz2", ".lz4")
PARQUET_SUFFIXES = (".parquet",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIXES = (".json",)
DATA_SUFFIXES = PARQUET_SUFFIXES + JSONL_SUFFIXES + JSON_SUFFIXES
DEFAULT_BATCH_ROWS = 2_048
_READ_BUFFER = 1 << 20


@dataclass(slots=True)
class Record:
    """One decoded record and where it came from ("line 3" of data.jsonl)."""

    file: Path
    unit: str  # "line", "record" (in a JSON array) or "row" (Parquet)
    index: int  # 1-based
    data: Any

    @property
    def position(self) -> str:
        return f"{self.unit} {self.index}"


def report(error: FormatError, on_invalid: OnInvalid | None) -> None:
    """Raise the error, or hand it to the caller's counter."""
    if on_invalid is None:
        raise error
    on_invalid(error)


# ----------------------------------------------------------------------------------------------
# Which files


def compression_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return suffix if suffix in COMPRESSIONS else None


def data_suffix(path: Path) -> str:
    """The data suffix under any compression: ".jsonl" for data.jsonl.gz."""
    name = path.name.lower()
    if compression_of(path):
        name = name[: -len(path.suffix)]
    return Path(name).suffix


def _visible(path: Path, root: Path) -> bool:
    # Hidden names are staging folders and unfinished shards (curate.export); skip them.
    return not any(part.startswith((".", "_")) for part in path.relative_to(root).parts)


def data_files(path: str | Path) -> list[Path]:
    """The data files a path names, in order: the file itself, or a folder's shards.

    A folder is searched recursively (its `data/` subfolder when there is one, as on the Hub and
    in our exports); Parquet shards win over JSON files next to them (an export's optional
    conversations.jsonl repeats its Parquet data).
    """
    path = Path(path)
    if path.is_file():
        if data_suffix(path) not in DATA_SUFFIXES:
            raise FormatError(
                path, "not a Parquet, JSON or JSON Lines file (.parquet, .jsonl, .json, .gz/.zst)"
            )
        return [path]
    if not path.is_dir():
        raise FormatError(path, "no such file or folder")
    if (path / "public").is_dir() and (path / "full").is_dir():
        raise FormatError(
            path, "holds a release with public/ and full/ (the same conversations twice): import one of them"
        )
    root = path / "data" if (path / "data").is_dir() else path
    candidates = sorted(p for p in root.rglob("*") if p.is_file() and _visible(p, root))
    parquet = [p for p in candidates if data_suffix(p) in PARQUET_SUFFIXES]
    if parquet:
        return parquet
    other = [p for p in candidates if data_suffix(p) in JSONL_SUFFIXES + JSON_SUFFIXES]
    if not other:
        raise FormatError(path, "no Parquet, JSON or JSON Lines files in this folder")
    return other


def parquet_rows(files: Sequence[Path]) -> int | None:
    """Rows in the Parquet files, from their footers (None for JSON files): a progress total."""
    total = 0
    for file in files:
        if data_suffix(file) not in PARQUET_SUFFIXES:
            return None
        try:
            total += pq.ParquetFile(file).metadata.num_rows
        except (OSError, pa.ArrowException):
            return None  # the reader reports it, with its position
    return total


# ----------------------------------------------------------------------------------------------
# Opening


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed on the fly; the caller closes it.

    gzip and bz2 go through the standard library, which hands out everything before the point
    where a truncated file stops (pyarrow's codecs fail a small truncated file at the first
    read); zstd and lz4, which the standard library of Python 3.11 lacks, through pyarrow.
    """
    compression = compression_of(path)
    try:
        if compression == ".gz":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        if compression == ".bz2":
            return bz2.open(path, "rb")  # type: ignore[return-value]
        codec = {".zst": "zstd", ".zstd": "zstd", ".lz4": "lz4"}.get(compression or "")
        raw = pa.input_stream(str(path), compression=codec)
    except (OSError, pa.ArrowException) as exc:
        raise FormatError(path, f"cannot open: {exc}") from exc
    return io.BufferedReader(raw, _READ_BUFFER)  # type: ignore[arg-type, return-value]


def first_byte(path: Path) -> bytes:
    """The first byte that is not white space (b"" for an empty file)."""
    with open_bytes(path) as handle:
        while True:
            chunk = _read(path, handle, 256)  # small: a truncated stream fails past its end
            if not chunk:
                return b""
            stripped = chunk.lstrip()
            if stripped.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark
                stripped = stripped[3:].lstrip()
            if stripped:
                return stripped[:1]


def _read(path: Path, handle: BinaryIO, size: int) -> bytes:
    try:
        return handle.read(size)
    except (OSError, EOFError, pa.ArrowException) as exc:
        raise FormatError(path, f"the compressed data is damaged or truncated ({exc})") from exc


def _json_error(exc: ValueError, *, newline: bool) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
    if not newline:
        return f"not valid JSON ({detail}); the line has no newline at its end: the file looks truncated"
    return f"not valid JSON ({detail})"


# ----------------------------------------------------------------------------------------------
# Records


def jsonl_records(path: Path, on_invalid: OnInvalid | None) -> Iterator[Record]:
    number = 0
    with open_bytes(path) as handle:
        while True:
            try:
                line = handle.readline()
            except (OSError, EOFError, pa.ArrowException) as exc:
                report(
                    FormatError(
                        path,
                        f"the compressed data is damaged or truncated ({exc})",
                        position=f"after line {number}",
                    ),
                    on_invalid,
                )
                return
            if not line:
                return
            number += 1
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
                message = _json_error(exc, newline=line.endswith(b"\n"))
                report(FormatError(path, message, position=f"line {number}"), on_invalid)
                continue
            yield Record(path, "line", number, data)


def _first_line_is_json(path: Path) -> bool:
    with open_bytes(path) as handle:
        try:
            line = handle.readline(1 << 26)
        except (OSError, EOFError, pa.ArrowException):
            return True  # let the reader report the damage, with its position
    if not line.endswith(b"\n"):
        return True  # the whole file is one line: JSON Lines, maybe truncated (the reader says so)
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def json_array_records(path: Path, on_invalid: OnInvalid | None) -> Iterator[Record]:
    """Items of a top-level JSON array, one at a time (ijson); a file starting with `{` is JSON Lines."""
    import ijson

    start = first_byte(path)
    if start == b"{":
        if not _first_line_is_json(path):
            raise FormatError(
                path,
                "expected a JSON array of records or JSON Lines, found an object spanning several lines "
                "(one object holding the records is not read: convert it to an array or to JSON Lines)",
            )
        yield from jsonl_records(path, on_invalid)
        return
    if start != b"[":
        seen = "an empty file" if not start else f"{start.decode('latin-1')!r}"
        raise FormatError(path, f"expected a JSON array of records or JSON Lines, found {seen} at the start")
    number = 0
    with open_bytes(path) as handle:
        try:
            for data in ijson.items(handle, "item", use_float=True):
                number += 1
                yield Record(path, "record", number, data)
        except (ijson.JSONError, UnicodeDecodeError, OSError, EOFError, pa.ArrowException) as exc:
            problem = (str(exc).strip().splitlines() or [type(exc).__name__])[0]  # yajl draws a caret below
            if "premature EOF" in problem or "incomplete" in problem.lower():
                problem = "the JSON array ends early: the file looks truncated"
            report(
                FormatError(path, f"not valid JSON ({problem})", position=f"record {number + 1}"),
                on_invalid,
            )


def _naive(data_type: pa.DataType) -> pa.DataType:
    """The type with every timestamp made time-zone-naive (the stored UTC instants unchanged)."""
    if pa.types.is_timestamp(data_type):
        assert isinstance(data_type, pa.TimestampType)
        return pa.timestamp(data_type.unit)
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        field = data_type.value_field
        make = pa.list_ if pa.types.is_list(data_type) else pa.large_list
        return make(pa.field(field.name, _naive(field.type), field.nullable))
    if pa.types.is_struct(data_type):
        return pa.struct([pa.field(f.name, _naive(f.type), f.nullable) for f in data_type])
    return data_type


def batch_rows(batch: pa.RecordBatch) -> list[dict[str, Any]]:
    """A record batch as row dicts. Timestamps come back naive, in UTC: pyarrow makes zoneinfo
    datetimes about three times slower, and the readers attach `datetime.UTC` themselves.
    Each column is converted on its own and the rows zipped together, which is faster than
    `RecordBatch.to_pylist()`."""
    names = batch.schema.names
    columns = []
    with gc_paused():
        for column in batch.columns:
            naive = _naive(column.type)
            columns.append((column.cast(naive) if naive != column.type else column).to_pylist())
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def parquet_schema(path: Path, on_invalid: OnInvalid | None) -> pa.Schema | None:
    try:
        return pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        report(FormatError(path, f"not a readable Parquet file ({exc})"), on_invalid)
        return None


def parquet_batches(
    path: Path, columns: Columns, on_invalid: OnInvalid | None, batch_rows_: int = DEFAULT_BATCH_ROWS
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """Batches of rows of one Parquet file as (number of the first row, row dicts), reading only
    `columns` (those the file has)."""
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        report(FormatError(path, f"not a readable Parquet file ({exc})"), on_invalid)
        return
    names = parquet.schema_arrow.names
    projection = None if columns is None else [name for name in columns if name in names]
    number = 1
    batches = parquet.iter_batches(batch_size=batch_rows_, columns=projection)
    while True:
        try:
            batch = next(batches, None)
        except (OSError, pa.ArrowException) as exc:
            report(
                FormatError(path, f"damaged Parquet data ({exc})", position=f"after row {number - 1}"),
                on_invalid,
            )
            return
        if batch is None:
            return
        rows = batch_rows(batch)
        yield number, rows
        number += len(rows)


def parquet_records(path: Path, columns: Columns, on_invalid: OnInvalid | None) -> Iterator[Record]:
    for first, rows in parquet_batches(path, columns, on_invalid):
        for offset, data in enumerate(rows):
            yield Record(path, "row", first + offset, data)


def file_records(path: Path, columns: Columns, on_invalid: OnInvalid | None) -> Iterator[Record]:
    suffix = data_suffix(path)
    if suffix in PARQUET_SUFFIXES:
        return parquet_records(path, columns, on_invalid)
    if suffix in JSONL_SUFFIXES:
        return jsonl_records(path, on_invalid)
    return json_array_records(path, on_invalid)


def records(files: Sequence[Path], columns: Columns, on_invalid: OnInvalid | None) -> Iterator[Record]:
    for file in files:
        yield from file_records(file, columns, on_invalid)


def first_record(path: Path) -> Record | None:
    """The first record of a JSON or JSON Lines file (None for an empty one); raises if it is bad."""
    stream = file_records(path, None, None)
    try:
        return next(stream, None)
    finally:
        close = getattr(stream, "close", None)  # a generator: close its file now
        if close is not None:
            close()


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch of records is built.

    A batch makes hundreds of thousands of dicts and lists that all stay alive; the collector's
    repeated passes over them cost about a quarter of the reading time and free nothing (the
    records hold no cycles). Only the conversion runs paused, never the caller's code.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
