"""Training throughput of a ~1B-parameter Llama-architecture model: tokens/s and MFU on one GPU.

    python benchmarks/train_throughput.py                      # the 1.1B model on the GPU
    python benchmarks/train_throughput.py --micro-batch 4 --gradient-checkpointing --compile
    python benchmarks/train_throughput.py --tiny               # a 2-layer model on the CPU: checks the script
    python benchmarks/train_throughput.py --trainer            # also `wildchat train` itself, beside the loop
    python benchmarks/train_throughput.py --json results.json

What it measures. The optimizer step `wildchat train` repeats, on random weights and random
tokens (the speed of a step does not depend on their values): forward, loss over every token,
backward and AdamW, in bf16 autocast over fp32 master weights as TRL's trainer runs with
``bf16=True``, with SDPA, FlashAttention-2 or flex attention (``--attn``; flash_attention_2
when the ``flash-attn`` package is installed, else SDPA). Every row is ``--seq-len`` tokens of
packed sequences: with FlashAttention-2 or flex attention the rows hold documents of random
lengths (mean ``--doc-len``) whose positions restart at each boundary, so attention stays within
a document as in padding-free packing; with SDPA a row is one causal sequence, as TRL's "wrapped"
packing gives. ``--warmup`` steps (kernel
selection, compilation, allocator growth) are not timed; then ``--steps`` steps are, each
synchronised with the device.

With ``--trainer`` it then times ``wildchat train``'s own trainer (TRL's SFTTrainer as
``wildchat.train.sft.build_trainer`` sets it up, data preparation and all) on the same model and
synthetic conversations of mean length ``--doc-len``, ``--micro-batch`` conversations (or packed
rows with ``--packing``) per step, and prints its tokens/s and MFU beside the loop's: the ratio is
what the trainer's data path, masking and bookkeeping cost. It counts the tokens the model is fed,
padding left out.

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
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # --trainer uses the tests' tokenizer and conversations

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


# Attention that reads document boundaries from restarting position ids and skips the blocks
# between documents: the loop feeds these packed rows (padding-free packing, as TRL's).
PACKED_ATTENTION = ("flash_attention_2", "flex_attention")


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
    packed = attention in PACKED_ATTENTION
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


@dataclass
class TrainerResult:
    packing: bool
    sequences: int  # training sequences in the prepared data
    steps: int
    tokens_per_s: float  # tokens fed to the model, padding left out
    mean_span: float  # the attention span T of the FLOPs formula, measured on the batches
    model_tflops_per_s: float
    mfu: float | None
    ratio_to_loop: float  # trainer tokens/s over the loop's


def synthetic_conversations(count: int, mean_tokens: int, seed: int = 0) -> list[Any]:
    """Conversations of 1-3 rounds whose lengths scatter (exponentially) around ``mean_tokens``."""
    import random

    from tests.train.conversations import conversation
    from tests.train.tiny import CORPUS

    words = " ".join(CORPUS).split()
    rng = random.Random(seed)
    made = []
    for number in range(count):
        rounds = rng.choice((1, 1, 2, 3))
        budget = max(8, int(rng.expovariate(1 / mean_tokens)))
        per_round = max(4, budget // rounds)  # a word is about one token of the test tokenizer
        made.append(
            conversation(
                number,
                [(_words(rng, words, per_round // 4), _words(rng, words, per_round)) for _ in range(rounds)],
            )
        )
    return made


def _words(rng: Any, words: list[str], count: int) -> str:
    return " ".join(rng.choices(words, k=count))


class _Meter:
    """Counts what the model is fed once the timed steps begin: tokens and their attention spans."""

    def __init__(self) -> None:
        self.counting = False
        self.tokens = 0
        self.span_sum = 0.0

    def __call__(self, _module: Any, _args: Any, kwargs: dict[str, Any]) -> None:
        if not self.counting:
            return
        ids = kwargs["input_ids"]
        positions = kwargs.get("position_ids")
        mask = kwargs.get("attention_mask")
        real = mask.bool() if mask is not None else torch.ones_like(ids, dtype=torch.bool)
        if positions is None:  # one conversation per row, padded on the right
            positions = torch.arange(ids.shape[1], device=ids.device).expand_as(ids)
        self.tokens += int(real.sum())
        self.span_sum += float(((positions.float() + 1) * 2)[real].sum())


def run_trainer(args: argparse.Namespace, loop: Result) -> TrainerResult:
    """Time `wildchat train`'s trainer (see the module doc) on the loop's model and device."""
    import tempfile

    from tests.train.tiny import build_tokenizer
    from transformers import TrainerCallback

    from wildchat.train.recipe import Recipe
    from wildchat.train.sft import TrainJob, build_trainer

    size = "tiny" if args.tiny else args.size
    total_steps = args.warmup + args.steps
    per_row = max(1, args.seq_len // args.doc_len) if args.packing else 1
    data = synthetic_conversations(int(total_steps * args.micro_batch * per_row * 1.5) + 8, args.doc_len)
    meter = _Meter()
    clock: dict[str, float] = {}

    def sync() -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()

    class Timer(TrainerCallback):  # type: ignore[misc]
        def on_step_begin(self, _args: Any, state: Any, _control: Any, **_: Any) -> None:
            if state.global_step == args.warmup and "start" not in clock:
                sync()
                meter.counting = True
                clock["start"] = time.perf_counter()

        def on_train_end(self, _args: Any, _state: Any, _control: Any, **_: Any) -> None:
            sync()
            clock["end"] = time.perf_counter()

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base"
        build_model(size, args.seq_len, loop.attention, torch.device("cpu")).save_pretrained(base)
        build_tokenizer().save_pretrained(base)
        recipe = Recipe(
            per_device_batch=args.micro_batch,
            effective_batch=args.micro_batch,
            max_length=args.seq_len,
            max_steps=total_steps,
            warmup_ratio=0.0,
            precision="fp32" if args.fp32 or loop.dtype == "fp32" else "bf16",
            gradient_checkpointing=args.gradient_checkpointing,
            packing=args.packing,
            save_steps=10**9,
            logging_steps=10**9,
        )
        job = TrainJob(
            Path("synthetic"),
            base,
            Path(folder) / "out",
            recipe=recipe,
            conversations=lambda: data,
            attn_implementation=loop.attention,
        )
        run = build_trainer(job)
        run.trainer.add_callback(Timer())
        run.trainer.model.register_forward_pre_hook(meter, with_kwargs=True)
        run.trainer.train()
    elapsed = clock["end"] - clock["start"]
    tokens_per_s = meter.tokens / elapsed
    span = meter.span_sum / max(1, meter.tokens)
    probe = build_model(size, 64, loop.attention, torch.device("meta"))
    achieved = tokens_per_s * flops_per_token(probe, span) / 1e12
    return TrainerResult(
        packing=args.packing,
        sequences=int(run.data.stats["sequences"]["sequences"]),
        steps=args.steps,
        tokens_per_s=tokens_per_s,
        mean_span=span,
        model_tflops_per_s=achieved,
        mfu=achieved / loop.peak_tflops if loop.peak_tflops else None,
        ratio_to_loop=tokens_per_s / loop.tokens_per_s,
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
        "--doc-len", type=int, default=600, help="mean document length (packed rows, --trainer)"
    )
    parser.add_argument(
        "--attn", choices=["sdpa", "flash_attention_2", "flex_attention", "eager"], default=None
    )
    parser.add_argument("--gradient-checkpointing", action="store_true")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--fp32", action="store_true", help="no bf16 autocast")
    parser.add_argument("--cpu", action="store_true", help="the loop on the CPU even with a GPU")
    parser.add_argument("--peak-tflops", type=float, default=None, help="the device's peak for MFU")
    parser.add_argument(
        "--trainer", action="store_true", help="also time `wildchat train`'s trainer (TRL), beside the loop"
    )
    parser.add_argument("--packing", action="store_true", help="--trainer: pack conversations (padding-free)")
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
    if args.trainer and args.cpu and torch.cuda.is_available():
        raise SystemExit("--trainer runs where TRL's trainer puts it (the GPU here): leave out --cpu")
    result = run(args)
    trainer = None
    if args.trainer:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()  # the loop's model and optimizer are gone; give their memory back
        trainer = run_trainer(args, result)
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
    if trainer is not None:
        trainer_mfu = f"{100 * trainer.mfu:.1f} %" if trainer.mfu is not None else "n/a"
        rows = "packed" if trainer.packing else "one conversation per row"
        print(
            f"\nwildchat train   TRL's SFTTrainer, {rows}, {trainer.steps} timed steps\n"
            f"tokens/s         {trainer.tokens_per_s:,.0f} (mean attention span {trainer.mean_span:,.0f})\n"
            f"model TFLOP/s    {trainer.model_tflops_per_s:.2f}\n"
            f"MFU              {trainer_mfu}\n"
            f"trainer / loop   {trainer.ratio_to_loop:.2f}x tokens/s"
        )
    if args.json is not None:
        body = {**asdict(result), "trainer": asdict(trainer) if trainer is not None else None}
        args.json.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
