"""Databricks Dolly 15k: JSON Lines (or Parquet) of {instruction, context, response, category}.

One single-turn conversation per record, built as Alpaca's (instruction, then "\n\n" and the
context when there is one); the category is kept in `extra["category"]`. Records have no id:
each gets a content hash.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from wildchat.formats.fields import opt_str, req_str
from wildchat.formats.messages import content_hash, joined, plain_messages
from wildchat.formats.rows import read_rows
from wildchat.formats.sources import OnInvalid
from wildchat.records import Conversation

NAME = "dolly"
COLUMNS = ("instruction", "context", "response", "category")


def parse(row: Mapping[str, Any]) -> Conversation:
    user = joined(req_str(row, "instruction"), opt_str(row, "context"))
    messages, turns = plain_messages([("user", user), ("assistant", req_str(row, "response"))])
    category = opt_str(row, "category")
    return Conversation(
        conversation_hash=content_hash(messages),
        model="",
        timestamp=None,
        conversation=messages,
        turn=turns,
        extra={"category": category} if category is not None else None,
    )


def read(files: Sequence[Path], on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    return read_rows(files, COLUMNS, parse, on_invalid)
