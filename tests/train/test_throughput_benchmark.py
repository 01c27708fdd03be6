"""benchmarks/train_throughput.py runs (on the CPU, --tiny) and counts what the GPU run will report."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import torch

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "train_throughput.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_throughput", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_1b_model_and_its_flops_per_token() -> None:
    bench = _module()
    model = bench.build_model("1b", 2048, "sdpa", torch.device("meta"))
    parameters = sum(p.numel() for p in model.parameters())
    assert 1.05e9 < parameters < 1.15e9
    # 6 N over the non-embedding weights, plus 12 L H Q T for attention (PaLM, appendix B).
    non_embedding = parameters - 32000 * 2048
    assert bench.flops_per_token(model, 2048.0) == 6 * non_embedding + 12 * 16 * 32 * 64 * 2048
    assert bench.peak_tflops("NVIDIA H100 80GB HBM3") == 989.4
    assert bench.peak_tflops("NVIDIA H100 PCIe") == 756.0


def test_the_loop_and_wildchat_trains_trainer_run_tiny_on_the_cpu(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    command = [sys.executable, str(SCRIPT), "--tiny", "--cpu", "--trainer", "--packing"]
    command += ["--peak-tflops", "1.0", "--json", str(out)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "trainer / loop" in run.stdout and "MFU" in run.stdout
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["tokens_per_s"] > 0 and 0 < result["mfu"] < 1
    trainer = result["trainer"]
    assert trainer["packing"] is True and trainer["sequences"] > 0
    assert trainer["tokens_per_s"] > 0 and 0 < trainer["mfu"] < 1
    # Packed conversations restart their positions: the mean span is well under a full 128-token row's.
    assert 2 < trainer["mean_span"] < 2 * 128
