"""wildchat train on CPU: a tiny random Llama learns, batches carry loss on replies only, resume is exact."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from tests.train.conversations import ROUNDS, conversation, corpus
from tests.train.tiny import QUICK, save_base
from wildchat.cli import app
from wildchat.curate.export import export_release
from wildchat.train.data import FilterOptions
from wildchat.train.masking import IGNORE_INDEX, encode_conversation
from wildchat.train.recipe import LoraOptions, Recipe
from wildchat.train.sft import TrainJob, TrainSetupError, build_trainer, sft_config, train
from wildchat.train.templates import VICUNA_TEMPLATE

runner = CliRunner()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_base(tmp_path_factory.mktemp("base") / "tiny-llama")


def _job(base: Path, out: Path, recipe: Recipe = QUICK, **options: object) -> TrainJob:
    data = corpus(16)
    return TrainJob(
        dataset=Path("corpus"), base=base, out=out, recipe=recipe, conversations=lambda: data, **options
    )  # type: ignore[arg-type]


def test_recipe_defaults_are_the_papers() -> None:
    recipe = Recipe()
    assert (recipe.learning_rate, recipe.epochs, recipe.effective_batch, recipe.max_length) == (
        2e-5,
        3.0,
        128,
        2048,
    )
    assert recipe.lr_scheduler == "cosine" and recipe.warmup_ratio > 0 and recipe.weight_decay == 0
    assert recipe.gradient_accumulation(world_size=1) == 64  # 2 per device x 64 = 128
    assert recipe.gradient_accumulation(world_size=4) == 16  # the paper's 4 GPUs
    config = sft_config(TrainJob(Path("d"), Path("b"), Path("/tmp/unused-out")))
    assert config.learning_rate == 2e-5 and config.num_train_epochs == 3 and config.max_length == 2048
    assert config.gradient_accumulation_steps * config.per_device_train_batch_size == 128
    assert config.lr_scheduler_type == "cosine" and config.warmup_steps == 0.03
    assert config.bf16 is (torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    with pytest.raises(ValueError, match="learning rate"):
        Recipe(learning_rate=0)


def test_trainer_batches_carry_loss_on_replies_only(base: Path, tmp_path: Path) -> None:
    run = build_trainer(_job(base, tmp_path / "out"))
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base))
    expected = {}
    for item in corpus(16):
        messages = [{"role": m.role, "content": m.content} for m in item.conversation]
        encoded = encode_conversation(tokenizer, VICUNA_TEMPLATE, messages)
        expected[tuple(encoded.input_ids)] = encoded.labels
    batch = next(iter(run.trainer.get_train_dataloader()))
    for ids, labels, mask in zip(batch["input_ids"], batch["labels"], batch["attention_mask"], strict=True):
        length = int(mask.sum())
        assert expected[tuple(ids[:length].tolist())] == labels[:length].tolist()
        assert (labels[length:] == IGNORE_INDEX).all()  # padding carries no loss
        replies = tokenizer.decode([t for t, label in zip(ids, labels, strict=True) if label != IGNORE_INDEX])
        assert "USER:" not in replies and "ASSISTANT:" not in replies and replies.endswith("</s>")


def test_training_loss_decreases(base: Path, tmp_path: Path) -> None:
    recipe = replace(QUICK, max_steps=10, learning_rate=1e-2, lr_scheduler="constant", save_steps=100)
    result = train(_job(base, tmp_path / "out", recipe))
    assert result.global_step == 10 and len(result.losses) == 10
    assert result.losses[-1] < 0.6 * result.losses[0]
    summary = json.loads((tmp_path / "out" / "wildchat-train.json").read_text())
    assert summary["data"]["sequences"]["sequences"] == 16 and summary["effective_batch"] == 4
    saved = json.loads((tmp_path / "out" / "tokenizer_config.json").read_text())
    template = saved.get("chat_template") or (tmp_path / "out" / "chat_template.jinja").read_text()
    assert template == VICUNA_TEMPLATE  # generation will use the layout the model learnt


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def test_resume_from_a_checkpoint_continues_exactly(base: Path, tmp_path: Path) -> None:
    recipe = replace(QUICK, max_steps=4)
    straight = train(_job(base, tmp_path / "straight", recipe))
    assert (tmp_path / "straight" / "checkpoint-2").is_dir()
    # An interrupted run: only the step-2 checkpoint survived.
    shutil.copytree(tmp_path / "straight" / "checkpoint-2", tmp_path / "resumed" / "checkpoint-2")
    resumed = train(_job(base, tmp_path / "resumed", recipe, resume=True))
    assert resumed.global_step == straight.global_step == 4
    # The resumed log starts with the checkpoint's two entries; steps 3 and 4 are trained again.
    assert resumed.losses == pytest.approx(straight.losses, rel=1e-5)
    a, b = _weights(tmp_path / "straight"), _weights(tmp_path / "resumed")
    assert a.keys() == b.keys() and all(torch.allclose(a[name], b[name], atol=1e-6) for name in a)
    untrained = _weights(base)
    assert not all(torch.equal(a[name], untrained[name]) for name in a)


def test_checkpoints_and_resume_are_checked(base: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainSetupError, match="no checkpoint-N folder"):
        build_trainer(_job(base, tmp_path / "fresh", resume=True))
    (tmp_path / "used" / "checkpoint-6").mkdir(parents=True)
    with pytest.raises(TrainSetupError, match="pass --resume"):
        build_trainer(_job(base, tmp_path / "used"))
    with pytest.raises(TrainSetupError, match="not a model folder"):
        build_trainer(_job(tmp_path, tmp_path / "other"))


def test_lora_trains_adapters_only_and_they_load_from_anywhere(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from wildchat.train.generate import LocalResponder

    monkeypatch.chdir(base.parent)  # the base given as a relative path, as a user types it
    recipe = replace(QUICK, max_steps=2, lora=LoraOptions(r=4, alpha=8))
    result = train(_job(Path(base.name), tmp_path / "lora", recipe))
    assert result.global_step == 2
    adapter = json.loads((tmp_path / "lora" / "adapter_config.json").read_text())
    assert adapter["r"] == 4 and adapter["peft_type"] == "LORA"
    assert adapter["base_model_name_or_path"] == str(base.resolve())
    weights = load_file(str(tmp_path / "lora" / "adapter_model.safetensors"))
    assert weights and all("lora_" in name for name in weights)
    assert not (tmp_path / "lora" / "model.safetensors").exists()
    card = (tmp_path / "lora" / "README.md").read_text()
    assert "library_name: peft" in card and str(base.resolve()) in card and "None" not in card

    monkeypatch.chdir(tmp_path)  # eval's --local loads the adapters on their base from elsewhere
    responder = LocalResponder(tmp_path / "lora", device="cpu")
    reply = asyncio.run(responder.reply([{"role": "user", "content": "hi"}], temperature=0, max_tokens=3))
    assert isinstance(reply, str)
    assert type(responder.model).__name__.startswith("PeftModel") or hasattr(responder.model, "peft_config")


def test_train_command_on_our_own_export(base: Path, tmp_path: Path) -> None:
    toxic = [conversation(100 + n, ROUNDS[:2], toxic=True) for n in range(3)]
    export_release([*corpus(12), *toxic], tmp_path / "release")
    result = runner.invoke(
        app,
        [
            "train", str(tmp_path / "release" / "full"),
            "--base", str(base), "--out", str(tmp_path / "model"),
            "--max-steps", "2", "--effective-batch", "4", "--per-device-batch", "4", "--max-length", "256",
            "--no-gradient-checkpointing", "--learning-rate", "1e-3", "--min-turns", "2",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "trained 2 steps on 12 sequences (12 of 15 conversations)" in result.output
    stats = json.loads((tmp_path / "model" / "prepared" / "stats.json").read_text())
    assert stats["filter"] == {"read": 15, "kept": 12, "dropped": {"toxic": 3}}
    assert (tmp_path / "model" / "model.safetensors").is_file()
    card = (tmp_path / "model" / "README.md").read_text()
    assert "library_name: transformers" in card and "None" not in card
    assert "| conversations kept | 12 (dropped: toxic 3) |" in card
    assert f"WILDCHAT_EMBEDDED_MODEL_PATH={tmp_path / 'model'} wildchat serve" in card

    again = runner.invoke(
        app,
        ["train", str(tmp_path / "release" / "full"), "--base", str(base), "--out", str(tmp_path / "model")],
    )
    assert again.exit_code == 2 and "pass --resume" in again.output


def test_train_command_reports_empty_data_and_bad_input(base: Path, tmp_path: Path) -> None:
    export_release(corpus(4), tmp_path / "release")
    empty = runner.invoke(
        app,
        ["train", str(tmp_path / "release" / "full"), "--base", str(base), "--out", str(tmp_path / "m"),
         "--language", "Klingon"],
    )  # fmt: skip
    assert empty.exit_code == 2
    assert "no conversation left to train on: 4 read, dropped: language 4" in empty.output
    assert not (tmp_path / "m").exists()  # nothing left behind: the command can be rerun as it is
    missing = runner.invoke(
        app, ["train", str(tmp_path / "nothing"), "--base", str(base), "--out", str(tmp_path / "m2")]
    )
    assert (
        missing.exit_code == 2 and "no such dataset" in missing.output and "Traceback" not in missing.output
    )


def test_filters_reach_the_prepared_data(base: Path, tmp_path: Path) -> None:
    data = [*corpus(8), conversation(50, ROUNDS[:1], language="French")]
    job = TrainJob(
        dataset=Path("x"),
        base=base,
        out=tmp_path / "out",
        recipe=QUICK,
        filters=FilterOptions.build(languages=["English"], dedup_first_prompts=True),
        conversations=lambda: data,
    )
    run = build_trainer(job)
    # corpus(8) cycles through 6 opening prompts: two are repeats.
    assert run.data.stats["filter"] == {
        "read": 9, "kept": 6, "dropped": {"duplicate_first_prompt": 2, "language": 1}
    }  # fmt: skip
    assert len(run.trainer.train_dataset) == 6


@pytest.mark.slow
def test_two_processes_train_one_job(base: Path, tmp_path: Path) -> None:
    # As `accelerate launch`/torchrun start a multi-GPU job: here two CPU processes (gloo). The main
    # process prepares the data, the other reuses it; the effective batch counts both.
    export_release(corpus(16), tmp_path / "release")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "wildchat.cli", "train", str(tmp_path / "release" / "full"), "--base", str(base),
        "--out", str(tmp_path / "out"), "--max-steps", "2", "--effective-batch", "8",
        "--per-device-batch", "4", "--max-length", "256", "--no-gradient-checkpointing",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=280, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "wildchat-train.json").read_text())
    assert (summary["world_size"], summary["gradient_accumulation_steps"], summary["effective_batch"]) == (
        2,
        1,
        8,
    )
    assert summary["global_step"] == 2 and summary["data"]["filter"]["kept"] == 16
    assert done.stderr.count("trained 2 steps") == 1  # one summary line, from rank 0
