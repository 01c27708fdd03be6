"""The model card `wildchat train` leaves in --out (README.md), from the run's summary.

TRL writes a card of its own at each checkpoint, but for a base model in a local folder it names
the base "None" and says nothing of the data. This one says what a reader of the folder needs:
where the weights came from, on which data and with which recipe, how training went, and how to
serve and evaluate the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def _front_matter(summary: dict[str, Any]) -> str:
    lora = summary["recipe"].get("lora") is not None
    meta: dict[str, Any] = {
        "library_name": "peft" if lora else "transformers",
        "pipeline_tag": "text-generation",
        "tags": ["wildchat", "sft", "trl", *(["lora"] if lora else [])],
    }
    return "---\n" + str(yaml.safe_dump(meta, sort_keys=False)) + "---\n"


def _row(name: str, value: object) -> str:
    return f"| {name} | {value} |"


def _recipe_rows(summary: dict[str, Any]) -> list[str]:
    recipe = summary["recipe"]
    lora = recipe.get("lora")
    steps = recipe["max_steps"]
    length = f"{recipe['epochs']:g} epochs" if steps < 0 else f"{steps} optimizer steps (--max-steps)"
    rows = [
        _row("learning rate", recipe["learning_rate"]),
        _row("length", length),
        _row("effective batch", f"{summary['effective_batch']} sequences"),
        _row("maximum length", f"{recipe['max_length']} tokens"),
        _row("schedule", f"{recipe['lr_scheduler']}, warm-up {recipe['warmup_ratio']}"),
        _row("precision", summary["precision"]),
        _row("packing", "yes" if recipe["packing"] else "no"),
        _row("processes", summary["world_size"]),
        _row("chat template", summary["chat_template"]),
    ]
    if lora is not None:
        rows.append(_row("LoRA", f"r {lora['r']}, alpha {lora['alpha']}, dropout {lora['dropout']}"))
    return rows


def _data_rows(summary: dict[str, Any]) -> list[str]:
    kept = summary["data"]["filter"]
    sequences = summary["data"]["sequences"]
    dropped = ", ".join(f"{reason} {count:,}" for reason, count in kept["dropped"].items()) or "none"
    return [
        _row("conversations read", f"{kept['read']:,}"),
        _row("conversations kept", f"{kept['kept']:,} (dropped: {dropped})"),
        _row(
            "training sequences",
            f"{sequences['sequences']:,} ({sequences['split_conversations']:,} "
            "conversations split between turns)",
        ),
        _row("tokens", f"{sequences['tokens']:,}, of which {sequences['loss_tokens']:,} carry loss"),
    ]


def model_card(summary: dict[str, Any], out: Path) -> str:
    lora = summary["recipe"].get("lora") is not None
    what = "LoRA adapters (peft) for" if lora else "A fine-tuned version of"
    losses = summary["losses"]
    final = losses[-1] if losses else summary["train_loss"]
    lines = [
        _front_matter(summary),
        f"# {out.name}",
        "",
        f"{what} the model in `{summary['base']}`, trained by `wildchat train` on `{summary['dataset']}`"
        " with the WildLlama recipe: TRL's SFT trainer, loss on the assistant's replies only,"
        " conversations longer than the maximum length split between turns.",
    ]
    if lora:
        lines += ["", "The adapters load on top of that base model, which must stay where it is."]
    lines += [
        "",
        "## Training",
        "",
        "| setting | value |",
        "| --- | --- |",
        *_recipe_rows(summary),
        "",
        "## Data",
        "",
        "| | |",
        "| --- | --- |",
        *_data_rows(summary),
        "",
        f"Optimizer steps: {summary['global_step']:,}; final training loss: {final:.4f}. Every setting"
        " and count is in `wildchat-train.json`.",
        "",
        "## Use",
        "",
        "```bash",
        f"WILDCHAT_EMBEDDED_MODEL_PATH={out} wildchat serve   # chat with it, offered as `{out.name}`",
        f"wildchat eval generate question.jsonl --local {out}   # MT-bench-style answers",
        "```",
        "",
    ]
    return "\n".join(lines)
