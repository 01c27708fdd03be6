"""Small datasets written by hand for the report tests, with their numbers worked out below.

Token counts are easy to check by hand with cl100k_base: in "a b c" each letter (with its
leading space) is one token, so a message of n single letters is n tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from wildchat.curate.toxicity.schema import DETOXIFY_LABELS, detoxify_record, moderation_record
from wildchat.records import Conversation, ConversationMessage


def moderation(flagged: bool, *categories: str) -> dict[str, Any]:
    return moderation_record({c: True for c in categories}, {}, flagged)


def detoxify(toxicity: float) -> dict[str, float]:
    return detoxify_record({label: (toxicity if label == "toxicity" else 0.0) for label in DETOXIFY_LABELS})


def message(role: str, content: str, language: str = "English", index: int = 1) -> ConversationMessage:
    return ConversationMessage(role=role, content=content, turn_identifier=index, language=language)


def conversation(
    key: str,
    messages: list[ConversationMessage],
    *,
    model: str = "",
    timestamp: datetime | None = None,
    ip: str | None = None,
    country: str | None = None,
    state: str | None = None,
    moderations: list[dict[str, Any]] | None = None,
    detoxifies: list[dict[str, Any]] | None = None,
) -> Conversation:
    return Conversation(
        conversation_hash=key,
        model=model,
        timestamp=timestamp,
        conversation=messages,
        turn=sum(m.role == "user" for m in messages),
        openai_moderation=moderations or [],
        detoxify_moderation=detoxifies or [],
        hashed_ip=ip,
        country=country,
        state=state,
    )


def scored() -> list[Conversation]:
    """Three WildChat-like conversations.

    Table 1: 3 conversations; users u1, u2 → 2; turns 2, 1, 1 → mean 4/3.
      user tokens [3, 4, 2, 0]: mean 2.25, sample std sqrt(8.75/3) = 1.70783
      assistant tokens [2, 1, 6, 3]: mean 3, sample std sqrt(14/3) = 2.16025
      user languages English, English, German, Nolang (empty) → 2 languages; shares .5/.25/.25
    Toxicity (Detoxify > 0.1):
      user      [mod T det .5] [F .2] [F 0] [{} {}] → Detoxify 2/4, Moderation 1/4, either 2/4, both 1/4
      assistant [F .05] [T .01] [F 0] [T .9]        → Detoxify 1/4, Moderation 2/4, either 2/4, both 1/4
      categories: user sexual 1/4 of turns, 1/1 of flagged; assistant harassment, violence, sexual:
      1/4 of turns each, 1/2 of flagged each.
      by month (either): 2023-05 user 2/2, assistant 1/2; 2023-06 user 0/2, assistant 1/2.
    Turns: 1 → 2/3, 2 → 1/3. Countries France, Germany 1/2 each; state France / Brittany 1/1.
    Models gpt-3.5-turbo-0613 2/3, gpt-4-0314 1/3. Activity 2023-05: 1 conversation, 2023-06: 2.
    """
    return [
        conversation(
            "c0",
            [
                message("user", "a b c"),
                message("assistant", "d e"),
                message("user", "f g h i"),
                message("assistant", "j"),
            ],
            model="gpt-4-0314",
            timestamp=datetime(2023, 5, 3, 12, tzinfo=UTC),
            ip="u1",
            country="France",
            state="Brittany",
            moderations=[
                moderation(True, "sexual"),
                moderation(False),
                moderation(False),
                moderation(True, "harassment", "violence"),
            ],
            detoxifies=[detoxify(0.5), detoxify(0.05), detoxify(0.2), detoxify(0.01)],
        ),
        conversation(
            "c1",
            [message("user", "k l", "German"), message("assistant", "m n o p q r")],
            model="gpt-3.5-turbo-0613",
            timestamp=datetime(2023, 6, 20, tzinfo=UTC),
            ip="u2",
            country="Germany",
            moderations=[moderation(False), moderation(False)],
            detoxifies=[detoxify(0.0), detoxify(0.0)],
        ),
        conversation(
            "c2",
            [message("user", "", "Nolang"), message("assistant", "r s t")],
            model="gpt-3.5-turbo-0613",
            timestamp=datetime(2023, 6, 21, tzinfo=UTC),
            ip="u1",
            moderations=[{}, moderation(True, "sexual")],
            detoxifies=[{}, detoxify(0.9)],
        ),
    ]


def plain() -> list[Conversation]:
    """An Alpaca-like source: single turns, no users, times, models, countries or scores.

    Table 1: 2 conversations, users –, mean turns 1; user tokens [1, 5] mean 3, std sqrt(8) = 2.82843;
    assistant tokens [2, 2] mean 2, std 0; languages: English → 1. Toxicity: "–" everywhere.
    """
    return [
        conversation("p0", [message("user", "z"), message("assistant", "y x")]),
        conversation("p1", [message("user", "a b c d e"), message("assistant", "f g")]),
    ]


def assert_same_numbers(first: Any, second: Any, path: str = "") -> None:
    """Equal structures, floats equal to 1e-9 relative (DuckDB sums in parallel, in any order)."""
    if isinstance(first, dict) and isinstance(second, dict):
        assert first.keys() == second.keys(), f"{path}: keys {sorted(first)} != {sorted(second)}"
        for key in first:
            assert_same_numbers(first[key], second[key], f"{path}.{key}")
    elif isinstance(first, list) and isinstance(second, list):
        assert len(first) == len(second), f"{path}: {len(first)} != {len(second)} items"
        for index, (a, b) in enumerate(zip(first, second, strict=True)):
            assert_same_numbers(a, b, f"{path}[{index}]")
    elif isinstance(first, float) or isinstance(second, float):
        assert first == pytest.approx(second, rel=1e-9, abs=1e-12), f"{path}: {first} != {second}"
    else:
        assert first == second, f"{path}: {first!r} != {second!r}"
