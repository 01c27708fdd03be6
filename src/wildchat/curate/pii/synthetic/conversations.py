"""Wrap synthetic messages into `Conversation` records, for stage tests and benchmarks."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from wildchat.records import Conversation, ConversationMessage


def conversation(texts: Sequence[str], language: str = "English", key: str = "") -> Conversation:
    """A conversation whose messages alternate user/assistant, all in `language`."""
    digest = hashlib.sha256(("\x00".join(texts) + key).encode()).hexdigest()[:32]
    messages = [
        ConversationMessage(
            role="user" if i % 2 == 0 else "assistant",
            content=text,
            turn_identifier=i // 2 + 1,
            language=language,
        )
        for i, text in enumerate(texts)
    ]
    return Conversation(
        conversation_hash=digest,
        model="gpt-3.5-turbo",
        timestamp=datetime(2024, 1, 1, tzinfo=UTC),
        conversation=messages,
        turn=(len(messages) + 1) // 2,
        language=language,
    )


def conversations_from_messages(
    messages: Sequence[tuple[str, str]], per_conversation: int = 2
) -> list[Conversation]:
    """Group (text, language) messages into conversations of `per_conversation` messages."""
    out: list[Conversation] = []
    for start in range(0, len(messages), per_conversation):
        chunk = messages[start : start + per_conversation]
        out.append(conversation([t for t, _ in chunk], chunk[0][1], key=str(start)))
    return out
