"""A `records.Conversation` as the explorer's table rows (the same tuples for SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from wildchat.records import Conversation, ConversationMessage

FIRST_PROMPT_CHARS = 300
# Moderation scores below this are not kept: the page shows the notable ones, and a full
# OpenAI result is ~700 bytes per message (gigabytes over millions of messages).
SCORE_FLOOR = 0.01

ConversationRow = tuple[Any, ...]
MessageRow = tuple[Any, ...]


def microseconds(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def day_start(day: date) -> int:
    """Microseconds at 00:00 UTC of `day`."""
    return (day - date(1970, 1, 1)).days * 86_400 * 1_000_000


def from_microseconds(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1_000_000, tz=UTC)


def _scores(values: Any) -> dict[str, float]:
    if not isinstance(values, dict):
        return {}
    kept = {}
    for name, score in values.items():
        if isinstance(score, int | float) and not isinstance(score, bool) and score >= SCORE_FLOOR:
            kept[str(name).replace("/", "_")] = round(float(score), 3)
    return kept


def moderation_json(openai: dict[str, Any] | None, detoxify: dict[str, Any] | None) -> str | None:
    """The notable part of one message's moderation results, as compact JSON (None if nothing)."""
    summary: dict[str, Any] = {}
    if openai:
        flagged = sorted(
            {
                str(name).replace("/", "_")
                for name, on in (openai.get("categories") or {}).items()
                if on is True
            }
        )
        if flagged:
            summary["flagged"] = flagged
        scores = _scores(openai.get("category_scores"))
        if scores:
            summary["openai"] = scores
    if detoxify:
        scores = _scores(detoxify)
        if scores:
            summary["detoxify"] = scores
    return json.dumps(summary, separators=(",", ":"), sort_keys=True) if summary else None


def first_prompt(conversation: Conversation) -> str:
    for message in conversation.conversation:
        if message.role == "user":
            return message.content[:FIRST_PROMPT_CHARS]
    return ""


def conversation_row(conversation: Conversation, source_row: int, dataset: str) -> ConversationRow:
    """In schema.CONVERSATION_COLUMNS order."""
    return (
        source_row,
        dataset,
        conversation.conversation_hash,
        conversation.model or "",
        microseconds(conversation.timestamp),
        conversation.turn,
        conversation.language or "Nolang",
        conversation.country,
        conversation.state,
        conversation.hashed_ip,
        conversation.user_id if conversation.user_id != conversation.hashed_ip else None,
        int(conversation.toxic),
        int(conversation.redacted),
        json.dumps(conversation.header, separators=(",", ":")) if conversation.header else None,
        first_prompt(conversation),
    )


def _message_row(
    message: ConversationMessage, source_row: int, position: int, moderation: str | None
) -> MessageRow:
    return (
        source_row,
        position,
        message.role,
        message.content,
        message.turn_identifier,
        message.language,
        int(message.toxic),
        int(message.redacted),
        microseconds(message.timestamp),
        message.hashed_ip,
        message.country,
        message.state,
        moderation,
    )


def message_rows(conversation: Conversation, source_row: int) -> list[MessageRow]:
    """In schema.MESSAGE_COLUMNS order."""
    openai = conversation.openai_moderation
    detoxify = conversation.detoxify_moderation
    rows = []
    for position, message in enumerate(conversation.conversation):
        moderation = moderation_json(
            openai[position] if position < len(openai) else None,
            detoxify[position] if position < len(detoxify) else None,
        )
        rows.append(_message_row(message, source_row, position, moderation))
    return rows
