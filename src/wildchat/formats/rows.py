"""Formats with one conversation per record: decode each record with the format's parser."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from wildchat.formats.errors import FieldError, FormatError
from wildchat.formats.fields import describe
from wildchat.formats.sources import Columns, OnInvalid, Record, records, report
from wildchat.records import Conversation

RowParser = Callable[[Mapping[str, Any]], Conversation]
T = TypeVar("T")


def decode_records(
    stream: Iterable[Record], decode: Callable[[Record], T], on_invalid: OnInvalid | None
) -> Iterator[T]:
    """Each object record decoded; a record that is not an object or does not decode is reported."""
    for record in stream:
        if not isinstance(record.data, dict):
            problem = f"expected an object, got {describe(record.data)}"
            report(FormatError(record.file, problem, position=record.position), on_invalid)
            continue
        try:
            value = decode(record)
        except FieldError as error:
            report(FormatError.from_field(record.file, record.position, error), on_invalid)
            continue
        yield value


def parse_records(
    stream: Iterable[Record], parse: RowParser, on_invalid: OnInvalid | None
) -> Iterator[Conversation]:
    return decode_records(stream, lambda record: parse(record.data), on_invalid)


def read_rows(
    files: Sequence[Path], columns: Columns, parse: RowParser, on_invalid: OnInvalid | None
) -> Iterator[Conversation]:
    return parse_records(records(files, columns, on_invalid), parse, on_invalid)
