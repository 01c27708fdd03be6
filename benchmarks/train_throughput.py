"""Training throughput of a ~1B-parameter Llama-architecture model: tokens/s and MFU on one GPU.

    python benchmarks/train_throughput.py                      # the 1.1B model on the GPU
    python benchmarks/train_throughput.py --micro-batch 4 --gradient-checkpointing --compile
    python benchmarks/train_throughput.py --tiny               # a 2-layer model on the CPU: checks the script
    python benchmarks/train_throughput.py --json results.json

What it measures. The optimizer step `wildchat train` repeats, on random weights and random
tokens (the speed of a step does not depend on their values): forward, loss over every token,
backward and AdamW, in bf16 autocast over fp32 master weights as TRL's trainer runs with
``bf16=True``, with SDPA or FlashAttention-2 (``--attn``; flash_attention_2 when the
``flash-attn`` package is installed). Every row is ``--seq-len`` tokens of packed sequences: with
FlashAttention-2 the rows hold documents of random lengths (mean ``--doc-len``) whose positions
restart at each boundary, so attention stays within a document as in padding-free packing; with
SDPA a row is one causal sequence, as TRL's "wrapped" packing gives. ``--warmup`` steps (kernel
selection, compilation, allocator growth) are not timed; then ``--steps`` steps are, each
synchronised with the device.

The model (``--size 1b``): Llama layout, hidden 2048, 16 layers, 32 heads with 8 key/value heads
(grouped-query attention), MLP 8192, vocabulary 32,000 (Llama-2's, WildLlama's base), untied
embeddings: 1.10B parameters.

MFU (model FLOPs utilisation) = achieved model FLOPs / the device's peak dense bf16 FLOPs. Model
FLOPs per token follow the PaLM paper's appendix B: 6 N (forward and backward through every
weight matrix, N = all parameters but the input embedding, which is a lookup) + 12 L H Q T
(attention scores and values: layers, heads, head size, sequence length; with packed documents
T is the mean document length the attention actually spans). Recomputation under gradient
checkpointing does not count, so MFU is comparable across settings. Peak FLOPs are looked up from
the device name (H100 SXM/H200 989 TF, H100 PCIe 756 TF, A100 312 TF, L40S 362 TF) or given with
``--peak-tflops``; on a CPU MFU is shown only when ``--peak-tflops`` is given.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

PEAK_BF16_TFLOPS = {  # dense, without sparsity
    "H200": 989.4,
    "H100 SXM": 989.4,
    "H100 80GB HBM3": 989.4,
    "H100 PCIe": 756.0,
    "H100 NVL": 835.0,
    "H100": 989.4,
    "A100": 312.0,
    "L40S": 362.0,
    "A10G": 125.0,
}

SIZES: dict[str, dict[str, int]] = {
    "1b": {
        "hidden_size": 2048,
        "intermediate_size": 8192,
        "num_hidden_layers": 16,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "vocab_size": 32000,
    },
    "tiny": {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 512,
    },
}


@dataclass
class Result:
    device: str
    size: str
    parameters: int
    attention: str
    dtype: str
    seq_len: int
    micro_batch: int
    gradient_checkpointing: bool
    compiled: bool
    packed_documents: bool
    steps: int
    step_s: float
    tokens_per_s: float
    model_tflops_per_s: float
    peak_tflops: float | None
    mfu: float | None
    peak_memory_gib: float | None
    final_loss: float


def peak_tflops(device_name: str) -> float | None:
    for name, value in PEAK_BF16_TFLOPS.items():
        if name in device_name:
            return value
    return None


def default_attention(device: torch.device) -> str:
    if device.type == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def build_model(size: str, seq_len: int, attention: str, device: torch.device) -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        **SIZES[size],
        max_position_embeddings=max(seq_len, 2048),
        tie_word_embeddings=False,
        attn_implementation=attention,
    )
    torch.manual_seed(0)
    with torch.device(device):
        model = LlamaForCausalLM(config)
    return model


def flops_per_token(model: Any, attention_span: float) -> float:
    config = model.config
    embedding = model.get_input_embeddings().weight.numel()
    matmul_params = sum(p.numel() for p in model.parameters()) - embedding
    head_dim = config.hidden_size // config.num_attention_heads
    attention = 12 * config.num_hidden_layers * config.num_attention_heads * head_dim * attention_span
    return 6 * matmul_params + attention


def document_positions(rows: int, seq_len: int, mean_length: int, generator: torch.Generator) -> torch.Tensor:
    """Position ids restarting at random document boundaries (lengths ~ exponential around the mean)."""
    positions = torch.empty(rows, seq_len, dtype=torch.long)
    for row in range(rows):
        filled = 0
        while filled < seq_len:
            length = max(16, int(torch.empty(1).exponential_(1 / mean_length, generator=generator).item()))
            length = min(length, seq_len - filled)
            positions[row, filled : filled + length] = torch.arange(length)
            filled += length
    return positions


def mean_span(positions: torch.Tensor) -> float:
    """The mean number of keys a query attends to, times two (the formula's T counts full rows)."""
    return float((positions.float() + 1).mean().item() * 2)


def run(args: argparse.Namespace) -> Result:
    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    size = "tiny" if args.tiny else args.size
    attention = args.attn or default_attention(device)
    use_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported() and not args.fp32
    model = build_model(size, args.seq_len, attention, device)
    model.config.use_cache = False  # training: no key/value cache
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.0, fused=device.type == "cuda")
    step_fn = torch.compile(model) if args.compile else model

    generator = torch.Generator().manual_seed(0)
    vocab = model.config.vocab_size
    batches = []
    packed = attention.startswith("flash_attention")
    for _ in range(4):  # a few distinct batches, cycled
        ids = torch.randint(0, vocab, (args.micro_batch, args.seq_len), generator=generator)
        batch: dict[str, torch.Tensor] = {"input_ids": ids, "labels": ids.clone()}
        if packed:
            batch["position_ids"] = document_positions(
                args.micro_batch, args.seq_len, args.doc_len, generator
            )
        batches.append({name: tensor.to(device) for name, tensor in batch.items()})
    span = mean_span(batches[0]["position_ids"].cpu()) if packed else float(args.seq_len)

    def step(index: int) -> float:
        batch = batches[index % len(batches)]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
            loss = step_fn(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return float(loss.detach())

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    for index in range(args.warmup):
        step(index)
    sync()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    loss = math.nan
    for index in range(args.steps):
        loss = step(index)
    sync()
    elapsed = time.perf_counter() - started

    tokens_per_s = args.steps * args.micro_batch * args.seq_len / elapsed
    achieved = tokens_per_s * flops_per_token(model, span) / 1e12
    name = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else f"CPU ({platform.processor() or platform.machine()})"
    )
    peak = args.peak_tflops or (peak_tflops(name) if device.type == "cuda" else None)
    return Result(
        device=name,
        size=size,
        parameters=parameters,
        attention=attention,
        dtype="bf16 autocast" if use_bf16 else "fp32",
        seq_len=args.seq_len,
        micro_batch=args.micro_batch,
        gradient_checkpointing=args.gradient_checkpointing,
        compiled=args.compile,
        packed_documents=packed,
        steps=args.steps,
        step_s=elapsed / args.steps,
        tokens_per_s=tokens_per_s,
        model_tflops_per_s=achieved,
        peak_tflops=peak,
        mfu=achieved / peak if peak else None,
        peak_memory_gib=torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None,
        final_loss=loss,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="1b")
    parser.add_argument(
        "--tiny", action="store_true", help="a 2-layer model, short rows, few steps: runs on a CPU"
    )
    parser.add_argument("--seq-len", type=int, default=None, help="tokens per row [2048; 128 with --tiny]")
    parser.add_argument("--micro-batch", type=int, default=None, help="rows per step [8; 2 with --tiny]")
    parser.add_argument("--steps", type=int, default=None, help="timed steps [20; 5 with --tiny]")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first [5; 1 with --tiny]")
    parser.add_argument(
        "--doc-len", type=int, default=600, help="mean packed document length (FlashAttention)"
    )
    parser.add_argument("--attn", choices=["sdpa", "flash_attention_2", "eager"], default=None)
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast")
    parser.add_argument("--cpu", action="store_true", help="run on the CPU even when a GPU is present")
    parser.add_argument("--peak-tflops", type=float, default=None, help="the device's peak for MFU")
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = parser.parse_args(argv)
    tiny = args.tiny
    args.seq_len = args.seq_len or (128 if tiny else 2048)
    args.micro_batch = args.micro_batch or (2 if tiny else 8)
    args.steps = args.steps or (5 if tiny else 20)
    args.warmup = args.warmup if args.warmup is not None else (1 if tiny else 5)
    if tiny:
        args.doc_len = min(args.doc_len, args.seq_len // 2)
    return args


def _count(parameters: int) -> str:
    return f"{parameters / 1e9:.2f}B" if parameters >= 1e8 else f"{parameters / 1e6:.2f}M"


def main(argv: list[str] | None = None) -> Result:
    args = parse_args(argv)
    result = run(args)
    mfu = f"{100 * result.mfu:.1f} %" if result.mfu is not None else "n/a (no --peak-tflops)"
    memory = f"{result.peak_memory_gib:.1f} GiB" if result.peak_memory_gib is not None else "n/a"
    packed = " (packed documents)" if result.packed_documents else ""
    switches = (
        f"checkpointing {'on' if result.gradient_checkpointing else 'off'}, "
        f"compile {'on' if result.compiled else 'off'}"
    )
    print(
        f"device           {result.device}\n"
        f"model            {result.size}: {_count(result.parameters)} parameters, "
        f"{result.attention}, {result.dtype}\n"
        f"batch            {result.micro_batch} x {result.seq_len} tokens{packed}, {switches}\n"
        f"step             {result.step_s * 1000:.1f} ms over {result.steps} steps "
        f"(loss {result.final_loss:.3f})\n"
        f"tokens/s         {result.tokens_per_s:,.0f}\n"
        f"model TFLOP/s    {result.model_tflops_per_s:.2f}\n"
        f"MFU              {mfu}\n"
        f"peak memory      {memory}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
