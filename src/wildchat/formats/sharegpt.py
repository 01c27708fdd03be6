"""ShareGPT / FastChat (Vicuna) conversations: a top-level JSON array (or JSON Lines, or Parquet)
of {id, conversations: [{from, value}]}.

Speakers: human/user → user; gpt/chatgpt/bard/bing/assistant/model → assistant; system → system.
Any other speaker is an error naming the field. A record without an id gets a content hash.
A record with an empty `conversations` list is kept, with no messages and turn 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from wildchat.formats.errors import FieldError
from wildchat.formats.fields import as_list, as_object, describe, id_str, opt_str, req, req_str
from wildchat.formats.messages import content_hash, number_rounds
from wildchat.formats.rows import read_rows
from wildchat.formats.sources import OnInvalid
from wildchat.records import Conversation, ConversationMessage

NAME = "sharegpt"
COLUMNS = ("id", "conversations", "model")
SPEAKERS = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "system": "system",
}


def _message(value: Any, prefix: str) -> ConversationMessage:
    item = as_object(value, prefix)
    speaker = req_str(item, "from", prefix)
    role = SPEAKERS.get(speaker.lower())
    if role is None:
        known = ", ".join(SPEAKERS)
        raise FieldError(f"{prefix}.from", f"expected one of {known}, got {describe(speaker)}")
    return ConversationMessage(role=role, content=req_str(item, "value", prefix), turn_identifier=0)


def parse(row: Mapping[str, Any]) -> Conversation:
    items = as_list(req(row, "conversations", ""), "conversations")
    messages = [_message(value, f"conversations[{index}]") for index, value in enumerate(items)]
    turns = number_rounds(messages)
    return Conversation(
        conversation_hash=id_str(row, "id") or content_hash(messages),
        model=opt_str(row, "model") or "",
        timestamp=None,
        conversation=messages,
        turn=turns,
    )


def read(files: Sequence[Path], on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    return read_rows(files, COLUMNS, parse, on_invalid)
