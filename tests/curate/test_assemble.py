"""Assembling linked turns into WildChat-1M record skeletons."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from wildchat.curate.assemble import to_conversation, to_conversations
from wildchat.curate.link import LinkedConversation, link_turns
from wildchat.curate.synth import generate
from wildchat.records import Channel, Message, Turn

T0 = datetime(2025, 5, 1, 12, tzinfo=UTC)


def make_turn(n: int, history: list[tuple[str, str]], user: str, reply: str, **fields: Any) -> Turn:
    messages = [Message("system", "Be brief.")] if fields.pop("system", False) else []
    for asked, answered in history:
        messages += [Message("user", asked), Message("assistant", answered)]
    messages.append(Message("user", user))
    values: dict[str, Any] = {
        "id": 1000 + n,
        "received_at": T0 + timedelta(minutes=n),
        "completed_at": T0 + timedelta(minutes=n, seconds=5),
        "model": "m1",
        "messages": messages,
        "params": {},
        "channel": Channel.WEB,
        "participant_id": "p",
        "consent_version": "v1",
        "response": reply,
        "hashed_ip": "ip-a",
        "country": "France",
        "state": "Île-de-France",
        "user_agent": "UA",
        "accept_language": "fr-FR",
    }
    values.update(fields)
    return Turn(**values)


@pytest.fixture
def linked() -> LinkedConversation:
    h = [("Bonjour", "Bonjour !"), ("Une question", "Oui ?")]
    return LinkedConversation(
        [
            make_turn(0, [], "Bonjour", "Bonjour !", system=True),
            make_turn(
                1, h[:1], "Une question", "Oui ?", system=True, hashed_ip="ip-b", country="Spain", state=None
            ),
            make_turn(
                2, h, "Merci", "De rien.", system=True, state="Paris", accept_language="fr", model="m2"
            ),
        ],
        "hash",
    )


def test_rounds_become_user_and_assistant_messages(linked: LinkedConversation) -> None:
    conversation = to_conversation(linked)
    messages = conversation.conversation
    assert [m.role for m in messages] == ["user", "assistant"] * 3
    assert [m.content for m in messages] == [
        "Bonjour",
        "Bonjour !",
        "Une question",
        "Oui ?",
        "Merci",
        "De rien.",
    ]
    assert [m.turn_identifier for m in messages] == [1000, 1000, 1001, 1001, 1002, 1002]
    user, assistant = messages[2], messages[3]
    assert (user.hashed_ip, user.country, user.state) == ("ip-b", "Spain", None)
    assert user.header == {"accept-language": "fr-FR", "user-agent": "UA"}
    assert user.timestamp is None
    assert assistant.timestamp == T0 + timedelta(minutes=1, seconds=5)
    assert assistant.hashed_ip is None and assistant.header is None
    assert all(m.language == "Nolang" and not m.toxic and not m.redacted for m in messages)


def test_conversation_fields(linked: LinkedConversation) -> None:
    conversation = to_conversation(linked)
    assert conversation.turn == 3
    assert conversation.model == "m2"
    assert conversation.timestamp == T0 + timedelta(minutes=2, seconds=5)
    # most common IP, located by the latest turn from it; most common header
    assert (conversation.hashed_ip, conversation.country, conversation.state) == ("ip-a", "France", "Paris")
    assert conversation.header == {"accept-language": "fr-FR", "user-agent": "UA"}
    released = [{"content": m.content, "role": m.role} for m in conversation.conversation]
    assert conversation.conversation_hash == hashlib.sha256(json.dumps(released).encode()).hexdigest()[:32]
    assert conversation.language == "Nolang"
    assert conversation.openai_moderation == [] and conversation.detoxify_moderation == []
    assert not conversation.toxic and not conversation.redacted


def test_a_system_prompt_is_left_out_and_counted(linked: LinkedConversation) -> None:
    stats: Counter[str] = Counter()
    conversation = to_conversation(linked, stats)
    assert stats["system_prompts_dropped"] == 1
    assert all(m.content != "Be brief." for m in conversation.conversation)
    to_conversation(LinkedConversation([make_turn(0, [], "hi", "hello")], "hash"), stats)
    assert stats["system_prompts_dropped"] == 1


def test_missing_values() -> None:
    turn = make_turn(0, [], "hi", "", completed_at=None, hashed_ip=None, country=None, state=None)
    conversation = to_conversation(LinkedConversation([turn], "conversation_id"))
    assert conversation.timestamp == turn.received_at
    assert conversation.conversation[1].timestamp == turn.received_at
    assert conversation.conversation[1].content == ""
    assert (conversation.hashed_ip, conversation.country, conversation.state) == (None, None, None)
    with pytest.raises(ValueError):
        to_conversation(LinkedConversation([], "hash"))


def test_ties_go_to_the_first_seen() -> None:
    turns = [make_turn(0, [], "a", "b", hashed_ip="x"), make_turn(1, [("a", "b")], "c", "d", hashed_ip="y")]
    assert to_conversation(LinkedConversation(turns, "hash")).hashed_ip == "x"


def test_synthetic_conversations_assemble_the_same_with_trimmed_histories() -> None:
    turns, truth = generate(3000, seed=17)
    full = [to_conversation(c) for c in link_turns(turns).conversations]
    stats: Counter[str] = Counter()
    trimmed = to_conversations(link_turns(turns, keep_history=False).conversations, stats)
    assert trimmed == full
    assert stats["system_prompts_dropped"] > 0
    assert len(full) == len(truth.expected)
    for conversation in full:
        roles = [m.role for m in conversation.conversation]
        assert roles == ["user", "assistant"] * conversation.turn
        assert conversation.timestamp == conversation.conversation[-1].timestamp
