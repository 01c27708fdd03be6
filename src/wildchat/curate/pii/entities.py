"""What detection hands to redaction: found spans, per message and per conversation.

Detection and redaction are separate passes (document frequencies are corpus-wide), so these
records travel between workers and may be written to disk: they are plain data with
`to_dict`/`from_dict` in JSON-ready shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The paper's replacement string; `redacted` flags test for its prefix.
REPLACEMENT_PREFIX = "<PRESIDIO_ANONYMIZED_"


def replacement_for(entity_type: str) -> str:
    return f"{REPLACEMENT_PREFIX}{entity_type}>"


@dataclass(frozen=True, slots=True)
class DetectedEntity:
    """One span a recogniser found; `text` is the span as it was, for keys and review.

    `ner` marks a span the NER model labelled (rather than a pattern): where spans overlap,
    a policy may trust a pattern's type over the model's guess.
    """

    type: str
    start: int
    end: int
    score: float
    text: str
    ner: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "text": self.text,
        }
        if self.ner:
            data["ner"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DetectedEntity:
        return cls(
            type=str(data["type"]),
            start=int(data["start"]),
            end=int(data["end"]),
            score=float(data["score"]),
            text=str(data["text"]),
            ner=bool(data.get("ner", False)),
        )


@dataclass(slots=True)
class MessageDetections:
    """The entities of one message. `length` guards against applying to a changed text."""

    length: int
    entities: list[DetectedEntity] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"length": self.length, "entities": [e.to_dict() for e in self.entities]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MessageDetections:
        return cls(
            length=int(data["length"]),
            entities=[DetectedEntity.from_dict(e) for e in data.get("entities", [])],
        )


@dataclass(slots=True)
class DeferredNer:
    """What counting names still needs from one conversation whose NER was partly skipped.

    `candidates`: span keys of NER entities this conversation would replace if they were rare.
    `texts`: `(language, text)` as detected, for each message whose NER was deferred (the text
    is kept because redaction may change the message before a later build counts in it).
    """

    candidates: list[str] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"candidates": list(self.candidates), "texts": [list(t) for t in self.texts]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeferredNer:
        return cls(
            candidates=[str(k) for k in data.get("candidates", [])],
            texts=[(str(language), str(text)) for language, text in data.get("texts", [])],
        )


@dataclass(slots=True)
class ConversationDetections:
    """One entry per message of the conversation, in order."""

    conversation_hash: str
    policy: str
    messages: list[MessageDetections] = field(default_factory=list)
    deferred: DeferredNer = field(default_factory=DeferredNer)

    @property
    def entity_count(self) -> int:
        return sum(len(m.entities) for m in self.messages)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_hash": self.conversation_hash,
            "policy": self.policy,
            "messages": [m.to_dict() for m in self.messages],
            "deferred": self.deferred.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationDetections:
        return cls(
            conversation_hash=str(data["conversation_hash"]),
            policy=str(data["policy"]),
            messages=[MessageDetections.from_dict(m) for m in data.get("messages", [])],
            deferred=DeferredNer.from_dict(data.get("deferred", {})),
        )


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The text-level answer: the masked text and the spans replaced (offsets in the input)."""

    text: str
    entities: tuple[DetectedEntity, ...] = ()

    @property
    def redacted(self) -> bool:
        return bool(self.entities)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "entities": [e.to_dict() for e in self.entities]}
