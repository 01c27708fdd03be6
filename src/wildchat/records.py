"""The shared vocabulary of every stage: a turn as logged, and a conversation as released.

Stages meet here and in the on-disk formats, never in each other's internals (docs/architecture.md).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TurnStatus(StrEnum):
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"  # client disconnected or pressed stop: the partial reply is kept
    ERROR = "error"


class Channel(StrEnum):
    WEB = "web"
    API = "api"


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    content: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(slots=True)
class Turn:
    """One request to the chatbot and its reply: one append-only row of the turn log.

    `messages` is the whole history the client sent (ending with the new user message), so the
    curation stage can link turns into conversations exactly as the WildChat paper did.
    """

    id: int
    received_at: datetime
    model: str
    messages: list[Message]
    params: dict[str, Any]
    channel: Channel
    participant_id: str
    consent_version: str
    completed_at: datetime | None = None
    response: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    status: TurnStatus = TurnStatus.COMPLETE
    error: str | None = None
    conversation_id: str | None = None
    hashed_ip: str | None = None
    country: str | None = None
    state: str | None = None
    user_agent: str | None = None
    accept_language: str | None = None


class _TurnIdGenerator:
    """Positive 63-bit ids, ordered by time, that any worker process can mint alone.

    The id is sent to the client in the first streamed chunk, before the turn is stored, so it
    cannot come from an autoincrement column. Layout: 43 bits of milliseconds (until the year
    2248), 10 bits chosen at random per process (so workers rarely share a prefix), 10 bits of
    sequence within the millisecond. The primary key turns any residual clash into an error,
    never a silent overwrite.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tag = secrets.randbits(10)
        self._last_ms = 0
        self._sequence = 0

    def __call__(self) -> int:
        with self._lock:
            now_ms = max(int(time.time() * 1000), self._last_ms)
            if now_ms == self._last_ms:
                self._sequence += 1
                if self._sequence >= 1024:  # more than 1,024 ids this millisecond: borrow the next
                    now_ms += 1
                    self._sequence = 0
            else:
                self._sequence = 0
            self._last_ms = now_ms
            return (now_ms << 20) | (self._tag << 10) | self._sequence


new_turn_id = _TurnIdGenerator()


@dataclass(slots=True)
class ConversationMessage:
    """One utterance of a released conversation, with the WildChat-1M per-message fields."""

    role: str
    content: str
    turn_identifier: int
    language: str = "Nolang"
    toxic: bool = False
    redacted: bool = False
    timestamp: datetime | None = None  # assistant messages: when the full reply was received
    hashed_ip: str | None = None  # user messages only
    state: str | None = None
    country: str | None = None
    header: dict[str, str | None] | None = None


@dataclass(slots=True)
class Conversation:
    """A linked conversation in the shape of a WildChat-1M record."""

    conversation_hash: str
    model: str  # "" when the source does not say (ShareGPT, Alpaca, Dolly, OpenAssistant)
    timestamp: datetime | None  # the last turn's time; None for sources without times
    conversation: list[ConversationMessage]
    turn: int
    language: str = "Nolang"
    openai_moderation: list[dict[str, Any]] = field(default_factory=list)
    detoxify_moderation: list[dict[str, Any]] = field(default_factory=list)
    toxic: bool = False
    redacted: bool = False
    state: str | None = None
    country: str | None = None
    hashed_ip: str | None = None
    header: dict[str, str | None] | None = None
    # Imported datasets (wildchat.formats): the source's own pseudonymous user id (OpenAssistant's
    # user_id of the first prompter; WildChat's hashed_ip), and the label of the dataset it came from.
    user_id: str | None = None
    dataset: str | None = None
    extra: dict[str, Any] | None = None  # source fields the schema has no place for (Dolly's category)
