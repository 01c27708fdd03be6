#!/usr/bin/env bash
# Issue 13's GPU measurement in one command, for a lent GPU machine (docs/training.md): the 1.10B
# Llama's training step (the loop) in a few settings, then `wildchat train`'s own trainer. Needs the
# wheels of scripts/device-wheels.sh in .whl/. Each result goes to $OUT/<name>.json, the log to
# $OUT/log.txt. A setting that fails (out of memory, a kernel missing) is reported and skipped.
set -uo pipefail
OUT=${OUT:-/tmp/train-throughput}
mkdir -p "$OUT"
PYTHON=${PYTHON:-python3}
# SKIP_WHEELS=1 BENCH_ARGS=--tiny PYTHON=.venv/bin/python: a dry run of this script on a CPU.
if [ "${SKIP_WHEELS:-0}" != 1 ]; then
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || { echo "wheel install failed" >&2; exit 1; }
fi
export PYTHONPATH="/tmp/site:$PWD/src:$PWD" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec > >(tee "$OUT/log.txt") 2>&1
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv || true
"$PYTHON" -c "import torch, transformers, trl; print('torch', torch.__version__, 'transformers', transformers.__version__, 'trl', trl.__version__)"

bench() {
    local name=$1
    shift
    if [ "$SECONDS" -gt "${BUDGET:-480}" ]; then
        echo "-- $name skipped: ${SECONDS}s gone"
        return
    fi
    echo "== $name: $*"
    # shellcheck disable=SC2086  # BENCH_ARGS is a list of options
    timeout "${BENCH_TIMEOUT:-150}" "$PYTHON" benchmarks/train_throughput.py --json "$OUT/$name.json" "$@" \
        ${BENCH_ARGS:-} | grep -v -E "it/s|examples/s"
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "!! $name failed"; rm -f "$OUT/$name.json"; }
}

# Most telling first: the device tool stops a command after 10 minutes, so later ones are skipped
# once BUDGET seconds have passed.
bench loop-sdpa-mb8
bench trainer-rows --trainer --steps 10 --warmup 3
bench trainer-packed-flex --trainer --packing --attn flex_attention --steps 10 --warmup 3
bench loop-sdpa-mb8-compile --compile
bench loop-flex-mb8-packed --attn flex_attention
bench loop-sdpa-mb16-ckpt --micro-batch 16 --gradient-checkpointing
bench trainer-packed-sdpa --trainer --packing --steps 10 --warmup 3
"$PYTHON" - "$OUT" <<'PY'
import json, pathlib, sys
rows = []
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    r = json.loads(path.read_text())
    t = r.get("trainer") or {}
    rows.append((path.stem, r["tokens_per_s"], r["mfu"], t.get("tokens_per_s"), t.get("mfu"), r["peak_memory_gib"]))
print(f"{'setting':28} {'loop tok/s':>11} {'loop MFU':>9} {'trainer tok/s':>14} {'trainer MFU':>12} {'GiB':>6}")
for name, a, b, c, d, m in rows:
    pct = lambda x: f"{100 * x:.1f} %" if x is not None else "-"
    print(f"{name:28} {a:>11,.0f} {pct(b):>9} {c or 0:>14,.0f} {pct(d):>12} {m or 0:>6.1f}")
PY
