"""Which conversations a model is trained on, and in what shape: filters and message lists.

Every conversation the importers read (wildchat.formats) passes, in order:

1. public: only conversations neither flagged toxic as a whole nor in any message (the open
   release's rule); ``include_toxic`` trains on everything, as the paper's "raw" data;
2. languages: the conversation's language as the dataset records it (WildChat: "English",
   "Chinese" …), compared without case; none given keeps every language;
3. shape: roles become user/assistant turns, with system messages allowed only at the start.
   Replies that open a conversation are dropped (FastChat's ShareGPT cleaning does the same), the
   conversation is cut before its first empty message and after its last reply; one whose roles
   do not alternate is dropped as ``malformed``, one with no reply left (an empty or interrupted
   first reply, a lone prompt) as ``no_reply``;
4. minimum turns: user turns left after 3;
5. duplicate first prompts (optional): only the first conversation with a given opening user
   message (compared after folding case and whitespace) is kept, so that a template thousands of
   people pasted does not dominate the data.

Each drop is counted under its reason (``FilterStats``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from wildchat.records import Conversation

Message = dict[str, str]


@dataclass(frozen=True, slots=True)
class FilterOptions:
    include_toxic: bool = False
    languages: frozenset[str] | None = None  # casefolded names; None keeps every language
    min_turns: int = 1
    dedup_first_prompts: bool = False

    @classmethod
    def build(
        cls,
        *,
        include_toxic: bool = False,
        languages: Iterable[str] | None = None,
        min_turns: int = 1,
        dedup_first_prompts: bool = False,
    ) -> FilterOptions:
        wanted = frozenset(name.strip().casefold() for name in languages or () if name.strip())
        if min_turns < 1:
            raise ValueError("the minimum number of turns must be at least 1")
        return cls(include_toxic, wanted or None, min_turns, dedup_first_prompts)


@dataclass(slots=True)
class FilterStats:
    read: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, object]:
        return {"read": self.read, "kept": self.kept, "dropped": dict(sorted(self.dropped.items()))}


def is_public(conversation: Conversation) -> bool:
    return not conversation.toxic and not any(message.toxic for message in conversation.conversation)


def to_messages(conversation: Conversation) -> list[Message] | None:
    """The conversation as alternating user/assistant messages (system first), or None if unusable."""
    shaped = _shape(conversation)
    return shaped if isinstance(shaped, list) else None


def _shape(conversation: Conversation) -> list[Message] | str:
    """The training messages, or why there are none: "malformed" or "no_reply"."""
    system: list[Message] = []
    turns: list[Message] = []
    for message in conversation.conversation:
        if not message.content.strip():
            break  # an interrupted or empty message: the rest has lost its context
        role = message.role
        if role == "system":
            if turns:
                return "malformed"  # a system message mid-conversation has no place in a chat template
            system.append({"role": "system", "content": message.content})
            continue
        if role not in ("user", "assistant"):
            return "malformed"
        if not turns and role == "assistant":
            continue
        if turns and turns[-1]["role"] == role:
            return "malformed"
        turns.append({"role": role, "content": message.content})
    if turns and turns[-1]["role"] == "user":
        turns.pop()
    return [*system, *turns] if turns else "no_reply"


def user_turns(messages: list[Message]) -> int:
    return sum(message["role"] == "user" for message in messages)


def _prompt_key(messages: list[Message]) -> bytes:
    first = next(message["content"] for message in messages if message["role"] == "user")
    folded = " ".join(first.casefold().split())
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=16).digest()


class ConversationFilter:
    """Applies FilterOptions to a stream, remembering first prompts seen for deduplication."""

    def __init__(self, options: FilterOptions) -> None:
        self.options = options
        self.stats = FilterStats()
        self._seen: set[bytes] = set()

    def messages(self, conversation: Conversation) -> list[Message] | None:
        """The conversation's training messages, or None (and the reason counted) when it is dropped."""
        self.stats.read += 1
        reason = self._reason(conversation)
        if isinstance(reason, str):
            self.stats.dropped[reason] += 1
            return None
        self.stats.kept += 1
        return reason

    def _reason(self, conversation: Conversation) -> list[Message] | str:
        options = self.options
        if not options.include_toxic and not is_public(conversation):
            return "toxic"
        if options.languages is not None and conversation.language.casefold() not in options.languages:
            return "language"
        messages = _shape(conversation)
        if isinstance(messages, str):
            return messages
        if user_turns(messages) < options.min_turns:
            return "min_turns"
        if options.dedup_first_prompts:
            key = _prompt_key(messages)
            if key in self._seen:
                return "duplicate_first_prompt"
            self._seen.add(key)
        return messages

    def __call__(self, conversations: Iterable[Conversation]) -> Iterator[list[Message]]:
        for conversation in conversations:
            messages = self.messages(conversation)
            if messages is not None:
                yield messages
