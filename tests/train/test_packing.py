"""`wildchat train --packing`: conversations share rows, yet each attends only to itself.

TRL packs padding-free: a batch is one row of concatenated conversations whose position ids restart
at each one, and no attention mask. FlashAttention-2 reads the boundaries from the sequence
lengths; with SDPA and eager attention transformers builds a block-diagonal causal mask from the
position ids (flex_attention turns it into a block mask and skips the blocks between
conversations). These tests check that path on the CPU: packing needs no flash-attn.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

from tests.train.conversations import ROUNDS, corpus
from tests.train.tiny import QUICK, build_model, build_tokenizer, save_base
from wildchat.train.masking import encode_conversation
from wildchat.train.sft import TrainJob, build_trainer
from wildchat.train.templates import VICUNA_TEMPLATE


def _examples() -> list[dict[str, list[int]]]:
    tokenizer = build_tokenizer()
    examples = []
    for rounds in (ROUNDS[:2], ROUNDS[2:3], ROUNDS[3:6]):
        messages = [
            {"role": role, "content": text}
            for question, answer in rounds
            for role, text in (("user", question), ("assistant", answer))
        ]
        encoded = encode_conversation(tokenizer, VICUNA_TEMPLATE, messages)
        examples.append({"input_ids": encoded.input_ids, "labels": encoded.labels})
    return examples


@pytest.mark.parametrize(
    "attention",
    ["sdpa", "eager", pytest.param("flex_attention", marks=pytest.mark.slow)],  # flex: ~40 s compiling
)
def test_packed_conversations_do_not_attend_to_each_other(attention: str) -> None:
    examples = _examples()
    model = build_model(len(build_tokenizer()))
    model.set_attn_implementation(attention)
    model.eval()
    packed = DataCollatorForLanguageModeling(pad_token_id=3, padding_free=True)(examples)
    assert packed["input_ids"].shape[0] == 1 and "attention_mask" not in packed
    with torch.no_grad():
        # TRL's trainer calls the model with use_cache=False; with a cache transformers would not look
        # for packed sequences.
        inputs = {"input_ids": packed["input_ids"], "position_ids": packed["position_ids"]}
        together = model(**inputs, use_cache=False).logits[0]
        alone = [model(input_ids=torch.tensor([e["input_ids"]])).logits[0] for e in examples]
        # The same row without restarting positions: one long sequence, the later ones see the earlier.
        mixed = model(input_ids=packed["input_ids"]).logits[0]
    assert torch.allclose(together, torch.cat(alone), atol=1e-5)
    second = slice(len(examples[0]["input_ids"]), None)
    assert not torch.allclose(mixed[second], torch.cat(alone[1:]), atol=1e-3)  # the check can fail


def test_training_with_packing_on_sdpa(tmp_path: Path) -> None:
    base = save_base(tmp_path / "base")
    data = corpus(16)
    recipe = replace(QUICK, effective_batch=2, per_device_batch=2, packing=True, max_steps=6)
    out = tmp_path / "out"
    job = TrainJob(
        Path("corpus"), base, out, recipe=recipe, conversations=lambda: data, attn_implementation="sdpa"
    )
    run = build_trainer(job)
    trainer = run.trainer
    seen: list[dict[str, object]] = []
    trainer.model.register_forward_pre_hook(
        lambda _module, _args, kwargs: seen.append(dict(kwargs)) if not seen else None, with_kwargs=True
    )
    output = trainer.train()
    assert output.global_step == 6
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert all(torch.isfinite(torch.tensor(losses))) and losses[-1] < losses[0]

    # The first batch the trainer fed the model, run again: each packed conversation's logits are
    # those it has alone.
    batch = seen[0]
    positions = batch["position_ids"]
    assert isinstance(positions, torch.Tensor) and batch.get("attention_mask") is None
    starts = [*(positions[0] == 0).nonzero().flatten().tolist(), positions.shape[1]]
    assert len(starts) > 2, "the batch should hold several conversations"
    model = trainer.model.eval()
    # Logits rather than TRL's fused loss: the same call without the labels and the fused head.
    dropped = {"labels", "fused_lm_head", "shift_labels", "num_items_in_batch"}
    keep = {k: v for k, v in batch.items() if k not in dropped}
    with torch.no_grad():
        together = model(**keep).logits[0]
        for start, end in itertools.pairwise(starts):
            alone = model(input_ids=batch["input_ids"][:, start:end], use_cache=False).logits[0]  # type: ignore[index]
            assert torch.allclose(together[start:end], alone, atol=1e-4)
