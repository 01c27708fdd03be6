"""Supervised fine-tuning with TRL's SFTTrainer: the body of `wildchat train`.

The data reach the trainer already tokenized, with ``labels`` (IGNORE_INDEX on everything but the
assistant's replies, wildchat.train.masking), which TRL takes as they are; TRL's own
``assistant_only_loss`` would need ``{% generation %}`` markers that most models' templates lack.
The model is loaded by TRL from ``--base`` (``model_init_kwargs``), so ``accelerate launch`` with
an FSDP configuration shards it as it loads (docs/training.md). The fine-tuned model, its
tokenizer with the chat template it was trained on, and ``wildchat-train.json`` (recipe, data
statistics, final metrics) are written to ``--out``; checkpoints go to ``--out/checkpoint-N``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wildchat.records import Conversation
from wildchat.train.card import model_card
from wildchat.train.data import FilterOptions
from wildchat.train.prepare import PreparedData, prepare, read_dataset
from wildchat.train.recipe import Recipe, resolve_precision, world_size
from wildchat.train.templates import resolve_chat_template

SUMMARY_NAME = "wildchat-train.json"


class TrainSetupError(ValueError):
    """The job cannot start as asked (missing base model, checkpoints in the way …)."""


@dataclass(slots=True)
class TrainJob:
    dataset: Path
    base: Path
    out: Path
    format: str = "auto"
    recipe: Recipe = field(default_factory=Recipe)
    filters: FilterOptions = field(default_factory=FilterOptions)
    chat_template: str = "auto"  # auto | model | vicuna | a Jinja file
    resume: bool = False
    num_proc: int | None = None
    report_to: str = "none"
    attn_implementation: str | None = None  # None: transformers' default (SDPA)
    # Tests and library users may hand conversations over directly instead of a dataset path.
    conversations: Callable[[], Iterable[Conversation]] | None = None


@dataclass(frozen=True, slots=True)
class TrainResult:
    out: Path
    global_step: int
    train_loss: float
    losses: list[float]  # logged training losses, in order
    data: dict[str, Any]


def last_checkpoint(out: Path) -> Path | None:
    from transformers.trainer_utils import get_last_checkpoint

    if not out.is_dir():
        return None
    found = get_last_checkpoint(str(out))  # type: ignore[no-untyped-call]
    return Path(found) if found else None


def _check_job(job: TrainJob) -> Path | None:
    if not (job.base / "config.json").is_file():
        raise TrainSetupError(f"--base {job.base}: not a model folder (no config.json)")
    if job.conversations is None and not job.dataset.exists():
        raise TrainSetupError(f"no such dataset: {job.dataset}")
    checkpoint = last_checkpoint(job.out)
    if job.resume and checkpoint is None:
        raise TrainSetupError(f"--resume: no checkpoint-N folder in {job.out}")
    if not job.resume and checkpoint is not None:
        raise TrainSetupError(
            f"{job.out} already holds {checkpoint.name}: pass --resume to continue, or choose another --out"
        )
    return checkpoint


def sft_config(job: TrainJob) -> Any:
    """TRL's SFTConfig for the job: the recipe, the device's precision, the derived accumulation."""
    import torch
    from trl.trainer.sft_config import SFTConfig

    recipe = job.recipe
    precision = resolve_precision(recipe.precision)
    on_gpu = torch.cuda.is_available()
    model_kwargs: dict[str, Any] = {}
    if recipe.lora is not None and precision != "fp32":
        # Adapters train in fp32 inside peft; the frozen base can sit in half precision.
        model_kwargs["dtype"] = torch.bfloat16 if precision == "bf16" else torch.float16
    if job.attn_implementation:
        model_kwargs["attn_implementation"] = job.attn_implementation
    return SFTConfig(
        output_dir=str(job.out),
        learning_rate=recipe.learning_rate,
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps,
        per_device_train_batch_size=recipe.per_device_batch,
        gradient_accumulation_steps=recipe.gradient_accumulation(world_size()),
        lr_scheduler_type=recipe.lr_scheduler,
        warmup_steps=recipe.warmup_ratio,  # a float below 1 is a ratio of the total steps
        weight_decay=recipe.weight_decay,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=not on_gpu,
        activation_checkpointing=recipe.gradient_checkpointing,
        max_length=recipe.max_length,
        packing=recipe.packing,
        logging_steps=recipe.logging_steps,
        save_strategy="steps",
        save_steps=recipe.save_steps,
        save_total_limit=recipe.save_total_limit,
        seed=recipe.seed,
        data_seed=recipe.seed,
        report_to=job.report_to,
        model_init_kwargs=model_kwargs or None,
        dataset_num_proc=job.num_proc,
        ddp_find_unused_parameters=False,  # every parameter takes part in every step
        **recipe.extra,
    )


def _peft_config(job: TrainJob) -> Any:
    if job.recipe.lora is None:
        return None
    from peft import LoraConfig

    lora = job.recipe.lora
    targets = lora.target_modules if isinstance(lora.target_modules, str) else list(lora.target_modules)
    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )


@dataclass(frozen=True, slots=True)
class PreparedRun:
    trainer: Any  # trl.SFTTrainer
    data: PreparedData
    checkpoint: Path | None  # the one to resume from


def build_trainer(job: TrainJob) -> PreparedRun:
    """Check the job, prepare the data and set up TRL's trainer, without training yet."""
    from transformers import AutoTokenizer
    from trl.trainer.sft_trainer import SFTTrainer

    checkpoint = _check_job(job)
    tokenizer = AutoTokenizer.from_pretrained(str(job.base))
    template = resolve_chat_template(tokenizer, job.chat_template)
    tokenizer.chat_template = template  # saved with the model: generation uses the same layout
    data = _prepare_in_out(job, tokenizer, template)
    trainer = SFTTrainer(
        # Absolute, so that a LoRA adapter's config names a base that loads from any folder.
        model=str(job.base.resolve()),
        args=sft_config(job),
        train_dataset=data.dataset,
        processing_class=tokenizer,
        peft_config=_peft_config(job),
    )
    return PreparedRun(trainer, data, checkpoint)


def train(job: TrainJob) -> TrainResult:
    """Prepare the data, fine-tune the base model, save it with its tokenizer; see the module doc."""
    run = build_trainer(job)
    trainer = run.trainer
    output = trainer.train(resume_from_checkpoint=str(run.checkpoint) if run.checkpoint else None)
    trainer.save_model(str(job.out))
    losses = [float(entry["loss"]) for entry in trainer.state.log_history if "loss" in entry]
    result = TrainResult(job.out, output.global_step, float(output.training_loss), losses, run.data.stats)
    if trainer.is_world_process_zero():
        _write_summary(job, trainer.args, result)
    return result


def _prepare_in_out(job: TrainJob, tokenizer: Any, template: str) -> PreparedData:
    """_prepare_once in --out; a job refused there (no data left after the filters …) leaves no
    folder behind that it made, so the same command can be run again as it is."""
    import shutil

    made = next((p for p in (job.out, job.out / "prepared") if not p.exists()), None)
    job.out.mkdir(parents=True, exist_ok=True)
    try:
        return _prepare_once(job, tokenizer, template)
    except BaseException:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
        raise


def _prepare_once(job: TrainJob, tokenizer: Any, template: str) -> PreparedData:
    """The main process reads and filters the dataset; the others (multi-GPU) reuse its files."""
    import torch
    from accelerate import PartialState

    # cpu=True on a machine without GPUs, or each of torchrun's CPU processes thinks it is alone.
    state = PartialState(cpu=not torch.cuda.is_available())
    with state.main_process_first():
        if state.is_main_process:
            conversations = (
                job.conversations() if job.conversations else read_dataset(job.dataset, job.format)
            )
        else:
            conversations = None
        return prepare(
            conversations,
            tokenizer,
            template,
            max_length=job.recipe.max_length,
            filters=job.filters,
            work_dir=job.out / "prepared",
            num_proc=job.num_proc,
        )


def _write_summary(job: TrainJob, config: Any, result: TrainResult) -> None:
    summary = {
        "base": str(job.base.resolve()),
        "dataset": str(job.dataset.resolve()),
        "format": job.format,
        "chat_template": job.chat_template,
        "recipe": job.recipe.to_dict(),
        "world_size": world_size(),
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "effective_batch": config.gradient_accumulation_steps
        * config.per_device_train_batch_size
        * world_size(),
        "precision": "bf16" if config.bf16 else "fp16" if config.fp16 else "fp32",
        "data": result.data,
        "global_step": result.global_step,
        "train_loss": result.train_loss,
        "losses": result.losses,
    }
    path = job.out / SUMMARY_NAME
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    # Replaces the card TRL writes at each checkpoint, which names a local base model "None".
    (job.out / "README.md").write_text(model_card(summary, job.out), encoding="utf-8")
