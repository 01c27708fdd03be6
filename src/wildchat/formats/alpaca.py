"""Alpaca: a JSON array (or JSON Lines, or Parquet) of {instruction, input, output}.

One single-turn conversation per record: the user turn is the instruction, followed by
"\n\n" and the input when the input is not empty; the assistant turn is the output. The records
have no id: each gets a content hash.
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

NAME = "alpaca"
COLUMNS = ("instruction", "input", "output")


def parse(row: Mapping[str, Any]) -> Conversation:
    user = joined(req_str(row, "instruction"), opt_str(row, "input"))
    messages, turns = plain_messages([("user", user), ("assistant", req_str(row, "output"))])
    return Conversation(
        conversation_hash=content_hash(messages), model="", timestamp=None, conversation=messages, turn=turns
    )


def read(files: Sequence[Path], on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    return read_rows(files, COLUMNS, parse, on_invalid)
