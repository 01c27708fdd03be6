"""Tokenize a conversation with its chat template, with loss on the assistant's tokens only.

FastChat trained Vicuna on the assistant's replies only (user turns masked); we do the same for any
chat template, not only those with ``{% generation %}`` markers that TRL's own assistant-only loss
needs. The template is rendered once per assistant reply:

    prompt_k = render(messages[:k], add_generation_prompt=True)   # everything before reply k
    upto_k   = render(messages[:k + 1])                           # … and reply k, with its end token

Reply k's characters are ``upto_k[len(prompt_k):]``: its text and whatever the template closes a
reply with (``</s>``, ``<|im_end|>``), so the model learns to stop. A token carries loss when its
character range overlaps a reply, as in transformers' ``return_assistant_tokens_mask``. A template
that renders a shorter conversation as something other than a prefix of a longer one (some drop
earlier reasoning) cannot be masked this way and is refused with a clear message.

The same renders give each round's end (a user message and its reply), so that long conversations
can be split at turn boundaries (wildchat.train.split).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from wildchat.train.templates import TemplateError

IGNORE_INDEX = -100  # the label PyTorch's cross-entropy and transformers skip

Messages = Sequence[dict[str, str]]


class ChatTokenizer(Protocol):
    """What masking needs of a tokenizer (a transformers fast tokenizer)."""

    is_fast: bool

    def apply_chat_template(self, conversation: Any, **kwargs: Any) -> Any: ...

    def __call__(self, text: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class Encoded:
    """One training sequence: token ids, labels (IGNORE_INDEX where no loss), and round ends."""

    input_ids: list[int]
    labels: list[int]
    round_ends: list[int]  # token index just past each round's reply
    truncated: bool = False  # cut at the maximum length

    def __len__(self) -> int:
        return len(self.input_ids)

    def cut(self, max_length: int) -> Encoded:
        """The first max_length tokens (the start of a conversation is the context for the rest)."""
        return Encoded(
            self.input_ids[:max_length],
            self.labels[:max_length],
            [end for end in self.round_ends if end <= max_length],
            truncated=len(self.input_ids) > max_length,
        )


def _render(tokenizer: ChatTokenizer, template: str, messages: Messages, *, prompt: bool) -> str:
    text = tokenizer.apply_chat_template(
        list(messages), chat_template=template, tokenize=False, add_generation_prompt=prompt
    )
    if not isinstance(text, str):
        raise TemplateError("the chat template did not render to text")
    return text


def reply_spans(
    tokenizer: ChatTokenizer, template: str, messages: Messages
) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character span of every assistant reply in it."""
    text = _render(tokenizer, template, messages, prompt=False)
    spans: list[tuple[int, int]] = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = _render(tokenizer, template, messages[:index], prompt=True)
        upto = _render(tokenizer, template, messages[: index + 1], prompt=False)
        if not (upto.startswith(prompt) and text.startswith(upto)):
            raise TemplateError(
                f"the chat template renders message {index} differently once the conversation goes on, "
                "so the assistant's tokens cannot be found: pass --chat-template vicuna or a Jinja file"
            )
        spans.append((len(prompt), len(upto)))
    return text, spans


def encode_conversation(tokenizer: ChatTokenizer, template: str, messages: Messages) -> Encoded:
    """Token ids and labels of one conversation (user, assistant, … with an optional system first)."""
    if not tokenizer.is_fast:
        raise TemplateError("training needs a fast tokenizer (tokenizer.json), for character offsets")
    text, spans = reply_spans(tokenizer, template, messages)
    # The template writes the special tokens it wants (BOS); the tokenizer must not add more.
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    input_ids: list[int] = list(encoding["input_ids"])
    offsets: list[tuple[int, int]] = [tuple(pair) for pair in encoding["offset_mapping"]]
    labels = [IGNORE_INDEX] * len(input_ids)
    starts = [start for start, _ in offsets]
    round_ends: list[int] = []
    for span_start, span_end in spans:
        # Tokens overlapping [span_start, span_end): from the last one starting before the span …
        first = max(bisect_left(starts, span_start) - 1, 0)
        index = first
        while index < len(offsets) and offsets[index][0] < span_end:
            start, end = offsets[index]
            if end > span_start and end > start:
                labels[index] = input_ids[index]
            index += 1
        round_ends.append(index)
    return Encoded(input_ids, labels, round_ends)
