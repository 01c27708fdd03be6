"""A linked conversation in, the skeleton of its WildChat-1M record out.

Each round (one logged turn) becomes a user message — the round's newest user message, with the
turn's hashed IP, geolocation and the two kept headers — and an assistant message — the reply,
with the time it was complete. Both carry the turn id as `turn_identifier`, as in WildChat-1M.
Conversation-level IP, state, country and header are those most common over the turns (the
state/country come from the latest turn with that IP, the freshest geolocation). Language,
toxicity, moderation and redaction fields keep their defaults: later stages fill them.

A leading system/developer prompt (API clients send one) has no place in the released schema,
which holds only user and assistant messages: it is left out of `conversation` (and so of the
`conversation_hash`) and counted as `system_prompts_dropped`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import TypeVar

from wildchat.curate.link import SYSTEM_ROLES, LinkedConversation, conversation_hash, gc_paused
from wildchat.records import Conversation, ConversationMessage, Turn

_T = TypeVar("_T", bound=Hashable)


def to_conversation(linked: LinkedConversation, stats: Counter[str] | None = None) -> Conversation:
    turns = linked.turns
    if not turns:
        raise ValueError("a linked conversation has at least one turn")
    if stats is not None and turns[0].messages[0].role in SYSTEM_ROLES:
        stats["system_prompts_dropped"] += 1
    messages: list[ConversationMessage] = []
    for turn in turns:
        messages.append(_user_message(turn))
        messages.append(_assistant_message(turn))
    hashed_ip = _most_common(t.hashed_ip for t in turns if t.hashed_ip is not None)
    located = next((t for t in reversed(turns) if t.hashed_ip == hashed_ip), turns[-1])
    return Conversation(
        conversation_hash=conversation_hash(messages),
        model=turns[-1].model,
        timestamp=_finished_at(turns[-1]),
        conversation=messages,
        turn=len(turns),
        state=located.state if hashed_ip is not None else None,
        country=located.country if hashed_ip is not None else None,
        hashed_ip=hashed_ip,
        header=_common_header(turns),
    )


def to_conversations(
    conversations: Iterable[LinkedConversation], stats: Counter[str] | None = None
) -> list[Conversation]:
    """Every linked conversation assembled; twice as fast as a loop over to_conversation when
    many turns are alive, because the garbage collector is paused meanwhile."""
    with gc_paused():
        return [to_conversation(linked, stats) for linked in conversations]


def _user_message(turn: Turn) -> ConversationMessage:
    return ConversationMessage(
        role="user",
        content=turn.messages[-1].content,
        turn_identifier=turn.id,
        hashed_ip=turn.hashed_ip,
        state=turn.state,
        country=turn.country,
        header=_header(turn.user_agent, turn.accept_language),
    )


def _assistant_message(turn: Turn) -> ConversationMessage:
    return ConversationMessage(
        role="assistant", content=turn.response, turn_identifier=turn.id, timestamp=_finished_at(turn)
    )


def _common_header(turns: list[Turn]) -> dict[str, str | None]:
    # "every turn in a conversation has the same header" (WildChat-1M card): the most common.
    pair = _most_common((t.user_agent, t.accept_language) for t in turns)
    return _header(*pair) if pair is not None else _header(None, None)


def _header(user_agent: str | None, accept_language: str | None) -> dict[str, str | None]:
    # WildChat-1M's header struct, in its field order.
    return {"accept-language": accept_language, "user-agent": user_agent}


def _finished_at(turn: Turn) -> datetime:
    # Every logged turn has a completion time; an imported one may not, so fall back to arrival.
    return turn.completed_at or turn.received_at


def _most_common(values: Iterable[_T]) -> _T | None:
    """The most frequent value; ties go to the one seen first."""
    # A plain dict: Counter's constructor costs more than the counting for a few values.
    counts: dict[_T, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None  # max keeps the first of ties
