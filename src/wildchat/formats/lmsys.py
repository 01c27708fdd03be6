"""LMSYS-Chat-1M (Parquet shards as on the Hub, or JSON Lines).

Fields: conversation_id, model, conversation [{content, role}], turn, language,
openai_moderation [{categories, category_scores, flagged}] (one per message), redacted.
A message is toxic when its moderation entry is flagged, the conversation when any message is.
LMSYS-Chat-1M publishes no user ids: `user_id` stays None.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from wildchat.formats.errors import FieldError
from wildchat.formats.fields import (
    as_list,
    as_object,
    describe,
    id_str,
    moderation_list,
    openai_moderation_entry,
    opt_bool,
    opt_str,
    req,
    req_str,
    wrong,
)
from wildchat.formats.messages import NO_LANGUAGE, ROLES, number_rounds
from wildchat.formats.rows import read_rows
from wildchat.formats.sources import OnInvalid
from wildchat.records import Conversation, ConversationMessage

NAME = "lmsys"
COLUMNS = ("conversation_id", "model", "conversation", "turn", "language", "openai_moderation", "redacted")


def _message(value: Any, prefix: str) -> ConversationMessage:
    item = as_object(value, prefix)
    role = req_str(item, "role", prefix)
    if role not in ROLES:
        raise FieldError(f"{prefix}.role", f"expected user, assistant or system, got {describe(role)}")
    return ConversationMessage(role=role, content=req_str(item, "content", prefix), turn_identifier=0)


def parse(row: Mapping[str, Any]) -> Conversation:
    conversation_id = id_str(row, "conversation_id")
    if conversation_id is None:
        raise wrong("conversation_id", "a string", row.get("conversation_id"))
    items = as_list(req(row, "conversation", ""), "conversation")
    messages = [_message(value, f"conversation[{index}]") for index, value in enumerate(items)]
    turns = number_rounds(messages)
    moderation = moderation_list(row, "openai_moderation", "", openai_moderation_entry)
    if len(moderation) == len(messages):
        for message, entry in zip(messages, moderation, strict=True):
            message.toxic = bool(entry.get("flagged"))
    redacted = opt_bool(row, "redacted")
    return Conversation(
        conversation_hash=conversation_id,
        model=opt_str(row, "model") or "",
        timestamp=None,
        conversation=messages,
        turn=turns,
        language=opt_str(row, "language") or NO_LANGUAGE,
        openai_moderation=moderation,
        toxic=any(message.toxic for message in messages),
        redacted=redacted,
    )


def read(files: Sequence[Path], on_invalid: OnInvalid | None) -> Iterator[Conversation]:
    return read_rows(files, COLUMNS, parse, on_invalid)
