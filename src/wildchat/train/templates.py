"""Which chat template a fine-tuned model learns: the base model's own, a Vicuna-style one, or a file.

A base model without a chat template (Llama-2 7B, the paper's base) gets the Vicuna-style layout
that FastChat trained Vicuna with, so that WildLlama and Vicuna are compared on equal terms (the
paper's §5): ``SYSTEM USER: question ASSISTANT: reply</s>USER: question ASSISTANT:`` — a system
line, user and assistant turns separated by single spaces, each reply closed by the end-of-sequence
token. The system line below is our own wording.

The template wraps each reply in ``{% generation %}`` markers, so transformers' and TRL's own
assistant masks (``return_assistant_tokens_mask``) agree with ours (wildchat.train.masking).
The chosen template is saved with the fine-tuned tokenizer, so generation uses the same layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

VICUNA_SYSTEM = (
    "A chat between a person and an AI assistant. The assistant gives helpful, detailed and polite answers."
)

# `bos_token`/`eos_token` may be unset on some tokenizers: render nothing rather than "None".
VICUNA_TEMPLATE = (
    "{%- if messages and messages[0]['role'] == 'system' -%}"
    "{%- set system = messages[0]['content'] -%}{%- set turns = messages[1:] -%}"
    "{%- else -%}"
    "{%- set system = '" + VICUNA_SYSTEM + "' -%}{%- set turns = messages -%}"
    "{%- endif -%}"
    "{{- (bos_token or '') + system -}}"
    "{%- for message in turns -%}"
    "{%- if message['role'] == 'user' -%}"
    "{{- (' ' if loop.first else '') + 'USER: ' + message['content'] + ' ' -}}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{- 'ASSISTANT:' -}}"
    "{%- generation -%}{{- ' ' + message['content'] + (eos_token or '') -}}{%- endgeneration -%}"
    "{%- else -%}"
    "{{- raise_exception('only user and assistant messages may follow the system message') -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- 'ASSISTANT:' -}}{%- endif -%}"
)

TEMPLATE_CHOICES = ("auto", "model", "vicuna")


class TemplateError(ValueError):
    """The chat template cannot be used for training (missing, unreadable or inconsistent)."""


class _HasChatTemplate(Protocol):
    chat_template: str | dict[str, str] | None


def resolve_chat_template(tokenizer: _HasChatTemplate, choice: str = "auto") -> str:
    """The Jinja template to train with.

    ``auto``: the tokenizer's own template, or the Vicuna-style one when it has none (base models);
    ``model``: the tokenizer's own, an error when it has none; ``vicuna``: the Vicuna-style one;
    anything else: a path to a Jinja file.
    """
    own = tokenizer.chat_template
    if isinstance(own, dict):  # several named templates: training uses the default one
        own = own.get("default")
    if choice == "vicuna":
        return VICUNA_TEMPLATE
    if choice == "auto":
        return own or VICUNA_TEMPLATE
    if choice == "model":
        if not own:
            raise TemplateError("the base model's tokenizer has no chat template: use --chat-template vicuna")
        return own
    path = Path(choice)
    if not path.is_file():
        raise TemplateError(f"--chat-template: {choice!r} is not auto, model, vicuna or a Jinja file")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read the chat template {path}: {exc}") from exc
