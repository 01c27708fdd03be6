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


DAY_MICROSECONDS = 86_400 * 1_000_000


def day_start(day: date) -> int:
    """Microseconds at 00:00 UTC of `day`."""
    return (day - date(1970, 1, 1)).days * DAY_MICROSECONDS


def day_end(day: date) -> int:
    """Microseconds at 00:00 UTC of the day after `day` (exclusive end). Computed in integers:
    `day + timedelta(days=1)` overflows for 9999-12-31."""
    return day_start(day) + DAY_MICROSECONDS


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
        conversation.user_id,  # WildChat's is its hashed_ip (docs/formats.md): `user_id` finds it too
        int(conversation.toxic),
        int(conversation.redacted),
        json.dumps(conversation.header, separators=(",", ":")) if conversation.header else None,
        first_prompt(conversation),
    )


def _message_row(
    message: ConversationMessage,
    source_row: int,
    position: int,
    moderation: str | None,
    turn_identifier: int | None,
) -> MessageRow:
    return (
        source_row,
        position,
        message.role,
        message.content,
        turn_identifier,
        message.language,
        int(message.toxic),
        int(message.redacted),
        microseconds(message.timestamp),
        message.hashed_ip,
        message.country,
        message.state,
        moderation,
    )


def has_turn_identifiers(conversation: Conversation) -> bool:
    """Whether the messages carry the source's own turn identifiers.

    The importers give sources without them (ShareGPT, LMSYS, OpenAssistant, Alpaca, Dolly,
    WildChat-650K) each message's round number instead (docs/formats.md): 1 in every
    conversation, so `?turn_id=1` would find them all, not "the conversation holding this
    turn". Real identifiers are unique keys over the dataset (WildChat-1M's; `wildchat build`'s
    are 63-bit ids minted from the time, records.new_turn_id), so they are not the round
    numbers 0, 1, 2 … of every message.
    """
    rounds = 0
    for message in conversation.conversation:
        if message.role == "user":
            rounds += 1
        if message.turn_identifier != rounds:
            return True
    return False


def message_rows(conversation: Conversation, source_row: int) -> list[MessageRow]:
    """In schema.MESSAGE_COLUMNS order; turn_identifier NULL where the source has none."""
    openai = conversation.openai_moderation
    detoxify = conversation.detoxify_moderation
    keep_turns = has_turn_identifiers(conversation)
    rows = []
    for position, message in enumerate(conversation.conversation):
        moderation = moderation_json(
            openai[position] if position < len(openai) else None,
            detoxify[position] if position < len(detoxify) else None,
        )
        turn_identifier = message.turn_identifier if keep_turns else None
        rows.append(_message_row(message, source_row, position, moderation, turn_identifier))
    return rows
