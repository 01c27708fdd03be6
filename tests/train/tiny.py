"""A tiny random Llama and a tokenizer trained on our own sentences: what the training tests use.

Both are built from scratch in a second (no download); the tokenizer is a byte-level BPE, so any
text encodes, and its offsets map tokens back to characters as a real model's fast tokenizer does.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from wildchat.train.recipe import Recipe

SPECIAL = ["<unk>", "<s>", "</s>", "<pad>", "<|im_start|>", "<|im_end|>"]

# ChatML, as many chat models' tokenizers carry it: the "model's own" template in the tests.
CHATML_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)

CORPUS = [
    "A chat between a person and an AI assistant. The assistant gives helpful, detailed and polite answers.",
    "USER: ASSISTANT: user assistant system",
    "What is the capital of France? The capital of France is Paris.",
    "How many legs does a spider have? A spider has eight legs.",
    "Write a haiku about rain. Soft rain on the roof, the garden drinks slowly, puddles hold the sky.",
    "Translate good morning into Spanish. Buenos dias.",
    "What is two plus two? Two plus two is four.",
    "Name a primary colour. Red is a primary colour.",
    "Thank you! You are welcome.",
]


def build_tokenizer(chat_template: str | None = None) -> PreTrainedTokenizerFast:
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(CORPUS * 4, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )
    if chat_template is not None:
        tokenizer.chat_template = chat_template
    return tokenizer


def build_model(vocab_size: int, *, seed: int = 0) -> LlamaForCausalLM:
    import torch

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=3,
    )
    return LlamaForCausalLM(config)


def save_base(folder: Path, chat_template: str | None = None) -> Path:
    """A base model folder as `wildchat train --base` expects one (config, weights, tokenizer)."""
    tokenizer = build_tokenizer(chat_template)
    model = build_model(len(tokenizer))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


# Small and fast for the tiny model: 4 sequences a step, no checkpointing of activations.
QUICK = Recipe(
    learning_rate=5e-3,
    effective_batch=4,
    per_device_batch=4,
    max_length=256,
    gradient_checkpointing=False,
    warmup_ratio=0.0,
    logging_steps=1,
    save_steps=2,
)
