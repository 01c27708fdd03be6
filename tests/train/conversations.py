"""Conversations written for the training tests, as the importers hand them over."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from wildchat.records import Conversation, ConversationMessage

ROUNDS = [
    ("What is two plus two?", "Two plus two is four."),
    ("What is the capital of France?", "The capital of France is Paris."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("Name a primary colour.", "Red is a primary colour."),
    ("Translate good morning into Spanish.", "Buenos dias."),
    ("Thank you!", "You are welcome."),
]


def conversation(
    number: int,
    rounds: Sequence[tuple[str, str]],
    *,
    language: str = "English",
    toxic: bool = False,
    toxic_message: int | None = None,
    system: str | None = None,
) -> Conversation:
    messages = []
    if system is not None:
        messages.append(ConversationMessage("system", system, number, language=language))
    for index, (question, answer) in enumerate(rounds):
        messages.append(ConversationMessage("user", question, number * 100 + index, language=language))
        messages.append(ConversationMessage("assistant", answer, number * 100 + index, language=language))
    if toxic_message is not None:
        messages[toxic_message].toxic = True
    return Conversation(
        conversation_hash=f"{number:032x}",
        model="gpt-3.5-turbo",
        timestamp=datetime(2024, 1, 1, 12, 0, number % 60, tzinfo=UTC),
        conversation=messages,
        turn=len(rounds),
        language=language,
        toxic=toxic,
    )


def corpus(count: int = 16) -> list[Conversation]:
    """Short two-round conversations cycling through ROUNDS: something a tiny model can learn."""
    return [conversation(n, [ROUNDS[n % len(ROUNDS)], ROUNDS[(n + 1) % len(ROUNDS)]]) for n in range(count)]
