"""The WildLlama recipe: the paper's fine-tuning hyperparameters (§5), each one overridable.

WildLlama was Llama-2 7B fine-tuned "for direct comparison" with Vicuna, with FastChat's Vicuna
settings: an effective batch of 128 conversations, learning rate 2e-5, sequences of at most 2,048
tokens (longer conversations split), 3 epochs. FastChat's published Vicuna settings add a cosine
schedule with 3 % warmup, no weight decay and bf16. The per-device batch of 2 is FastChat's; the
gradient accumulation steps are derived so that devices x per-device batch x accumulation = 128.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Precision = Literal["auto", "bf16", "fp16", "fp32"]
PRECISIONS: tuple[Precision, ...] = ("auto", "bf16", "fp16", "fp32")


@dataclass(frozen=True, slots=True)
class LoraOptions:
    """Low-rank adapters through peft instead of full fine-tuning (a fraction of the memory)."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | tuple[str, ...] = "all-linear"


@dataclass(frozen=True, slots=True)
class Recipe:
    learning_rate: float = 2e-5
    epochs: float = 3.0
    effective_batch: int = 128  # conversations (pieces of split conversations) per optimizer step
    per_device_batch: int = 2
    max_length: int = 2048
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.03
    weight_decay: float = 0.0
    precision: Precision = "auto"  # auto: bf16 where the GPU supports it, fp32 otherwise
    gradient_checkpointing: bool = True
    packing: bool = False  # FastChat did not pack; on: TRL's padding-free best-fit packing
    max_steps: int = -1  # > 0 overrides epochs (smoke runs)
    save_steps: int = 500
    save_total_limit: int = 3
    logging_steps: int = 10
    seed: int = 42
    lora: LoraOptions | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # any other SFTConfig field, as given

    def __post_init__(self) -> None:
        checks = {
            "learning rate": self.learning_rate > 0,
            "epochs": self.epochs > 0,
            "effective batch": self.effective_batch >= 1,
            "per-device batch": self.per_device_batch >= 1,
            "max length": self.max_length >= 16,
            "warmup ratio": 0 <= self.warmup_ratio < 1,
            "save steps": self.save_steps >= 1,
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise ValueError(f"invalid training settings: {', '.join(wrong)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")

    def gradient_accumulation(self, world_size: int) -> int:
        """Accumulation steps that bring devices x per-device batch as close to the effective batch."""
        return max(1, math.ceil(self.effective_batch / (self.per_device_batch * world_size)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def world_size() -> int:
    """Processes taking part (set by `accelerate launch` / torchrun), 1 when run directly."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def resolve_precision(precision: Precision) -> Literal["bf16", "fp16", "fp32"]:
    if precision != "auto":
        return precision
    import torch

    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"
