"""Formats with one conversation per record: decode each record with the format's parser."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from wildchat.formats.errors import FieldError, FormatError
from wildchat.formats.fields import describe
from wildchat.formats.sources import Columns, OnInvalid, Record, records, report
from wildchat.records import Conversation

RowParser = Callable[[Mapping[str, Any]], Conversation]


def parse_records(
    stream: Iterable[Record], parse: RowParser, on_invalid: OnInvalid | None
) -> Iterator[Conversation]:
    for record in stream:
        data = record.data
        if not isinstance(data, dict):
            problem = f"expected an object, got {describe(data)}"
            report(FormatError(record.file, problem, position=record.position), on_invalid)
            continue
        try:
            conversation = parse(data)
        except FieldError as error:
            report(FormatError.from_field(record.file, record.position, error), on_invalid)
            continue
        yield conversation


def read_rows(
    files: Sequence[Path], columns: Columns, parse: RowParser, on_invalid: OnInvalid | None
) -> Iterator[Conversation]:
    return parse_records(records(files, columns, on_invalid), parse, on_invalid)
