"""What every reader does the same way: roles, rounds, ids and language names.

* Roles are "user", "assistant" or "system".
* `turn_identifier`, for sources without one, is the round number inside the conversation:
  each user message opens a round and the replies that follow share it (as a WildChat user
  message and its reply share a turn_identifier); messages before the first user message are
  round 0. `Conversation.turn` is the number of user messages.
* Sources without an id get the first 32 hex digits of a SHA-256 over the roles and contents,
  as WildChat's own conversation_hash is a content hash.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from wildchat.records import ConversationMessage

ROLES = frozenset({"user", "assistant", "system"})
NO_LANGUAGE = "Nolang"  # WildChat's spelling for "no language identified"


def number_rounds(messages: list[ConversationMessage]) -> int:
    """Give each message its round number as turn_identifier; returns the number of user turns."""
    rounds = 0
    for message in messages:
        if message.role == "user":
            rounds += 1
        message.turn_identifier = rounds
    return rounds


def user_turns(messages: Iterable[ConversationMessage]) -> int:
    return sum(1 for message in messages if message.role == "user")


def plain_messages(pairs: Iterable[tuple[str, str]]) -> tuple[list[ConversationMessage], int]:
    """Messages from (role, content) pairs, numbered in rounds; also the number of user turns."""
    messages = [ConversationMessage(role=role, content=content, turn_identifier=0) for role, content in pairs]
    return messages, number_rounds(messages)


def content_hash(messages: Iterable[ConversationMessage]) -> str:
    digest = hashlib.sha256()
    for message in messages:
        digest.update(message.role.encode())
        digest.update(b"\0")
        digest.update(message.content.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def joined(instruction: str, extra: str | None) -> str:
    """An instruction and its input or context as one user turn: "instruction\\n\\ninput"."""
    return f"{instruction}\n\n{extra}" if extra else instruction


@lru_cache(maxsize=512)
def language_from_code(code: str | None) -> str:
    """An ISO 639-1 code ("en", "pt-BR") as WildChat names languages ("English", "Portuguese").

    Codes lingua does not know are kept as they are; no code is "Nolang".
    """
    if not code:
        return NO_LANGUAGE
    from lingua import IsoCode639_1, Language

    primary = code.replace("_", "-").split("-", 1)[0]
    try:
        language = Language.from_iso_code_639_1(IsoCode639_1.from_str(primary))
    except ValueError:
        return code
    return str(language.name).replace("_", " ").title()


def most_frequent_language(messages: Iterable[ConversationMessage]) -> str:
    """The conversation's language as WildChat sets it: the most frequent message language,
    ties to the one seen first, "Nolang" only when no message has one."""
    counts = Counter(m.language for m in messages if m.language != NO_LANGUAGE)
    if not counts:
        return NO_LANGUAGE
    return counts.most_common(1)[0][0]  # most_common keeps first-seen order among ties
